package console

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
)

// NewAccountForm makes a standard OS account for the child from the child
// step, as Family Safety and Family Link do: a login name (suggested from
// the child's name, without accents), the name shown at the login screen,
// and the account password twice. The agent makes it as root (useradd,
// NetUserAdd) once the parent confirmed; only an administrator of the
// computer may. Each field has its error line under it.
type NewAccountForm struct {
	Login, FullName, Password, Password2 *widget.Entry
	LoginError, FullNameError            *widget.Label
	PasswordError                        *widget.Label
	Create, Cancel                       *widget.Button
	// Confirm is the question asked before the account is made.
	Confirm *dialog.ConfirmDialog

	s       *ChildSteps
	content fyne.CanvasObject
}

// openNewAccount shows the form under the account list.
func (s *ChildSteps) openNewAccount() {
	if s.NewAccount != nil {
		return
	}
	f := &NewAccountForm{s: s,
		Login: widget.NewEntry(), FullName: widget.NewEntry(), Password: widget.NewPasswordEntry(), Password2: widget.NewPasswordEntry(),
		LoginError: fieldError(), FullNameError: fieldError(), PasswordError: fieldError()}
	name := strings.TrimSpace(s.Name.Text)
	f.Login.SetText(SuggestLogin(name))
	f.FullName.SetText(name)
	for _, e := range []*widget.Entry{f.Login, f.FullName, f.Password, f.Password2} {
		submit(e, f.onCreate)
	}
	f.Create = widget.NewButtonWithIcon(lang.L("newaccount.create"), theme.ConfirmIcon(), f.onCreate)
	f.Create.Importance = widget.HighImportance
	f.Cancel = widget.NewButtonWithIcon(lang.L("common.cancel"), theme.CancelIcon(), f.close)
	f.content = widget.NewCard(lang.L("newaccount.title"), lang.L("newaccount.intro"), container.NewVBox(
		widget.NewForm(
			widget.NewFormItem(lang.L("newaccount.login"), withError(f.Login, f.LoginError)),
			widget.NewFormItem(lang.L("newaccount.fullName"), withError(f.FullName, f.FullNameError)),
			widget.NewFormItem(lang.L("newaccount.password"), f.Password),
			widget.NewFormItem(lang.L("newaccount.password2"), withError(f.Password2, f.PasswordError))),
		container.NewHBox(pushRight(), f.Cancel, f.Create)))
	s.NewAccount = f
	s.MakeAccount.Hide()
	s.accountBox.Add(f.content)
	s.c.w.Canvas().Focus(f.Login)
}

func (f *NewAccountForm) close() {
	f.s.accountBox.Remove(f.content)
	f.s.MakeAccount.Show()
	f.s.NewAccount = nil
}

// SuggestLogin is a login name from a child's name: lowercase letters
// without accents and digits ("Bé An" is bean, "Đức" is duc), at most 20.
func SuggestLogin(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		for base, marked := range vietnameseLetters {
			if strings.ContainsRune(marked, r) {
				r = base
			}
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' && b.Len() > 0 {
			b.WriteRune(r)
		}
		if b.Len() == 20 {
			break
		}
	}
	return b.String()
}

// vietnameseLetters are the letters with marks of Vietnamese, by the
// letter without them.
var vietnameseLetters = map[rune]string{
	'a': "àáạảãâầấậẩẫăằắặẳẵ",
	'e': "èéẹẻẽêềếệểễ",
	'i': "ìíịỉĩ",
	'o': "òóọỏõôồốộổỗơờớợởỡ",
	'u': "ùúụủũưừứựửữ",
	'y': "ỳýỵỷỹ",
	'd': "đ",
}

// onCreate checks the two passwords, asks the parent, and then has the
// agent make the account; it is then picked in the list.
func (f *NewAccountForm) onCreate() {
	for _, l := range []*widget.Label{f.LoginError, f.FullNameError, f.PasswordError} {
		setFieldError(l, "")
	}
	req := apitype.NewAccountRequest{Name: strings.TrimSpace(f.Login.Text), FullName: strings.TrimSpace(f.FullName.Text), Password: f.Password.Text}
	switch {
	case req.Name == "":
		setFieldError(f.LoginError, lang.L("newaccount.needLogin"))
		return
	case f.Password.Text == "":
		setFieldError(f.PasswordError, lang.L("newaccount.needPassword"))
		return
	case f.Password.Text != f.Password2.Text:
		setFieldError(f.PasswordError, lang.L("newaccount.mismatch"))
		return
	}
	who := req.Name
	if req.FullName != "" {
		who = req.FullName + " (" + req.Name + ")"
	}
	f.Confirm = dialog.NewConfirm(lang.L("newaccount.confirmTitle"), lang.L("newaccount.confirm", map[string]any{"Account": who}),
		func(ok bool) {
			if ok {
				f.make(req)
			}
		}, f.s.c.w)
	f.Confirm.SetConfirmText(lang.L("newaccount.create"))
	f.Confirm.SetDismissText(lang.L("common.cancel"))
	f.Confirm.Show()
}

func (f *NewAccountForm) make(req apitype.NewAccountRequest) {
	var acc apitype.Account
	f.Create.Disable()
	// callPIN: a refusal (not an administrator) is said here, it does not
	// end the parent's session.
	f.s.c.callPIN(func(ctx context.Context) (err error) {
		acc, err = f.s.c.b.CreateAccount(ctx, req)
		return err
	}, func(err error) {
		f.Create.Enable()
		if err != nil {
			f.showError(err)
			return
		}
		f.close()
		f.s.loadAccounts(acc.Name)
	})
}

// showError puts the agent's refusal under its field.
func (f *NewAccountForm) showError(err error) {
	if client.IsCode(err, apitype.CodeNotAllowed) {
		setFieldError(f.LoginError, lang.L("newaccount.notAdmin"))
		return
	}
	msg := ErrorText(err)
	field := ""
	if ae, ok := client.AsAPIError(err); ok {
		field = ae.Field
	}
	switch field {
	case "fullName":
		setFieldError(f.FullNameError, msg)
	case "password":
		setFieldError(f.PasswordError, msg)
	default:
		setFieldError(f.LoginError, msg)
	}
}
