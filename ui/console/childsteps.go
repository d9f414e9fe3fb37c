package console

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/rules"
)

// ChildSteps are the two steps that add a child, shared by the first run and
// by "Add a child" on Today: the child step (name, birth year, and an OS
// account chosen from the machine's people's accounts that no child claims
// yet, shown with their full names, or a standard account made here) and
// the preset step (the suggested rules for the age, each number with its
// reason and source, the numbers editable).
//
// Each field has its error line right under it; Enter in a field moves on.
type ChildSteps struct {
	c *Console

	Name, BirthYear *widget.Entry
	Account         *widget.Select
	// NameError, YearError and AccountError are the lines under the fields.
	NameError, YearError, AccountError *widget.Label
	// MakeAccount opens the form that makes a standard account for the
	// child (NewAccount, newaccount.go).
	MakeAccount *widget.Button
	NewAccount  *NewAccountForm
	// PresetRows are the preset step's lines: "what: value — why".
	PresetRows []string
	// Preset are the preset step's pickers (presetedit.go).
	Preset *PresetPickers
	// ApproveNew, offered up to 12, turns on "new programs need my yes"
	// (nil when not offered; approvals.go).
	ApproveNew *widget.Check

	errs   *widget.Label // the flow's error line, for what is no field's
	child  apitype.Child
	policy rules.Policy
	// next is the flow's Next button, disabled while a call runs; onNext
	// is what Enter in a field does
	next   *widget.Button
	onNext func()
	// logins maps the account list's labels to login names
	logins map[string]string
	// accountBox holds the account select and, once opened, the new
	// account's form
	accountBox *fyne.Container
	// added is the child once AddChild succeeded: a retry (reading the
	// rules back failed), or Back and Next with the same fields, must not
	// add them again; addedReq is what added them
	added    *apitype.Child
	addedReq apitype.AddChildRequest
}

func newChildSteps(c *Console, errs *widget.Label) *ChildSteps {
	return &ChildSteps{c: c, errs: errs}
}

// fieldError is an error line under a field: red, wrapped, hidden while
// empty.
func fieldError() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

// setFieldError shows msg under its field ("" hides the line). The
// window lays the form out again when the line's height changes.
func setFieldError(l *widget.Label, msg string) {
	l.SetText(msg)
	if msg == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// withError is a field with its error line under it.
func withError(field fyne.CanvasObject, errLine *widget.Label) fyne.CanvasObject {
	return container.NewVBox(field, errLine)
}

// submit makes Enter in an entry do next.
func submit(e *widget.Entry, next func()) {
	e.OnSubmitted = func(string) {
		if next != nil {
			next()
		}
	}
}

// showChild builds the fields (filled again with the child's when the
// parent came Back), hands the step's objects to show, and then asks the
// agent for the accounts to offer: never an administrator's, never one a
// child already claims.
func (s *ChildSteps) showChild(show func(objs ...fyne.CanvasObject)) {
	name, year, account := "", "", ""
	if s.Name != nil {
		name, year, account = s.Name.Text, s.BirthYear.Text, s.selectedLogin()
	}
	s.Name, s.BirthYear = widget.NewEntry(), widget.NewEntry()
	s.Name.SetText(name)
	s.BirthYear.SetText(year)
	s.BirthYear.SetPlaceHolder(strconv.Itoa(s.c.now().Year() - 10))
	submit(s.Name, s.onNext)
	submit(s.BirthYear, s.onNext)
	s.Account = widget.NewSelect(nil, func(string) { setFieldError(s.AccountError, "") })
	s.Account.PlaceHolder = lang.L("firstrun.pickAccount")
	s.NameError, s.YearError, s.AccountError = fieldError(), fieldError(), fieldError()
	s.NewAccount = nil
	s.MakeAccount = widget.NewButtonWithIcon(lang.L("newaccount.open"), theme.ContentAddIcon(), s.openNewAccount)
	s.accountBox = container.NewVBox(s.Account, s.AccountError, container.NewHBox(s.MakeAccount))
	show(wrap(lang.L("firstrun.childIntro")),
		widget.NewForm(
			widget.NewFormItem(lang.L("firstrun.name"), withError(s.Name, s.NameError)),
			widget.NewFormItem(lang.L("firstrun.birthYear"), withError(s.BirthYear, s.YearError)),
			widget.NewFormItem(lang.L("firstrun.account"), s.accountBox)))
	s.loadAccounts(account)
}

// loadAccounts fills the account list from the agent and selects the
// login name select (when it is there).
func (s *ChildSteps) loadAccounts(selectLogin string) {
	var accounts []apitype.Account
	s.c.call(func(ctx context.Context) (err error) {
		accounts, err = s.c.b.Accounts(ctx)
		return err
	}, func(err error) {
		if err != nil {
			s.errs.SetText(ErrorText(err))
			return
		}
		s.logins = map[string]string{}
		var labels []string
		for _, a := range accounts {
			// the child this flow added (Back) keeps their account
			if a.Admin || a.Child != "" && (s.added == nil || a.Child != s.added.Name) {
				continue
			}
			l := AccountLabel(a)
			s.logins[l] = a.Name
			labels = append(labels, l)
		}
		s.Account.SetOptions(labels)
		if len(labels) == 0 {
			setFieldError(s.AccountError, lang.L("firstrun.noAccounts"))
		}
		for l, login := range s.logins {
			if login == selectLogin {
				s.Account.SetSelected(l)
			}
		}
	})
}

// AccountLabel is how an account is offered: its full name and login
// ("Nguyễn Thị An (an)"), or the login alone when it has no full name.
func AccountLabel(a apitype.Account) string {
	if a.FullName == "" {
		return a.Name
	}
	return a.FullName + " (" + a.Name + ")"
}

// FreeAccounts are the names of the accounts a new child may have: standard
// accounts that no child claims yet.
func FreeAccounts(accounts []apitype.Account) []string {
	var names []string
	for _, a := range accounts {
		if !a.Admin && a.Child == "" {
			names = append(names, a.Name)
		}
	}
	return names
}

// selectedLogin is the login name of the account picked ("" for none).
func (s *ChildSteps) selectedLogin() string {
	if s.Account == nil || s.Account.Selected == "" {
		return ""
	}
	if l, ok := s.logins[s.Account.Selected]; ok {
		return l
	}
	return s.Account.Selected
}

// add checks the child step's fields (nothing reaches the agent until they
// read), adds the child with the preset for their age, reads the resulting
// rules back, and then calls done. A refusal is shown under its field (the
// agent's too, by the field it names), else on the flow's error line.
func (s *ChildSteps) add(done func()) {
	name := strings.TrimSpace(s.Name.Text)
	year, err := strconv.Atoi(strings.TrimSpace(s.BirthYear.Text))
	now := s.c.now().Year()
	setFieldError(s.NameError, "")
	setFieldError(s.YearError, "")
	setFieldError(s.AccountError, "")
	s.errs.SetText("")
	bad := false
	if name == "" {
		setFieldError(s.NameError, lang.L("firstrun.needName"))
		bad = true
	}
	if err != nil || year > now || year < now-17 {
		setFieldError(s.YearError, lang.L("firstrun.badYear", map[string]any{"From": now - 17, "To": now}))
		bad = true
	}
	if s.selectedLogin() == "" {
		setFieldError(s.AccountError, lang.L("firstrun.needAccount"))
		bad = true
	}
	if bad {
		return
	}
	req := apitype.AddChildRequest{Name: name, BirthYear: year, Accounts: []string{s.selectedLogin()}, Preset: "auto"}
	added := s.added
	if added != nil && !sameRequest(s.addedReq, req) {
		// Back, then other fields: the child added before goes, and the
		// child as now typed is added.
		prev := added.Name
		added = nil
		s.busy(true)
		s.c.call(func(ctx context.Context) error {
			return s.c.b.RemoveChild(ctx, prev)
		}, func(err error) {
			s.busy(false)
			if err != nil && !client.IsCode(err, apitype.CodeNotFound) {
				s.errs.SetText(ErrorText(err))
				return
			}
			s.added = nil
			s.add(done)
		})
		return
	}
	var child apitype.Child
	var p rules.Policy
	s.busy(true)
	s.c.call(func(ctx context.Context) (err error) {
		if added != nil {
			child = *added // added by an earlier try
		} else if child, err = s.c.b.AddChild(ctx, req); err != nil {
			return err
		}
		added = &child
		spec, err := s.c.b.ChildPolicy(ctx, child.Name)
		if err != nil {
			return err
		}
		p, err = spec.Policy(s.c.now())
		return err
	}, func(err error) {
		s.busy(false)
		s.added = added
		if added != nil {
			s.addedReq = req
		}
		if err != nil {
			s.showAgentError(err)
			return
		}
		s.child, s.policy = child, p
		done()
	})
}

func sameRequest(a, b apitype.AddChildRequest) bool {
	return a.Name == b.Name && a.BirthYear == b.BirthYear && slices.Equal(a.Accounts, b.Accounts)
}

// showAgentError puts the agent's refusal under the field it names.
func (s *ChildSteps) showAgentError(err error) {
	msg := ErrorText(err)
	field := ""
	if ae, ok := client.AsAPIError(err); ok {
		field = ae.Field
	}
	switch {
	case field == "name" || strings.Contains(msg, s.Name.Text) && client.IsCode(err, apitype.CodeConflict):
		setFieldError(s.NameError, msg)
	case field == "birthYear":
		setFieldError(s.YearError, msg)
	case strings.HasPrefix(field, "accounts"):
		setFieldError(s.AccountError, msg)
	default:
		s.errs.SetText(msg)
	}
}

// busy disables the flow's Next button while a call runs (a second tap
// would send it again).
func (s *ChildSteps) busy(on bool) {
	if s.next == nil {
		return
	}
	if on {
		s.next.Disable()
	} else {
		s.next.Enable()
	}
}

// presetObjects are the preset step: the child's suggested rules, each with
// why and where the number comes from; screen time, games and the allowed
// hours are pickers (saved by savePreset).
func (s *ChildSteps) presetObjects() []fyne.CanvasObject {
	p, b := s.policy, band(s.child.Age)
	s.Preset = newPresetPickers(p)
	rows := []struct {
		what, value, why string
		pick             fyne.CanvasObject
	}{
		{lang.L("firstrun.screen"), budgetText(p.Screen[weekday]), lang.L("why.screen." + b), s.Preset.screenObject()},
		{lang.L("firstrun.games"), gamesText(p), lang.L("why.games." + b), s.Preset.gamesObject()},
		{lang.L("firstrun.hours"), hoursText(p.Allowed[weekday]), lang.L("why.hours." + b), s.Preset.hoursObject()},
		{lang.L("firstrun.rating"), p.MaxRating.String(), lang.L("why.rating." + b), nil},
	}
	objs := []fyne.CanvasObject{wrap(lang.L("firstrun.presetIntro", map[string]any{"Name": s.child.Name, "Age": s.child.Age}))}
	s.PresetRows = nil
	for _, r := range rows {
		s.PresetRows = append(s.PresetRows, r.what+": "+r.value+" — "+r.why)
		why := wrap(r.why)
		why.TextStyle.Italic = true
		what := widget.NewLabelWithStyle(r.what, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		var value fyne.CanvasObject = widget.NewLabelWithStyle(r.value, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		if r.pick != nil {
			value = r.pick
		}
		objs = append(objs, widget.NewCard("", "", container.NewVBox(container.NewHBox(what, value), why)))
	}
	objs = append(objs, s.approvalObjects()...)
	return append(objs, wrap(lang.L("firstrun.presetLater")))
}
