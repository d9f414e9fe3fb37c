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

// Warnings are the thresholds at which the companion notifies (DESIGN.md §6).
var Warnings = []time.Duration{15 * time.Minute, 5 * time.Minute, time.Minute}

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
	// shown, to keep it above fullscreen windows (see keepabove*.go).
	KeepAbove func(w fyne.Window) error
	// Sync runs the ask and grant calls on the caller's goroutine (tests).
	Sync bool
	// ScreenLocked, when set, tells whether the session's screen is locked,
	// for the heartbeat's Locked (ScreenLocked in this package reads the
	// screen saver over D-Bus). Unset or failing, heartbeats say unlocked.
	ScreenLocked func(ctx context.Context) (bool, error)
	// LockScreen, when set, locks the session (desktop.LockScreen). The
	// companion calls it when the agent says the child is blocked because
	// screen time is spent or outside the allowed hours: without logind,
	// that is how the agent's lock happens.
	LockScreen func(ctx context.Context) error

	mu       sync.Mutex
	st       apitype.ChildStatus
	seen     time.Time // when st was received
	help     []apitype.Contact
	notified map[string]bool // kind+threshold+day already notified
	askID    int64
	asked    apitype.AskRequest

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
}

// New makes a companion; call Start to check the caller and build the window.
func New(a fyne.App, b Backend, p Probe) *Companion {
	return &Companion{app: a, b: b, probe: p, now: time.Now, notified: map[string]bool{}}
}

// Window is the companion's main window (nil before Start).
func (c *Companion) Window() fyne.Window { return c.win }

// Start asks the agent who the caller is. For an account no child claims it
// returns ErrNotChild; otherwise it builds the window (not yet shown) with
// the first status.
func (c *Companion) Start(ctx context.Context) error {
	st, err := c.b.Status(ctx)
	if err != nil {
		return fmt.Errorf("ask the agent for the status: %w", err)
	}
	if st.Role != apitype.RoleChild || len(st.Children) == 0 {
		return ErrNotChild
	}
	c.help = st.Help
	c.win = c.app.NewWindow(lang.L("companion.title"))
	c.win.SetContent(c.build())
	c.win.Resize(fyne.NewSize(420, 360))
	c.win.SetCloseIntercept(func() { c.win.Hide() }) // closing hides; the session keeps it
	c.apply(st.Children[0], c.now())
	return nil
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
	return container.NewPadded(container.NewVBox(
		c.name,
		container.NewGridWithColumns(2, screenCol, gamesCol),
		c.screenBar, c.gamesBar,
		c.state, c.reason, c.notice,
		c.askBtn,
		container.NewGridWithColumns(2, c.codeBtn, c.helpBtn),
	))
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
	c.screenBar.Set(st.ScreenUsedSec, st.ScreenLimitSec, lang.L("companion.usedOf", map[string]any{
		"Used": i18n.Seconds(st.ScreenUsedSec), "Limit": i18n.Seconds(st.ScreenLimitSec)}))
	c.gamesBar.Set(st.GamesUsedSec, st.GamesLimitSec, lang.L("companion.usedOf", map[string]any{
		"Used": i18n.Seconds(st.GamesUsedSec), "Limit": i18n.Seconds(st.GamesLimitSec)}))
	c.state.SetText(StateSentence(st, now))
	c.reason.SetText(ReasonSentence(st))
	if st.State == apitype.StateGrace {
		c.notice.SetText(lang.L("companion.saveGame"))
	} else if c.notice.Text == lang.L("companion.saveGame") {
		c.notice.SetText("")
	}
	c.warn(st, now)
	c.updateCountdown(now)
}

// leftText is the time left in large type; at zero it says it is break time.
func leftText(sec int64) string {
	if sec <= 0 {
		return lang.L("companion.rest")
	}
	return i18n.Seconds(sec)
}

func colorFor(state string, normal color.Color) color.Color {
	if state == apitype.StateOK {
		return normal
	}
	return widgets.StateColor(state)
}

// StateSentence says the child's state in plain, calm words.
func StateSentence(st apitype.ChildStatus, now time.Time) string {
	switch st.State {
	case apitype.StateWarn:
		return lang.L("state.warn", map[string]any{"Left": i18n.Seconds(soonest(st))})
	case apitype.StateGrace:
		return lang.L("state.grace")
	case apitype.StateBlocked:
		if !st.BackAt.IsZero() {
			return lang.L("state.blockedUntil", map[string]any{"When": i18n.When(st.BackAt, now)})
		}
		return lang.L("state.blocked")
	}
	return lang.L("state.ok")
}

// ReasonSentence is the rule in force in plain words: the agent's reason key
// translated, or a sentence for the state when the key is unknown.
func ReasonSentence(st apitype.ChildStatus) string {
	fallback := ""
	switch st.State {
	case apitype.StateBlocked:
		fallback = lang.L("reason.blocked")
	case apitype.StateWarn, apitype.StateGrace:
		fallback = lang.L("reason.ending")
	default:
		return lang.L("reason.ok")
	}
	if st.ReasonKey == "" {
		return fallback
	}
	return lang.X(st.ReasonKey, fallback)
}

// soonest is the time left on whichever budget ends first: games count only
// when games have a budget and have been played today.
func soonest(st apitype.ChildStatus) int64 {
	left := st.ScreenLeftSec
	if st.GamesLimitSec > 0 && st.GamesUsedSec > 0 && st.GamesLeftSec < left {
		left = st.GamesLeftSec
	}
	return left
}

// leftNow estimates the time left now from the last status, counting down
// between heartbeats while the child is active.
func (c *Companion) leftNow(now time.Time) (time.Duration, apitype.ChildStatus) {
	c.mu.Lock()
	st, seen := c.st, c.seen
	c.mu.Unlock()
	left := time.Duration(soonest(st)) * time.Second
	if st.State == apitype.StateGrace && !st.NextChange.IsZero() {
		left = st.NextChange.Sub(now)
	} else if st.Active || st.State == apitype.StateWarn {
		left -= now.Sub(seen)
	}
	if left < 0 {
		left = 0
	}
	return left, st
}

// warn sends one desktop notification per threshold crossed today.
func (c *Companion) warn(st apitype.ChildStatus, now time.Time) {
	for _, k := range []struct {
		kind        string
		left, limit int64
	}{
		{apitype.KindScreen, st.ScreenLeftSec, st.ScreenLimitSec},
		{apitype.KindGames, st.GamesLeftSec, st.GamesLimitSec},
	} {
		if k.limit == 0 || (k.kind == apitype.KindGames && st.GamesUsedSec == 0) {
			continue
		}
		left := time.Duration(k.left) * time.Second
		for _, w := range Warnings {
			key := notifyKey(now, k.kind, w)
			if left > w || c.notified[key] || left <= 0 {
				continue
			}
			c.notified[key] = true
			// one notification per crossing, the most urgent wins
			for _, w2 := range Warnings {
				if left <= w2 {
					c.notified[notifyKey(now, k.kind, w2)] = true
				}
			}
			c.app.SendNotification(fyne.NewNotification(
				lang.L("notify.title."+k.kind),
				lang.L("notify.body", map[string]any{"Left": i18n.Duration(left)})))
			break
		}
	}
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
	c.onUI(func() {
		if c.notice.Text == lang.L("companion.noAgent") {
			c.notice.SetText("")
		}
		c.apply(st, c.now())
		if answer != "" {
			c.notice.SetText(answer)
		}
	})
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
	due := c.lockedAt.IsZero() || (c.lockedSeen == 0 && now.Sub(c.lockedAt) >= RelockAfter)
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
			fyne.Do(func() { c.updateCountdown(c.now()) })
		}
	}
}
