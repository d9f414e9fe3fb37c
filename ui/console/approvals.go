package console

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/i18n"
)

// New programs need a parent's yes (the policy's approveNew): a program a
// child obtained waits as a request of kind "app", answered here with one
// tap; the setting is in the child's rules, and offered when a child up to
// 12 is added.

// appRow is a program waiting for a parent's yes, with Allow and Deny.
func (r *Requests) appRow(q apitype.Request) fyne.CanvasObject {
	row := &RequestRow{Request: q}
	row.Allow = widget.NewButtonWithIcon(lang.L("requests.allow"), theme.ConfirmIcon(), func() { r.onAnswer(q, true, 0) })
	row.Allow.Importance = widget.HighImportance
	row.Deny = widget.NewButtonWithIcon(lang.L("requests.appDeny"), theme.CancelIcon(), func() { r.onAnswer(q, false, 0) })
	r.Rows = append(r.Rows, row)
	label := widget.NewLabelWithStyle(lang.L("requests.appAsks", map[string]any{
		"Child": q.Child, "App": q.App.Name, "When": i18n.When(q.Created, r.c.now())}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	label.Wrapping = fyne.TextWrapWord
	where := widget.NewLabel(lang.L("requests.appWhere", map[string]any{"Path": q.App.Path}))
	where.Wrapping = fyne.TextWrapBreak
	return widget.NewCard("", "", container.NewVBox(label, where, container.NewGridWithColumns(2, row.Allow, row.Deny)))
}

// appAnswered is an answered program request, for the week's list.
func appAnswered(q apitype.Request, now time.Time) string {
	data := map[string]any{"Child": q.Child, "App": q.App.Name, "When": i18n.When(q.Answered, now)}
	if q.Status == apitype.StatusApproved {
		return lang.L("requests.appWasApproved", data)
	}
	return lang.L("requests.appWasDenied", data)
}

// newApproveCheck is the rules' "new apps need my OK" box.
func (r *RulesEditor) newApproveCheck() *widget.Check {
	r.ApproveNew = widget.NewCheck(lang.L("approval.setting"), nil)
	return r.ApproveNew
}

// approveNew is the profile's approveNew after the form: as it was unless
// the parent changed the box.
func (r *RulesEditor) approveNew(was *bool) *bool {
	if r.ApproveNew.Checked == r.approveWas {
		return was
	}
	on := r.ApproveNew.Checked
	return &on
}

// approvalObjects offer "new apps need my OK" in the preset step for a
// child up to 12 (ticked by the preset up to 8); a change is saved at once
// in the new child's rules.
func (s *ChildSteps) approvalObjects() []fyne.CanvasObject {
	s.ApproveNew = nil
	if _, offered := rules.ApprovalPreset(s.child.Age); !offered {
		return nil
	}
	check := widget.NewCheck(lang.L("approval.setting"), nil)
	check.SetChecked(s.policy.ApproveNew)
	check.OnChanged = func(on bool) { s.setApproveNew(on) }
	s.ApproveNew = check
	why := wrap(lang.L("approval.why"))
	why.TextStyle.Italic = true
	return []fyne.CanvasObject{widget.NewCard("", "", container.NewVBox(check, why))}
}

// setApproveNew writes the box into the new child's rules.
func (s *ChildSteps) setApproveNew(on bool) {
	name := s.child.Name
	s.busy(true)
	s.c.call(func(ctx context.Context) error {
		spec, err := s.c.b.ChildPolicy(ctx, name)
		if err != nil {
			return err
		}
		spec.ApproveNew = &on
		return s.c.b.SetChildPolicy(ctx, name, spec)
	}, func(err error) {
		s.busy(false)
		if err != nil {
			s.errs.SetText(ErrorText(err))
			return
		}
		s.policy.ApproveNew = on
	})
}
