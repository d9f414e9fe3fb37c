package console_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/console"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/uitest"
)

var now = time.Date(2026, 3, 21, 16, 45, 0, 0, time.Local) // a Saturday

// open starts a console on a fake agent in a test window, in English.
func open(t *testing.T, f console.Backend) *console.Console {
	t.Helper()
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1000, 700))
	t.Cleanup(w.Close)
	c := console.New(w, f, console.Options{Sync: true, Now: func() time.Time { return now }})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFirstRun(t *testing.T) {
	f := uitest.New()
	f.Now = func() time.Time { return now }
	c := open(t, f)
	if c.Screen != "firstrun" {
		t.Fatalf("an agent without a PIN should open the first run, got %q", c.Screen)
	}
	fr := c.FirstRun

	// step 1: two PINs that differ are refused before reaching the agent
	test.Type(fr.PIN, "246810")
	test.Type(fr.PIN2, "246811")
	test.Tap(fr.Next)
	if fr.Step != 1 || f.Called("Setup") != 0 || fr.Error.Text != lang.L("pin.mismatch") {
		t.Fatalf("different PINs: step %d, Setup calls %d, error %q", fr.Step, f.Called("Setup"), fr.Error.Text)
	}
	fr.PIN2.SetText("")
	test.Type(fr.PIN2, "246810")
	test.Tap(fr.Next)
	if fr.Step != 2 || f.PIN != "246810" {
		t.Fatalf("matching PINs should set the PIN and move on: step %d, PIN %q, error %q", fr.Step, f.PIN, fr.Error.Text)
	}

	// step 2: only free standard accounts are offered
	if got := strings.Join(fr.Account.Options, ","); got != "an,binh,guest" {
		t.Errorf("accounts offered = %q, want the non-admin ones", got)
	}
	test.Type(fr.Name, "An")
	test.Type(fr.BirthYear, "1990")
	fr.Account.SetSelected("an")
	test.Tap(fr.Next)
	if fr.Step != 2 || !strings.Contains(fr.Error.Text, "2009") {
		t.Fatalf("an adult's birth year is refused with the range: step %d, error %q", fr.Step, fr.Error.Text)
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
}

func TestLaterRunsAskThePIN(t *testing.T) {
	cases := []struct {
		sentence string
		role     string
		want     string
	}{
		{"an ordinary user types the PIN", apitype.RoleOther, "login"},
		{"an admin gets straight in", apitype.RoleAdmin, "main"},
	}
	for _, tc := range cases {
		f := uitest.Demo(now)
		f.Role = tc.role
		c := open(t, f)
		if c.Screen != tc.want {
			t.Errorf("%s: screen %q, want %q", tc.sentence, c.Screen, tc.want)
		}
	}
	f := uitest.Demo(now)
	f.Role = apitype.RoleOther
	c := open(t, f)
	test.Type(c.Login.PIN, "000000")
	test.Tap(c.Login.Submit)
	if c.Screen != "login" || c.Login.Error.Text == "" {
		t.Errorf("a wrong PIN stays on the PIN screen with a reason, got %q / %q", c.Screen, c.Login.Error.Text)
	}
	test.Type(c.Login.PIN, uitest.DemoPIN)
	test.Tap(c.Login.Submit)
	if c.Screen != "main" {
		t.Errorf("the right PIN opens the console, got %q", c.Screen)
	}
}

func rulesOf(t *testing.T, f *uitest.Fake, name string) rules.Policy {
	t.Helper()
	spec, err := f.ChildPolicy(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := spec.Policy(now)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRuleEditedAndSaved(t *testing.T) {
	f := uitest.Demo(now)
	c := open(t, f)
	c.Main.Select(1)
	r := c.Main.Rules
	if r.Child.Selected != "An" || r.Days[0].Screen.Text != "2h" {
		t.Fatalf("the editor should show An's preset: child %q, Monday %q", r.Child.Selected, r.Days[0].Screen.Text)
	}
	r.WeekendScreen.SetText("")
	test.Type(r.WeekendScreen, "3h")
	r.WeekendHours.SetText("07:00-21:00")
	test.Tap(r.ApplyWeekend)
	r.Days[2].Hours.SetText("06:30-12:00, 14:00-20:00")   // Wednesday, two windows
	r.Apps[1].Rule.SetSelected(lang.L("rules.app.block")) // roblox
	r.Apps[0].Rule.SetSelected(lang.L("rules.app.limit")) // minecraft
	r.Apps[0].Limit.SetText("30m")
	test.Tap(r.Save)
	if r.Error.Text != "" || f.Saved != 1 {
		t.Fatalf("save: error %q, saved %d", r.Error.Text, f.Saved)
	}
	p := rulesOf(t, f, "An")
	if p.Screen[time.Saturday] != 3*time.Hour || p.Screen[time.Sunday] != 3*time.Hour || p.Screen[time.Monday] != 2*time.Hour {
		t.Errorf("weekend shortcut: screen = %v", p.Screen)
	}
	if len(p.Allowed[time.Wednesday]) != 2 || p.Allowed[time.Saturday][0].String() != "07:00-21:00" {
		t.Errorf("hours: wed %v, sat %v", p.Allowed[time.Wednesday], p.Allowed[time.Saturday])
	}
	roblox := p.Classify(rules.App{Name: "roblox", Path: "/opt/roblox/roblox"})
	mc := p.Classify(rules.App{Name: "minecraft", Path: "/opt/minecraft/minecraft-launcher"})
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
		edit     func(r *console.RulesEditor)
		want     string
	}{
		{"a day longer than 24 hours", func(r *console.RulesEditor) { r.Days[0].Screen.SetText("25h") }, "only 24 hours"},
		{"a duration that is not one", func(r *console.RulesEditor) { r.Days[1].Games.SetText("lots") }, "not a duration"},
		{"an hour that does not exist", func(r *console.RulesEditor) { r.Days[2].Hours.SetText("25:00-26:00") }, "25:00-26:00"},
		{"windows that overlap", func(r *console.RulesEditor) { r.Days[3].Hours.SetText("06:00-12:00, 11:00-13:00") }, "overlaps"},
		{"a grace longer than 30 minutes", func(r *console.RulesEditor) { r.Grace.SetText("2h") }, "30m"},
		{"an app limit of nothing", func(r *console.RulesEditor) {
			r.Apps[0].Rule.SetSelected(lang.L("rules.app.limit"))
			r.Apps[0].Limit.SetText("0m")
		}, "more than 0"},
	}
	for _, tc := range cases {
		f := uitest.Demo(now)
		c := open(t, f)
		c.Main.Select(1)
		r := c.Main.Rules
		before := rulesOf(t, f, "An")
		r.Days[6].Screen.SetText("1h") // a valid edit that must not be saved either
		tc.edit(r)
		test.Tap(r.Save)
		if f.Saved != 0 || f.Called("SetChildPolicy") != 0 {
			t.Errorf("%s: the policy reached the agent", tc.sentence)
		}
		if !strings.Contains(r.Error.Text, tc.want) || !strings.HasPrefix(r.Error.Text, "Not saved") {
			t.Errorf("%s: error %q should say %q", tc.sentence, r.Error.Text, tc.want)
		}
		if after := rulesOf(t, f, "An"); after.Screen != before.Screen {
			t.Errorf("%s: the policy changed half-way", tc.sentence)
		}
	}
}

func TestRequestApproved(t *testing.T) {
	f := uitest.Demo(now)
	c := open(t, f)
	c.Main.Select(3)
	rq := c.Main.Requests
	if len(rq.Rows) != 1 || rq.Rows[0].Request.Child != "An" {
		t.Fatalf("one pending request from An expected, got %d", len(rq.Rows))
	}
	before := f.Statuses["An"].ScreenLimitSec
	test.Tap(rq.Rows[0].Min30)
	if got := f.Reqs[0]; got.Status != "approved" || got.GrantedSec != 1800 {
		t.Errorf("the request should be approved with 30 min: %+v", got)
	}
	if f.Statuses["An"].ScreenLimitSec != before+1800 {
		t.Errorf("An's day should grow by 30 min")
	}
	if len(rq.Rows) != 0 {
		t.Errorf("an answered request leaves the pending list")
	}
}

func TestRequestDenied(t *testing.T) {
	f := uitest.Demo(now)
	c := open(t, f)
	c.Main.Select(3)
	test.Tap(c.Main.Requests.Rows[0].Deny)
	if f.Reqs[0].Status != "denied" {
		t.Errorf("deny: %+v", f.Reqs[0])
	}
}

func TestTodayQuickActions(t *testing.T) {
	f := uitest.Demo(now)
	c := open(t, f)
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
	if f.Statuses["An"].ScreenLimitSec != 2*3600+15*60 {
		t.Errorf("+15 min: limit %d", f.Statuses["An"].ScreenLimitSec)
	}
	test.Tap(today.Cards[0].PauseGames)
	if !f.Statuses["An"].GamesPaused {
		t.Error("pause games")
	}
	test.Tap(today.Cards[0].LockNow)
	if f.Called("Action:lock") != 1 {
		t.Error("lock now")
	}
	if today.Cards[1].State.Text != "Bình cannot use the computer now; time comes back tomorrow at 06:00." || !strings.Contains(today.Cards[1].Screen.Caption, "used up") {
		t.Errorf("Bình's card says when time comes back: %q", today.Cards[1].State.Text)
	}
}

func TestEventsHighlightTamper(t *testing.T) {
	f := uitest.Demo(now)
	c := open(t, f)
	ev := c.Main.Events
	if len(ev.Shown) != len(f.Evs) {
		t.Fatalf("all %d events shown, got %d", len(f.Evs), len(ev.Shown))
	}
	test.Tap(ev.TamperOnly)
	for _, e := range ev.Shown {
		if !e.Tamper {
			t.Errorf("tamper filter shows %q", e.Kind)
		}
	}
	if len(ev.Shown) != 4 {
		t.Errorf("four tamper events in the demo, got %d", len(ev.Shown))
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
	f := uitest.Demo(now)
	c := open(t, f)
	a := c.Main.Activity
	if len(a.Days) != 7 || a.Days[6].Key != "2026-03-21" {
		t.Fatalf("7 days ending today, got %d", len(a.Days))
	}
	a.Period.SetSelected(lang.L("activity.days30"))
	if len(a.Days) != 30 || len(a.Chart.Days) != 30 {
		t.Errorf("30 days: %d rows, %d columns", len(a.Days), len(a.Chart.Days))
	}
	if len(a.Apps.Objects) != 5 || len(a.Cats.Objects) != 3 {
		t.Errorf("today's breakdown: %d apps, %d categories", len(a.Apps.Objects), len(a.Cats.Objects))
	}
	csv := string(console.CSV(a.Days[:1]))
	if !strings.HasPrefix(csv, "day,screen_minutes,games_minutes\n2026-02-20,") {
		t.Errorf("csv: %q", csv)
	}
}

func TestFillDaysGivesEveryDay(t *testing.T) {
	rows := []apitype.UsageRow{{Key: "2026-03-20", ScreenSec: 60}}
	got := console.FillDays(rows, now.AddDate(0, 0, -2), now)
	if len(got) != 3 || got[0].Key != "2026-03-19" || got[1].ScreenSec != 60 || got[2].Key != "2026-03-21" {
		t.Errorf("FillDays = %+v", got)
	}
}

func TestSettings(t *testing.T) {
	f := uitest.Demo(now)
	c := open(t, f)
	s := c.Main.Settings
	if !strings.Contains(s.Contacts.Text, "111") {
		t.Errorf("help contacts shown: %q", s.Contacts.Text)
	}
	// the parent code needs the PIN again, then shows a QR code
	test.Tap(s.ShowCode)
	if f.Called("NewCode") != 0 {
		t.Error("a new code without the PIN")
	}
	s.CodePIN.SetText(uitest.DemoPIN)
	test.Tap(s.ShowCode)
	if f.Called("NewCode") != 1 || len(s.QR.Objects) != 1 {
		t.Errorf("code: NewCode %d, QR objects %d", f.Called("NewCode"), len(s.QR.Objects))
	}
	// a bad retention is refused, a good one saved with the language
	s.DetailDays.SetText("0")
	test.Tap(s.Save)
	if f.Called("SetSettings") != 0 || s.SettingsError.Text == "" {
		t.Error("0 days of details should be refused")
	}
	s.DetailDays.SetText("30")
	s.Language.SetSelected("Tiếng Việt")
	test.Tap(s.Save)
	if f.Sett.DetailRetentionDays != 30 || f.Sett.Language != "vi" {
		t.Errorf("settings saved: %+v", f.Sett)
	}
	// PIN change
	s.OldPIN.SetText(uitest.DemoPIN)
	s.NewPIN.SetText("13579135")
	s.NewPIN2.SetText("13579135")
	test.Tap(s.ChangePIN)
	if f.PIN != "13579135" {
		t.Errorf("PIN not changed: %q", s.PINResult.Text)
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
			"Screen time ends with the allowed hours.", "Thời gian dùng máy kết thúc cùng khung giờ được phép."},
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
			"Outside the allowed hours.", "Đang ngoài khung giờ được phép."},
		{"blocked by an app rated above the child's age",
			apitype.ChildStatus{Name: "An", State: apitype.StateBlocked, Reason: "app.rating"},
			"An cannot use the computer now.", "An hiện không được dùng máy.",
			"An opened an app rated above their age.", "An đã mở một ứng dụng không hợp với độ tuổi."},
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

// failingSessions is the demo agent without the sessions route (an older
// agent): the rest of the Activity screen must still work.
type failingSessions struct{ *uitest.Fake }

func (failingSessions) Sessions(context.Context, string, string, string) (apitype.Sessions, error) {
	return apitype.Sessions{}, errors.New("no such route")
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
	f := uitest.Demo(now)
	c := open(t, f)
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
		if want := fmt.Sprintf("%d session(s) went on late at night.", wantLate); a.LateInfo.Text != want {
			t.Errorf("%s: late-night summary %q, want %q", what, a.LateInfo.Text, want)
		}
	}
	check("An, 7 days", 2) // up late every fifth day: yesterday and 6 days ago
	a.Period.SetSelected(lang.L("activity.days30"))
	check("An, 30 days", 6)
	a.Child.SetSelected("Bình")
	check("Bình, 30 days", 1)
	if f.Called("Sessions") != 3 {
		t.Errorf("one sessions call per report, got %d", f.Called("Sessions"))
	}

	// a child with no sessions at all
	f.Sess["Bình"] = nil
	a.Refresh()
	if len(a.Top) != 0 || a.Longest.Objects[0].(*widget.Label).Text != "No sessions in these days." || a.LateInfo.Text != "No use late at night in these days." {
		t.Errorf("no sessions: %d shown, %q", len(a.Top), a.LateInfo.Text)
	}
}

func TestActivityWithoutSessionsRoute(t *testing.T) {
	f := uitest.Demo(now)
	c := open(t, failingSessions{f})
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
	f := uitest.Demo(now)
	*f.Statuses["An"] = apitype.ChildStatus{Name: "An", Age: 12, State: apitype.StateOK, Reason: "screen.none", Active: true,
		ScreenUsedSec: 3600, ScreenLeftSec: -1, ScreenLimitSec: -1,
		GamesUsedSec: 1200, GamesLeftSec: -1, GamesLimitSec: -1}
	c := open(t, f)
	an := c.Main.Today.Cards[0]
	for _, bar := range []struct {
		name    string
		caption string
		frac    float32
	}{{"screen", an.Screen.Caption, an.Screen.Fraction()}, {"games", an.Games.Caption, an.Games.Fraction()}} {
		if !strings.Contains(bar.caption, "no limit") || strings.Contains(bar.caption, "used up") || bar.frac != 0 {
			t.Errorf("%s bar with no limit: %q, %v filled", bar.name, bar.caption, bar.frac)
		}
	}
	if an.State.Text != "An has no screen time limit today." {
		t.Errorf("state: %q", an.State.Text)
	}
	// the 12–15 preset: a game's own cap ends while daily games are unlimited
	*f.Statuses["An"] = apitype.ChildStatus{Name: "An", Age: 12, State: apitype.StateWarn, Reason: "games.per-game", Active: true,
		ScreenUsedSec: 3600, ScreenLeftSec: -1, ScreenLimitSec: -1,
		GamesUsedSec: 3500, GamesLeftSec: 50, GamesLimitSec: -1}
	c.Main.Today.Refresh()
	an = c.Main.Today.Cards[0]
	if an.State.Text != "An has only 50 s of game time left today." {
		t.Errorf("a game's last minute: %q", an.State.Text)
	}
	if !strings.Contains(an.Games.Caption, "50 s") || strings.Contains(an.Screen.Caption, "used up") {
		t.Errorf("captions: %q / %q", an.Screen.Caption, an.Games.Caption)
	}
}

func TestSaveKeepsAppRulesItDidNotChange(t *testing.T) {
	f := uitest.Demo(now)
	sum := strings.Repeat("ab", 32)
	f.AppsUsed["An"][2].SHA256 = sum // firefox, as the agent hashed it
	f.AppsUsed["An"][4].SHA256 = strings.Repeat("cd", 32)
	f.Kids[0].Apps = []rules.AppRule{
		{Match: rules.Match{SHA256: sum}, Rule: rules.RuleBlock},               // `kidtime block --sha256`
		{Match: rules.Match{Name: "roblox"}, Rule: rules.RuleBlock},            // blocked by name, any path
		{Match: rules.Match{Path: "/opt/other/app"}, Rule: rules.RuleAlways},   // an app not listed
		{Match: rules.Match{Name: "minecraft"}, Category: rules.CategoryOther}, // re-categorised
	}
	want := slices.Clone(f.Kids[0].Apps)
	c := open(t, f)
	c.Main.Select(1)
	r := c.Main.Rules
	r.Days[0].Screen.SetText("90m") // an unrelated change
	test.Tap(r.Save)
	if r.Error.Text != "" || f.Saved != 1 {
		t.Fatalf("save: error %q, saved %d", r.Error.Text, f.Saved)
	}
	spec, err := f.ChildPolicy(context.Background(), "An")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(spec.Apps) != fmt.Sprint(want) {
		t.Errorf("app rules after an unrelated save:\n got %+v\nwant %+v", spec.Apps, want)
	}
	// a row the parent changes gets a rule by its hash; the others stay
	r.Apps[4].Rule.SetSelected(lang.L("rules.app.block")) // libreoffice
	test.Tap(r.Save)
	if r.Error.Text != "" {
		t.Fatalf("save: %q", r.Error.Text)
	}
	spec, _ = f.ChildPolicy(context.Background(), "An")
	want = append(want, rules.AppRule{Match: rules.Match{SHA256: strings.Repeat("cd", 32)}, Rule: rules.RuleBlock})
	if fmt.Sprint(spec.Apps) != fmt.Sprint(want) {
		t.Errorf("app rules after blocking libreoffice:\n got %+v\nwant %+v", spec.Apps, want)
	}
}

func TestExpiredTokenAsksThePINAgain(t *testing.T) {
	f := uitest.Demo(now)
	c := open(t, f)
	f.ExpireToken()
	test.Tap(c.Main.Today.Cards[0].Plus15)
	if c.Screen != "login" || c.Login.Error.Text != lang.L("login.expired") {
		t.Fatalf("an expired token: screen %q, message %q", c.Screen, c.Login.Error.Text)
	}
	if f.Statuses["An"].ScreenLimitSec != 2*3600 {
		t.Error("nothing granted without a token")
	}
	// a wrong PIN on the PIN screen stays there with its own message
	test.Type(c.Login.PIN, "000000")
	test.Tap(c.Login.Submit)
	if c.Screen != "login" || c.Login.Error.Text != lang.L("error.notAllowed") {
		t.Fatalf("wrong PIN: screen %q, %q", c.Screen, c.Login.Error.Text)
	}
	test.Type(c.Login.PIN, uitest.DemoPIN)
	test.Tap(c.Login.Submit)
	if c.Screen != "main" {
		t.Fatalf("after the PIN: %q", c.Screen)
	}
}

func TestPINChangeLogsInAgain(t *testing.T) {
	f := uitest.Demo(now)
	c := open(t, f)
	c.Main.Select(5)
	s := c.Main.Settings
	// a wrong old PIN is said on the spot, without leaving the tabs
	s.OldPIN.SetText("999999")
	s.NewPIN.SetText("13579135")
	s.NewPIN2.SetText("13579135")
	test.Tap(s.ChangePIN)
	if c.Screen != "main" || s.PINResult.Text != lang.L("error.notAllowed") {
		t.Fatalf("wrong old PIN: screen %q, %q", c.Screen, s.PINResult.Text)
	}
	s.OldPIN.SetText(uitest.DemoPIN)
	s.NewPIN.SetText("13579135")
	s.NewPIN2.SetText("13579135")
	test.Tap(s.ChangePIN)
	if f.PIN != "13579135" || s.PINResult.Text != lang.L("settings.pinChanged") {
		t.Fatalf("PIN change: %q", s.PINResult.Text)
	}
	// the old token is gone, the console logged in with the new PIN: the
	// next call works and the tabs stay
	c.Main.Select(0)
	test.Tap(c.Main.Today.Cards[0].Plus15)
	if c.Screen != "main" || f.Statuses["An"].ScreenLimitSec != 2*3600+15*60 {
		t.Errorf("after the PIN change: screen %q, limit %d", c.Screen, f.Statuses["An"].ScreenLimitSec)
	}
}

func TestParentCodeLeavesTheScreen(t *testing.T) {
	f := uitest.Demo(now)
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	var timers []func()
	var waits []time.Duration
	c := console.New(w, f, console.Options{Sync: true, Now: func() time.Time { return now },
		After: func(d time.Duration, f func()) { waits, timers = append(waits, d), append(timers, f) }})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Main.Select(5)
	s := c.Main.Settings
	s.CodePIN.SetText(uitest.DemoPIN)
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
	s.CodePIN.SetText(uitest.DemoPIN)
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

// hooked is the fake with hooks run inside some calls.
type hooked struct {
	*uitest.Fake
	onChildPolicy func(name string) error
	onUsage       func(child string)
}

func (h *hooked) ChildPolicy(ctx context.Context, name string) (rules.Child, error) {
	if h.onChildPolicy != nil {
		if err := h.onChildPolicy(name); err != nil {
			return rules.Child{}, err
		}
	}
	return h.Fake.ChildPolicy(ctx, name)
}

func (h *hooked) Usage(ctx context.Context, child, from, to, by string) (apitype.Usage, error) {
	if h.onUsage != nil {
		h.onUsage(child)
	}
	return h.Fake.Usage(ctx, child, from, to, by)
}

func TestAddChildIsNotAddedTwiceOnRetry(t *testing.T) {
	f := uitest.New()
	f.Now = func() time.Time { return now }
	h := &hooked{Fake: f}
	fail := true
	h.onChildPolicy = func(string) error {
		if fail {
			fail = false
			return errors.New("the agent restarted")
		}
		return nil
	}
	c := open(t, h)
	fr := c.FirstRun
	test.Type(fr.PIN, "246810")
	test.Type(fr.PIN2, "246810")
	test.Tap(fr.Next)
	test.Type(fr.Name, "An")
	test.Type(fr.BirthYear, strconv.Itoa(now.Year()-12))
	fr.Account.SetSelected("an")
	test.Tap(fr.Next) // added, but reading the rules back fails
	if fr.Step != 2 || fr.Error.Text == "" || f.Called("AddChild") != 1 {
		t.Fatalf("step %d, error %q, AddChild %d", fr.Step, fr.Error.Text, f.Called("AddChild"))
	}
	test.Tap(fr.Next) // the retry reads the rules of the child already added
	if fr.Step != 3 || f.Called("AddChild") != 1 || len(f.Kids) != 1 {
		t.Fatalf("retry: step %d, error %q, AddChild %d, kids %d", fr.Step, fr.Error.Text, f.Called("AddChild"), len(f.Kids))
	}
}

func TestNextIsDisabledWhileTheCallRuns(t *testing.T) {
	f := uitest.New()
	f.Now = func() time.Time { return now }
	var c *console.Console
	disabled, inside := false, 0
	h := &hooked{Fake: f, onChildPolicy: func(string) error {
		// the call is running: Next is disabled, a second tap does nothing
		inside++
		disabled = c.FirstRun.Next.Disabled()
		test.Tap(c.FirstRun.Next)
		return nil
	}}
	c = open(t, h)
	fr := c.FirstRun
	test.Type(fr.PIN, "246810")
	test.Type(fr.PIN2, "246810")
	test.Tap(fr.Next)
	test.Type(fr.Name, "An")
	test.Type(fr.BirthYear, strconv.Itoa(now.Year()-12))
	fr.Account.SetSelected("an")
	test.Tap(fr.Next)
	if !disabled || inside != 1 || f.Called("AddChild") != 1 {
		t.Errorf("during the call: Next disabled %v, calls %d, AddChild %d", disabled, inside, f.Called("AddChild"))
	}
	if fr.Step != 3 || fr.Next.Disabled() {
		t.Errorf("after the call: step %d, Next disabled %v", fr.Step, fr.Next.Disabled())
	}
}

func TestStaleLoadsAreDropped(t *testing.T) {
	f := uitest.Demo(now)
	h := &hooked{Fake: f}
	c := open(t, h)
	// the Rules tab: An's reply arrives after Bình was picked
	c.Main.Select(1)
	r := c.Main.Rules
	form := func() string {
		var b strings.Builder
		for _, d := range r.Days {
			b.WriteString(d.Screen.Text + " " + d.Hours.Text + "; ")
		}
		return b.String()
	}
	r.Child.SetSelected("Bình")
	wantB := form()
	r.Child.SetSelected("An")
	if form() == wantB {
		t.Fatalf("An and Bình have the same Monday: %q", wantB)
	}
	switched := false
	h.onChildPolicy = func(name string) error {
		if name == "An" && !switched {
			switched = true
			r.Child.SetSelected("Bình") // loads Bình before An's reply lands
		}
		return nil
	}
	r.Child.SetSelected("")
	r.Child.SetSelected("An")
	if !switched || r.Child.Selected != "Bình" {
		t.Fatalf("switched %v, selected %q", switched, r.Child.Selected)
	}
	if got := form(); got != wantB {
		t.Errorf("Bình is selected but the form shows %q, Bình's Monday is %q", got, wantB)
	}
	test.Tap(r.Save)
	spec, _ := f.ChildPolicy(context.Background(), "Bình")
	if spec.Name != "Bình" || slices.Contains(spec.Accounts, "an") {
		t.Errorf("Bình's rules saved from An's form: %+v", spec)
	}

	// the Activity tab: the same with usage
	c.Main.Select(2)
	a := c.Main.Activity
	switched = false
	h.onUsage = func(child string) {
		if child == "An" && !switched {
			switched = true
			a.Child.SetSelected("Bình")
		}
	}
	a.Child.SetSelected("An")
	if !switched {
		t.Fatal("no switch")
	}
	want, _ := f.Usage(context.Background(), "Bình", now.AddDate(0, 0, -6).Format(time.DateOnly), now.Format(time.DateOnly), "day")
	var got int64
	for _, d := range a.Days {
		got += d.ScreenSec
	}
	var sum int64
	for _, row := range want.Rows {
		sum += row.ScreenSec
	}
	if got != sum {
		t.Errorf("Activity shows %d s for Bình, Bình used %d s", got, sum)
	}
}
