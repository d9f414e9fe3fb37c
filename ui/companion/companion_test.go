package companion_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/desktop"
	"github.com/kidtime/kidtime/ui/companion"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/uitest"
	"github.com/kidtime/kidtime/ui/widgets"
)

var now = time.Date(2026, 3, 21, 16, 45, 0, 0, time.Local)

type probe struct{}

func (probe) Foreground(context.Context) (desktop.Window, error) {
	return desktop.Window{PID: 4242, Fullscreen: true}, nil
}
func (probe) Idle(context.Context) (time.Duration, error) { return 7 * time.Second, nil }

func start(t *testing.T, f *uitest.Fake) *companion.Companion {
	t.Helper()
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	c := companion.New(test.NewTempApp(t), f, probe{})
	c.SetClock(func() time.Time { return now })
	c.Sync = true
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

func child() *uitest.Fake {
	f := uitest.Demo(now)
	f.Role = apitype.RoleChild
	return f
}

func TestQuitsQuietlyForOthers(t *testing.T) {
	cases := []struct {
		sentence string
		role     string
	}{
		{"an account no child claims", apitype.RoleOther},
		{"a parent's own session", apitype.RoleAdmin},
	}
	for _, tc := range cases {
		test.NewTempApp(t)
		f := uitest.Demo(now)
		f.Role = tc.role
		c := companion.New(test.NewTempApp(t), f, nil)
		if err := c.Start(context.Background()); !errors.Is(err, companion.ErrNotChild) {
			t.Errorf("%s: Start = %v, want ErrNotChild", tc.sentence, err)
		}
	}
}

func TestHeartbeatAndTimeLeft(t *testing.T) {
	f := child()
	c := start(t, f)
	c.Tick(context.Background())
	if len(f.Beats) != 1 || f.Beats[0].IdleSec != 7 || f.Beats[0].ForePID != 4242 || !f.Beats[0].Fullscreen {
		t.Fatalf("heartbeat from the probe: %+v", f.Beats)
	}
	if got := c.Status().ScreenLeftSec; got != 15*60 {
		t.Errorf("status after the heartbeat: %d s left", got)
	}
	if c.Countdown() != "" {
		t.Error("no countdown with 10 minutes left")
	}
}

func TestCountdownInTheLastMinute(t *testing.T) {
	f := child()
	c := start(t, f)
	st := f.Statuses["An"]
	st.ScreenLeftSec, st.GamesLeftSec = 200, 45
	c.Tick(context.Background())
	if got := c.Countdown(); got != "0:45" {
		t.Errorf("45 s of games left: countdown %q", got)
	}
	if c.CountdownWindow() == nil {
		t.Fatal("the countdown window should exist")
	}
	test.AssertNotificationSent(t, nil, func() {}) // nothing new in between
	st.State, st.NextChange = apitype.StateGrace, now.Add(30*time.Second)
	c.Tick(context.Background())
	if c.Countdown() != "0:30" {
		t.Errorf("grace countdown %q", c.Countdown())
	}
	st.State, st.ScreenLeftSec, st.GamesLeftSec = apitype.StateOK, 3600, 3600
	c.Tick(context.Background())
	if c.CountdownWindow().Canvas() == nil {
		t.Fatal("window lost")
	}
}

func TestWarningsFollowTheAgentsThresholds(t *testing.T) {
	f := child()
	st := f.Statuses["An"]
	st.State, st.ScreenLeftSec, st.GamesUsedSec = apitype.StateOK, 40*60, 0
	c := start(t, f)
	clock := now
	c.SetClock(func() time.Time { return clock })
	ctx := context.Background()
	c.Tick(ctx)
	if n := len(c.Notifications()); n != 0 {
		t.Fatalf("ok: %d notifications", n)
	}
	// the policy warns at 20 minutes (not one of 15/5/1): the agent says warn
	st.State, st.ScreenLeftSec, st.NextChange = apitype.StateWarn, 20*60, clock.Add(10*time.Minute)
	c.Tick(ctx)
	if n := c.Notifications(); len(n) != 1 || !strings.Contains(n[0].Content, "20 min") {
		t.Fatalf("the first threshold: %+v", n)
	}
	// still warned, the next threshold not reached: nothing new
	clock = clock.Add(time.Minute)
	st.ScreenLeftSec = 19 * 60
	c.Tick(ctx)
	// 15 and 5 minutes are not thresholds of this policy
	clock = clock.Add(4 * time.Minute)
	st.ScreenLeftSec = 15 * 60
	c.Tick(ctx)
	if n := len(c.Notifications()); n != 1 {
		t.Fatalf("no threshold crossed: %d notifications", n)
	}
	// the agent's next warning (at 10 minutes) passes
	clock = clock.Add(5 * time.Minute)
	st.ScreenLeftSec, st.NextChange = 10*60, clock.Add(10*time.Minute)
	c.Tick(ctx)
	if n := c.Notifications(); len(n) != 2 || !strings.Contains(n[1].Content, "10 min") {
		t.Fatalf("the second threshold: %+v", n)
	}
	// the grace period: save your game
	st.State, st.ScreenLeftSec = apitype.StateGrace, 0
	c.Tick(ctx)
	c.Tick(ctx)
	if n := c.Notifications(); len(n) != 3 || n[2].Content != lang.L("companion.saveGame") {
		t.Fatalf("grace: %+v", n)
	}
}

func TestUnlimitedDay(t *testing.T) {
	f := child()
	st := f.Statuses["An"]
	*st = apitype.ChildStatus{Name: "An", State: apitype.StateOK, Reason: "screen.none", Active: true,
		ScreenUsedSec: 3600, ScreenLeftSec: -1, ScreenLimitSec: -1,
		GamesUsedSec: 1200, GamesLeftSec: -1, GamesLimitSec: -1}
	c := start(t, f)
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
	if got := companion.StateSentence(c.Status(), now); got != lang.L("state.ok") {
		t.Errorf("state: %q", got)
	}
	// warned by an app's own limit on an unlimited day: still no 0:00
	st.State, st.Reason = apitype.StateWarn, "app.limit"
	c.Tick(context.Background())
	if c.Countdown() != "" {
		t.Errorf("unlimited, warned for an app: countdown %q", c.Countdown())
	}
	if got := companion.StateSentence(c.Status(), now); strings.Contains(got, "0 s") {
		t.Errorf("unlimited, warned: %q", got)
	}
}

func TestUnlimitedGamesWithAPerGameCap(t *testing.T) {
	f := child()
	st := f.Statuses["An"]
	// 12–15 preset: unlimited daily games, but this game's own cap ends soon
	*st = apitype.ChildStatus{Name: "An", State: apitype.StateWarn, Reason: "games.per-game", Active: true,
		ScreenUsedSec: 3600, ScreenLeftSec: -1, ScreenLimitSec: -1,
		GamesUsedSec: 3500, GamesLeftSec: 50, GamesLimitSec: -1}
	c := start(t, f)
	c.Tick(context.Background())
	if got := c.Countdown(); got != "0:50" {
		t.Errorf("the game's last minute: countdown %q", got)
	}
}

func TestCountdownKeptAboveEachTimeItAppears(t *testing.T) {
	f := child()
	st := f.Statuses["An"]
	c := start(t, f)
	calls := 0
	c.KeepAbove = func(fyne.Window) error {
		calls++
		if calls == 1 {
			return errors.New("not mapped yet")
		}
		return nil
	}
	ctx := context.Background()
	st.ScreenLeftSec, st.GamesLeftSec = 40, 600
	c.Tick(ctx)
	c.Tick(ctx)
	c.Tick(ctx)
	if calls != 2 {
		t.Fatalf("first show: %d KeepAbove calls, want 2 (one retry after a failure)", calls)
	}
	// time given back: hidden; then the last minute again: above again
	st.State, st.ScreenLeftSec = apitype.StateOK, 3600
	c.Tick(ctx)
	if c.Countdown() != "" {
		t.Fatalf("hidden countdown still says %q", c.Countdown())
	}
	st.State, st.ScreenLeftSec = apitype.StateWarn, 30
	c.Tick(ctx)
	if calls != 3 {
		t.Errorf("shown again: %d KeepAbove calls, want 3", calls)
	}
}

func TestAskFlow(t *testing.T) {
	f := child()
	c := start(t, f)
	test.Tap(c.AskButton())
	form := c.LastAsk()
	form.Amount.SetSelected(i18n.Duration(30 * time.Minute))
	form.Kind.SetSelected(lang.L("companion.games"))
	test.Type(form.Reason, "finish the castle")
	test.Tap(form.Send)
	waitFor(t, func() bool { return len(f.Reqs) == 3 })
	q := f.Reqs[2]
	if q.Kind != apitype.KindGames || q.AddSec != 1800 || q.Reason != "finish the castle" || q.Child != "An" {
		t.Fatalf("the ask as sent: %+v", q)
	}
	waitFor(t, func() bool { return strings.Contains(c.Notice(), "Waiting") })

	// still pending: the notice stays
	c.Tick(context.Background())
	if !strings.Contains(c.Notice(), "Waiting") {
		t.Errorf("pending: %q", c.Notice())
	}
	// the parent says yes with 15 minutes
	f.Role = apitype.RoleParent
	if _, err := f.Answer(context.Background(), q.ID, apitype.AnswerRequest{Approve: true, AddSec: 900}); err != nil {
		t.Fatal(err)
	}
	f.Role = apitype.RoleChild
	c.Tick(context.Background())
	if c.Notice() != "Yes! You got 15 min more." {
		t.Errorf("approved: %q", c.Notice())
	}
}

func TestParentCode(t *testing.T) {
	f := child()
	c := start(t, f)
	test.Tap(c.CodeButton())
	form := c.LastCode()
	test.Type(form.Secret, "111111")
	test.Tap(form.Grant)
	waitFor(t, func() bool { return form.Error.Text != "" })
	if form.Error.Text != lang.L("code.wrong") || f.Statuses["An"].ScreenLimitSec != 7200 {
		t.Fatalf("a wrong code gives nothing: %q", form.Error.Text)
	}
	test.Type(form.Secret, uitest.DemoCode)
	form.Amount.SetSelected(i18n.Duration(time.Hour))
	test.Tap(form.Grant)
	waitFor(t, func() bool { return f.Statuses["An"].ScreenLimitSec == 7200+3600 })
	waitFor(t, func() bool { return strings.Contains(c.Notice(), "1 h added") })
	if form.Secret.Text != "" {
		t.Errorf("the code stays in the form after the grant: %q", form.Secret.Text)
	}
}

func TestParentCodeOnlyNoPIN(t *testing.T) {
	f := child()
	c := start(t, f)
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
	if form.Error.Text != lang.L("code.sixDigits") || f.Called("Grant") != 0 {
		t.Fatalf("a non-code: %q, %d grants", form.Error.Text, f.Called("Grant"))
	}
	if form.Secret.Text != "" {
		t.Errorf("a refused entry stays typed: %q", form.Secret.Text)
	}
	// a 6-digit PIN goes out as a code, never as a PIN, and does not work
	test.Type(form.Secret, uitest.DemoPIN)
	test.Tap(form.Grant)
	if form.Error.Text != lang.L("code.wrong") || f.Statuses["An"].ScreenLimitSec != 7200 {
		t.Fatalf("the PIN gives nothing: %q", form.Error.Text)
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
	f := child()
	st := f.Statuses["An"]
	st.State = apitype.StateBlocked
	c := start(t, f)
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
}

func TestBlockedSaysWhenTimeComesBack(t *testing.T) {
	st := apitype.ChildStatus{State: apitype.StateBlocked, ReasonKey: "reason.hours.outside",
		BackAt: time.Date(2026, 3, 22, 6, 0, 0, 0, time.Local)}
	test.NewTempApp(t)
	for _, tc := range []struct{ lang, state, reason string }{
		{"en", "Time for a break. Screen time comes back tomorrow at 06:00.", "Screens are off at this hour."},
		{"vi", "Đến giờ nghỉ rồi. Thời gian dùng máy trở lại vào ngày mai lúc 06:00.", "Giờ này màn hình được nghỉ."},
	} {
		if err := i18n.Setup(tc.lang); err != nil {
			t.Fatal(err)
		}
		if got := companion.StateSentence(st, now); got != tc.state {
			t.Errorf("%s state: %q", tc.lang, got)
		}
		if got := companion.ReasonSentence(st); got != tc.reason {
			t.Errorf("%s reason: %q", tc.lang, got)
		}
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLocksTheScreenWhenBlocked(t *testing.T) {
	f := child()
	c := start(t, f)
	locks := 0
	locked := false
	c.LockScreen = func(context.Context) error { locks++; return nil }
	c.ScreenLocked = func(context.Context) (bool, error) { return locked, nil }
	clock := now
	c.SetClock(func() time.Time { return clock })
	ctx := context.Background()
	st := f.Statuses["An"]

	// warned, not blocked: no lock; the heartbeat says unlocked
	c.Tick(ctx)
	if locks != 0 || f.Beats[len(f.Beats)-1].Locked {
		t.Fatalf("a warning must not lock: %d locks, beat %+v", locks, f.Beats[len(f.Beats)-1])
	}
	// games spent or an app blocked: only the app closes
	st.State, st.Reason = apitype.StateBlocked, "games.spent"
	c.Tick(ctx)
	if locks != 0 {
		t.Fatalf("games spent must not lock the session: %d locks", locks)
	}
	// screen time spent: one lock, however many heartbeats follow
	st.Reason = "screen.spent"
	c.Tick(ctx)
	locked = true
	for range 5 {
		clock = clock.Add(companion.HeartbeatEvery)
		c.Tick(ctx)
	}
	if locks != 1 {
		t.Fatalf("screen time spent: %d locks, want 1", locks)
	}
	if !f.Beats[len(f.Beats)-1].Locked {
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
	st.State, st.Reason = apitype.StateOK, ""
	c.Tick(ctx)
	st.State, st.Reason = apitype.StateBlocked, "hours.outside"
	c.Tick(ctx)
	if locks != 3 {
		t.Errorf("outside the allowed hours: %d locks, want 3", locks)
	}
}

// down is an agent that does not answer until it is up.
type down struct {
	*uitest.Fake
	up atomic.Bool
}

func (d *down) Status(ctx context.Context) (apitype.Status, error) {
	if !d.up.Load() {
		return apitype.Status{}, errors.New("dial unix /run/kidtime/api.sock: connect: no such file or directory")
	}
	return d.Fake.Status(ctx)
}

func TestWaitsForTheAgent(t *testing.T) {
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	saved := companion.RetryEvery
	companion.RetryEvery = 10 * time.Millisecond
	t.Cleanup(func() { companion.RetryEvery = saved })
	b := &down{Fake: child()}
	c := companion.New(test.NewTempApp(t), b, probe{})
	c.SetClock(func() time.Time { return now })
	if err := c.Start(context.Background()); err == nil || errors.Is(err, companion.ErrNotChild) {
		t.Fatalf("Start with no agent = %v", err)
	}
	c.ShowWaiting()
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
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	go func() { time.Sleep(50 * time.Millisecond); b.up.Store(true) }()
	if err := c.WaitStart(ctx); err != nil {
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
	f := child()
	c := start(t, f)
	locks := 0
	c.LockScreen = func(context.Context) error { locks++; return nil }
	c.ScreenLocked = func(context.Context) (bool, error) { return false, errors.New("no screen saver on D-Bus") }
	clock := now
	c.SetClock(func() time.Time { return clock })
	st := f.Statuses["An"]
	st.State, st.Reason = apitype.StateBlocked, "screen.spent"
	c.Tick(context.Background())
	clock = clock.Add(companion.RelockAfter)
	c.Tick(context.Background())
	if locks != 2 {
		t.Errorf("lock state unknown, still blocked: %d locks, want 2", locks)
	}
}

func TestEveryAskIsAnswered(t *testing.T) {
	f := child()
	c := start(t, f)
	ask := func(reason string) apitype.Request {
		t.Helper()
		test.Tap(c.AskButton())
		form := c.LastAsk()
		form.Reason.SetText(reason)
		test.Tap(form.Send)
		return f.Reqs[len(f.Reqs)-1]
	}
	first := ask("the castle")
	second := ask(strings.Repeat("Con xin thêm giờ để học tiếng Việt. ", 30)) // well over 500 bytes
	if c.Pending() != 2 {
		t.Fatalf("two asks wait: %d", c.Pending())
	}
	if len(second.Reason) > companion.MaxReason || !utf8.ValidString(second.Reason) {
		t.Errorf("the reason sent has %d bytes (valid UTF-8 %v)", len(second.Reason), utf8.ValidString(second.Reason))
	}
	if got := c.LastAsk().Reason.Text; len(got) > companion.MaxReason || !utf8.ValidString(got) {
		t.Errorf("the form keeps %d bytes", len(got))
	}
	answer := func(id int64, yes bool) {
		f.Role = apitype.RoleParent
		if _, err := f.Answer(context.Background(), id, apitype.AnswerRequest{Approve: yes}); err != nil {
			t.Fatal(err)
		}
		f.Role = apitype.RoleChild
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
