package console

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/i18n"
)

// FirstRun is the setup a parent goes through once: the PIN (twice), the
// first child with an OS account, the age preset with the reason for each
// number, and a summary.
type FirstRun struct {
	c *Console
	// Step is 1 (PIN), 2 (child), 3 (preset) or 4 (summary).
	Step int

	PIN, PIN2    *widget.Entry
	Next         *widget.Button
	Error        *widget.Label
	SummaryLines []string
	// ChildSteps are steps 2 and 3, shared with "Add a child".
	*ChildSteps

	body    *fyne.Container
	heading *widget.Label
	content fyne.CanvasObject
}

func newFirstRun(c *Console) *FirstRun {
	f := &FirstRun{c: c, body: container.NewVBox(), Error: widget.NewLabel("")}
	f.Error.Importance = widget.DangerImportance
	f.Error.Wrapping = fyne.TextWrapWord
	f.ChildSteps = newChildSteps(c, f.Error)
	f.heading = heading("")
	f.Next = widget.NewButtonWithIcon(lang.L("common.next"), theme.NavigateNextIcon(), f.onNext)
	f.ChildSteps.next = f.Next
	f.Next.Importance = widget.HighImportance
	f.Next.IconPlacement = widget.ButtonIconTrailingText
	f.content = container.NewBorder(
		container.NewVBox(title(lang.L("firstrun.title")), f.heading),
		container.NewVBox(f.Error, container.NewHBox(layoutSpacer(), f.Next)), nil, nil,
		container.NewVScroll(container.NewPadded(f.body)))
	f.showPIN()
	return f
}

func layoutSpacer() fyne.CanvasObject { return container.NewStack() }

func (f *FirstRun) set(step int, head string, objs ...fyne.CanvasObject) {
	f.Step = step
	f.heading.SetText(lang.L("firstrun.step", map[string]any{"N": step, "Of": 4}) + " · " + head)
	f.body.Objects = objs
	f.body.Refresh()
	f.Error.SetText("")
}

func wrap(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func (f *FirstRun) showPIN() {
	f.PIN, f.PIN2 = widget.NewPasswordEntry(), widget.NewPasswordEntry()
	f.set(1, lang.L("firstrun.pinTitle"),
		wrap(lang.L("firstrun.pinIntro")),
		widget.NewForm(
			widget.NewFormItem(lang.L("firstrun.pin"), f.PIN),
			widget.NewFormItem(lang.L("firstrun.pin2"), f.PIN2)))
}

func (f *FirstRun) showChild() {
	f.ChildSteps.showChild(func(objs ...fyne.CanvasObject) {
		f.set(2, lang.L("firstrun.childTitle"), objs...)
	})
}

// band is the preset's age band, for the sentences that explain it.
func band(age int) string {
	switch {
	case age < 2:
		return "0"
	case age <= 5:
		return "2"
	case age <= 8:
		return "6"
	case age <= 11:
		return "9"
	case age <= 15:
		return "12"
	}
	return "16"
}

// budgetText says a budget: "2 h", "unlimited", "none".
func budgetText(d time.Duration) string {
	switch {
	case d == rules.Unlimited:
		return lang.L("rules.unlimited")
	case d <= 0:
		return lang.L("today.none")
	}
	return i18n.Duration(d)
}

func hoursText(ws []rules.Window) string {
	if len(ws) == 0 {
		return lang.L("today.none")
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.Start.String() + "–" + w.End.String()
	}
	return strings.Join(parts, ", ")
}

func gamesText(p rules.Policy) string {
	day := p.Games[time.Monday]
	switch {
	case day == rules.Unlimited && p.PerGame != rules.Unlimited:
		return lang.L("firstrun.perGame", map[string]any{"PerGame": budgetText(p.PerGame)})
	case p.PerGame != rules.Unlimited:
		return lang.L("firstrun.dayAndPerGame", map[string]any{"Day": budgetText(day), "PerGame": budgetText(p.PerGame)})
	}
	return budgetText(day)
}

func (f *FirstRun) showPreset() {
	f.set(3, lang.L("firstrun.presetTitle"), f.presetObjects()...)
}

func (f *FirstRun) showSummary() {
	p := f.policy
	f.SummaryLines = []string{
		i18n.Plural("firstrun.sumChild", f.child.Age, map[string]any{"Name": f.child.Name, "Age": f.child.Age, "Account": strings.Join(f.child.Accounts, ", ")}),
		lang.L("firstrun.sumScreen", map[string]any{"Value": budgetText(p.Screen[time.Monday])}),
		lang.L("firstrun.sumGames", map[string]any{"Value": gamesText(p)}),
		lang.L("firstrun.sumHours", map[string]any{"Value": hoursText(p.Allowed[time.Monday])}),
		ratingSummary(p.MaxRating.String()),
		lang.L("firstrun.sumHelp"),
	}
	objs := []fyne.CanvasObject{}
	for _, l := range f.SummaryLines {
		objs = append(objs, wrap("• "+l))
	}
	objs = append(objs, wrap(lang.L("firstrun.sumNext")))
	f.Next.SetText(lang.L("firstrun.done"))
	f.Next.SetIcon(theme.ConfirmIcon())
	f.set(4, lang.L("firstrun.sumTitle"), objs...)
}

// onNext checks the step and moves on; nothing reaches the agent until the
// step's fields read.
func (f *FirstRun) onNext() {
	switch f.Step {
	case 1:
		if msg := CheckPIN(f.PIN.Text, f.PIN2.Text); msg != "" {
			f.Error.SetText(msg)
			return
		}
		pin := strings.TrimSpace(f.PIN.Text)
		f.Next.Disable() // a second tap would send the PIN again
		f.c.callPIN(func(ctx context.Context) error {
			_, err := f.c.b.Setup(ctx, pin)
			return err
		}, func(err error) {
			f.Next.Enable()
			if err != nil {
				f.Error.SetText(ErrorText(err))
				return
			}
			f.showChild()
		})
	case 2:
		f.add(f.showPreset)
	case 3:
		f.showSummary()
	case 4:
		f.c.ShowMain()
	}
}

// ratingSummary says the highest game rating: "only games for all ages
// (00+)" for 00+, else "only games rated 12+ or lower".
func ratingSummary(rating string) string {
	if rating == "00+" {
		return lang.L("firstrun.sumRating.all")
	}
	return lang.L("firstrun.sumRating", map[string]any{"Value": rating})
}
