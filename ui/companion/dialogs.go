package companion

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/widgets"
)

// amounts a child can ask for, or a parent can grant on the spot.
var amounts = []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour}

func amountLabels() []string {
	out := make([]string, len(amounts))
	for i, a := range amounts {
		out[i] = i18n.Duration(a)
	}
	return out
}

func amountOf(label string) time.Duration {
	for _, a := range amounts {
		if i18n.Duration(a) == label {
			return a
		}
	}
	return amounts[0]
}

func kindLabels() []string { return []string{lang.L("companion.screen"), lang.L("companion.games")} }

func kindOf(label string) string {
	if label == lang.L("companion.games") {
		return apitype.KindGames
	}
	return apitype.KindScreen
}

// AskForm is the "ask for more time" form.
type AskForm struct {
	Amount *widget.RadioGroup
	Kind   *widget.RadioGroup
	Reason *widget.Entry
	Send   *widget.Button
	dlg    dialog.Dialog
}

// LastAsk is the form shown by the last tap on "Ask for more time" (tests).
func (c *Companion) LastAsk() *AskForm { return c.lastAsk }

func (c *Companion) onAsk() {
	f := &AskForm{
		Amount: widget.NewRadioGroup(amountLabels(), nil),
		Kind:   widget.NewRadioGroup(kindLabels(), nil),
		Reason: widget.NewMultiLineEntry(),
	}
	f.Amount.Horizontal = true
	f.Amount.Required = true
	f.Amount.SetSelected(amountLabels()[0])
	f.Kind.Horizontal = true
	f.Kind.Required = true
	f.Kind.SetSelected(kindLabels()[0])
	f.Reason.SetPlaceHolder(lang.L("ask.reasonHint"))
	f.Reason.SetMinRowsVisible(2)
	f.Reason.OnChanged = func(s string) {
		if len(s) > MaxReason {
			f.Reason.SetText(LimitReason(s))
		}
	}
	f.Send = widget.NewButtonWithIcon(lang.L("ask.send"), theme.MailSendIcon(), func() {
		c.sendAsk(f)
	})
	f.Send.Importance = widget.HighImportance
	body := container.NewVBox(
		widget.NewLabel(lang.L("ask.howMuch")), f.Amount,
		widget.NewLabel(lang.L("ask.forWhat")), f.Kind,
		widget.NewLabel(lang.L("ask.why")), f.Reason,
		f.Send,
	)
	f.dlg = dialog.NewCustom(lang.L("ask.title"), lang.L("common.close"), body, c.win)
	c.lastAsk = f
	f.dlg.Show()
}

// MaxReason is the longest reason the agent takes, in bytes of UTF-8 (a
// Vietnamese letter with its marks takes two or three).
const MaxReason = 500

// LimitReason cuts s to at most MaxReason bytes, between two letters.
func LimitReason(s string) string {
	if len(s) <= MaxReason {
		return s
	}
	cut := MaxReason
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func (c *Companion) sendAsk(f *AskForm) {
	req := apitype.AskRequest{
		Kind:   kindOf(f.Kind.Selected),
		AddSec: int64(amountOf(f.Amount.Selected) / time.Second),
		Reason: LimitReason(strings.TrimSpace(f.Reason.Text)),
	}
	f.Send.Disable()
	var r apitype.Request
	var err error
	c.background(func(ctx context.Context) {
		r, err = c.b.Ask(ctx, req)
	}, func() {
		f.Send.Enable()
		if err != nil {
			msg := lang.L("ask.failed")
			if ae, ok := client.AsAPIError(err); ok {
				if s, ok := i18n.ErrorText(ae.Key, ae.Args, ae.RetryAfterSec); ok {
					msg = s // e.g. five asks already wait for an answer
				}
			}
			c.notice.SetText(msg)
			return
		}
		c.mu.Lock()
		if c.asks == nil {
			c.asks = map[int64]apitype.AskRequest{}
		}
		c.asks[r.ID] = req
		c.mu.Unlock()
		f.dlg.Hide()
		c.notice.SetText(lang.L("ask.waiting", map[string]any{"Amount": i18n.Seconds(req.AddSec)}))
	})
}

// background runs work off the Fyne thread and then done on it; with Sync
// set (tests, screenshots) both run on the caller's goroutine.
func (c *Companion) background(work func(ctx context.Context), done func()) {
	run := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		work(ctx)
	}
	if c.Sync {
		run()
		done()
		return
	}
	go func() {
		run()
		fyne.Do(done)
	}()
}

// pollAsk checks the pending asks and returns the sentence to show for the
// latest one answered ("" while they all wait). Every answer, yes or no, is
// also a desktop notification.
func (c *Companion) pollAsk(ctx context.Context) string {
	c.mu.Lock()
	n := len(c.asks)
	c.mu.Unlock()
	if n == 0 {
		return ""
	}
	rs, err := c.b.Requests(ctx, "")
	if err != nil {
		return ""
	}
	answer := ""
	for _, r := range rs {
		c.mu.Lock()
		_, mine := c.asks[r.ID]
		if mine && r.Status != "pending" {
			delete(c.asks, r.ID)
		}
		c.mu.Unlock()
		if !mine || r.Status == "pending" {
			continue
		}
		if r.Status == "approved" {
			got := r.GrantedSec
			if got == 0 {
				got = r.AddSec
			}
			answer = lang.L("ask.approved", map[string]any{"Amount": i18n.Seconds(got)})
		} else {
			answer = lang.L("ask.denied")
		}
		c.app.SendNotification(fyne.NewNotification(lang.L("ask.title"), answer))
	}
	return answer
}

// Pending is the number of asks sent and not yet answered (tests).
func (c *Companion) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.asks)
}

// CodeForm is the parent's "grant on the spot" form. It takes only the
// 6-digit parent code from the parent's authenticator app, never the PIN:
// the companion runs as the child, so whatever is typed here could be read
// by a program in the child's session. A code is only good for a short
// while; the PIN is not.
type CodeForm struct {
	Secret *widget.Entry
	Amount *widget.RadioGroup
	Kind   *widget.RadioGroup
	Grant  *widget.Button
	Error  *widget.Label
	dlg    dialog.Dialog
}

// LastCode is the form shown by the last tap on "Parent code" (tests).
func (c *Companion) LastCode() *CodeForm { return c.lastCode }

func (c *Companion) onParentCode() {
	f := &CodeForm{
		Secret: widget.NewPasswordEntry(),
		Amount: widget.NewRadioGroup(amountLabels(), nil),
		Kind:   widget.NewRadioGroup(kindLabels(), nil),
		Error:  widget.NewLabel(""),
	}
	f.Secret.SetPlaceHolder(lang.L("code.hint"))
	f.Amount.Horizontal, f.Amount.Required = true, true
	f.Amount.SetSelected(amountLabels()[0])
	f.Kind.Horizontal, f.Kind.Required = true, true
	f.Kind.SetSelected(kindLabels()[0])
	f.Error.Importance = widget.WarningImportance
	f.Error.Wrapping = fyne.TextWrapWord
	f.Grant = widget.NewButtonWithIcon(lang.L("code.grant"), theme.ConfirmIcon(), func() { c.grant(f) })
	f.Grant.Importance = widget.HighImportance
	intro := widget.NewLabel(lang.L("code.intro"))
	intro.Wrapping = fyne.TextWrapWord
	// "Give time" sits in the dialog's own row of buttons, beside "Close":
	// inside the body it ended under "Close" when the window was shorter
	// than the form (issue 12 §6); the body scrolls instead.
	body := container.NewVScroll(container.NewVBox(intro, f.Secret, f.Error, f.Amount, f.Kind)) // the error under its field
	body.SetMinSize(fyne.NewSize(320, 200))
	dlg := dialog.NewCustomWithoutButtons(lang.L("code.title"), body, c.win)
	closeBtn := widget.NewButtonWithIcon(lang.L("common.close"), theme.CancelIcon(), dlg.Hide)
	dlg.SetButtons([]fyne.CanvasObject{closeBtn, f.Grant})
	f.dlg = dlg
	// the code leaves memory with the dialog, however it closes
	f.dlg.SetOnClosed(f.clear)
	c.lastCode = f
	f.dlg.Show()
}

// clear forgets the typed code.
func (f *CodeForm) clear() { f.Secret.SetText("") }

// ParentCode cleans up a typed parent code: the 6 digits of an
// authenticator app, spaces allowed between them. ok is false for anything
// else (a PIN included).
func ParentCode(s string) (code string, ok bool) {
	code = strings.Join(strings.Fields(s), "")
	if len(code) != 6 {
		return "", false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return code, true
}

func (c *Companion) grant(f *CodeForm) {
	typed := strings.TrimSpace(f.Secret.Text)
	if typed == "" {
		f.Error.SetText(lang.L("code.empty"))
		return
	}
	code, ok := ParentCode(typed)
	if !ok {
		f.Error.SetText(lang.L("code.sixDigits"))
		f.clear()
		return
	}
	st := c.Status()
	req := apitype.GrantRequest{Child: st.Name, Kind: kindOf(f.Kind.Selected), AddSec: int64(amountOf(f.Amount.Selected) / time.Second), Code: code}
	f.Grant.Disable()
	var err, hbErr error
	var hb apitype.ChildStatus
	c.background(func(ctx context.Context) {
		err = c.b.Grant(ctx, req)
		if err == nil {
			hb, hbErr = c.b.Heartbeat(ctx, c.heartbeat(ctx))
		}
	}, func() {
		f.Grant.Enable()
		f.clear()
		if err != nil {
			f.Error.SetText(grantError(err))
			return
		}
		f.dlg.Hide()
		c.notice.SetText(lang.L("code.granted", map[string]any{"Amount": i18n.Seconds(req.AddSec)}))
		if hbErr == nil {
			c.apply(hb, c.now())
		}
	})
}

// grantError says why a grant failed: a wrong code, or a wait after
// too many tries.
func grantError(err error) string {
	ae, ok := client.AsAPIError(err)
	switch {
	case ok && ae.RetryAfterSec > 0:
		return lang.L("code.wait", map[string]any{"Wait": i18n.Seconds(ae.RetryAfterSec)})
	case ok && ae.Key != "" && ae.Key != "err.code.wrong":
		if s, ok := i18n.ErrorText(ae.Key, ae.Args, 0); ok {
			return s // e.g. more than an hour at a time
		}
		return lang.L("code.wrong")
	case ok && ae.Code != apitype.CodeInternal:
		return lang.L("code.wrong")
	}
	return lang.L("companion.noAgent")
}

func (c *Companion) onHelp() {
	w := c.app.NewWindow(lang.L("help.title"))
	w.SetContent(HelpContent(c.help))
	w.Resize(fyne.NewSize(420, 380))
	c.lastHelp = w
	w.Show()
	// The daemon counts it for the hub's report (only the count leaves
	// the PC); a failure changes nothing for the child.
	if hc, ok := c.b.(interface{ HelpOpened(context.Context) error }); ok {
		c.background(func(ctx context.Context) { _ = hc.HelpOpened(ctx) }, func() {})
	}
}

// HelpContent lists the hotline 111 and the policy's help contacts in large
// type. 111 is always first, even when the policy forgot it.
func HelpContent(contacts []apitype.Contact) fyne.CanvasObject {
	intro := widget.NewLabel(lang.L("help.intro"))
	intro.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(intro)
	all := []apitype.Contact{{Name: lang.L("help.hotline111"), Number: "111", Note: lang.L("help.hotline111Note")}}
	for _, h := range contacts {
		if h.Number != "111" {
			all = append(all, h)
		}
	}
	for _, h := range all {
		num := canvas.NewText(h.Number, widgets.ScreenColor)
		num.TextSize = 40
		num.TextStyle.Bold = true
		name := widget.NewLabelWithStyle(h.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		name.Wrapping = fyne.TextWrapWord
		box.Add(container.NewVBox(num, name))
		if h.Note != "" {
			note := widget.NewLabel(h.Note)
			note.Wrapping = fyne.TextWrapWord
			box.Add(note)
		}
		box.Add(widget.NewSeparator())
	}
	return container.NewVScroll(container.NewPadded(box))
}

// KeepAboveTicks is how many countdown refreshes (one a second) after each
// time the countdown window appears the companion asks the window manager
// to keep it above: the first try can come before the window is mapped.
const KeepAboveTicks = 3

// updateCountdown shows, moves or hides the last-minute countdown window.
func (c *Companion) updateCountdown(now time.Time) {
	left, st, ok := c.leftNow(now)
	show := (st.State == apitype.StateWarn && ok && left <= time.Minute) || st.State == apitype.StateGrace
	if !show {
		if c.countdown != nil && c.countShown {
			c.countdown.Hide()
		}
		c.countShown = false
		return
	}
	if c.countdown == nil {
		// small and of a fixed size: a line and the minutes, no more (a
		// wrapped label let it grow to the screen's height)
		c.countdown = c.app.NewWindow(lang.L("countdown.title"))
		c.countText = bigText(48, widgets.WarnColor)
		c.countLabel = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
		c.countdown.SetContent(container.NewPadded(container.NewVBox(c.countLabel, c.countText)))
		c.countdown.SetFixedSize(true)
		c.countdown.SetCloseIntercept(func() {}) // it goes away by itself
	}
	c.countText.Text = ""
	if ok {
		c.countText.Text = i18n.Countdown(left)
	}
	c.countText.Refresh()
	if st.State == apitype.StateGrace {
		c.countLabel.SetText(lang.L(saveKey(st)))
	} else {
		c.countLabel.SetText(lang.L("countdown.label"))
	}
	c.countdown.Resize(c.countdown.Content().MinSize())
	appeared := !c.countShown
	if appeared {
		// every hidden→shown change: a window manager forgets "above" when
		// a window is unmapped
		c.countShown = true
		c.countAboveTries = KeepAboveTicks
		c.countPlaceTries = PlaceTries
		c.countAboveErr = nil
		c.countdown.Show()
	}
	if c.countPlaceTries > 0 {
		c.countPlaceTries--
		if c.placeCountdown() {
			c.countPlaceTries = 0
		}
	}
	if c.KeepAbove != nil && c.countAboveTries > 0 {
		c.countAboveTries--
		c.countAboveCalls++
		c.countAboveErr = c.KeepAbove(c.countdown)
		if c.countAboveErr == nil {
			c.countAboveTries = 0
		} else if c.countAboveTries == 0 {
			slog.Info("countdown: cannot keep above, raising it instead", "err", c.countAboveErr)
		}
	}
	// Without a window manager hint (or when it failed), bring the window
	// forward every few seconds; fyne has no always-on-top API.
	if appeared || (c.KeepAbove == nil || c.countAboveErr != nil) && now.Second()%5 == 0 {
		c.countdown.RequestFocus()
	}
}

// Countdown is the countdown's text, "" while hidden (tests).
func (c *Companion) Countdown() string {
	if c.countdown == nil || c.countText == nil || !c.countShown {
		return ""
	}
	return c.countText.Text
}

// KeepAboveCalls is how many times the countdown asked to stay above (tests).
func (c *Companion) KeepAboveCalls() int { return c.countAboveCalls }

// Close closes the form's dialog.
func (f *AskForm) Close() { f.dlg.Hide() }

// Close closes the form's dialog.
func (f *CodeForm) Close() { f.dlg.Hide() }

// AskButton, CodeButton and HelpButton are the window's buttons (tests).
func (c *Companion) AskButton() *widget.Button { return c.askBtn }

// CodeButton is the "Parent code" button.
func (c *Companion) CodeButton() *widget.Button { return c.codeBtn }

// HelpButton is the "Help" button.
func (c *Companion) HelpButton() *widget.Button { return c.helpBtn }

// HelpWindow is the help window opened last, nil before.
func (c *Companion) HelpWindow() fyne.Window { return c.lastHelp }

// CountdownWindow is the last-minute window, nil before it first showed.
func (c *Companion) CountdownWindow() fyne.Window { return c.countdown }

// Notice is the message line under the time (answers, grace, errors).
func (c *Companion) Notice() string { return c.notice.Text }

// Notifications are the warnings the companion has sent, oldest first
// (tests).
func (c *Companion) Notifications() []fyne.Notification {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]fyne.Notification, len(c.sent))
	for i, n := range c.sent {
		out[i] = *n
	}
	return out
}

// SetClock replaces the companion's clock (tests, screenshots).
func (c *Companion) SetClock(now func() time.Time) { c.now = now }
