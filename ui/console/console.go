// Package console is the parents' side of kidtime-app: the first-run setup,
// the PIN screen, and the tabs Today, Rules, Activity, Requests, Events and
// Settings, and Hub on the machine that runs the hub.
//
// The console talks to the agent only through its *client.Client; its tests
// run it against the whole agent in-process (agent/agenttest). Each screen
// is one struct with named onX callbacks, built by a function that takes the
// Console (and through it the fyne.Window).
package console

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/ui/i18n"
)

// Options tune a console.
type Options struct {
	// Sync runs backend calls on the calling goroutine (tests); otherwise
	// they run in the background and their results come back with fyne.Do.
	Sync bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnLanguage is called after the parent picked another language, with
	// the new choice ("" = the system's); the app rebuilds the window.
	OnLanguage func(choice string)
	// After runs f on the Fyne thread once d has passed; nil means a timer,
	// or, with Sync, never: a test's console has one goroutine, and a timer
	// left by one test must not fire into the next (tests that need it
	// replace After to move time by hand).
	After func(d time.Duration, f func())
	// Hub, when this machine runs the hub, is a client of its admin
	// socket: the tabs then end with Hub (hub.go). nil: no Hub tab.
	Hub *client.Client
}

// Console is the parents' window.
type Console struct {
	w   fyne.Window
	b   *client.Client
	opt Options

	// Screen is the name of the screen on show: "firstrun", "login",
	// "main" or "addchild".
	Screen   string
	FirstRun *FirstRun
	Login    *Login
	Main     *Main
	AddChild *AddChild
}

// New builds a console in w talking to the agent through b (which keeps the
// parent's token once the PIN is typed); Start decides which screen to show.
func New(w fyne.Window, b *client.Client, opt Options) *Console {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.After == nil && opt.Sync {
		opt.After = func(time.Duration, func()) {}
	}
	if opt.After == nil {
		opt.After = func(d time.Duration, f func()) {
			time.AfterFunc(d, func() { fyne.Do(f) })
		}
	}
	return &Console{w: w, b: b, opt: opt}
}

// Window is the console's window.
func (c *Console) Window() fyne.Window { return c.w }

func (c *Console) now() time.Time { return c.opt.Now() }

// Start asks the agent about the caller and shows the first-run flow (no PIN
// yet), the PIN screen, or — for an admin or a parent with a token — the
// main tabs.
func (c *Console) Start(ctx context.Context) error {
	h, err := c.b.Health(ctx)
	if err != nil {
		return err
	}
	switch {
	case !h.Setup:
		c.ShowFirstRun()
	case h.Role == apitype.RoleAdmin || h.Role == apitype.RoleParent:
		c.ShowMain()
	default:
		c.ShowLogin()
	}
	return nil
}

// call runs work against the backend and then, on the Fyne thread, done with
// its error. Errors are logged; done decides what the parent sees. When the
// agent refuses a parent's call (not_allowed: the token expired or was
// revoked) while the tabs show, the console goes back to the PIN screen
// with a short message instead.
func (c *Console) call(work func(ctx context.Context) error, done func(err error)) {
	c.callWith(true, work, done)
}

// callPIN is call for work that checks a PIN itself (a wrong PIN is also
// not_allowed): done always sees the error.
func (c *Console) callPIN(work func(ctx context.Context) error, done func(err error)) {
	c.callWith(false, work, done)
}

// expired reports whether err says the parent's token is no longer good.
func expired(err error) bool {
	return client.IsCode(err, apitype.CodeNotAllowed)
}

func (c *Console) callWith(relogin bool, work func(ctx context.Context) error, done func(err error)) {
	if relogin {
		next := done
		done = func(err error) {
			if expired(err) {
				switch c.Screen {
				case "main", "addchild":
					c.ShowLogin()
					c.Login.Error.SetText(lang.L("login.expired"))
					return
				case "login":
					return // another call of the tabs that were just left
				}
			}
			next(err)
		}
	}
	run := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := work(ctx)
		if err != nil {
			slog.Warn("console: agent call failed", "err", err)
		}
		return err
	}
	if c.opt.Sync {
		done(run())
		return
	}
	go func() {
		err := run()
		fyne.Do(func() { done(err) })
	}()
}

// showError tells the parent what went wrong, in their language where the
// agent's error is one the console knows.
func (c *Console) showError(err error) {
	dialog.ShowError(errors.New(ErrorText(err)), c.w)
}

// ErrorText is a sentence for an error from the agent.
func ErrorText(err error) string {
	if ae, ok := client.AsAPIError(err); ok {
		if s, ok := i18n.ErrorText(ae.Key, ae.Args, ae.RetryAfterSec); ok {
			return s
		}
		switch ae.Code {
		case apitype.CodeRateLimited:
			return lang.L("error.rateLimited", map[string]any{"Wait": i18n.Seconds(ae.RetryAfterSec)})
		case apitype.CodeNotAllowed:
			return lang.L("error.notAllowed")
		case apitype.CodeNotFound:
			return lang.L("error.notFound")
		}
		if msg := ae.Error(); msg != "" {
			return msg
		}
	}
	if err == nil {
		return ""
	}
	return lang.L("error.agent", map[string]any{"Err": err.Error()})
}

// ShowLogin shows the PIN screen.
func (c *Console) ShowLogin() {
	c.Screen = "login"
	c.Login = newLogin(c)
	c.w.SetContent(c.Login.content)
}

// ShowFirstRun shows the first-run flow.
func (c *Console) ShowFirstRun() {
	c.Screen = "firstrun"
	c.FirstRun = newFirstRun(c)
	c.w.SetContent(c.FirstRun.content)
	c.w.Canvas().SetOnTypedKey(c.FirstRun.onKey)
}

// ShowAddChild shows the steps that add another child; they end on Today
// with the new child's card (or, cancelled, on the tabs as they were).
func (c *Console) ShowAddChild() {
	c.Screen = "addchild"
	c.AddChild = newAddChild(c)
	c.w.SetContent(c.AddChild.content)
	c.w.Canvas().SetOnTypedKey(c.AddChild.onKey)
}

// ShowMain shows the tabs.
func (c *Console) ShowMain() {
	c.w.Canvas().SetOnTypedKey(nil) // Enter moved the steps on
	c.Screen = "main"
	c.Main = newMain(c)
	c.w.SetContent(c.Main.content)
	c.Main.Refresh()
}

// Main is the console's tabs after the PIN.
type Main struct {
	c        *Console
	Tabs     *container.AppTabs
	Today    *Today
	Rules    *RulesEditor
	Activity *Activity
	Requests *Requests
	Events   *Events
	Settings *Settings
	// Hub is the Hub tab, the seventh; nil when there is no hub here.
	Hub     *HubView
	content fyne.CanvasObject
}

func newMain(c *Console) *Main {
	m := &Main{c: c}
	m.Today = newToday(c)
	m.Rules = newRulesEditor(c)
	m.Activity = newActivity(c)
	m.Requests = newRequests(c)
	m.Events = newEvents(c)
	m.Settings = newSettings(c)
	m.Tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(lang.L("tab.today"), theme.HomeIcon(), m.Today.content),
		container.NewTabItemWithIcon(lang.L("tab.rules"), theme.DocumentCreateIcon(), m.Rules.content),
		container.NewTabItemWithIcon(lang.L("tab.activity"), theme.ListIcon(), m.Activity.content),
		container.NewTabItemWithIcon(lang.L("tab.requests"), theme.MailComposeIcon(), m.Requests.content),
		container.NewTabItemWithIcon(lang.L("tab.events"), theme.HistoryIcon(), m.Events.content),
		container.NewTabItemWithIcon(lang.L("tab.settings"), theme.SettingsIcon(), m.Settings.content),
	)
	if c.opt.Hub != nil {
		m.Hub = newHubView(c, c.opt.Hub)
		m.Tabs.Append(container.NewTabItemWithIcon(lang.L("tab.hub"), theme.ComputerIcon(), m.Hub.content))
	}
	m.Tabs.SetTabLocation(container.TabLocationLeading)
	m.Tabs.OnSelected = func(*container.TabItem) {
		if m.Tabs.SelectedIndex() != 5 {
			m.Settings.ClearCode() // the parent code shows only while Settings does
		}
		m.refreshSelected()
	}
	m.content = m.Tabs
	return m
}

// Refresh reloads every screen from the agent.
func (m *Main) Refresh() {
	m.Today.Refresh()
	m.Requests.Refresh()
	m.Rules.Refresh()
	m.Activity.Refresh()
	m.Events.Refresh()
	m.Settings.Refresh()
	if m.Hub != nil {
		m.Hub.Refresh()
	}
}

func (m *Main) refreshSelected() {
	switch m.Tabs.SelectedIndex() {
	case 0:
		m.Today.Refresh()
	case 1:
		m.Rules.Refresh()
	case 2:
		m.Activity.Refresh()
	case 3:
		m.Requests.Refresh()
	case 4:
		m.Events.Refresh()
	case 5:
		m.Settings.Refresh()
	case 6:
		if m.Hub != nil {
			m.Hub.Refresh()
		}
	}
}

// Select shows the tab at index i (0 Today … 5 Settings, 6 Hub when there
// is one).
func (m *Main) Select(i int) {
	m.Tabs.SelectIndex(i)
}
