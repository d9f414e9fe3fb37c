package console_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/ui/console"
)

// firstRun goes through the first run on w as Dad (an administrator),
// with An on the account "an"; it returns the console and the wire of its
// calls.
func firstRun(t *testing.T, w *agenttest.World) (*console.Console, *agenttest.Wire) {
	t.Helper()
	dad := w.Client(agenttest.Dad)
	wire := agenttest.Watch(dad)
	c := open(t, dad)
	fr := c.FirstRun
	test.Type(fr.PIN, "246810")
	test.Type(fr.PIN2, "246810")
	test.Tap(fr.Next)
	test.Type(fr.Name, "An")
	test.Type(fr.BirthYear, strconv.Itoa(now.Year()-12))
	fr.Account.SetSelected("an")
	test.Tap(fr.Next) // the preset
	test.Tap(fr.Next) // the summary
	test.Tap(fr.Next)
	if c.Screen != "main" || len(c.Main.Today.Cards) != 1 {
		t.Fatalf("the first run should end on Today with one card: screen %q, error %q", c.Screen, fr.Error.Text)
	}
	return c, wire
}

func TestAddAnotherChildAfterTheFirstRun(t *testing.T) {
	w := fresh(t)
	w.Users.Add("admin2", 51010, true)
	c, wire := firstRun(t, w)
	today := c.Main.Today
	if today.AddChild.Hidden || today.AddChild.Text != "Add a child" {
		t.Fatalf("Today should offer “Add a child”, got %q (hidden %v)", today.AddChild.Text, today.AddChild.Hidden)
	}

	// cancelled before anything is typed: back on the tabs, nothing added
	test.Tap(today.AddChild)
	if c.Screen != "addchild" {
		t.Fatalf("the button should open the child step, screen %q", c.Screen)
	}
	test.Tap(c.AddChild.Cancel)
	if n := wire.Count("POST", apitype.RouteChildren); c.Screen != "main" || n != 1 {
		t.Fatalf("cancel: screen %q, AddChild calls %d", c.Screen, n)
	}

	test.Tap(c.Main.Today.AddChild)
	a := c.AddChild
	if a.Step != 1 || a.Error.Text != "" {
		t.Fatalf("step %d, error %q", a.Step, a.Error.Text)
	}
	// only standard accounts that no child claims: not "an" (An's), not the admins
	if got, want := strings.Join(a.Account.Options, ","), "binh,guest,kid,mum"; got != want {
		t.Errorf("accounts offered = %q, want %s", got, want)
	}

	// nothing reaches the agent until the form reads
	a.Account.SetSelected("binh")
	test.Tap(a.Next)
	if a.Step != 1 || a.NameError.Text != lang.L("firstrun.needName") || !a.NameError.Visible() {
		t.Errorf("no name: step %d, error under the name %q", a.Step, a.NameError.Text)
	}
	test.Type(a.Name, "Bình")
	for _, year := range []string{"1990", strconv.Itoa(now.Year() + 1), "soon"} {
		a.BirthYear.SetText(year)
		test.Tap(a.Next)
		if a.Step != 1 || !strings.Contains(a.YearError.Text, strconv.Itoa(now.Year()-17)) || !strings.Contains(a.YearError.Text, strconv.Itoa(now.Year())) {
			t.Errorf("birth year %q: step %d, error under the year %q, want the range", year, a.Step, a.YearError.Text)
		}
	}
	if n := wire.Count("POST", apitype.RouteChildren); n != 1 {
		t.Fatalf("a refused form reached the agent: %d AddChild calls", n)
	}

	// the agent's refusal is shown in the form, in words
	a.Name.SetText("an")
	a.BirthYear.SetText(strconv.Itoa(now.Year() - 8))
	test.Tap(a.Next)
	if a.Step != 1 || !strings.Contains(a.NameError.Text, "already exists") {
		t.Errorf("a name already taken: step %d, error under the name %q (flow: %q)", a.Step, a.NameError.Text, a.Error.Text)
	}

	a.Name.SetText("Bình")
	test.Tap(a.Next)
	if a.Step != 2 || a.Error.Text != "" {
		t.Fatalf("a valid child should show the preset: step %d, error %q", a.Step, a.Error.Text)
	}
	if !a.Cancel.Hidden {
		t.Error("once the child is added there is nothing left to cancel")
	}
	preset := strings.Join(a.PresetRows, "\n")
	if len(a.PresetRows) != 4 || !strings.Contains(preset, " — ") {
		t.Errorf("the preset should show each number with its why:\n%s", preset)
	}
	test.Tap(a.Next)
	if c.Screen != "main" || c.Main.Tabs.SelectedIndex() != 0 {
		t.Fatalf("done should show Today: screen %q, tab %d", c.Screen, c.Main.Tabs.SelectedIndex())
	}
	var names []string
	for _, k := range c.Main.Today.Cards {
		names = append(names, k.Status.Name)
	}
	if !slices.Equal(names, []string{"An", "Bình"}) {
		t.Errorf("cards on Today = %q, want An and Bình", names)
	}
	if got := c.Main.Rules.Child.Options; !slices.Contains(got, "Bình") {
		t.Errorf("the Rules tab should know the new child: %q", got)
	}
	if k := spec(t, w, "Bình"); k.Name != "Bình" || k.BirthYear != now.Year()-8 || !slices.Equal(k.Accounts, []string{"binh"}) || k.Preset != "auto" {
		t.Errorf("the agent's new child: %+v", k)
	}

	// a third child: the accounts now claimed are no longer offered
	test.Tap(c.Main.Today.AddChild)
	if got, want := strings.Join(c.AddChild.Account.Options, ","), "guest,kid,mum"; got != want {
		t.Errorf("accounts offered for a third child = %q, want %s", got, want)
	}
}

func TestAddChildFromAnEmptyToday(t *testing.T) {
	w := fresh(t)
	if _, err := w.Client(agenttest.Root).Setup(ctxT(t), "246810"); err != nil {
		t.Fatal(err)
	}
	c := open(t, w.Client(agenttest.Dad))
	today := c.Main.Today
	if len(today.Cards) != 0 || !visible(today.AddFirstChild) {
		t.Fatalf("an empty Today should offer to add a child: %d cards", len(today.Cards))
	}
	test.Tap(today.AddFirstChild)
	if c.Screen != "addchild" || strings.Join(c.AddChild.Account.Options, ",") != "an,binh,guest,kid,mum" {
		t.Fatalf("screen %q, accounts %q", c.Screen, c.AddChild.Account.Options)
	}

	// no free account: the parent is told what to do (every account of
	// the machine is an administrator's now)
	accounts, err := w.Users.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		w.Users.Add(a.Name, a.UID, true)
	}
	test.Tap(c.AddChild.Cancel)
	test.Tap(c.Main.Today.AddFirstChild)
	if a := c.AddChild; len(a.Account.Options) != 0 || a.AccountError.Text != lang.L("firstrun.noAccounts") {
		t.Errorf("no free account: options %q, error under the account %q", a.Account.Options, a.AccountError.Text)
	}
}

// visible reports whether o is laid out on its window's canvas.
func visible(o fyne.CanvasObject) bool {
	for _, w := range fyne.CurrentApp().Driver().AllWindows() {
		for _, x := range test.LaidOutObjects(w.Content()) {
			if x == o {
				return o.Visible()
			}
		}
	}
	return false
}

// overlayTexts are the texts of the dialog on top of w.
func overlayTexts(w fyne.Window) string {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	var out []string
	for _, o := range test.LaidOutObjects(top) {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *canvas.Text:
			out = append(out, x.Text)
		case *widget.RichText:
			out = append(out, x.String())
		}
	}
	return strings.Join(out, "\n")
}

func TestRemoveChildIsConfirmed(t *testing.T) {
	f, mum, wire := family(t)
	c := open(t, mum)
	c.Main.Select(5)
	s := c.Main.Settings
	if s.Erase.Text != "Remove a child and erase all their data" {
		t.Errorf("the button should say the child goes too, got %q", s.Erase.Text)
	}
	s.Child.SetSelected("Bình")

	// asked first, naming the child; "Cancel" changes nothing
	test.Tap(s.Erase)
	if s.RemoveConfirm == nil {
		t.Fatal("removing a child should ask first")
	}
	if said := overlayTexts(c.Window()); !strings.Contains(said, "Remove Bình?") || !strings.Contains(said, "Remove Bình from kidtime") {
		t.Errorf("the confirmation should name the child:\n%s", said)
	}
	if wire.Count("POST", apitype.RouteErase) != 0 {
		t.Fatal("erased before the parent confirmed")
	}
	s.RemoveConfirm.Dismiss()
	root := f.Client(agenttest.Root)
	if kids, err := named(root.Children(ctxT(t))); wire.Count("POST", apitype.RouteErase) != 0 || err != nil || len(kids) != 2 {
		t.Fatalf("cancelled: Erase calls %d, children %+v (%v)", wire.Count("POST", apitype.RouteErase), kids, err)
	}

	test.Tap(s.Erase)
	s.RemoveConfirm.Confirm()
	if kids, err := named(root.Children(ctxT(t))); wire.Count("POST", apitype.RouteErase) != 1 || err != nil || len(kids) != 1 || kids[0].Name != "An" {
		t.Fatalf("confirmed: Erase calls %d, children %+v (%v)", wire.Count("POST", apitype.RouteErase), kids, err)
	}
	if said := overlayTexts(c.Window()); !strings.Contains(said, "Bình was removed") {
		t.Errorf("the parent is told the child was removed:\n%s", said)
	}
	m := c.Main
	if m.Tabs.SelectedIndex() != 5 || !slices.Equal(m.Settings.Child.Options, []string{"An"}) {
		t.Errorf("back in Settings without the child: tab %d, children %q", m.Tabs.SelectedIndex(), m.Settings.Child.Options)
	}
	if len(m.Today.Cards) != 1 || m.Today.Cards[0].Status.Name != "An" || slices.Contains(m.Rules.Child.Options, "Bình") {
		t.Errorf("every tab forgets the child: %d cards, rules %q", len(m.Today.Cards), m.Rules.Child.Options)
	}
	// the child's account is free again for a new child
	test.Tap(m.Today.AddChild)
	if !slices.Contains(c.AddChild.Account.Options, "binh") {
		t.Errorf("the removed child's account should be offered again: %q", c.AddChild.Account.Options)
	}
}
