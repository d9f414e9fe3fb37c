package console

import (
	"context"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
)

// ChildSteps are the two steps that add a child, shared by the first run and
// by "Add a child" on Today: the child step (name, birth year, and an OS
// account chosen from the machine's standard accounts that no child claims
// yet) and the preset step (the suggested rules for the age, each number
// with its reason and source).
type ChildSteps struct {
	c *Console

	Name, BirthYear *widget.Entry
	Account         *widget.Select
	// PresetRows are the preset step's lines: "what: value — why".
	PresetRows []string
	// ApproveNew, offered up to 12, turns on "new programs need my yes"
	// (nil when not offered; approvals.go).
	ApproveNew *widget.Check

	errs   *widget.Label // the flow's error line
	child  apitype.Child
	policy rules.Policy
	// next is the flow's Next button, disabled while a call runs
	next *widget.Button
	// added is the child once AddChild succeeded: a retry (reading the
	// rules back failed) must not add them again
	added *apitype.Child
}

func newChildSteps(c *Console, errs *widget.Label) *ChildSteps {
	return &ChildSteps{c: c, errs: errs}
}

// showChild builds empty fields, hands the step's objects to show, and then
// asks the agent for the accounts to offer: never an administrator's, never
// one a child already claims.
func (s *ChildSteps) showChild(show func(objs ...fyne.CanvasObject)) {
	s.Name, s.BirthYear = widget.NewEntry(), widget.NewEntry()
	s.BirthYear.SetPlaceHolder(strconv.Itoa(s.c.now().Year() - 10))
	s.Account = widget.NewSelect(nil, nil)
	s.Account.PlaceHolder = lang.L("firstrun.pickAccount")
	show(wrap(lang.L("firstrun.childIntro")),
		widget.NewForm(
			widget.NewFormItem(lang.L("firstrun.name"), s.Name),
			widget.NewFormItem(lang.L("firstrun.birthYear"), s.BirthYear),
			widget.NewFormItem(lang.L("firstrun.account"), s.Account)))
	var accounts []apitype.Account
	s.c.call(func(ctx context.Context) (err error) {
		accounts, err = s.c.b.Accounts(ctx)
		return err
	}, func(err error) {
		if err != nil {
			s.errs.SetText(ErrorText(err))
			return
		}
		names := FreeAccounts(accounts)
		s.Account.SetOptions(names)
		if len(names) == 0 {
			s.errs.SetText(lang.L("firstrun.noAccounts"))
		}
	})
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

// add checks the child step's fields (nothing reaches the agent until they
// read), adds the child with the preset for their age, reads the resulting
// rules back, and then calls done. The agent's refusals go to the error line.
func (s *ChildSteps) add(done func()) {
	name := strings.TrimSpace(s.Name.Text)
	year, err := strconv.Atoi(strings.TrimSpace(s.BirthYear.Text))
	now := s.c.now().Year()
	switch {
	case name == "":
		s.errs.SetText(lang.L("firstrun.needName"))
		return
	case err != nil || year > now || year < now-17:
		s.errs.SetText(lang.L("firstrun.badYear", map[string]any{"From": now - 17, "To": now}))
		return
	case s.Account.Selected == "":
		s.errs.SetText(lang.L("firstrun.needAccount"))
		return
	}
	req := apitype.AddChildRequest{Name: name, BirthYear: year, Accounts: []string{s.Account.Selected}, Preset: "auto"}
	var child apitype.Child
	added := s.added
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
		if err != nil {
			s.errs.SetText(ErrorText(err))
			return
		}
		s.child, s.policy = child, p
		done()
	})
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
// why and where the number comes from.
func (s *ChildSteps) presetObjects() []fyne.CanvasObject {
	p, b := s.policy, band(s.child.Age)
	rows := []struct{ what, value, why string }{
		{lang.L("firstrun.screen"), budgetText(p.Screen[time.Monday]), lang.L("why.screen." + b)},
		{lang.L("firstrun.games"), gamesText(p), lang.L("why.games." + b)},
		{lang.L("firstrun.hours"), hoursText(p.Allowed[time.Monday]), lang.L("why.hours." + b)},
		{lang.L("firstrun.rating"), p.MaxRating.String(), lang.L("why.rating." + b)},
	}
	objs := []fyne.CanvasObject{wrap(lang.L("firstrun.presetIntro", map[string]any{"Name": s.child.Name, "Age": s.child.Age}))}
	s.PresetRows = nil
	for _, r := range rows {
		s.PresetRows = append(s.PresetRows, r.what+": "+r.value+" — "+r.why)
		why := wrap(r.why)
		why.TextStyle.Italic = true
		objs = append(objs, widget.NewCard("", "", container.NewVBox(
			container.NewHBox(widget.NewLabelWithStyle(r.what, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
				widget.NewLabelWithStyle(r.value, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})),
			why)))
	}
	objs = append(objs, s.approvalObjects()...)
	return append(objs, wrap(lang.L("firstrun.presetLater")))
}
