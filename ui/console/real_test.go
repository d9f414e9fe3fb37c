package console_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/ui/console"
	"github.com/kidtime/kidtime/ui/i18n"
)

// TestFromFirstRunToRemoval drives the console of an administrator's
// session through the first run, a rule change, a grant, "Add a child" and
// the removal of the child, against the whole agent (agent/agenttest, at the
// real time), and checks with a second caller that the agent really has the
// PIN, the child and the rule, and then no child.
func TestFromFirstRunToRemoval(t *testing.T) {
	const account = agenttest.Kid
	w := agenttest.Start(t, agenttest.Options{})
	ctx := context.Background()

	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	win := test.NewWindow(nil)
	win.Resize(fyne.NewSize(1000, 700))
	t.Cleanup(win.Close)
	b := w.Client(agenttest.Dad) // the console's own client
	c := console.New(win, b, console.Options{Sync: true})
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Screen != "firstrun" {
		t.Fatalf("a fresh agent should open the first run, got %q", c.Screen)
	}
	fr := c.FirstRun
	test.Type(fr.PIN, "246810")
	test.Type(fr.PIN2, "246810")
	test.Tap(fr.Next)
	if fr.Step != 2 {
		t.Fatalf("setting the PIN: step %d, error %q", fr.Step, fr.Error.Text)
	}
	if !slices.Contains(fr.Account.Options, account) {
		t.Fatalf("the new standard account %q should be offered, got %q", account, fr.Account.Options)
	}
	if slices.Contains(fr.Account.Options, "root") || slices.Contains(fr.Account.Options, agenttest.Dad) {
		t.Errorf("an administrator's account must never be offered for a child: %q", fr.Account.Options)
	}
	year := time.Now().Year() - 10
	test.Type(fr.Name, "Lan")
	test.Type(fr.BirthYear, strconv.Itoa(year))
	fr.Account.SetSelected(account)
	test.Tap(fr.Next)
	if fr.Step != 3 || len(fr.PresetRows) != 4 {
		t.Fatalf("adding the child: step %d, error %q", fr.Step, fr.Error.Text)
	}
	test.Tap(fr.Next)
	test.Tap(fr.Next)
	if c.Screen != "main" {
		t.Fatalf("done should open the console, got %q", c.Screen)
	}

	// what the agent now knows, seen by another caller
	other := w.Client(agenttest.Mum)
	h, err := other.Health(ctx)
	if err != nil || !h.Setup {
		t.Fatalf("health after the first run: %+v, %v", h, err)
	}
	if _, err := other.Login(ctx, "246810"); err != nil {
		t.Fatalf("the PIN set in the console should log in: %v", err)
	}
	kids, err := other.Children(ctx)
	if err != nil || len(kids) != 1 || kids[0].Name != "Lan" || kids[0].BirthYear != year || !slices.Equal(kids[0].Accounts, []string{account}) || kids[0].DefaultProfile {
		t.Fatalf("children: %+v, %v", kids, err)
	}
	if cards := c.Main.Today.Cards; len(cards) != 1 {
		t.Errorf("Today should show one card, got %d", len(cards))
	}

	// a rule edited in the Rules tab and saved
	c.Main.Select(1)
	r := c.Main.Rules
	if r.Child.Selected != "Lan" || r.Days[0].Screen.Text() != "2 h" {
		t.Fatalf("the editor should show Lan's preset: child %q, Monday %q, error %q", r.Child.Selected, r.Days[0].Screen.Text(), r.Error.Text)
	}
	r.Days[2].Screen.Hours.SetSelected("1 h")
	r.Days[2].Screen.Minutes.SetSelected("30 min")
	r.Days[5].Hours.SetText("08:00-12:00, 14:00-20:00")
	test.Tap(r.Save)
	if r.Error.Text != "" || r.Result.Text == "" {
		t.Fatalf("save: error %q, result %q", r.Error.Text, r.Result.Text)
	}
	spec, err := other.ChildPolicy(ctx, "Lan")
	if err != nil {
		t.Fatal(err)
	}
	p, err := spec.Policy(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p.Screen[time.Wednesday] != 90*time.Minute || p.Screen[time.Monday] != 2*time.Hour {
		t.Errorf("the agent's policy: screen %v, want Wednesday 1h30m and Monday 2h", p.Screen)
	}
	if sat := p.Allowed[time.Saturday]; len(sat) != 2 || sat[1].String() != "14:00-20:00" {
		t.Errorf("the agent's Saturday hours: %v", sat)
	}

	// a bad value is refused in the form and never reaches the agent
	r.Days[0].Hours.SetText("25:00-26:00")
	test.Tap(r.Save)
	if r.Error.Text == "" {
		t.Error("an hour that does not exist should be refused")
	}
	if spec2, _ := other.ChildPolicy(ctx, "Lan"); spec2.Screen == nil || spec2.Screen.Days["mon"] != spec.Screen.Days["mon"] {
		t.Errorf("a refused form must not change the agent's policy")
	}

	// a grant from Today reaches the agent
	c.Main.Select(0)
	st, err := other.Status(ctx)
	if err != nil || len(st.Children) != 1 {
		t.Fatalf("status: %+v %v", st, err)
	}
	before := st.Children[0].ScreenLimitSec
	test.Tap(c.Main.Today.Cards[0].Plus15)
	st, _ = other.Status(ctx)
	if got := st.Children[0].ScreenLimitSec; got != before+15*60 {
		t.Errorf("+15 min: the agent's limit went from %d to %d", before, got)
	}
	// the Activity tab reads the sessions from the agent (none yet: the
	// child never used the computer)
	c.Main.Select(2)
	if a := c.Main.Activity; a.LateInfo.Text != "No use late at night in these days." || len(a.Top) != 0 {
		t.Errorf("activity against the agent: late %q, %d sessions, rows %d", a.LateInfo.Text, len(a.Top), len(a.Longest.Objects))
	}
	// and says so of the day on show, instead of "0 s of screen time"
	if a := c.Main.Activity; !strings.HasSuffix(a.DayInfo.Text, "your child did not use the computer that day.") {
		t.Errorf("an empty day: %q", a.DayInfo.Text)
	}

	// "Add a child" on Today: the account Lan claims is no longer offered
	c.Main.Select(0)
	test.Tap(c.Main.Today.AddChild)
	if c.Screen != "addchild" || slices.Contains(c.AddChild.Account.Options, account) || slices.Contains(c.AddChild.Account.Options, "root") {
		t.Errorf("add a child: screen %q, accounts offered %q (not %q, never root)", c.Screen, c.AddChild.Account.Options, account)
	}
	test.Tap(c.AddChild.Cancel)

	// removing Lan in Settings, once confirmed, removes the child from the agent
	c.Main.Select(5)
	s := c.Main.Settings
	s.Child.SetSelected("Lan")
	test.Tap(s.Erase)
	if s.RemoveConfirm == nil {
		t.Fatal("removing a child should ask first")
	}
	s.RemoveConfirm.Confirm()
	// Lan is gone; her account goes back to the default profile setup made.
	if kids, err := other.Children(ctx); err != nil || len(kids) != 1 || kids[0].Name != account || !kids[0].DefaultProfile {
		t.Errorf("after the removal: children %+v, %v; want only the account held by the default profile", kids, err)
	}
	if len(c.Main.Today.Cards) != 0 || !strings.Contains(c.Main.Today.Held.Text, account) {
		t.Errorf("Today shows %d cards and %q; want none, and the account named as held by the default profile", len(c.Main.Today.Cards), c.Main.Today.Held.Text)
	}
}
