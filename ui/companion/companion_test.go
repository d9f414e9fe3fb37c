package companion_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/desktop"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/companion"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/widgets"
)

// The tests run the companion of An (the agenttest family's child on the
// account Kid) against the whole agent. Today An has used 1 h 45 min of
// screen time, 50 min of it games; a test sets An's rules through the API
// for the state it needs, instead of waiting for it.

// now is when the tests' worlds start: today at 16:45, an afternoon.
var now = func() time.Time {
	y, m, d := time.Now().Date()
	return time.Date(y, m, d, 16, 45, 0, 0, time.Local)
}()

// An's use today, from the family's history.
const (
	anScreen = 105 * time.Minute
	anGames  = 50 * time.Minute
)

// probe is the desktop as the companion reads it. The zero probe is a child
// away from the keyboard for an hour with nothing in front: the agent then
// counts no time, and a status stays as a test set it.
type probe struct {
	idle       time.Duration
	pid        int
	fullscreen bool
}

func (p probe) Foreground(context.Context) (desktop.Window, error) {
	return desktop.Window{PID: p.pid, Fullscreen: p.fullscreen}, nil
}

func (p probe) Idle(context.Context) (time.Duration, error) {
	if p.idle == 0 {
		return time.Hour, nil
	}
	return p.idle, nil
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// start opens An's companion in English, on the agent's clock, and
// returns it with the wire its calls go out on.
func start(t *testing.T, f *agenttest.Family, p probe) (*companion.Companion, *agenttest.Wire) {
	t.Helper()
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	kid := f.Client(agenttest.Kid)
	wire := agenttest.Watch(kid)
	c := companion.New(test.NewTempApp(t), kid, p)
	c.SetClock(f.Clock.Wall)
	c.Sync = true
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c, wire
}

// status is a child's status as the agent has it (asked as root).
func status(t *testing.T, f *agenttest.Family, child string) apitype.ChildStatus {
	t.Helper()
	// A client of its own, closed after: eventually polls this every
	// 20 ms, and idle connections left open count against root's cap of
	// 16 connections at the agent (then refused, as a flood would be).
	cl := f.Client(agenttest.Root)
	defer cl.Close()
	st, err := cl.Status(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range st.Children {
		if cs.Name == child {
			return cs
		}
	}
	t.Fatalf("the agent has no child %q", child)
	return apitype.ChildStatus{}
}

// eventually polls ok for up to 10 s.
func eventually(ok func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// setAn changes An's rules as a parent would, then waits until the agent
// decides with them (until holds for An's status).
func setAn(t *testing.T, f *agenttest.Family, change func(s *rules.Child), until func(apitype.ChildStatus) bool) {
	t.Helper()
	root := f.Client(agenttest.Root)
	defer root.Close()
	s, err := root.ChildPolicy(ctxT(t), "An")
	if err != nil {
		t.Fatal(err)
	}
	change(&s)
	if err := root.SetChildPolicy(ctxT(t), "An", s); err != nil {
		t.Fatalf("An's new rules: %v", err)
	}
	if !eventually(func() bool { return until(status(t, f, "An")) }) {
		t.Fatalf("the agent did not decide with An's new rules: %+v", status(t, f, "An"))
	}
}

func dur(d time.Duration) *rules.Duration {
	v := rules.Duration(d)
	return &v
}

// screen gives An d of screen time left today (games without a daily
// limit: the screen ends first).
func screen(d time.Duration) func(s *rules.Child) {
	return func(s *rules.Child) {
		s.Screen = &rules.BudgetSpec{Daily: dur(anScreen + d)}
		s.Games = &rules.GamesSpec{Daily: dur(rules.Unlimited)}
	}
}

// play starts a game of An's (/usr/games/kt-game, a game by An's rules)
// and returns its pid.
func play(f *agenttest.Family) int {
	f.OS.SetHash("/usr/games/kt-game", agenttest.Sum("kt-game"))
	return f.OS.Exec(facts.Process{UID: f.UID(agenttest.Kid), Exe: "/usr/games/kt-game"})
}

var ktGame = rules.AppRule{Match: rules.Match{Path: "/usr/games/kt-game"}, Category: rules.CategoryGame}

// lastBeat is the last heartbeat the companion sent.
func lastBeat(t *testing.T, wire *agenttest.Wire) apitype.Heartbeat {
	t.Helper()
	call, ok := wire.Last("POST", apitype.RouteHeartbeat)
	if !ok {
		t.Fatal("no heartbeat was sent")
	}
	var hb apitype.Heartbeat
	if err := json.Unmarshal(call.Body, &hb); err != nil {
		t.Fatalf("the heartbeat %q: %v", call.Body, err)
	}
	return hb
}

func TestQuitsQuietlyForOthers(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	cases := []struct {
		sentence string
		account  string
	}{
		{"a grown-up's standard account, released by the PIN", agenttest.Mum},
		{"a parent's own session", agenttest.Dad},
	}
	// Setup's default profile holds mum's account until she proves the PIN.
	if _, err := f.Client(agenttest.Mum).Login(context.Background(), agenttest.FamilyPIN); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		test.NewTempApp(t)
		c := companion.New(test.NewTempApp(t), f.Client(tc.account), nil)
		if err := c.Start(context.Background()); !errors.Is(err, companion.ErrNotChild) {
			t.Errorf("%s: Start = %v, want ErrNotChild", tc.sentence, err)
		}
	}
}

func TestHeartbeatAndTimeLeft(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	f.OS.SetHash("/opt/minecraft/minecraft-launcher", agenttest.Sum("minecraft"))
	f.OS.Exec(facts.Process{PID: 4242, UID: f.UID(agenttest.Kid), Exe: "/opt/minecraft/minecraft-launcher"})
	if !eventually(func() bool { return status(t, f, "An").Active }) {
		t.Fatal("the agent does not see An's program")
	}
	c, wire := start(t, f, probe{idle: 7 * time.Second, pid: 4242, fullscreen: true})
	c.Tick(context.Background())
	if hb := lastBeat(t, wire); hb.IdleSec != 7 || hb.ForePID != 4242 || !hb.Fullscreen {
		t.Fatalf("heartbeat from the probe: %+v", hb)
	}
	if st := status(t, f, "An"); st.CompanionSeen.IsZero() || st.Foreground == "" {
		t.Errorf("the agent should have the heartbeat and the app in front: %+v", st)
	}
	if got := c.Status().ScreenLeftSec; got > 15*60 || got < 15*60-10 {
		t.Errorf("status after the heartbeat: %d s left, want about 15 min", got)
	}
	if c.Countdown() != "" {
		t.Error("no countdown with 10 minutes left")
	}
}

func TestCountdownInTheLastMinute(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	setAn(t, f, screen(time.Hour), func(st apitype.ChildStatus) bool { return st.State == apitype.StateOK })
	c, _ := start(t, f, probe{})
	ctx := context.Background()
	setAn(t, f, func(s *rules.Child) {
		s.Screen = &rules.BudgetSpec{Daily: dur(anScreen + 200*time.Second)}
		s.Games = &rules.GamesSpec{Daily: dur(anGames + 45*time.Second)}
	}, func(st apitype.ChildStatus) bool { return st.ScreenLeftSec == 200 && st.GamesLeftSec == 45 })
	c.Tick(ctx)
	if got := c.Countdown(); got != "0:45" {
		t.Errorf("45 s of games left: countdown %q", got)
	}
	if c.CountdownWindow() == nil {
		t.Fatal("the countdown window should exist")
	}
	if n := len(c.Notifications()); n != 1 {
		t.Errorf("the warning: %d notifications", n)
	}
	// the same status again: no second notification
	test.AssertNotificationSent(t, nil, func() { c.Tick(ctx) })
	// screen time spent: 30 s of grace to save the game
	setAn(t, f, func(s *rules.Child) {
		s.Screen = &rules.BudgetSpec{Daily: dur(anScreen)}
		s.Grace = dur(30 * time.Second)
	}, func(st apitype.ChildStatus) bool { return st.State == apitype.StateGrace })
	c.Tick(ctx)
	// the grace ends 30 s after the agent's last look (a tick ago)
	if got := c.Countdown(); got != "0:30" && got != "0:29" && got != "0:28" {
		t.Errorf("grace countdown %q", got)
	}
	setAn(t, f, screen(time.Hour), func(st apitype.ChildStatus) bool { return st.State == apitype.StateOK })
	c.Tick(ctx)
	if c.CountdownWindow().Canvas() == nil {
		t.Fatal("window lost")
	}
}

func TestWarningsFollowTheAgentsThresholds(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	left := func(d time.Duration, state string) {
		t.Helper()
		setAn(t, f, func(s *rules.Child) {
			screen(d)(s)
			s.Warnings = []rules.Duration{rules.Duration(20 * time.Minute), rules.Duration(10 * time.Minute)}
		}, func(st apitype.ChildStatus) bool {
			return st.ScreenLeftSec == int64(d/time.Second) && st.State == state
		})
	}
	left(40*time.Minute, apitype.StateOK)
	c, _ := start(t, f, probe{})
	// the companion's clock moves by hand while the parent's edits of the
	// budget stand for the minutes that pass
	clock := f.Clock.Wall()
	c.SetClock(func() time.Time { return clock })
	ctx := context.Background()
	c.Tick(ctx)
	if n := len(c.Notifications()); n != 0 {
		t.Fatalf("ok: %d notifications", n)
	}
	// the policy warns at 20 minutes (not one of 15/5/1): the agent says warn
	left(20*time.Minute, apitype.StateWarn)
	c.Tick(ctx)
	if n := c.Notifications(); len(n) != 1 || !strings.Contains(n[0].Content, "20 min") {
		t.Fatalf("the first threshold: %+v", n)
	}
	// still warned, the next threshold not reached: nothing new
	clock = clock.Add(time.Minute)
	left(19*time.Minute, apitype.StateWarn)
	c.Tick(ctx)
	// 15 and 5 minutes are not thresholds of this policy
	clock = clock.Add(4 * time.Minute)
	left(15*time.Minute, apitype.StateWarn)
	c.Tick(ctx)
	if n := len(c.Notifications()); n != 1 {
		t.Fatalf("no threshold crossed: %d notifications", n)
	}
	// the agent's next warning (at 10 minutes) passes
	clock = clock.Add(5 * time.Minute)
	left(10*time.Minute, apitype.StateWarn)
	c.Tick(ctx)
	if n := c.Notifications(); len(n) != 2 || !strings.Contains(n[1].Content, "10 min") {
		t.Fatalf("the second threshold: %+v", n)
	}
	// the grace period of screen time: save your work (not "your game")
	setAn(t, f, screen(0), func(st apitype.ChildStatus) bool { return st.State == apitype.StateGrace })
	c.Tick(ctx)
	c.Tick(ctx)
	if n := c.Notifications(); len(n) != 3 || n[2].Content != lang.L("companion.saveWork") {
		t.Fatalf("grace: %+v", n)
	}
}

// The grace asks to save a game only when a game's time ran out.
func TestGraceSaysWhatToSave(t *testing.T) {
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		reason, want string
	}{
		{"games.budget", "state.grace"},
		{"screen.budget", "state.graceWork"},
		{"hours.outside", "state.graceWork"},
	}
	for _, c := range cases {
		st := apitype.ChildStatus{State: apitype.StateGrace, Reason: c.reason}
		if got := companion.StateSentence(st, now); got != lang.L(c.want) {
			t.Errorf("grace for %s: %q, want %q", c.reason, got, lang.L(c.want))
		}
	}
}

// unlimited gives An a day without limits.
func unlimited(s *rules.Child) {
	s.Screen = &rules.BudgetSpec{Daily: dur(rules.Unlimited)}
	s.Games = &rules.GamesSpec{Daily: dur(rules.Unlimited), PerGame: dur(rules.Unlimited)}
	s.Allowed = map[string][]rules.Window{"daily": {rules.AllDay}}
}

func TestUnlimitedDay(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	setAn(t, f, unlimited, func(st apitype.ChildStatus) bool { return st.ScreenLeftSec == -1 && st.GamesLeftSec == -1 })
	c, _ := start(t, f, probe{})
	c.Tick(context.Background())
	texts := map[string]int{}
	for _, o := range test.LaidOutObjects(c.Window().Content()) {
		switch o := o.(type) {
		case *canvas.Text:
			texts[o.Text]++
		case *widgets.TimeBar:
			if o.Fraction() != 0 || !strings.Contains(o.Caption, "no limit") {
				t.Errorf("bar %q: fraction %v, caption %q", o.Title, o.Fraction(), o.Caption)
			}
		}
	}
	if texts["no limit"] != 2 || texts[lang.L("companion.rest")] != 0 {
		t.Errorf("big numbers: %v", texts)
	}
	if c.Countdown() != "" || c.CountdownWindow() != nil {
		t.Errorf("a countdown with no limit: %q", c.Countdown())
	}
	if got := companion.StateSentence(c.Status(), f.Clock.Wall()); got != lang.L("state.ok") {
		t.Errorf("state: %q", got)
	}
	// warned by an app's own limit on an unlimited day: still no 0:00
	setAn(t, f, func(s *rules.Child) {
		unlimited(s)
		s.Apps = []rules.AppRule{{Match: rules.Match{Path: "/usr/bin/kt-app"}, Rule: rules.RuleLimit, Limit: rules.Duration(50 * time.Second)}}
	}, func(apitype.ChildStatus) bool { return true })
	f.OS.SetHash("/usr/bin/kt-app", agenttest.Sum("kt-app"))
	f.OS.Exec(facts.Process{UID: f.UID(agenttest.Kid), Exe: "/usr/bin/kt-app"})
	if !eventually(func() bool { return status(t, f, "An").Reason == "app.limit" }) {
		t.Fatalf("the app's own limit is not the agent's reason: %+v", status(t, f, "An"))
	}
	c.Tick(context.Background())
	if c.Status().State != apitype.StateWarn || c.Countdown() != "" {
		t.Errorf("unlimited, warned for an app: state %s, countdown %q", c.Status().State, c.Countdown())
	}
	if got := companion.StateSentence(c.Status(), f.Clock.Wall()); strings.Contains(got, "0 s") {
		t.Errorf("unlimited, warned: %q", got)
	}
}

func TestUnlimitedGamesWithAPerGameCap(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	// 12–15 preset: unlimited daily games, but this game's own cap ends soon
	setAn(t, f, func(s *rules.Child) {
		unlimited(s)
		s.Games.PerGame = dur(50 * time.Second)
		s.Apps = []rules.AppRule{ktGame}
	}, func(apitype.ChildStatus) bool { return true })
	play(f)
	if !eventually(func() bool { return status(t, f, "An").Reason == "games.per-game" }) {
		t.Fatalf("the game's own cap is not the agent's reason: %+v", status(t, f, "An"))
	}
	c, _ := start(t, f, probe{})
	c.Tick(context.Background())
	st := c.Status()
	if st.GamesLeftSec <= 40 || st.GamesLeftSec > 50 {
		t.Fatalf("the game's last minute, as the agent says it: %+v", st)
	}
	if got, want := c.Countdown(), i18n.Countdown(time.Duration(st.GamesLeftSec)*time.Second); got != want {
		t.Errorf("the game's last minute: countdown %q, want %q", got, want)
	}
}

func TestCountdownKeptAboveEachTimeItAppears(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	c, _ := start(t, f, probe{})
	calls := 0
	c.KeepAbove = func(fyne.Window) error {
		calls++
		if calls == 1 {
			return errors.New("not mapped yet")
		}
		return nil
	}
	ctx := context.Background()
	setAn(t, f, screen(40*time.Second), func(st apitype.ChildStatus) bool { return st.ScreenLeftSec == 40 })
	c.Tick(ctx)
	c.Tick(ctx)
	c.Tick(ctx)
	if calls != 2 {
		t.Fatalf("first show: %d KeepAbove calls, want 2 (one retry after a failure)", calls)
	}
	// time given back: hidden; then the last minute again: above again
	setAn(t, f, screen(time.Hour), func(st apitype.ChildStatus) bool { return st.State == apitype.StateOK })
	c.Tick(ctx)
	if c.Countdown() != "" {
		t.Fatalf("hidden countdown still says %q", c.Countdown())
	}
	setAn(t, f, screen(30*time.Second), func(st apitype.ChildStatus) bool { return st.ScreenLeftSec == 30 })
	c.Tick(ctx)
	if calls != 3 {
		t.Errorf("shown again: %d KeepAbove calls, want 3", calls)
	}
}

// requests are An's requests as the agent has them, newest first.
func requests(t *testing.T, f *agenttest.Family) []apitype.Request {
	t.Helper()
	rs, err := f.Client(agenttest.Root).Requests(ctxT(t), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []apitype.Request
	for _, r := range rs {
		if r.Child == "An" {
			out = append(out, r)
		}
	}
	return out
}

func TestAskFlow(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	c, _ := start(t, f, probe{})
	before := len(requests(t, f))
	test.Tap(c.AskButton())
	form := c.LastAsk()
	form.Amount.SetSelected(i18n.Duration(30 * time.Minute))
	form.Kind.SetSelected(lang.L("companion.games"))
	test.Type(form.Reason, "finish the castle")
	test.Tap(form.Send)
	rs := requests(t, f)
	if len(rs) != before+1 {
		t.Fatalf("the ask did not reach the agent: %+v", rs)
	}
	q := rs[0]
	if q.Kind != apitype.KindGames || q.AddSec != 1800 || q.Reason != "finish the castle" || q.Child != "An" || q.Status != "pending" {
		t.Fatalf("the ask as the agent has it: %+v", q)
	}
	if !strings.Contains(c.Notice(), "Waiting") {
		t.Fatalf("sent: %q", c.Notice())
	}

	// still pending: the notice stays
	c.Tick(context.Background())
	if !strings.Contains(c.Notice(), "Waiting") {
		t.Errorf("pending: %q", c.Notice())
	}
	// the parent says yes with 15 minutes
	if _, err := f.Client(agenttest.Root).Answer(ctxT(t), q.ID, apitype.AnswerRequest{Approve: true, AddSec: 900}); err != nil {
		t.Fatal(err)
	}
	// The step of every second shows it (an ask waits), not only the
	// next heartbeat.
	c.Second(context.Background())
	if c.Notice() != "Yes! You got 15 min more." {
		t.Errorf("approved: %q", c.Notice())
	}
}

func TestParentCode(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	c, _ := start(t, f, probe{})
	test.Tap(c.CodeButton())
	form := c.LastCode()
	test.Type(form.Secret, "111111")
	test.Tap(form.Grant)
	if got := status(t, f, "An").ScreenLimitSec; form.Error.Text != lang.L("code.wrong") || got != 7200 {
		t.Fatalf("a wrong code gives nothing: %q, limit %d", form.Error.Text, got)
	}
	test.Type(form.Secret, f.Code())
	form.Amount.SetSelected(i18n.Duration(time.Hour))
	test.Tap(form.Grant)
	if got := status(t, f, "An").ScreenLimitSec; got != 7200+3600 || !strings.Contains(c.Notice(), "1 h added") {
		t.Fatalf("the parent code: limit %d, notice %q, error %q", got, c.Notice(), form.Error.Text)
	}
	if form.Secret.Text != "" {
		t.Errorf("the code stays in the form after the grant: %q", form.Secret.Text)
	}
}

func TestParentCodeOnlyNoPIN(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	c, wire := start(t, f, probe{})
	test.Tap(c.CodeButton())
	form := c.LastCode()
	// the form has no PIN choice: only the entry, amounts and kinds
	for _, o := range test.LaidOutObjects(c.Window().Canvas().Overlays().Top()) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, "PIN") && !strings.Contains(l.Text, "Never") {
			t.Errorf("the companion offers the PIN: %q", l.Text)
		}
		if r, ok := o.(*widget.RadioGroup); ok {
			for _, opt := range r.Options {
				if strings.Contains(opt, "PIN") {
					t.Errorf("the companion offers the PIN: %q", opt)
				}
			}
		}
	}
	// something that is not 6 digits is refused before it is sent
	test.Type(form.Secret, "parent-pin-42")
	test.Tap(form.Grant)
	if n := wire.Count("POST", apitype.RouteGrant); form.Error.Text != lang.L("code.sixDigits") || n != 0 {
		t.Fatalf("a non-code: %q, %d grants", form.Error.Text, n)
	}
	if form.Secret.Text != "" {
		t.Errorf("a refused entry stays typed: %q", form.Secret.Text)
	}
	// a 6-digit PIN goes out as a code, never as a PIN, and does not work
	test.Type(form.Secret, agenttest.FamilyPIN)
	test.Tap(form.Grant)
	if got := status(t, f, "An").ScreenLimitSec; form.Error.Text != lang.L("code.wrong") || got != 7200 {
		t.Fatalf("the PIN gives nothing: %q, limit %d", form.Error.Text, got)
	}
	call, _ := wire.Last("POST", apitype.RouteGrant)
	var sent apitype.GrantRequest
	if err := json.Unmarshal(call.Body, &sent); err != nil || sent.PIN != "" || sent.Code != agenttest.FamilyPIN {
		t.Errorf("the grant as sent: %+v (%v)", sent, err)
	}
	evs, err := f.Client(agenttest.Root).Events(ctxT(t), now.Add(-time.Hour), "An")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range evs {
		kinds[e.Kind]++
	}
	if kinds["code_failed"] != 1 || kinds["pin_in_child_session"] != 0 {
		t.Errorf("the agent saw a wrong code, never a PIN: %v", kinds)
	}
	// closing the dialog forgets what was typed
	test.Type(form.Secret, "24681")
	form.Close()
	if form.Secret.Text != "" {
		t.Errorf("the code stays after closing: %q", form.Secret.Text)
	}
	if code, ok := companion.ParentCode(" 246 810 "); !ok || code != "246810" {
		t.Errorf("ParentCode with spaces: %q %v", code, ok)
	}
}

func TestHelpIsAlwaysThere(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	// Bình, outside the allowed hours
	c := companion.New(test.NewTempApp(t), f.Client(agenttest.Binh), probe{})
	c.Sync = true
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Status().State != apitype.StateBlocked {
		t.Fatalf("Bình should be blocked: %+v", c.Status())
	}
	if c.HelpButton().Disabled() {
		t.Fatal("help must never be disabled")
	}
	test.Tap(c.HelpButton())
	w := c.HelpWindow()
	if w == nil {
		t.Fatal("no help window")
	}
	found := false
	for _, o := range test.LaidOutObjects(w.Content()) {
		if t, ok := o.(*canvas.Text); ok && t.Text == "111" && t.TextSize >= 30 {
			found = true
		}
	}
	if !found {
		t.Error("the hotline 111 is shown")
	}
	// The daemon counted it once (the hub's report sends the count); a
	// second open within 10 s is not counted again.
	test.Tap(c.HelpButton())
	evs, err := f.Client(agenttest.Root).Events(context.Background(), f.Now.Add(-24*time.Hour), "Bình")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Kind == "help_opened" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("help_opened events: %d, want 1", n)
	}
}

func TestBlockedSaysWhenTimeComesBack(t *testing.T) {
	day := time.Date(2026, 3, 21, 16, 45, 0, 0, time.Local)
	st := apitype.ChildStatus{State: apitype.StateBlocked, ReasonKey: "reason.hours.outside",
		BackAt: time.Date(2026, 3, 22, 6, 0, 0, 0, time.Local)}
	test.NewTempApp(t)
	for _, tc := range []struct{ lang, state, reason string }{
		{"en", "Time for a break. Screen time comes back tomorrow at 06:00.", "Screens are off at this hour."},
		{"vi", "Đến giờ nghỉ rồi. Thời gian dùng máy trở lại vào ngày mai lúc 06:00.", "Bây giờ là giờ nghỉ, không dùng máy."},
	} {
		if err := i18n.Setup(tc.lang); err != nil {
			t.Fatal(err)
		}
		if got := companion.StateSentence(st, day); got != tc.state {
			t.Errorf("%s state: %q", tc.lang, got)
		}
		if got := companion.ReasonSentence(st); got != tc.reason {
			t.Errorf("%s reason: %q", tc.lang, got)
		}
	}
}

func TestLocksTheScreenWhenBlocked(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	c, wire := start(t, f, probe{})
	locks := 0
	locked := false
	c.LockScreen = func(context.Context) error { locks++; return nil }
	c.ScreenLocked = func(context.Context) (bool, error) { return locked, nil }
	clock := f.Clock.Wall()
	c.SetClock(func() time.Time { return clock })
	ctx := context.Background()

	// warned, not blocked: no lock; the heartbeat says unlocked
	c.Tick(ctx)
	if locks != 0 || lastBeat(t, wire).Locked {
		t.Fatalf("a warning must not lock: %d locks, beat %+v", locks, lastBeat(t, wire))
	}
	// games spent while a game runs (and survives being closed): only the
	// game closes
	setAn(t, f, func(s *rules.Child) {
		s.Games = &rules.GamesSpec{Daily: dur(anGames)}
		s.Grace = dur(0)
		s.Apps = []rules.AppRule{ktGame}
	}, func(apitype.ChildStatus) bool { return true })
	const game = 4300
	f.OS.Stubborn(game) // before its exec: a spent game is closed at once
	f.OS.SetHash("/usr/games/kt-game", agenttest.Sum("kt-game"))
	f.OS.Exec(facts.Process{PID: game, UID: f.UID(agenttest.Kid), Exe: "/usr/games/kt-game"})
	if !eventually(func() bool { st := status(t, f, "An"); return st.Reason == "games.spent" }) {
		t.Fatalf("a game with no game time left: %+v", status(t, f, "An"))
	}
	c.Tick(ctx)
	if c.Status().State != apitype.StateBlocked || locks != 0 {
		t.Fatalf("games spent must not lock the session: %s, %d locks", c.Status().State, locks)
	}
	f.OS.Exit(game)
	// screen time spent: one lock, however many heartbeats follow
	setAn(t, f, func(s *rules.Child) {
		s.Screen = &rules.BudgetSpec{Daily: dur(anScreen)}
		s.Grace = dur(0)
	}, func(st apitype.ChildStatus) bool { return st.Reason == "screen.spent" })
	c.Tick(ctx)
	locked = true
	for range 5 {
		clock = clock.Add(companion.HeartbeatEvery)
		c.Tick(ctx)
	}
	if locks != 1 {
		t.Fatalf("screen time spent: %d locks, want 1", locks)
	}
	if !lastBeat(t, wire).Locked {
		t.Errorf("the heartbeat should report the locked screen")
	}
	// the child unlocks while still blocked: locked again after a while
	locked = false
	clock = clock.Add(companion.RelockAfter)
	c.Tick(ctx)
	if locks != 2 {
		t.Errorf("unlocked while blocked: %d locks, want 2", locks)
	}
	// time given back, then outside the allowed hours: a new lock
	setAn(t, f, screen(time.Hour), func(st apitype.ChildStatus) bool { return st.State == apitype.StateOK })
	c.Tick(ctx)
	setAn(t, f, func(s *rules.Child) {
		s.Allowed = map[string][]rules.Window{"daily": {{Start: 6 * 60, End: 16 * 60}}}
	}, func(st apitype.ChildStatus) bool { return st.Reason == "hours.outside" })
	c.Tick(ctx)
	if locks != 3 {
		t.Errorf("outside the allowed hours: %d locks, want 3", locks)
	}
}

func TestWaitsForTheAgent(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	saved := companion.RetryEvery
	companion.RetryEvery = 10 * time.Millisecond
	t.Cleanup(func() { companion.RetryEvery = saved })
	f.Stop() // the session starts before kidtimed
	c := companion.New(test.NewTempApp(t), f.Client(agenttest.Kid), probe{})
	c.SetClock(f.Clock.Wall)
	err := c.Start(context.Background())
	if err == nil || errors.Is(err, companion.ErrNotChild) {
		t.Fatalf("Start with no agent = %v", err)
	}
	c.ShowWaiting(err)
	texts := func() map[string]bool {
		out := map[string]bool{}
		for _, o := range test.LaidOutObjects(c.Window().Content()) {
			switch o := o.(type) {
			case *canvas.Text:
				out[o.Text] = true
			case *widget.Label:
				out[o.Text] = true
			}
		}
		return out
	}
	if got := texts(); !got["111"] || !got[lang.L("companion.waitAgent")] {
		t.Fatalf("the waiting window shows help and why: %v", got)
	}
	// the tray's items work before the agent answers
	for _, it := range c.TrayMenu().Items {
		it.Action()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.WaitStart(ctx) }()
	time.Sleep(50 * time.Millisecond)
	f.Restart() // kidtimed starts
	if err := <-done; err != nil {
		t.Fatalf("WaitStart = %v", err)
	}
	if got := texts(); !got["Hi An!"] {
		t.Errorf("the child's window after the agent answered: %v", got)
	}
	// the tray's "Ask for more time" opens the form now
	c.TrayMenu().Items[1].Action()
	if c.LastAsk() == nil {
		t.Error("no ask form from the tray")
	}
}

func TestRelocksWhenTheLockStateIsUnknown(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	c, _ := start(t, f, probe{})
	locks := 0
	c.LockScreen = func(context.Context) error { locks++; return nil }
	c.ScreenLocked = func(context.Context) (bool, error) { return false, errors.New("no screen saver on D-Bus") }
	clock := f.Clock.Wall()
	c.SetClock(func() time.Time { return clock })
	setAn(t, f, func(s *rules.Child) {
		s.Screen = &rules.BudgetSpec{Daily: dur(anScreen)}
		s.Grace = dur(0)
	}, func(st apitype.ChildStatus) bool { return st.Reason == "screen.spent" })
	c.Tick(context.Background())
	clock = clock.Add(companion.RelockAfter)
	c.Tick(context.Background())
	if locks != 2 {
		t.Errorf("lock state unknown, still blocked: %d locks, want 2", locks)
	}
}

func TestEveryAskIsAnswered(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	c, _ := start(t, f, probe{})
	ask := func(reason string) apitype.Request {
		t.Helper()
		test.Tap(c.AskButton())
		form := c.LastAsk()
		form.Reason.SetText(reason)
		test.Tap(form.Send)
		return requests(t, f)[0]
	}
	first := ask("the castle")
	second := ask(strings.Repeat("Con xin thêm giờ để học tiếng Việt. ", 30)) // well over 500 bytes
	if c.Pending() != 2 || first.ID == second.ID {
		t.Fatalf("two asks wait: %d (%d, %d)", c.Pending(), first.ID, second.ID)
	}
	if len(second.Reason) > companion.MaxReason || !utf8.ValidString(second.Reason) || second.Reason == "" {
		t.Errorf("the reason the agent has has %d bytes (valid UTF-8 %v)", len(second.Reason), utf8.ValidString(second.Reason))
	}
	if got := c.LastAsk().Reason.Text; len(got) > companion.MaxReason || !utf8.ValidString(got) {
		t.Errorf("the form keeps %d bytes", len(got))
	}
	answer := func(id int64, yes bool) {
		if _, err := f.Client(agenttest.Root).Answer(ctxT(t), id, apitype.AnswerRequest{Approve: yes}); err != nil {
			t.Fatal(err)
		}
	}
	// the first ask is denied: the child hears it, also as a notification
	answer(first.ID, false)
	test.AssertNotificationSent(t, fyne.NewNotification(lang.L("ask.title"), lang.L("ask.denied")), func() {
		c.Tick(context.Background())
	})
	if c.Notice() != lang.L("ask.denied") || c.Pending() != 1 {
		t.Errorf("denied: %q, %d pending", c.Notice(), c.Pending())
	}
	// the second, sent later, is still followed
	answer(second.ID, true)
	c.Tick(context.Background())
	if c.Notice() != "Yes! You got 15 min more." || c.Pending() != 0 {
		t.Errorf("approved: %q, %d pending", c.Notice(), c.Pending())
	}
	if got := companion.LimitReason(strings.Repeat("ệ", 200)); len(got) != 498 || !utf8.ValidString(got) {
		t.Errorf("LimitReason cuts between letters: %d bytes", len(got))
	}
}

// A socket that refuses the account is not a service that is late: the
// companion says the installation needs a grown-up, not "wait".
func TestTellsARefusedAccountFromAServiceThatIsLate(t *testing.T) {
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	refused := &client.Client{Dial: func(context.Context) (net.Conn, error) {
		return nil, &os.PathError{Op: "dial", Path: "/run/kidtime/kidtimed.sock", Err: syscall.EACCES}
	}}
	c := companion.New(test.NewTempApp(t), refused, probe{})
	err := c.Start(context.Background())
	if err == nil {
		t.Fatal("Start through a refusing socket succeeded")
	}
	c.ShowWaiting(err)
	var said []string
	for _, o := range test.LaidOutObjects(c.Window().Content()) {
		if l, ok := o.(*widget.Label); ok {
			said = append(said, l.Text)
		}
	}
	if !slices.Contains(said, lang.L("companion.agentRefused")) || slices.Contains(said, lang.L("companion.waitAgent")) {
		t.Errorf("a refused account is told %q; want the installation to be checked, not to wait", said)
	}
}
