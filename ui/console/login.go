package console

import (
	"context"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/ui/widgets"
)

// Login is the PIN screen of later runs.
type Login struct {
	c       *Console
	PIN     *widget.Entry
	Submit  *widget.Button
	Error   *widget.Label
	content fyne.CanvasObject
}

func newLogin(c *Console) *Login {
	l := &Login{c: c, PIN: widget.NewPasswordEntry(), Error: widget.NewLabel("")}
	l.PIN.SetPlaceHolder(lang.L("login.pin"))
	l.PIN.OnSubmitted = func(string) { l.onSubmit() }
	l.Error.Importance = widget.DangerImportance
	l.Error.Wrapping = fyne.TextWrapWord
	l.Submit = widget.NewButtonWithIcon(lang.L("login.open"), theme.LoginIcon(), l.onSubmit)
	l.Submit.Importance = widget.HighImportance
	l.content = container.NewCenter(container.NewGridWrap(fyne.NewSize(380, 300), container.NewVBox(
		title(lang.L("app.name")),
		widget.NewLabel(lang.L("login.intro")),
		l.PIN, l.Submit, l.Error,
	)))
	return l
}

func (l *Login) onSubmit() {
	pin := l.PIN.Text
	if pin == "" {
		l.Error.SetText(lang.L("login.empty"))
		return
	}
	l.Submit.Disable()
	l.c.callPIN(func(ctx context.Context) error {
		_, err := l.c.b.Login(ctx, pin)
		return err
	}, func(err error) {
		l.Submit.Enable()
		if err != nil {
			l.PIN.SetText("")
			l.Error.SetText(ErrorText(err))
			return
		}
		l.c.ShowMain()
	})
}

// title is a large heading.
func title(s string) *canvas.Text {
	t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
	t.TextSize = 24
	t.TextStyle.Bold = true
	return t
}

// heading is a section heading.
func heading(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// CheckPIN refuses a PIN a child could guess quickly: fewer than 6 digits,
// or a passphrase shorter than 8 characters; and two entries that differ.
// It returns the translated reason, or "".
func CheckPIN(pin, again string) string {
	pin = strings.TrimSpace(pin)
	n := utf8.RuneCountInString(pin)
	digits := strings.Trim(pin, "0123456789") == ""
	switch {
	case n == 0:
		return lang.L("pin.empty")
	case digits && n < 6:
		return lang.L("pin.short")
	case !digits && n < 8:
		return lang.L("pin.shortPhrase")
	case pin != strings.TrimSpace(again):
		return lang.L("pin.mismatch")
	}
	return ""
}

var _ = widgets.ScreenColor
