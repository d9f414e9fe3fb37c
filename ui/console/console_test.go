package console_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/console"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/widgets"
)

func TestFirstRun(t *testing.T) {
	w := fresh(t)
	dad := w.Client(agenttest.Dad) // the first PIN is set by an administrator
	wire := agenttest.Watch(dad)
	c := open(t, dad)
	if c.Screen != "firstrun" {
		t.Fatalf("an agent without a PIN should open the first run, got %q", c.Screen)
	}
	fr := c.FirstRun
	root := w.Client(agenttest.Root)

	// step 1: two PINs that differ are refused before reaching the agent
	test.Type(fr.PIN, "246810")
	test.Type(fr.PIN2, "246811")
	test.Tap(fr.Next)
	if n := wire.Count("POST", apitype.RouteSetup); fr.Step != 1 || n != 0 || fr.PINError.Text != lang.L("pin.mismatch") {
		t.Fatalf("different PINs: step %d, Setup calls %d, error under the PIN %q", fr.Step, n, fr.PINError.Text)
	}
	fr.PIN2.SetText("")
	test.Type(fr.PIN2, "246810")
	test.Tap(fr.Next)
	if h, err := root.Health(ctxT(t)); fr.Step != 2 || err != nil || !h.Setup {
		t.Fatalf("matching PINs should set the PIN and move on: step %d, agent set up %v (%v), error %q", fr.Step, h.Setup, err, fr.Error.Text)
	}
	if _, err := w.Client(agenttest.Mum).Login(ctxT(t), "246810"); err != nil {
		t.Errorf("the PIN typed in the first run does not log in: %v", err)
	}

	// step 2: only free standard accounts are offered (never an
	// administrator's: not dad, not root)
	if got, want := strings.Join(fr.Account.Options, ","), "an,binh,guest,kid,mum"; got != want {
		t.Errorf("accounts offered = %q, want the standard ones %q", got, want)
	}
	test.Type(fr.Name, "An")
	test.Type(fr.BirthYear, "1990")
	fr.Account.SetSelected("an")
	test.Tap(fr.Next)
	if from := strconv.Itoa(now.Year() - 17); fr.Step != 2 || !strings.Contains(fr.YearError.Text, from) {
		t.Fatalf("an adult's birth year is refused with the range from %s: step %d, error under the year %q", from, fr.Step, fr.YearError.Text)
	}
	fr.BirthYear.SetText(strconv.Itoa(now.Year() - 12))
	test.Tap(fr.Next)
	if fr.Step != 3 {
		t.Fatalf("a valid child should show the preset, error %q", fr.Error.Text)
	}

	// step 3: the preset with the why and the source of each number
	preset := strings.Join(fr.PresetRows, "\n")
	for _, want := range []string{"2 h", "1 h per game", "06:00–20:30", "12+", "Canadian", "Decree 147/2024", "AASM"} {
		if !strings.Contains(preset, want) {
			t.Errorf("the 12-year-old preset should mention %q:\n%s", want, preset)
		}
	}
	test.Tap(fr.Next)
	if fr.Step != 4 || !strings.Contains(strings.Join(fr.SummaryLines, "\n"), "An, 12 years old") {
		t.Fatalf("summary: step %d, lines %q", fr.Step, fr.SummaryLines)
	}
	test.Tap(fr.Next)
	if c.Screen != "main" || len(c.Main.Today.Cards) != 1 {
		t.Fatalf("done should open the console with one child, screen %q", c.Screen)
	}
	if kids, err := named(root.Children(ctxT(t))); err != nil || len(kids) != 1 || kids[0].Name != "An" || !slices.Equal(kids[0].Accounts, []string{"an"}) {
		t.Errorf("the agent's children after the first run: %+v, %v", kids, err)
	}
}

func TestLaterRunsAskThePIN(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	cases := []struct {
		sentence string
		account  string
		want     string
	}{
		{"an ordinary user types the PIN", agenttest.Mum, "login"},
		{"an admin gets straight in", agenttest.Dad, "main"},
	}
	for _, tc := range cases {
		c := open(t, f.Client(tc.account))
		if c.Screen != tc.want {
			t.Errorf("%s: screen %q, want %q", tc.sentence, c.Screen, tc.want)
		}
	}
	c := open(t, f.Client(agenttest.Mum))
	test.Type(c.Login.PIN, "000000")
	test.Tap(c.Login.Submit)
	if c.Screen != "login" || c.Login.Error.Text == "" {
		t.Errorf("a wrong PIN stays on the PIN screen with a reason, got %q / %q", c.Screen, c.Login.Error.Text)
	}
	test.Type(c.Login.PIN, agenttest.FamilyPIN)
	test.Tap(c.Login.Submit)
	if c.Screen != "main" {
		t.Errorf("the right PIN opens the console, got %q", c.Screen)
	}
}

func TestRuleEditedAndSaved(t *testing.T) {
	f, mum, wire := family(t)
	c := open(t, mum)
	c.Main.Select(1)
	r := c.Main.Rules
	if r.Child.Selected != "An" || r.Days[0].Screen.Text() != "2 h" || r.Days[0].Screen.Hours.Selected != "2 h" || r.Days[0].Screen.Minutes.Selected != "0 min" {
		t.Fatalf("the editor should show An's rules the Today way: child %q, Monday %q (%q %q)", r.Child.Selected,
			r.Days[0].Screen.Text(), r.Days[0].Screen.Hours.Selected, r.Days[0].Screen.Minutes.Selected)
	}
	r.WeekendScreen.Hours.SetSelected("3 h") // picked, never typed
	r.WeekendHours.SetText("07:00-21:00")
	test.Tap(r.ApplyWeekend)
	r.Days[2].Hours.SetText("06:30-12:00, 14:00-20:00") // Wednesday, two windows
	appRow(t, r, "roblox").Rule.SetSelected(lang.L("rules.app.block"))
	minecraft := appRow(t, r, "minecraft")
	minecraft.Rule.SetSelected(lang.L("rules.app.limit"))
	minecraft.Limit.PickDuration(30 * time.Minute)
	r.Days[4].Games.Hours.SetSelected("1 h") // Friday
	r.Days[4].Games.Minutes.SetSelected("30 min")
	r.Warnings.SetSelected([]string{"10 min", "30 min", "2 min"})
	test.Tap(r.Save)
	if n := wire.Count("PUT", apitype.RouteChild+"An/policy"); r.Error.Text != "" || n != 1 {
		t.Fatalf("save: error %q, saved %d", r.Error.Text, n)
	}
	p := rulesOf(t, f.World, "An")
	if p.Screen[time.Saturday] != 3*time.Hour || p.Screen[time.Sunday] != 3*time.Hour || p.Screen[time.Monday] != 2*time.Hour {
		t.Errorf("weekend shortcut: screen = %v", p.Screen)
	}
	if p.Games[time.Friday] != 90*time.Minute || len(p.Warnings) != 3 || p.Warnings[0] != 30*time.Minute || p.Warnings[1] != 10*time.Minute || p.Warnings[2] != 2*time.Minute {
		t.Errorf("durations picked: friday's games %v, warnings %v", p.Games[time.Friday], p.Warnings)
	}
	if len(p.Allowed[time.Wednesday]) != 2 || p.Allowed[time.Saturday][0].String() != "07:00-21:00" {
		t.Errorf("hours: wed %v, sat %v", p.Allowed[time.Wednesday], p.Allowed[time.Saturday])
	}
	roblox := p.Classify(rules.App{Name: "roblox", Path: "/opt/roblox/roblox", SHA256: agenttest.Sum("roblox")})
	mc := p.Classify(rules.App{Name: "minecraft", Path: "/opt/minecraft/minecraft-launcher", SHA256: agenttest.Sum("minecraft")})
	if roblox.Rule != rules.RuleBlock || mc.Rule != rules.RuleLimit || mc.Limit != 30*time.Minute {
		t.Errorf("app rules: roblox %+v, minecraft %+v", roblox, mc)
	}
	if !strings.Contains(r.Result.Text, "16:45") {
		t.Errorf("the parent sees when it was saved, got %q", r.Result.Text)
	}
}

func TestBadValueRefused(t *testing.T) {
	cases := []struct {
		sentence string
		edit     func(t *testing.T, r *console.RulesEditor)
		want     string
	}{
		{"an hour that does not exist", func(_ *testing.T, r *console.RulesEditor) { r.Days[2].Hours.SetText("25:00-26:00") }, "25:00-26:00"},
		{"windows that overlap", func(_ *testing.T, r *console.RulesEditor) {
			r.Days[3].Hours.SetText("06:00-12:00, 11:00-13:00")
		}, "overlaps"},
		{"an app limit of nothing", func(t *testing.T, r *console.RulesEditor) {
			row := appRow(t, r, "minecraft")
			row.Rule.SetSelected(lang.L("rules.app.limit"))
			row.Limit.PickDuration(0)
		}, "more than 0"},
	}
	f, mum, wire := family(t)
	before := spec(t, f.World, "An")
	for _, tc := range cases {
		c := open(t, mum)
		c.Main.Select(1)
		r := c.Main.Rules
		r.Days[6].Screen.PickDuration(time.Hour) // a valid edit that must not be saved either
		tc.edit(t, r)
		test.Tap(r.Save)
		if n := wire.Count("PUT", apitype.RouteChild+"An/policy"); n != 0 {
			t.Errorf("%s: the policy reached the agent", tc.sentence)
		}
		if !strings.Contains(r.Error.Text, tc.want) || !strings.HasPrefix(r.Error.Text, "Not saved") {
			t.Errorf("%s: error %q should say %q", tc.sentence, r.Error.Text, tc.want)
		}
		if after := spec(t, f.World, "An"); !reflect.DeepEqual(after, before) {
			t.Errorf("%s: the policy changed half-way:\n%+v\n%+v", tc.sentence, before, after)
		}
	}
}

func TestRequestApproved(t *testing.T) {
	f, mum, _ := family(t)
	c := open(t, mum)
	c.Main.Select(3)
	rq := c.Main.Requests
	if len(rq.Rows) != 1 || rq.Rows[0].Request.Child != "An" {
		t.Fatalf("one pending request from An expected, got %d", len(rq.Rows))
	}
	asked := rq.Rows[0].Request
	before := status(t, f.World, "An").GamesLimitSec
	test.Tap(rq.Rows[0].Min30)
	if got := request(t, f.World, asked.ID); got.Status != "approved" || got.GrantedSec != 1800 {
		t.Errorf("the request should be approved with 30 min: %+v", got)
	}
	if after := status(t, f.World, "An").GamesLimitSec; after != before+1800 {
		t.Errorf("An's day of games should grow by 30 min: %d s, then %d s", before, after)
	}
	if len(rq.Rows) != 0 {
		t.Errorf("an answered request leaves the pending list")
	}
}

func TestRequestDenied(t *testing.T) {
	f, mum, _ := family(t)
	c := open(t, mum)
	c.Main.Select(3)
	asked := c.Main.Requests.Rows[0].Request
	test.Tap(c.Main.Requests.Rows[0].Deny)
	if got := request(t, f.World, asked.ID); got.Status != "denied" {
		t.Errorf("deny: %+v", got)
	}
}

func TestTodayQuickActions(t *testing.T) {
	f, mum, _ := family(t)
	c := open(t, mum)
	today := c.Main.Today
	if len(today.Cards) != 2 {
		t.Fatalf("two children, %d cards", len(today.Cards))
	}
	an := today.Cards[0]
	if an.State.Text != "An has only 10 min of game time left today." { // games end first
		t.Errorf("An's card says, to the parent, the time left: %q", an.State.Text)
	}
	if an.Reason.Text != "Counting down today's screen time." {
		t.Errorf("An's card gives the rule in force in the parent's words: %q", an.Reason.Text)
	}
	test.Tap(an.Plus15)
	if got := status(t, f.World, "An").ScreenLimitSec; got != 2*3600+15*60 {
		t.Errorf("+15 min: limit %d", got)
	}
	test.Tap(today.Cards[0].PauseGames)
	if !status(t, f.World, "An").GamesPaused {
		t.Error("pause games")
	}
	// "lock now" goes through An's companion (no login manager here): it
	// has just sent a heartbeat
	if _, err := f.Client(agenttest.Kid).Heartbeat(ctxT(t), apitype.Heartbeat{IdleSec: 3600}); err != nil {
		t.Fatal(err)
	}
	if today.Cards[0].LockNow.Icon.Name() != widgets.LockIcon().Name() {
		t.Errorf("lock now shows the icon %q, not a padlock", today.Cards[0].LockNow.Icon.Name())
	}
	test.Tap(today.Cards[0].LockNow)
	// The console asks in the background: wait for the event, then check
	// there is exactly one.
	eventually(func() bool { return len(events(t, f.World, "lock_now")) > 0 })
	if n := len(events(t, f.World, "lock_now")); n != 1 || !status(t, f.World, "An").LockRequested {
		t.Errorf("lock now: %d lock_now events, lock requested %v", n, status(t, f.World, "An").LockRequested)
	}
	if today.Cards[1].State.Text != "Bình cannot use the computer now; time comes back tomorrow at 06:00." {
		t.Errorf("Bình's card says when time comes back: %q", today.Cards[1].State.Text)
	}
	// Bình's day is not used up: the allowed hours ended it (issue 12 §3:
	// "used up" only when it was)
	for _, bar := range []*widgets.TimeBar{today.Cards[1].Screen, today.Cards[1].Games} {
		if !strings.Contains(bar.Caption, "outside the allowed hours") || strings.Contains(bar.Caption, "used up") {
			t.Errorf("Bình's %s: %q, want why there is no time now", bar.Title, bar.Caption)
		}
	}
}

func TestEventsHighlightTamper(t *testing.T) {
	f, mum, _ := family(t)
	// a second wrong PIN, from another account
	if _, err := f.Client(agenttest.Dad).Login(ctxT(t), "000000"); !client.IsCode(err, apitype.CodeNotAllowed) {
		t.Fatalf("a wrong PIN: %v", err)
	}
	c := open(t, mum)
	ev := c.Main.Events
	all := events(t, f.World, "")
	if len(ev.Shown) != len(all) {
		t.Fatalf("all %d events shown, got %d", len(all), len(ev.Shown))
	}
	var tamper int
	for _, e := range all {
		if e.Tamper {
			tamper++
		}
	}
	test.Tap(ev.TamperOnly)
	for _, e := range ev.Shown {
		if !e.Tamper {
			t.Errorf("tamper filter shows %q", e.Kind)
		}
	}
	if len(ev.Shown) != tamper || tamper < 2 || tamper == len(all) {
		t.Errorf("the tamper filter shows %d events; the agent has %d tamper events (two wrong PINs) of %d", len(ev.Shown), tamper, len(all))
	}
	// the agent's grant event says "seconds" (agent/store)
	if s := console.EventSentence(apitype.Event{Kind: "grant", Child: "An", Detail: map[string]any{"seconds": float64(900), "kind": "screen"}}); s != "An got 15 min more." {
		t.Errorf("grant sentence: %q", s)
	}
	if s := console.EventSentence(apitype.Event{Kind: "mystery", Child: "An", Detail: map[string]any{"x": 1}}); s != "mystery · An · x=1" {
		t.Errorf("an unknown kind is shown as it came: %q", s)
	}
}

func TestEventKindsAreTranslated(t *testing.T) {
	for _, k := range []string{"policy_rejected", "policy_refused", "policy_signed", "heartbeat_gap", "companion_missing",
		"new_account", "lock_failed", "close_failed", "code_failed", "pin_in_child_session"} {
		if !slices.Contains(console.EventKinds, k) {
			t.Errorf("the agent's event %s has no sentence", k)
		}
	}
	for _, l := range []string{"en", "vi"} {
		if err := i18n.Setup(l); err != nil {
			t.Fatal(err)
		}
		for _, k := range console.EventKinds {
			if s := lang.X("event."+k, ""); s == "" {
				t.Errorf("%s: event.%s has no sentence", l, k)
			}
		}
	}
}

func TestActivity(t *testing.T) {
	_, mum, _ := family(t)
	c := open(t, mum)
	a := c.Main.Activity
	if len(a.Days) != 7 || a.Days[6].Key != now.Format(time.DateOnly) {
		t.Fatalf("7 days ending today, got %d", len(a.Days))
	}
	a.Period.SetSelected(lang.L("activity.days30"))
	if len(a.Days) != 30 || len(a.Chart.Days) != 30 {
		t.Errorf("30 days: %d rows, %d columns", len(a.Days), len(a.Chart.Days))
	}
	if len(a.Apps.Objects) != 5 || len(a.Cats.Objects) != 3 {
		t.Errorf("today's breakdown: %d apps, %d categories", len(a.Apps.Objects), len(a.Cats.Objects))
	}
	var used int64
	for _, d := range a.Days {
		used += d.ScreenSec
	}
	if used < 30*3600 {
		t.Errorf("a month of An's use shows %d s", used)
	}
	csv := string(console.CSV(a.Days[:1]))
	if want := "day,screen_minutes,games_minutes\n" + now.AddDate(0, 0, -29).Format(time.DateOnly) + ","; !strings.HasPrefix(csv, want) {
		t.Errorf("csv: %q, want it to start %q", csv, want)
	}
}

func TestFillDaysGivesEveryDay(t *testing.T) {
	day := time.Date(2026, 3, 21, 16, 45, 0, 0, time.Local)
	rows := []apitype.UsageRow{{Key: "2026-03-20", ScreenSec: 60}}
	got := console.FillDays(rows, day.AddDate(0, 0, -2), day)
	if len(got) != 3 || got[0].Key != "2026-03-19" || got[1].ScreenSec != 60 || got[2].Key != "2026-03-21" {
		t.Errorf("FillDays = %+v", got)
	}
}

func TestSettings(t *testing.T) {
	f, mum, wire := family(t)
	c := open(t, mum)
	s := c.Main.Settings
	if !strings.Contains(s.Contacts.Text, "111") {
		t.Errorf("help contacts shown: %q", s.Contacts.Text)
	}
	// the parent code needs the PIN again, then shows a QR code
	test.Tap(s.ShowCode)
	if wire.Count("POST", apitype.RouteCode) != 0 {
		t.Error("a new code without the PIN")
	}
	s.CodePIN.SetText(agenttest.FamilyPIN)
	test.Tap(s.ShowCode)
	if n := wire.Count("POST", apitype.RouteCode); n != 1 || len(s.QR.Objects) != 1 {
		t.Errorf("code: NewCode %d, QR objects %d", n, len(s.QR.Objects))
	}
	// a bad retention is refused, a good one saved with the language
	s.DetailDays.SetText("0")
	test.Tap(s.Save)
	if wire.Count("PUT", apitype.RouteSettings) != 0 || s.SettingsError.Text == "" {
		t.Error("0 days of details should be refused")
	}
	if s.WebDetail.Checked {
		t.Error("the names of blocked websites are kept by default")
	}
	s.DetailDays.SetText("30")
	test.Tap(s.WebDetail)
	s.Language.SetSelected("Tiếng Việt")
	test.Tap(s.Save)
	if got, err := f.Client(agenttest.Root).Settings(ctxT(t)); err != nil || got.DetailRetentionDays != 30 || got.Language != "vi" || !got.WebDetail {
		t.Errorf("settings saved: %+v, %v; want 30 days, vi, the names of blocked websites kept", got, err)
	}
	// PIN change
	s.OldPIN.SetText(agenttest.FamilyPIN)
	s.NewPIN.SetText("13579135")
	s.NewPIN2.SetText("13579135")
	test.Tap(s.ChangePIN)
	if _, err := f.Client(agenttest.Dad).Login(ctxT(t), "13579135"); err != nil {
		t.Errorf("PIN not changed: %q, %v", s.PINResult.Text, err)
	}
}

func TestContacts(t *testing.T) {
	cases := []struct {
		sentence string
		in       string
		want     []apitype.Contact
		bad      bool
	}{
		{"a name and a number", "Mẹ: 0901234567", []apitype.Contact{{Name: "Mẹ", Number: "0901234567"}}, false},
		{"a note in brackets", "Tổng đài: 111 (miễn phí)", []apitype.Contact{{Name: "Tổng đài", Number: "111", Note: "miễn phí"}}, false},
		{"blank lines are skipped", "\nA: 1\n\n", []apitype.Contact{{Name: "A", Number: "1"}}, false},
		{"a line without a number is refused", "Bà ngoại", nil, true},
	}
	for _, tc := range cases {
		got, err := console.ParseContacts(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("%s: err %v", tc.sentence, err)
			continue
		}
		if !tc.bad && console.FormatContacts(got) != console.FormatContacts(tc.want) {
			t.Errorf("%s: got %+v", tc.sentence, got)
		}
	}
}

func TestCheckPIN(t *testing.T) {
	cases := []struct {
		sentence, pin, again string
		ok                   bool
	}{
		{"six digits twice", "246810", "246810", true},
		{"five digits", "24681", "24681", false},
		{"a long passphrase", "con mèo vàng", "con mèo vàng", true},
		{"a short passphrase", "mèo", "mèo", false},
		{"two different PINs", "246810", "246811", false},
	}
	for _, tc := range cases {
		if got := console.CheckPIN(tc.pin, tc.again) == ""; got != tc.ok {
			t.Errorf("%s: ok = %v", tc.sentence, got)
		}
	}
}

// toChild finds words that speak to the child (the companion's voice):
// "your", "Enjoy"; "con" (the Vietnamese "you" for a child).
var toChild = map[string]*regexp.Regexp{
	"en": regexp.MustCompile(`(?i)\byours?\b|\benjoy\b`),
	"vi": regexp.MustCompile(`(?i)(^|\s)con(\s|[.,!]|$)`),
}

// The Today cards speak to the parent about the child, never to the child.
func TestTodaySentencesAreAboutTheChild(t *testing.T) {
	tomorrow6 := time.Date(now.Year(), now.Month(), now.Day()+1, 6, 0, 0, 0, now.Location())
	cases := []struct {
		sentence string
		st       apitype.ChildStatus
		en, vi   string // the state sentence
		enReason string
		viReason string
	}{
		{"time left is said with the child's name",
			apitype.ChildStatus{Name: "An", State: apitype.StateOK, Reason: "screen.budget", ScreenLeftSec: 2*3600 + 60, ScreenLimitSec: 3 * 3600},
			"An has 2 h 1 min of screen time left today.", "An còn 2 giờ 1 phút dùng máy hôm nay.",
			"Counting down today's screen time.", "Đang tính vào thời gian dùng máy hôm nay."},
		{"a day without a limit says so",
			apitype.ChildStatus{Name: "An", State: apitype.StateOK, Reason: "none", ScreenLeftSec: -1, GamesLeftSec: -1},
			"An has no screen time limit today.", "Hôm nay An không bị giới hạn thời gian dùng máy.",
			"No limit today.", "Hôm nay không có giới hạn."},
		{"a warning names the budget that ends first: games",
			apitype.ChildStatus{Name: "An", State: apitype.StateWarn, Reason: "games.budget", ScreenLeftSec: 900, GamesUsedSec: 3000, GamesLeftSec: 600, GamesLimitSec: 3600},
			"An has only 10 min of game time left today.", "An chỉ còn 10 phút chơi trò chơi hôm nay.",
			"Counting down today's game time.", "Đang tính vào thời gian chơi trò chơi hôm nay."},
		{"a warning about screen time",
			apitype.ChildStatus{Name: "Bình", State: apitype.StateWarn, Reason: "hours.end", ScreenLeftSec: 300},
			"Bình has only 5 min of screen time left today.", "Bình chỉ còn 5 phút dùng máy hôm nay.",
			"Screen time ends with the allowed hours.", "Thời gian dùng máy kết thúc cùng giờ được dùng máy."},
		{"a warning about an app's own limit does not claim screen time is ending",
			apitype.ChildStatus{Name: "An", State: apitype.StateWarn, Reason: "app.limit", ScreenLeftSec: 3600},
			"Time is almost over for An.", "Thời gian của An sắp hết.",
			"The app in use is near its own daily limit.", "Ứng dụng đang dùng sắp hết thời gian riêng trong ngày."},
		{"the grace period",
			apitype.ChildStatus{Name: "An", State: apitype.StateGrace, Reason: "screen.spent"},
			"Time is up for An: a last moment to save before it stops.", "An đã hết giờ, đang có chút thời gian để lưu lại trước khi dừng.",
			"Today's screen time is used up.", "Đã dùng hết thời gian dùng máy hôm nay."},
		{"blocked, with when time comes back",
			apitype.ChildStatus{Name: "Bình", State: apitype.StateBlocked, Reason: "hours.outside", BackAt: tomorrow6},
			"Bình cannot use the computer now; time comes back tomorrow at 06:00.", "Bình hiện không được dùng máy; thời gian trở lại vào ngày mai lúc 06:00.",
			"Outside the allowed hours.", "Đang ngoài giờ được dùng máy."},
		{"blocked by an app rated above the child's age",
			apitype.ChildStatus{Name: "An", State: apitype.StateBlocked, Reason: "app.rating"},
			"An cannot use the computer now.", "An hiện không được dùng máy.",
			"An opened an app rated above their age.", "An đã mở một ứng dụng không hợp với độ tuổi."},
		{"blocked but still at the computer: when the logout comes",
			apitype.ChildStatus{Name: "An", State: apitype.StateBlocked, Reason: "screen.spent", Active: true, BackAt: tomorrow6,
				LogoutAt: time.Date(2026, 3, 21, 20, 15, 30, 0, time.Local)},
			"An is still at the computer and will be logged out at 20:15:30.", "An vẫn đang dùng máy và sẽ bị đăng xuất lúc 20:15:30.",
			"Today's screen time is used up.", "Đã dùng hết thời gian dùng máy hôm nay."},
		{"a reason the console does not know falls back on the state",
			apitype.ChildStatus{Name: "An", State: apitype.StateBlocked, Reason: "mystery"},
			"An cannot use the computer now.", "An hiện không được dùng máy.",
			"The rules say it is time to rest.", "Theo quy định, bây giờ là giờ nghỉ."},
	}
	test.NewTempApp(t)
	for _, l := range []string{"en", "vi"} {
		if err := i18n.Setup(l); err != nil {
			t.Fatal(err)
		}
		for _, tc := range cases {
			state, reason := tc.en, tc.enReason
			if l == "vi" {
				state, reason = tc.vi, tc.viReason
			}
			got := console.StateSentence(tc.st, now)
			if got != state {
				t.Errorf("%s (%s): state %q, want %q", tc.sentence, l, got, state)
			}
			if toChild[l].MatchString(got) {
				t.Errorf("%s (%s): the state talks to the child: %q", tc.sentence, l, got)
			}
			if got := console.ReasonSentence(tc.st); got != reason {
				t.Errorf("%s (%s): reason %q, want %q", tc.sentence, l, got, reason)
			}
		}
	}
}

// Every reason the rules can give has its own sentence for the parent, in
// both languages, and none is the companion's sentence to the child.
func TestEveryReasonHasAParentSentence(t *testing.T) {
	test.NewTempApp(t)
	for _, l := range []string{"en", "vi"} {
		if err := i18n.Setup(l); err != nil {
			t.Fatal(err)
		}
		fallback := console.ReasonSentence(apitype.ChildStatus{Name: "An", State: apitype.StateWarn, Reason: "mystery"})
		for _, r := range rules.Reasons() {
			st := apitype.ChildStatus{Name: "An", State: apitype.StateWarn, Reason: string(r), ReasonKey: r.MessageKey()}
			if r == rules.ReasonNone { // "no limit" only holds while time is left
				st.State = apitype.StateOK
			}
			got := console.ReasonSentence(st)
			if got == fallback || got == "" || strings.HasPrefix(got, "today.") {
				t.Errorf("%s: reason %q has no sentence of its own: %q", l, r, got)
			}
			if toChild[l].MatchString(got) {
				t.Errorf("%s: reason %q talks to the child: %q", l, r, got)
			}
		}
	}
}

// failingSessions makes the sessions route fail on the wire, as an older
// agent without it would: the rest of the Activity screen must still work.
func failingSessions(call agenttest.Call) error {
	if call.Path == apitype.RouteSessions {
		return errors.New("no such route")
	}
	return nil
}

func labels(t *testing.T, box *fyne.Container) []*widget.Label {
	t.Helper()
	var out []*widget.Label
	for _, o := range box.Objects {
		l, ok := o.(*widget.Label)
		if !ok {
			t.Fatalf("a session row is a %T, not a label", o)
		}
		out = append(out, l)
	}
	return out
}

func TestActivitySessions(t *testing.T) {
	f, mum, wire := family(t)
	c := open(t, mum)
	a := c.Main.Activity
	check := func(what string, wantLate int) {
		t.Helper()
		from := a.Days[0].Key
		if len(a.Top) != 5 {
			t.Fatalf("%s: the 5 longest sessions are shown, got %d", what, len(a.Top))
		}
		for i, s := range a.Top {
			if s.Day < from {
				t.Errorf("%s: session of %s is before the period (from %s)", what, s.Day, from)
			}
			if i > 0 && s.End.Sub(s.Start) > a.Top[i-1].End.Sub(a.Top[i-1].Start) {
				t.Errorf("%s: session %d is longer than the one before it", what, i)
			}
		}
		for i, l := range labels(t, a.Longest) {
			late := a.Top[i].LateNight
			if (l.Importance == widget.WarningImportance) != late || strings.Contains(l.Text, "late at night") != late {
				t.Errorf("%s: longest %q: highlighted %v, but late-night is %v", what, l.Text, l.Importance == widget.WarningImportance, late)
			}
		}
		if len(a.LateShown) != wantLate {
			t.Errorf("%s: %d late-night sessions shown, want %d", what, len(a.LateShown), wantLate)
		}
		for i, l := range labels(t, a.Late) {
			if l.Importance != widget.WarningImportance || !a.LateShown[i].LateNight {
				t.Errorf("%s: late-night row %q is not highlighted", what, l.Text)
			}
			if i > 0 && a.LateShown[i].Start.After(a.LateShown[i-1].Start) {
				t.Errorf("%s: late-night sessions are not newest first", what)
			}
		}
		want := fmt.Sprintf("%d sessions went on late at night.", wantLate)
		if wantLate == 1 {
			want = "1 session went on late at night."
		}
		if a.LateInfo.Text != want {
			t.Errorf("%s: late-night summary %q, want %q", what, a.LateInfo.Text, want)
		}
	}
	check("An, 7 days", 2) // up late every fifth day: yesterday and 6 days ago
	a.Period.SetSelected(lang.L("activity.days30"))
	check("An, 30 days", 6)
	a.Child.SetSelected("Bình")
	check("Bình, 30 days", 1)
	if n := wire.Count("GET", apitype.RouteSessions); n != 3 {
		t.Errorf("one sessions call per report, got %d", n)
	}

	// a child with no sessions at all
	f.Users.Add("chi", 51001, false)
	if _, err := f.Client(agenttest.Root).AddChild(ctxT(t), apitype.AddChildRequest{Name: "Chi", BirthYear: now.Year() - 6, Accounts: []string{"chi"}}); err != nil {
		t.Fatal(err)
	}
	a.Refresh()
	a.Child.SetSelected("Chi")
	if len(a.Top) != 0 || a.Longest.Objects[0].(*widget.Label).Text != "No sessions in these days." || a.LateInfo.Text != "No use late at night in these days." {
		t.Errorf("no sessions: %d shown, %q", len(a.Top), a.LateInfo.Text)
	}
}

func TestActivityWithoutSessionsRoute(t *testing.T) {
	_, mum, wire := family(t)
	wire.Before(failingSessions)
	c := open(t, mum)
	a := c.Main.Activity
	if len(a.Days) != 7 || len(a.Apps.Objects) == 0 {
		t.Errorf("the chart and the breakdown still load: %d days, %d apps", len(a.Days), len(a.Apps.Objects))
	}
	if len(a.Top) != 0 || len(a.Longest.Objects) != 1 || !strings.Contains(a.Longest.Objects[0].(*widget.Label).Text, "no such route") {
		t.Errorf("the sessions' error is said where they would be: %d rows", len(a.Longest.Objects))
	}
}

func TestLongestSessions(t *testing.T) {
	at := func(day, h, m int) time.Time { return time.Date(2026, 3, day, h, m, 0, 0, time.Local) }
	s := func(day, h, m, minutes int) apitype.SessionRow {
		return apitype.SessionRow{Day: at(day, 0, 0).Format(time.DateOnly), Start: at(day, h, m), End: at(day, h, m).Add(time.Duration(minutes) * time.Minute)}
	}
	cases := []struct {
		sentence string
		in       []apitype.SessionRow
		n        int
		want     []apitype.SessionRow
	}{
		{"the longest come first", []apitype.SessionRow{s(1, 9, 0, 10), s(2, 9, 0, 90), s(3, 9, 0, 30)}, 2, []apitype.SessionRow{s(2, 9, 0, 90), s(3, 9, 0, 30)}},
		{"of two as long, the earlier comes first", []apitype.SessionRow{s(5, 9, 0, 30), s(4, 9, 0, 30)}, 5, []apitype.SessionRow{s(4, 9, 0, 30), s(5, 9, 0, 30)}},
		{"fewer sessions than asked gives them all", []apitype.SessionRow{s(1, 9, 0, 10)}, 5, []apitype.SessionRow{s(1, 9, 0, 10)}},
		{"asking for none gives none", []apitype.SessionRow{s(1, 9, 0, 10)}, 0, []apitype.SessionRow{}},
	}
	for _, tc := range cases {
		in := slices.Clone(tc.in)
		got := console.LongestSessions(in, tc.n)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d sessions, want %d", tc.sentence, len(got), len(tc.want))
			continue
		}
		for i := range got {
			if !got[i].Start.Equal(tc.want[i].Start) || !got[i].End.Equal(tc.want[i].End) {
				t.Errorf("%s: #%d is %v–%v, want %v–%v", tc.sentence, i, got[i].Start, got[i].End, tc.want[i].Start, tc.want[i].End)
			}
		}
		if !slices.Equal(in, tc.in) {
			t.Errorf("%s: the caller's slice was reordered", tc.sentence)
		}
	}
}

func TestSessionText(t *testing.T) {
	start := time.Date(2026, 3, 20, 23, 30, 0, 0, time.Local)
	cases := []struct {
		sentence string
		s        apitype.SessionRow
		en, vi   string
	}{
		{"a plain session: day, from–to, how long",
			apitype.SessionRow{Day: "2026-03-20", Start: start.Add(-8 * time.Hour), End: start.Add(-8*time.Hour + 75*time.Minute), ScreenSec: 4500},
			"Mar 20, 2026, 15:30–16:45: 1 h 15 min", "20/03/2026, từ 15:30 đến 16:45: 1 giờ 15 phút"},
		{"games in it are said",
			apitype.SessionRow{Day: "2026-03-20", Start: start.Add(-8 * time.Hour), End: start.Add(-7 * time.Hour), ScreenSec: 3600, GamesSec: 2400},
			"Mar 20, 2026, 15:30–16:30: 1 h, 40 min of it games", "20/03/2026, từ 15:30 đến 16:30: 1 giờ, trong đó 40 phút chơi trò chơi"},
		{"a late session past midnight keeps its day and says it was late",
			apitype.SessionRow{Day: "2026-03-20", Start: start, End: start.Add(50 * time.Minute), ScreenSec: 3000, LateNight: true},
			"Mar 20, 2026, 23:30–00:20: 50 min · late at night", "20/03/2026, từ 23:30 đến 00:20: 50 phút · dùng máy khuya"},
	}
	test.NewTempApp(t)
	for _, l := range []string{"en", "vi"} {
		if err := i18n.Setup(l); err != nil {
			t.Fatal(err)
		}
		for _, tc := range cases {
			want := tc.en
			if l == "vi" {
				want = tc.vi
			}
			if got := console.SessionText(tc.s); got != want {
				t.Errorf("%s (%s): %q, want %q", tc.sentence, l, got, want)
			}
		}
	}
}

func TestTodayCardWithNoLimit(t *testing.T) {
	f, mum, _ := family(t)
	unlimited := dur(rules.Unlimited)
	an := spec(t, f.World, "An")
	an.Screen = &rules.BudgetSpec{Daily: unlimited}
	an.Games = &rules.GamesSpec{Daily: unlimited, PerGame: unlimited}
	an.Allowed = map[string][]rules.Window{"daily": {rules.AllDay}}
	setRules(t, f.World, an, func(st apitype.ChildStatus) bool { return st.ScreenLeftSec == -1 })
	c := open(t, mum)
	card := c.Main.Today.Cards[0]
	for _, bar := range []struct {
		name    string
		caption string
		frac    float32
	}{{"screen", card.Screen.Caption, card.Screen.Fraction()}, {"games", card.Games.Caption, card.Games.Fraction()}} {
		if !strings.Contains(bar.caption, "no limit") || strings.Contains(bar.caption, "used up") || bar.frac != 0 {
			t.Errorf("%s bar with no limit: %q, %v filled", bar.name, bar.caption, bar.frac)
		}
	}
	if card.State.Text != "An has no screen time limit today." {
		t.Errorf("state: %q", card.State.Text)
	}
	// the 12–15 preset: a game's own cap ends while daily games are
	// unlimited; An plays a game with 50 s of its own time left
	an.Games.PerGame = dur(50 * time.Second)
	an.Apps = []rules.AppRule{{Match: rules.Match{Path: "/usr/games/kt-game"}, Category: rules.CategoryGame}}
	setRules(t, f.World, an, func(st apitype.ChildStatus) bool { return st.State == apitype.StateOK })
	f.OS.SetHash("/usr/games/kt-game", agenttest.Sum("kt-game"))
	f.OS.Exec(facts.Process{UID: f.UID(agenttest.Kid), Exe: "/usr/games/kt-game"})
	if !eventually(func() bool { return status(t, f.World, "An").Reason == "games.per-game" }) {
		t.Fatalf("the game's own cap is not the agent's reason: %+v", status(t, f.World, "An"))
	}
	c.Main.Today.Refresh()
	card = c.Main.Today.Cards[0]
	left := card.Status.GamesLeftSec
	if card.Status.State != apitype.StateWarn || left <= 40 || left > 50 || card.Status.GamesLimitSec != -1 {
		t.Fatalf("a game's last minute, as the agent says it: %+v", card.Status)
	}
	if want := "An has only " + i18n.Seconds(left) + " of game time left today."; card.State.Text != want {
		t.Errorf("a game's last minute: %q, want %q", card.State.Text, want)
	}
	if !strings.Contains(card.Games.Caption, i18n.Seconds(left)) || strings.Contains(card.Screen.Caption, "used up") {
		t.Errorf("captions: %q / %q", card.Screen.Caption, card.Games.Caption)
	}
}

func TestSaveKeepsAppRulesItDidNotChange(t *testing.T) {
	f, mum, wire := family(t)
	an := spec(t, f.World, "An")
	an.Apps = []rules.AppRule{
		{Match: rules.Match{SHA256: agenttest.Sum("firefox")}, Rule: rules.RuleBlock}, // `kidtime block --sha256`
		{Match: rules.Match{Name: "roblox"}, Rule: rules.RuleBlock},                   // blocked by name, any path
		{Match: rules.Match{Path: "/opt/other/app"}, Rule: rules.RuleAlways},          // an app not listed
		{Match: rules.Match{Name: "minecraft"}, Category: rules.CategoryOther},        // re-categorised
	}
	setRules(t, f.World, an, func(apitype.ChildStatus) bool { return true })
	want := slices.Clone(an.Apps)
	c := open(t, mum)
	c.Main.Select(1)
	r := c.Main.Rules
	r.Days[0].Screen.PickDuration(90 * time.Minute) // an unrelated change
	test.Tap(r.Save)
	if n := wire.Count("PUT", apitype.RouteChild+"An/policy"); r.Error.Text != "" || n != 1 {
		t.Fatalf("save: error %q, saved %d", r.Error.Text, n)
	}
	if got := spec(t, f.World, "An"); fmt.Sprint(got.Apps) != fmt.Sprint(want) {
		t.Errorf("app rules after an unrelated save:\n got %+v\nwant %+v", got.Apps, want)
	}
	// a row the parent changes gets a rule by its hash; the others stay
	appRow(t, r, "libreoffice").Rule.SetSelected(lang.L("rules.app.block"))
	test.Tap(r.Save)
	if r.Error.Text != "" {
		t.Fatalf("save: %q", r.Error.Text)
	}
	want = append(want, rules.AppRule{Match: rules.Match{SHA256: agenttest.Sum("libreoffice")}, Rule: rules.RuleBlock})
	if got := spec(t, f.World, "An"); fmt.Sprint(got.Apps) != fmt.Sprint(want) {
		t.Errorf("app rules after blocking libreoffice:\n got %+v\nwant %+v", got.Apps, want)
	}
}

func TestExpiredTokenAsksThePINAgain(t *testing.T) {
	f, mum, _ := family(t)
	c := open(t, mum)
	f.Restart() // the parent's token lived in the agent's memory
	test.Tap(c.Main.Today.Cards[0].Plus15)
	if c.Screen != "login" || c.Login.Error.Text != lang.L("login.expired") {
		t.Fatalf("an expired token: screen %q, message %q", c.Screen, c.Login.Error.Text)
	}
	if got := status(t, f.World, "An").ScreenLimitSec; got != 2*3600 {
		t.Errorf("nothing granted without a token: limit %d", got)
	}
	// a wrong PIN on the PIN screen stays there with its own message
	test.Type(c.Login.PIN, "000000")
	test.Tap(c.Login.Submit)
	if c.Screen != "login" || c.Login.Error.Text != "Wrong PIN." {
		t.Fatalf("wrong PIN: screen %q, %q", c.Screen, c.Login.Error.Text)
	}
	test.Type(c.Login.PIN, agenttest.FamilyPIN)
	test.Tap(c.Login.Submit)
	if c.Screen != "main" {
		t.Fatalf("after the PIN: %q", c.Screen)
	}
}

func TestPINChangeLogsInAgain(t *testing.T) {
	f, mum, _ := family(t)
	c := open(t, mum)
	c.Main.Select(5)
	s := c.Main.Settings
	// a wrong old PIN is said on the spot, without leaving the tabs
	s.OldPIN.SetText("999999")
	s.NewPIN.SetText("13579135")
	s.NewPIN2.SetText("13579135")
	test.Tap(s.ChangePIN)
	if c.Screen != "main" || s.PINResult.Text != "Wrong PIN." {
		t.Fatalf("wrong old PIN: screen %q, %q", c.Screen, s.PINResult.Text)
	}
	s.OldPIN.SetText(agenttest.FamilyPIN)
	s.NewPIN.SetText("13579135")
	s.NewPIN2.SetText("13579135")
	test.Tap(s.ChangePIN)
	if s.PINResult.Text != lang.L("settings.pinChanged") {
		t.Fatalf("PIN change: %q", s.PINResult.Text)
	}
	if _, err := f.Client(agenttest.Dad).Login(ctxT(t), "13579135"); err != nil {
		t.Errorf("the agent does not take the new PIN: %v", err)
	}
	// the old token is gone, the console logged in with the new PIN: the
	// next call works and the tabs stay
	c.Main.Select(0)
	test.Tap(c.Main.Today.Cards[0].Plus15)
	if got := status(t, f.World, "An").ScreenLimitSec; c.Screen != "main" || got != 2*3600+15*60 {
		t.Errorf("after the PIN change: screen %q, limit %d", c.Screen, got)
	}
}

func TestParentCodeLeavesTheScreen(t *testing.T) {
	_, mum, _ := family(t)
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	var timers []func()
	var waits []time.Duration
	c := console.New(w, mum, console.Options{Sync: true, Now: func() time.Time { return now },
		After: func(d time.Duration, f func()) { waits, timers = append(waits, d), append(timers, f) }})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Main.Select(5)
	s := c.Main.Settings
	s.CodePIN.SetText(agenttest.FamilyPIN)
	test.Tap(s.ShowCode)
	if len(s.QR.Objects) != 1 {
		t.Fatal("no QR code")
	}
	// leaving the tab takes it away
	c.Main.Select(0)
	if len(s.QR.Objects) != 0 {
		t.Error("the QR code stays after leaving Settings")
	}
	// and so does the time: 60 s
	c.Main.Select(5)
	s.CodePIN.SetText(agenttest.FamilyPIN)
	test.Tap(s.ShowCode)
	if len(s.QR.Objects) != 1 || len(timers) != 2 || waits[1] != time.Minute {
		t.Fatalf("QR %d, timers %v", len(s.QR.Objects), waits)
	}
	timers[0]() // the first code's timer leaves the second one alone
	if len(s.QR.Objects) != 1 {
		t.Fatal("an old timer took the new code away")
	}
	timers[1]()
	if len(s.QR.Objects) != 0 {
		t.Error("the QR code stays after a minute")
	}
}

func TestAddChildIsNotAddedTwiceOnRetry(t *testing.T) {
	w := fresh(t)
	dad := w.Client(agenttest.Dad)
	wire := agenttest.Watch(dad)
	var fail atomic.Bool
	fail.Store(true)
	wire.Before(func(call agenttest.Call) error {
		if policyOf(call, "An") && fail.Load() {
			return errors.New("the agent restarted")
		}
		return nil
	})
	c := open(t, dad)
	fr := c.FirstRun
	test.Type(fr.PIN, "246810")
	test.Type(fr.PIN2, "246810")
	test.Tap(fr.Next)
	test.Type(fr.Name, "An")
	test.Type(fr.BirthYear, strconv.Itoa(now.Year()-12))
	fr.Account.SetSelected("an")
	test.Tap(fr.Next) // added, but reading the rules back fails
	if n := wire.Count("POST", apitype.RouteChildren); fr.Step != 2 || fr.Error.Text == "" || n != 1 {
		t.Fatalf("step %d, error %q, AddChild %d", fr.Step, fr.Error.Text, n)
	}
	fail.Store(false)
	test.Tap(fr.Next) // the retry reads the rules of the child already added
	kids, err := named(w.Client(agenttest.Root).Children(ctxT(t)))
	if n := wire.Count("POST", apitype.RouteChildren); fr.Step != 3 || n != 1 || err != nil || len(kids) != 1 {
		t.Fatalf("retry: step %d, error %q, AddChild %d, kids %d (%v)", fr.Step, fr.Error.Text, n, len(kids), err)
	}
}

func TestNextIsDisabledWhileTheCallRuns(t *testing.T) {
	w := fresh(t)
	dad := w.Client(agenttest.Dad)
	wire := agenttest.Watch(dad)
	var c *console.Console
	disabled, inside := false, 0
	wire.Before(func(call agenttest.Call) error {
		if policyOf(call, "An") {
			// the call is running: Next is disabled, a second tap does nothing
			inside++
			disabled = c.FirstRun.Next.Disabled()
			test.Tap(c.FirstRun.Next)
		}
		return nil
	})
	c = open(t, dad)
	fr := c.FirstRun
	test.Type(fr.PIN, "246810")
	test.Type(fr.PIN2, "246810")
	test.Tap(fr.Next)
	test.Type(fr.Name, "An")
	test.Type(fr.BirthYear, strconv.Itoa(now.Year()-12))
	fr.Account.SetSelected("an")
	test.Tap(fr.Next)
	if n := wire.Count("POST", apitype.RouteChildren); !disabled || inside != 1 || n != 1 {
		t.Errorf("during the call: Next disabled %v, calls %d, AddChild %d", disabled, inside, n)
	}
	if fr.Step != 3 || fr.Next.Disabled() {
		t.Errorf("after the call: step %d, Next disabled %v", fr.Step, fr.Next.Disabled())
	}
}

func TestStaleLoadsAreDropped(t *testing.T) {
	f, mum, wire := family(t)
	c := open(t, mum)
	// the Rules tab: An's reply arrives after Bình was picked
	c.Main.Select(1)
	r := c.Main.Rules
	form := func() string {
		var b strings.Builder
		for _, d := range r.Days {
			b.WriteString(d.Screen.Text() + " " + d.Hours.Text + "; ")
		}
		return b.String()
	}
	r.Child.SetSelected("Bình")
	wantB := form()
	r.Child.SetSelected("An")
	if form() == wantB {
		t.Fatalf("An and Bình have the same Monday: %q", wantB)
	}
	var switched atomic.Bool
	wire.Before(func(call agenttest.Call) error {
		if policyOf(call, "An") && !switched.Swap(true) {
			r.Child.SetSelected("Bình") // loads Bình before An's reply lands
		}
		return nil
	})
	r.Child.SetSelected("")
	r.Child.SetSelected("An")
	if !switched.Load() || r.Child.Selected != "Bình" {
		t.Fatalf("switched %v, selected %q", switched.Load(), r.Child.Selected)
	}
	if got := form(); got != wantB {
		t.Errorf("Bình is selected but the form shows %q, Bình's Monday is %q", got, wantB)
	}
	test.Tap(r.Save)
	if got := spec(t, f.World, "Bình"); got.Name != "Bình" || slices.Contains(got.Accounts, agenttest.Kid) {
		t.Errorf("Bình's rules saved from An's form: %+v", got)
	}

	// the Activity tab: the same with usage
	c.Main.Select(2)
	a := c.Main.Activity
	switched.Store(false)
	wire.Before(func(call agenttest.Call) error {
		if call.Path == apitype.RouteUsage && call.Query.Get("child") == "An" && !switched.Swap(true) {
			a.Child.SetSelected("Bình")
		}
		return nil
	})
	a.Child.SetSelected("An")
	if !switched.Load() {
		t.Fatal("no switch")
	}
	want, err := f.Client(agenttest.Root).Usage(ctxT(t), "Bình", now.AddDate(0, 0, -6).Format(time.DateOnly), now.Format(time.DateOnly), "day")
	if err != nil {
		t.Fatal(err)
	}
	var got int64
	for _, d := range a.Days {
		got += d.ScreenSec
	}
	var sum int64
	for _, row := range want.Rows {
		sum += row.ScreenSec
	}
	if got != sum || sum == 0 {
		t.Errorf("Activity shows %d s for Bình, Bình used %d s", got, sum)
	}
}

// request is a request as the agent has it.
func request(t *testing.T, w *agenttest.World, id int64) apitype.Request {
	t.Helper()
	rs, err := w.Client(agenttest.Root).Requests(ctxT(t), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("the agent has no request %d", id)
	return apitype.Request{}
}

// events are the agent's events of a kind over the tests' days.
func events(t *testing.T, w *agenttest.World, kind string) []apitype.Event {
	t.Helper()
	evs, err := w.Client(agenttest.Root).Events(ctxT(t), now.AddDate(0, 0, -console.EventDays), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []apitype.Event
	for _, e := range evs {
		if kind == "" || e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// policyOf reports whether a call reads a child's rules.
func policyOf(call agenttest.Call, child string) bool {
	return call.Method == "GET" && call.Path == apitype.RouteChild+child+"/policy"
}
