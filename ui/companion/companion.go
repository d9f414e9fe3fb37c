// Package companion is the child's side of kidtime-app: a small window with
// the time left today (screen, games) in large numbers, the rule in force in
// plain words, warnings as desktop notifications, a countdown in the last
// minute that stays in front, "save your game" in the grace period, asking
// for more time, a parent code to grant time on the spot, and help (hotline
// 111) one tap away. It also sends the agent the session's heartbeats.
//
// The companion talks to the agent only through Backend (satisfied by
// *client.Client) and reads the desktop through Probe (satisfied by
// agent/desktop's probes).
package companion

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/desktop"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/widgets"
)

// Backend is what the companion needs from the agent; *client.Client
// satisfies it.
type Backend interface {
	Status(ctx context.Context) (apitype.Status, error)
	Heartbeat(ctx context.Context, hb apitype.Heartbeat) (apitype.ChildStatus, error)
	Ask(ctx context.Context, r apitype.AskRequest) (apitype.Request, error)
	Requests(ctx context.Context, status string) ([]apitype.Request, error)
	Grant(ctx context.Context, r apitype.GrantRequest) error
}

// Probe reads the session's desktop; agent/desktop's probes satisfy it.
// A nil Probe reports no foreground window and no idle time.
type Probe interface {
	Foreground(ctx context.Context) (desktop.Window, error)
	Idle(ctx context.Context) (time.Duration, error)
}

// ErrNotChild is returned by Start when no child claims the caller's
// account: the companion then quits quietly.
var ErrNotChild = errors.New("this account belongs to no child")

// PlaceTries is how many seconds after start the companion looks that its
// window is wholly on the screen (it is mapped and framed a moment after
// it is shown).
const PlaceTries = 10

// HeartbeatEvery is how often the companion reports to the agent.
const HeartbeatEvery = 5 * time.Second

// Companion is the child's window and its loop.
type Companion struct {
	app   fyne.App
	win   fyne.Window
	b     Backend
	probe Probe
	now   func() time.Time

	// KeepAbove, when set, is called with the countdown window once it is
	// shown, to keep it above fullscreen windows ([KeepAbove]).
	KeepAbove func(w fyne.Window) error
	// Sync runs the ask and grant calls on the caller's goroutine (tests).
	Sync bool
	// ScreenLocked, when set, tells whether the session's screen is locked,
	// for the heartbeat's Locked (desktop.ScreenLocked asks the screen
	// saver). Unset or failing, heartbeats say unlocked.
	ScreenLocked func(ctx context.Context) (bool, error)
	// LockScreen, when set, locks the session (desktop.LockScreen). The
	// companion calls it when the agent says the child is blocked because
	// screen time is spent or outside the allowed hours: without logind,
	// that is how the agent's lock happens.
	LockScreen func(ctx context.Context) error
	// TrayHost, when set, says why the desktop has no system tray for
	// SetupTray (desktop.TrayHost: no session D-Bus, no tray), or nil.
	TrayHost func() error
	// Placer, when set, places the windows: the companion wholly on the
	// screen, the countdown in a corner clear of it (place.go).
	Placer Placer

	// codeSetUp: a parent set up the parent code, so the button is offered
	codeSetUp bool
	// mainPlaced: the window was seen wholly on the screen; placeTries
	// are the seconds left to look
	mainPlaced bool
	placeTries int
	beats      int

	ready bool // the window shows the child's status (Start succeeded)

	mu   sync.Mutex
	st   apitype.ChildStatus
	seen time.Time // when st was received
	help []apitype.Contact
	// the state and NextChange of the previous status, to see a warning
	// threshold crossed; sent are the notifications given (tests)
	prevState string
	prevNext  time.Time
	sent      []*fyne.Notification
	asks      map[int64]apitype.AskRequest // the asks sent and not yet answered

	// stopSeen is when the last program stopped for a parent's yes was
	// told (approval.go)
	stopSeen time.Time

	// widgets, kept for updates and tests
	name, screenBig, gamesBig *canvas.Text
	screenBar, gamesBar       *widgets.TimeBar
	state, reason, notice     *widget.Label
	askBtn, codeBtn, helpBtn  *widget.Button

	lastAsk  *AskForm
	lastCode *CodeForm
	lastHelp fyne.Window

	// the lock for the current block: when it was asked, and whether the
	// screen was last seen locked (-1 unknown, 0 no, 1 yes)
	lockedAt   time.Time
	lockedSeen int

	countdown     fyne.Window
	countText     *canvas.Text
	countLabel    *widget.Label
	countAboveErr error
	// countShown: the countdown window is shown; countAboveTries: KeepAbove
	// calls left since it last appeared
	countShown      bool
	countAboveTries int
	countPlaceTries int
	countAboveCalls int
}

// New makes a companion; call Start to check the caller and build the window.
func New(a fyne.App, b Backend, p Probe) *Companion {
	return &Companion{app: a, b: b, probe: p, now: time.Now}
}

// Window is the companion's main window (nil before Start).
func (c *Companion) Window() fyne.Window { return c.win }

// Start asks the agent who the caller is. For an account no child claims it
// returns ErrNotChild; otherwise it builds the window (not yet shown) with
// the first status.
func (c *Companion) Start(ctx context.Context) error {
	st, err := c.status(ctx)
	if err != nil {
		return err
	}
	c.setup(st)
	return nil
}

func (c *Companion) status(ctx context.Context) (apitype.Status, error) {
	st, err := c.b.Status(ctx)
	if err != nil {
		return st, fmt.Errorf("ask the agent for the status: %w", err)
	}
	if st.Role != apitype.RoleChild || len(st.Children) == 0 {
		return st, ErrNotChild
	}
	return st, nil
}

// setup fills the window (made if needed) with the child's status.
func (c *Companion) setup(st apitype.Status) {
	c.help = st.Help
	c.codeSetUp = st.ParentCode
	c.placeTries = PlaceTries
	c.window()
	c.win.SetContent(c.build())
	c.ready = true
	c.apply(st.Children[0], c.now())
}

func (c *Companion) window() {
	if c.win != nil {
		return
	}
	c.win = c.app.NewWindow(lang.L("companion.title"))
	// the buttons stay at the bottom and the rest scrolls: the window fits
	// a 1024×768 screen with its panels
	c.win.Resize(fyne.NewSize(440, 500))
	c.win.SetCloseIntercept(func() { c.win.Hide() }) // closing hides; the session keeps it
}

// RetryEvery is how often the companion asks again when the agent did not
// answer at start.
var RetryEvery = 5 * time.Second

// ShowWaiting fills the window (not yet shown) for when the agent does not
// answer at start: the sentence that the service does not answer yet, and
// help (hotline 111), which is never out of reach. WaitStart replaces it.
func (c *Companion) ShowWaiting(why error) {
	c.window()
	key := "companion.waitAgent"
	if errors.Is(why, fs.ErrPermission) {
		// The service is there but this account may not reach it: an
		// installation to fix, not a wait.
		key = "companion.agentRefused"
	}
	msg := widget.NewLabel(lang.L(key))
	msg.Wrapping = fyne.TextWrapWord
	msg.TextStyle.Bold = true
	c.win.SetContent(container.NewBorder(container.NewPadded(msg), nil, nil, nil, HelpContent(c.help)))
}

// WaitStart asks the agent every RetryEvery until it answers, then shows
// the child's window as Start does. It returns ErrNotChild when the agent
// says the account is no child's, or ctx's error when ctx ends first.
func (c *Companion) WaitStart(ctx context.Context) error {
	t := time.NewTicker(RetryEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		st, err := c.status(ctx)
		if errors.Is(err, ErrNotChild) {
			return err
		}
		if err != nil {
			slog.Info("companion: the agent does not answer yet", "err", err)
			continue
		}
		done := make(chan struct{})
		fyne.Do(func() { c.setup(st); close(done) })
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	}
}

func bigText(size float32, col color.Color) *canvas.Text {
	t := canvas.NewText("", col)
	t.TextSize = size
	t.TextStyle = fyne.TextStyle{Bold: true}
	t.Alignment = fyne.TextAlignCenter
	return t
}

func (c *Companion) build() fyne.CanvasObject {
	c.name = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	c.name.TextSize = 20
	c.name.TextStyle.Bold = true
	c.screenBig = bigText(34, widgets.ScreenColor)
	c.gamesBig = bigText(34, widgets.GamesColor)
	c.screenBar = widgets.NewTimeBar(lang.L("companion.screen"), widgets.ScreenColor)
	c.gamesBar = widgets.NewTimeBar(lang.L("companion.games"), widgets.GamesColor)
	c.state = widget.NewLabel("")
	c.state.TextStyle.Bold = true
	c.state.Wrapping = fyne.TextWrapWord
	c.reason = widget.NewLabel("")
	c.reason.Wrapping = fyne.TextWrapWord
	c.notice = widget.NewLabel("")
	c.notice.Wrapping = fyne.TextWrapWord
	c.notice.Importance = widget.HighImportance
	c.askBtn = widget.NewButtonWithIcon(lang.L("companion.ask"), theme.ContentAddIcon(), c.onAsk)
	c.askBtn.Importance = widget.HighImportance
	c.codeBtn = widget.NewButtonWithIcon(lang.L("companion.parentCode"), theme.AccountIcon(), c.onParentCode)
	c.helpBtn = widget.NewButtonWithIcon(lang.L("companion.help"), theme.HelpIcon(), c.onHelp)

	screenCol := container.NewVBox(widget.NewLabelWithStyle(lang.L("companion.screenLeft"), fyne.TextAlignCenter, fyne.TextStyle{}), c.screenBig)
	gamesCol := container.NewVBox(widget.NewLabelWithStyle(lang.L("companion.gamesLeft"), fyne.TextAlignCenter, fyne.TextStyle{}), c.gamesBig)
	info := container.NewVBox(
		c.name,
		container.NewGridWithColumns(2, screenCol, gamesCol),
		c.screenBar, c.gamesBar,
		c.state, c.reason, c.notice,
	)
	// the parent code only once a parent set it up: a button that can
	// only fail teaches a child to type guesses
	buttons := container.NewVBox(c.askBtn, c.helpBtn)
	if c.codeSetUp {
		buttons = container.NewVBox(c.askBtn, container.NewGridWithColumns(2, c.codeBtn, c.helpBtn))
	} else {
		c.codeBtn.Hide()
	}
	return container.NewBorder(nil, container.NewPadded(buttons), nil, nil, container.NewVScroll(container.NewPadded(info)))
}

// Status is the last status received from the agent.
func (c *Companion) Status() apitype.ChildStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st
}

// apply shows a new status. It must run on the Fyne thread.
func (c *Companion) apply(st apitype.ChildStatus, now time.Time) {
	c.mu.Lock()
	c.st, c.seen = st, now
	c.mu.Unlock()

	c.name.Text = lang.L("companion.hello", map[string]any{"Name": st.Name})
	c.name.Refresh()
	c.screenBig.Text = leftText(st.ScreenLeftSec)
	c.screenBig.Refresh()
	if st.GamesLimitSec == 0 && st.GamesUsedSec == 0 {
		c.gamesBig.Text = lang.L("companion.noGames")
	} else if st.GamesPaused {
		c.gamesBig.Text = lang.L("companion.gamesPaused")
	} else {
		c.gamesBig.Text = leftText(st.GamesLeftSec)
	}
	c.gamesBig.Refresh()
	c.screenBar.Color = colorFor(st.State, widgets.ScreenColor)
	c.screenBar.Set(st.ScreenUsedSec, st.ScreenLimitSec, usedOf(st.ScreenUsedSec, st.ScreenLimitSec))
	c.gamesBar.Set(st.GamesUsedSec, st.GamesLimitSec, usedOf(st.GamesUsedSec, st.GamesLimitSec))
	c.state.SetText(StateSentence(st, now))
	c.reason.SetText(ReasonSentence(st))
	if st.State == apitype.StateGrace {
		c.notice.SetText(lang.L(saveKey(st)))
	} else if c.notice.Text == lang.L("companion.saveGame") || c.notice.Text == lang.L("companion.saveWork") {
		c.notice.SetText("")
	}
	c.warn(st, now)
	c.tellAppStopped(st)
	c.updateCountdown(now)
}

// Unlimited is the value of a *LeftSec or *LimitSec that means "no limit".
const Unlimited = -1

// soonest is the time left on whichever budget ends first, and whether any
// budget applies at all (a -1 means no limit and never counts). Games count
// when they have a daily budget and have been played today, or when the
// agent's reason is about games (a game's own cap can run out while daily
// game time is unlimited).
func soonest(st apitype.ChildStatus) (left int64, ok bool) {
	left = st.ScreenLeftSec
	gamesCount := st.GamesLeftSec >= 0 && (st.GamesLimitSec > 0 && st.GamesUsedSec > 0 || strings.HasPrefix(st.Reason, "games."))
	if gamesCount && (left < 0 || st.GamesLeftSec < left) {
		left = st.GamesLeftSec
	}
	if left < 0 {
		return 0, false
	}
	return left, true
}

// leftNow estimates the time left now from the last status, counting down
// between heartbeats while the child is active. ok is false when no limit
// applies (then there is nothing to count down).
func (c *Companion) leftNow(now time.Time) (time.Duration, apitype.ChildStatus, bool) {
	c.mu.Lock()
	st, seen := c.st, c.seen
	c.mu.Unlock()
	sec, ok := soonest(st)
	left := time.Duration(sec) * time.Second
	if st.State == apitype.StateGrace && !st.NextChange.IsZero() {
		left, ok = st.NextChange.Sub(now), true
	} else if st.Active || st.State == apitype.StateWarn {
		left -= now.Sub(seen)
	}
	if left < 0 {
		left = 0
	}
	return left, st, ok
}

// warn sends a desktop notification when the agent's status crosses one of
// the policy's warning thresholds: the state becomes warn, the next warning
// the agent announced (NextChange) has passed while still warned, or the
// grace period begins. The thresholds are the policy's, applied by the
// agent; the companion has none of its own.
func (c *Companion) warn(st apitype.ChildStatus, now time.Time) {
	c.mu.Lock()
	prevState, prevNext := c.prevState, c.prevNext
	c.prevState, c.prevNext = st.State, st.NextChange
	c.mu.Unlock()
	var body string
	switch st.State {
	case apitype.StateWarn:
		crossed := prevState != apitype.StateWarn ||
			(!prevNext.IsZero() && !now.Before(prevNext) && !st.NextChange.Equal(prevNext))
		if !crossed {
			return
		}
		if left, ok := soonest(st); ok {
			body = lang.L("notify.body", map[string]any{"Left": i18n.Seconds(left)})
		} else {
			body = lang.L("state.warnSoon")
		}
	case apitype.StateGrace:
		if prevState == apitype.StateGrace {
			return
		}
		body = lang.L(saveKey(st))
	default:
		return
	}
	kind := apitype.KindScreen
	if strings.HasPrefix(st.Reason, "games.") {
		kind = apitype.KindGames
	}
	n := fyne.NewNotification(lang.L("notify.title."+kind), body)
	c.mu.Lock()
	c.sent = append(c.sent, n)
	c.mu.Unlock()
	c.app.SendNotification(n)
}

// Tick sends one heartbeat and shows the answer; the Run loop calls it every
// HeartbeatEvery. It also polls the answer to a pending ask.
func (c *Companion) Tick(ctx context.Context) {
	hb := c.heartbeat(ctx)
	st, err := c.b.Heartbeat(ctx, hb)
	if err != nil {
		slog.Warn("heartbeat", "err", err)
		c.onUI(func() { c.notice.SetText(lang.L("companion.noAgent")) })
		return
	}
	c.enforceLock(ctx, st, hb)
	answer := c.pollAsk(ctx)
	// once a minute: has a parent set up the parent code since?
	c.beats++
	rebuild := false
	if c.beats%12 == 0 {
		if full, err := c.b.Status(ctx); err == nil && full.ParentCode != c.codeSetUp {
			c.codeSetUp, rebuild = full.ParentCode, true
		}
	}
	c.onUI(func() {
		if rebuild {
			c.win.SetContent(c.build())
		}
		if c.notice.Text == lang.L("companion.noAgent") {
			c.notice.SetText("")
		}
		c.apply(st, c.now())
		if answer != "" {
			c.notice.SetText(answer)
		}
	})
}

// Second is the companion's step of every second beside the countdown:
// while an ask waits for its answer, a tick, so that a parent's answer —
// from this PC or another of the family (issue 13) — shows within a
// second or two rather than at the next heartbeat.
func (c *Companion) Second(ctx context.Context) {
	c.mu.Lock()
	waiting := len(c.asks) > 0
	c.mu.Unlock()
	if waiting {
		c.Tick(ctx)
	}
}

// onUI runs f on the Fyne thread (directly with Sync).
func (c *Companion) onUI(f func()) {
	if c.Sync {
		f()
		return
	}
	fyne.Do(f)
}

// RelockAfter is how long after asking for a lock the companion asks again
// when it sees the screen unlocked while the child is still blocked.
const RelockAfter = 30 * time.Second

// LocksScreen reports whether a status means the session must be locked:
// blocked because screen time is spent or outside the allowed hours (a spent
// game budget or a blocked app only closes the app).
func LocksScreen(st apitype.ChildStatus) bool {
	if st.LockRequested {
		return true // a parent's "lock now"
	}
	return st.State == apitype.StateBlocked && (strings.HasPrefix(st.Reason, "screen.") || strings.HasPrefix(st.Reason, "hours."))
}

// enforceLock locks the session once when the agent says so, and again if
// the screen is seen unlocked RelockAfter later while still blocked.
func (c *Companion) enforceLock(ctx context.Context, st apitype.ChildStatus, hb apitype.Heartbeat) {
	if c.LockScreen == nil {
		return
	}
	now := c.now()
	c.mu.Lock()
	if !LocksScreen(st) {
		c.lockedAt = time.Time{}
		c.mu.Unlock()
		return
	}
	// again unless the screen is known to be locked: a session whose lock
	// state cannot be read is locked again every RelockAfter
	due := c.lockedAt.IsZero() || (c.lockedSeen != 1 && now.Sub(c.lockedAt) >= RelockAfter)
	if due {
		c.lockedAt = now
	}
	c.mu.Unlock()
	if !due {
		return
	}
	if err := c.LockScreen(ctx); err != nil {
		slog.Warn("companion: lock the screen", "reason", st.Reason, "err", err)
		return
	}
	slog.Info("companion: screen locked", "reason", st.Reason)
}

func (c *Companion) heartbeat(ctx context.Context) apitype.Heartbeat {
	hb := apitype.Heartbeat{Session: os.Getenv("XDG_SESSION_ID"), Display: os.Getenv("DISPLAY")}
	seen := -1
	if c.ScreenLocked != nil {
		if locked, err := c.ScreenLocked(ctx); err == nil {
			hb.Locked = locked
			seen = 0
			if locked {
				seen = 1
			}
		}
	}
	c.mu.Lock()
	c.lockedSeen = seen
	c.mu.Unlock()
	if c.probe == nil {
		return hb
	}
	if idle, err := c.probe.Idle(ctx); err == nil {
		hb.IdleSec = int64(idle / time.Second)
	}
	if w, err := c.probe.Foreground(ctx); err == nil {
		hb.ForePID, hb.Fullscreen = w.PID, w.Fullscreen
	}
	return hb
}

// Run sends heartbeats and refreshes the countdown until ctx ends.
func (c *Companion) Run(ctx context.Context) {
	beat := time.NewTicker(HeartbeatEvery)
	defer beat.Stop()
	sec := time.NewTicker(time.Second)
	defer sec.Stop()
	c.Tick(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			c.Tick(ctx)
		case <-sec.C:
			c.Second(ctx)
			fyne.Do(func() {
				c.updateCountdown(c.now())
				if !c.mainPlaced && c.placeTries > 0 {
					c.placeTries--
					c.mainPlaced = c.placeMain()
				}
			})
		}
	}
}

// saveKey is what the grace asks the child to save: their game when a game's
// time ran out, their work when it is the computer's time (or the hours).
func saveKey(st apitype.ChildStatus) string {
	if strings.HasPrefix(st.Reason, "games") {
		return "companion.saveGame"
	}
	return "companion.saveWork"
}
