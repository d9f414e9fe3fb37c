package console

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/widgets"
)

// Settings: the language (saved as soon as it is picked), the PIN, the
// parent code, the help contacts, a child's data, and data retention.
type Settings struct {
	c *Console

	OldPIN, NewPIN, NewPIN2 *widget.Entry
	ChangePIN               *widget.Button
	PINResult               *widget.Label

	CodePIN  *widget.Entry
	ShowCode *widget.Button
	QR       *fyne.Container
	CodeInfo *widget.Label

	Language      *widget.Select
	DetailDays    *widget.Entry
	RollupDays    *widget.Entry
	Contacts      *widget.Entry
	Save          *widget.Button // the retention's (and the rest of the form)
	SettingsError *widget.Label
	// SaveHelp saves the help contacts (and the rest of the form);
	// HelpError says what is wrong with them.
	SaveHelp  *widget.Button
	HelpError *widget.Label

	Child  *widget.Select
	Export *widget.Button
	// Erase removes the child and erases all their data, once the parent
	// confirms in RemoveConfirm, which names the child.
	Erase         *widget.Button
	RemoveConfirm *dialog.ConfirmDialog

	// WebDetail keeps the names of blocked lookups (off by default;
	// allowed ones are never kept).
	WebDetail *widget.Check

	current apitype.Settings
	codeGen int // counts the codes shown, so an old timer leaves a new one
	content fyne.CanvasObject
}

func newSettings(c *Console) *Settings {
	s := &Settings{c: c}
	s.OldPIN, s.NewPIN, s.NewPIN2 = widget.NewPasswordEntry(), widget.NewPasswordEntry(), widget.NewPasswordEntry()
	s.PINResult = widget.NewLabel("")
	s.PINResult.Wrapping = fyne.TextWrapWord
	s.ChangePIN = widget.NewButton(lang.L("settings.changePIN"), s.onChangePIN)
	pinForm := widget.NewForm(
		widget.NewFormItem(lang.L("settings.oldPIN"), s.OldPIN),
		widget.NewFormItem(lang.L("settings.newPIN"), s.NewPIN),
		widget.NewFormItem(lang.L("settings.newPIN2"), s.NewPIN2),
	)

	s.CodePIN = widget.NewPasswordEntry()
	s.CodePIN.SetPlaceHolder(lang.L("login.pin"))
	s.ShowCode = widget.NewButtonWithIcon(lang.L("settings.newCode"), theme.VisibilityIcon(), s.onNewCode)
	s.QR = container.NewCenter()
	s.CodeInfo = widget.NewLabel(lang.L("settings.codeIntro"))
	s.CodeInfo.Wrapping = fyne.TextWrapWord

	choices := []string{lang.L("settings.language.system")}
	for _, l := range i18n.Languages {
		choices = append(choices, i18n.LanguageName(l))
	}
	s.Language = widget.NewSelect(choices, func(string) { s.onLanguage() })
	s.Language.PlaceHolder = widestOf(choices)
	s.DetailDays, s.RollupDays = widget.NewEntry(), widget.NewEntry()
	s.Contacts = widget.NewMultiLineEntry()
	s.Contacts.SetMinRowsVisible(3)
	s.Contacts.SetPlaceHolder(lang.L("settings.contactsHint"))
	s.SettingsError, s.HelpError = widget.NewLabel(""), widget.NewLabel("")
	for _, l := range []*widget.Label{s.SettingsError, s.HelpError} {
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
	}
	s.Save = widget.NewButtonWithIcon(lang.L("common.save"), theme.DocumentSaveIcon(), func() { s.onSave(s.SettingsError) })
	s.Save.Importance = widget.HighImportance
	s.SaveHelp = widget.NewButtonWithIcon(lang.L("common.save"), theme.DocumentSaveIcon(), func() { s.onSave(s.HelpError) })
	s.WebDetail = widget.NewCheck(lang.L("settings.webDetail"), nil)
	retention := widget.NewForm(
		widget.NewFormItem(lang.L("settings.detailDays"), s.DetailDays),
		widget.NewFormItem(lang.L("settings.rollupDays"), s.RollupDays),
		widget.NewFormItem("", s.WebDetail),
	)

	s.Child = widget.NewSelect(nil, nil)
	s.Export = widget.NewButtonWithIcon(lang.L("settings.export"), theme.DownloadIcon(), s.onExport)
	s.Erase = widget.NewButtonWithIcon(lang.L("settings.erase"), theme.DeleteIcon(), s.onErase)
	s.Erase.Importance = widget.DangerImportance

	// What a parent needs first: the language, the PIN, the parent code;
	// how long data is kept comes last.
	s.content = container.NewVScroll(container.NewVBox(
		title(lang.L("settings.title")),
		widget.NewCard(lang.L("settings.language"), "", container.NewHBox(s.Language)),
		widget.NewCard(lang.L("settings.pin"), "", container.NewVBox(pinForm, container.NewHBox(s.ChangePIN), s.PINResult)),
		widget.NewCard(lang.L("settings.code"), "", container.NewVBox(s.CodeInfo, container.NewBorder(nil, nil, nil, s.ShowCode, s.CodePIN), s.QR)),
		widget.NewCard(lang.L("settings.contacts"), "", container.NewVBox(s.Contacts, s.HelpError, container.NewHBox(s.SaveHelp))),
		widget.NewCard(lang.L("settings.data"), lang.L("settings.dataIntro"), container.NewVBox(container.NewHBox(s.Child), container.NewHBox(s.Export, s.Erase))),
		widget.NewCard(lang.L("settings.retention"), "", container.NewVBox(retention, s.SettingsError, container.NewHBox(s.Save))),
	))
	return s
}

// Content is the screen.
func (s *Settings) Content() fyne.CanvasObject { return s.content }

// Refresh reloads the settings and the children.
func (s *Settings) Refresh() {
	var set apitype.Settings
	var kids []apitype.Child
	s.c.call(func(ctx context.Context) (err error) {
		if set, err = s.c.b.Settings(ctx); err != nil {
			return err
		}
		kids, err = s.c.b.Children(ctx)
		return err
	}, func(err error) {
		if err != nil {
			s.SettingsError.SetText(ErrorText(err))
			return
		}
		s.current = set
		switch set.Language {
		case "":
			s.Language.SetSelectedIndex(0)
		default:
			s.Language.SetSelected(i18n.LanguageName(set.Language))
		}
		s.DetailDays.SetText(strconv.Itoa(set.DetailRetentionDays))
		s.RollupDays.SetText(strconv.Itoa(set.RollupRetentionDays))
		s.WebDetail.SetChecked(set.WebDetail)
		s.Contacts.SetText(FormatContacts(set.Help))
		// An account the default profile holds goes back to it when
		// erased: only the children a parent named are offered (on this
		// PC: not those of the family's other PCs).
		names := make([]string, 0, len(kids))
		for _, k := range kids {
			if !k.DefaultProfile && !k.Elsewhere {
				names = append(names, k.Name)
			}
		}
		s.Child.SetOptions(names)
		if len(names) > 0 && s.Child.Selected == "" {
			s.Child.SetSelected(names[0])
		}
	})
}

// FormatContacts writes help contacts one a line: "name: number (note)".
func FormatContacts(cs []apitype.Contact) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%s: %s", c.Name, c.Number)
		if c.Note != "" {
			fmt.Fprintf(&b, " (%s)", c.Note)
		}
		b.WriteString("\n")
	}
	return strings.TrimSpace(b.String())
}

// ParseContacts reads what FormatContacts writes; a line without a number is
// an error naming the line.
func ParseContacts(s string) ([]apitype.Contact, error) {
	var out []apitype.Contact
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, rest, ok := strings.Cut(line, ":")
		rest = strings.TrimSpace(rest)
		if !ok || strings.TrimSpace(name) == "" || rest == "" {
			return nil, fmt.Errorf("%s", lang.L("settings.contactBad", map[string]any{"Line": i + 1}))
		}
		c := apitype.Contact{Name: strings.TrimSpace(name)}
		if j := strings.Index(rest, "("); j >= 0 && strings.HasSuffix(rest, ")") {
			c.Note = strings.TrimSpace(rest[j+1 : len(rest)-1])
			rest = strings.TrimSpace(rest[:j])
		}
		c.Number = rest
		out = append(out, c)
	}
	return out, nil
}

func (s *Settings) languageChoice() string {
	for _, l := range i18n.Languages {
		if s.Language.Selected == i18n.LanguageName(l) {
			return l
		}
	}
	return ""
}

// onLanguage saves a language the parent picked at once; the app then
// rebuilds its window in it.
func (s *Settings) onLanguage() {
	choice := s.languageChoice()
	if choice == s.current.Language {
		return // as loaded
	}
	next := s.current
	next.Language = choice
	s.put(next, s.SettingsError)
}

// onSave reads the form and saves it, or says in errs what does not read.
func (s *Settings) onSave(errs *widget.Label) {
	next := s.current
	detail, err1 := strconv.Atoi(strings.TrimSpace(s.DetailDays.Text))
	rollup, err2 := strconv.Atoi(strings.TrimSpace(s.RollupDays.Text))
	switch {
	case err1 != nil || detail < 1 || detail > 3650:
		errs.SetText(lang.L("settings.badDays", map[string]any{"Field": lang.L("settings.detailDays")}))
		return
	case err2 != nil || rollup < detail || rollup > 3650:
		errs.SetText(lang.L("settings.badRollup"))
		return
	}
	help, err := ParseContacts(s.Contacts.Text)
	if err != nil {
		errs.SetText(err.Error())
		return
	}
	next.DetailRetentionDays, next.RollupRetentionDays, next.Help = detail, rollup, help
	next.WebDetail = s.WebDetail.Checked
	next.Language = s.languageChoice()
	s.put(next, errs)
}

// put saves settings; a new language rebuilds the window in it.
func (s *Settings) put(next apitype.Settings, errs *widget.Label) {
	langChanged := next.Language != s.current.Language
	var saved apitype.Settings
	s.c.call(func(ctx context.Context) (err error) {
		saved, err = s.c.b.SetSettings(ctx, next)
		return err
	}, func(err error) {
		if err != nil {
			errs.SetText(ErrorText(err))
			return
		}
		s.current = saved
		s.SettingsError.SetText("")
		s.HelpError.SetText("")
		if langChanged && s.c.opt.OnLanguage != nil {
			s.c.opt.OnLanguage(saved.Language)
		}
	})
}

func (s *Settings) onChangePIN() {
	if msg := CheckPIN(s.NewPIN.Text, s.NewPIN2.Text); msg != "" {
		s.PINResult.SetText(msg)
		return
	}
	old, next := s.OldPIN.Text, strings.TrimSpace(s.NewPIN.Text)
	changed := false
	s.c.callPIN(func(ctx context.Context) error {
		if err := s.c.b.ChangePIN(ctx, old, next); err != nil {
			return err
		}
		changed = true
		// the agent ends the tokens of the old PIN: log in with the new one
		// before anything else is asked
		_, err := s.c.b.Login(ctx, next)
		return err
	}, func(err error) {
		s.OldPIN.SetText("")
		s.NewPIN.SetText("")
		s.NewPIN2.SetText("")
		if err != nil && changed {
			s.c.ShowLogin()
			s.c.Login.Error.SetText(lang.L("settings.pinChangedLogin"))
			return
		}
		if err != nil {
			s.PINResult.SetText(ErrorText(err))
			return
		}
		s.PINResult.SetText(lang.L("settings.pinChanged"))
	})
}

// onNewCode checks the PIN again (the parent code is a secret shown once),
// asks the agent for a new secret and shows it as a QR code.
func (s *Settings) onNewCode() {
	pin := s.CodePIN.Text
	if pin == "" {
		s.CodeInfo.SetText(lang.L("settings.codeNeedsPIN"))
		return
	}
	var setup apitype.CodeSetup
	s.c.callPIN(func(ctx context.Context) (err error) {
		if _, err = s.c.b.Login(ctx, pin); err != nil {
			return err
		}
		setup, err = s.c.b.NewCode(ctx)
		return err
	}, func(err error) {
		s.CodePIN.SetText("")
		if err != nil {
			s.CodeInfo.SetText(ErrorText(err))
			return
		}
		img, err := widgets.NewQR(setup.URL, 220)
		if err != nil {
			s.CodeInfo.SetText(ErrorText(err))
			return
		}
		s.CodeInfo.SetText(lang.L("settings.codeShown"))
		secret := widget.NewLabelWithStyle(setup.Secret, fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
		secret.Selectable = true
		s.QR.Objects = []fyne.CanvasObject{container.NewVBox(img, secret)}
		s.QR.Refresh()
		s.content.Refresh() // the screen grew or shrank: lay it out again
		s.codeGen++
		gen := s.codeGen
		s.c.opt.After(CodeVisibleFor, func() {
			if gen == s.codeGen {
				s.ClearCode()
			}
		})
	})
}

// CodeVisibleFor is how long the parent code's QR code and secret stay on
// the screen (they also go when the parent leaves the Settings tab).
const CodeVisibleFor = 60 * time.Second

// ClearCode takes the parent code's QR code and secret off the screen.
func (s *Settings) ClearCode() {
	s.codeGen++
	if len(s.QR.Objects) == 0 {
		return
	}
	s.QR.Objects = nil
	s.QR.Refresh()
	s.content.Refresh() // the screen grew or shrank: lay it out again
	s.CodeInfo.SetText(lang.L("settings.codeIntro"))
}

func (s *Settings) onExport() {
	child := s.Child.Selected
	if child == "" {
		return
	}
	var data []byte
	s.c.call(func(ctx context.Context) (err error) {
		data, err = s.c.b.Export(ctx, child)
		return err
	}, func(err error) {
		if err != nil {
			s.c.showError(err)
			return
		}
		saveFile(s.c.w, "kidtime-"+child+".json", data)
	})
}

// onErase asks, naming the child, and then has the agent remove the child
// and everything kept about them. Every tab is rebuilt without the child.
func (s *Settings) onErase() {
	child := s.Child.Selected
	if child == "" {
		return
	}
	named := map[string]any{"Child": child}
	s.RemoveConfirm = dialog.NewConfirm(lang.L("settings.removeTitle", named), lang.L("settings.eraseConfirm", named), func(ok bool) {
		if ok {
			s.remove(child)
		}
	}, s.c.w)
	s.RemoveConfirm.SetConfirmText(lang.L("settings.removeYes"))
	s.RemoveConfirm.SetDismissText(lang.L("common.cancel"))
	s.RemoveConfirm.SetConfirmImportance(widget.DangerImportance)
	s.RemoveConfirm.Show()
}

func (s *Settings) remove(child string) {
	s.c.call(func(ctx context.Context) error { return s.c.b.Erase(ctx, child) }, func(err error) {
		if err != nil {
			s.c.showError(err)
			return
		}
		s.c.ShowMain()
		s.c.Main.Select(5)
		dialog.ShowInformation(lang.L("settings.removed"), lang.L("settings.erased", map[string]any{"Child": child}), s.c.w)
	})
}

// saveFile asks where to save data and writes it there.
func saveFile(w fyne.Window, name string, data []byte) {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		defer wc.Close()
		if _, err := wc.Write(data); err != nil {
			dialog.ShowError(err, w)
		}
	}, w)
	d.SetFileName(name)
	if home, err := os.UserHomeDir(); err == nil {
		if l, err := storage.ListerForURI(storage.NewFileURI(home)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}
