package console

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/i18n"
)

// FirstRun is the setup a parent goes through once: the language and the
// PIN (twice), the first child with an OS account (or one made here), the
// age preset with the reason for each number and the numbers editable, and
// a summary. Back goes to the step before; Enter moves on; each field's
// error is shown under it.
type FirstRun struct {
	c *Console
	// Step is 1 (PIN), 2 (child), 3 (preset) or 4 (summary).
	Step int

	// Language is the choice of the first screen (vi, en); it is kept as
	// the console's language setting once the PIN is set.
	Language     *widget.RadioGroup
	PIN, PIN2    *widget.Entry
	PINError     *widget.Label
	Next, Back   *widget.Button
	Error        *widget.Label
	SummaryLines []string
	// ChildSteps are steps 2 and 3, shared with "Add a child".
	*ChildSteps

	body    *fyne.Container
	heading *widget.Label
	content fyne.CanvasObject
	// pinSet: the PIN was set (Back to step 1 does not set it again)
	pinSet bool
	// buttons is the row of Back and Next, laid out again when Next's
	// words change
	buttons *fyne.Container
}

func newFirstRun(c *Console) *FirstRun {
	f := &FirstRun{c: c, body: container.NewVBox(), Error: widget.NewLabel("")}
	f.Error.Importance = widget.DangerImportance
	f.Error.Wrapping = fyne.TextWrapWord
	f.ChildSteps = newChildSteps(c, f.Error)
	f.heading = heading("")
	f.Next = widget.NewButtonWithIcon(lang.L("common.next"), theme.NavigateNextIcon(), f.onNext)
	f.ChildSteps.next, f.ChildSteps.onNext = f.Next, f.onNext
	f.Next.Importance = widget.HighImportance
	f.Next.IconPlacement = widget.ButtonIconTrailingText
	f.Back = widget.NewButtonWithIcon(lang.L("common.back"), theme.NavigateBackIcon(), f.onBack)
	f.buttons = container.NewHBox(f.Back, pushRight(), f.Next)
	f.content = container.NewBorder(
		container.NewVBox(title(lang.L("firstrun.title")), f.heading),
		container.NewVBox(f.Error, f.buttons), nil, nil,
		container.NewVScroll(container.NewPadded(f.body)))
	f.showPIN()
	return f
}

// onKey moves on with Enter where no field took it (a list, a box).
func (f *FirstRun) onKey(ev *fyne.KeyEvent) {
	if (ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter) && !f.Next.Disabled() {
		f.onNext()
	}
}

// pushRight pushes what follows it in a row to the far end (Next to the
// right, Back and Cancel on the left).
func pushRight() fyne.CanvasObject { return layout.NewSpacer() }

func (f *FirstRun) set(step int, head string, objs ...fyne.CanvasObject) {
	f.Step = step
	// on the first step Back is there but off: the buttons do not move
	if step == 1 {
		f.Back.Disable()
	} else {
		f.Back.Enable()
	}
	if step < 4 {
		f.Next.SetText(lang.L("common.next"))
		f.Next.SetIcon(theme.NavigateNextIcon())
		f.buttons.Refresh()
	}
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
	choices := make([]string, len(i18n.Languages))
	for i, l := range i18n.Languages {
		choices[i] = i18n.LanguageName(l)
	}
	f.Language = widget.NewRadioGroup(choices, nil)
	f.Language.Horizontal = true
	f.Language.Required = true
	f.Language.SetSelected(i18n.LanguageName(i18n.Current()))
	f.Language.OnChanged = f.onLanguage
	f.PINError = fieldError()
	objs := []fyne.CanvasObject{widget.NewForm(widget.NewFormItem(lang.L("firstrun.language"), f.Language))}
	if f.pinSet {
		f.PIN, f.PIN2 = nil, nil
		objs = append(objs, wrap(lang.L("firstrun.pinSet")))
	} else {
		f.PIN, f.PIN2 = widget.NewPasswordEntry(), widget.NewPasswordEntry()
		submit(f.PIN, f.onNext)
		submit(f.PIN2, f.onNext)
		objs = append(objs, wrap(lang.L("firstrun.pinIntro")),
			widget.NewForm(
				widget.NewFormItem(lang.L("firstrun.pin"), f.PIN),
				widget.NewFormItem(lang.L("firstrun.pin2"), withError(f.PIN2, f.PINError))))
	}
	f.set(1, lang.L("firstrun.pinTitle"), objs...)
	if f.PIN != nil && !f.pinSet {
		f.c.w.Canvas().Focus(f.PIN)
	}
}

// chosenLanguage is the language picked on the first screen.
func (f *FirstRun) chosenLanguage() string {
	for _, l := range i18n.Languages {
		if f.Language.Selected == i18n.LanguageName(l) {
			return l
		}
	}
	return i18n.Current()
}

// onLanguage switches the app to the language picked and builds the first
// screen again in it, the PIN typed so far kept.
func (f *FirstRun) onLanguage(string) {
	choice := f.chosenLanguage()
	if choice == i18n.Current() {
		return
	}
	if err := i18n.Setup(choice); err != nil {
		f.Error.SetText(err.Error())
		return
	}
	pin, pin2 := "", ""
	if f.PIN != nil {
		pin, pin2 = f.PIN.Text, f.PIN2.Text
	}
	f.c.w.SetTitle(lang.L("app.name"))
	set := f.pinSet
	f.c.ShowFirstRun()
	nf := f.c.FirstRun
	nf.pinSet = set
	nf.showPIN()
	if nf.PIN != nil {
		nf.PIN.SetText(pin)
		nf.PIN2.SetText(pin2)
	}
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

// onBack shows the step before, with what was typed there.
func (f *FirstRun) onBack() {
	switch f.Step {
	case 2:
		f.showPIN()
	case 3:
		f.showChild()
	case 4:
		f.showPreset()
	}
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
	f.buttons.Refresh()
}

// onNext checks the step and moves on; nothing reaches the agent until the
// step's fields read.
func (f *FirstRun) onNext() {
	switch f.Step {
	case 1:
		if f.pinSet {
			f.showChild()
			return
		}
		if msg := CheckPIN(f.PIN.Text, f.PIN2.Text); msg != "" {
			setFieldError(f.PINError, msg)
			return
		}
		setFieldError(f.PINError, "")
		pin := strings.TrimSpace(f.PIN.Text)
		choice := f.chosenLanguage()
		f.Next.Disable() // a second tap would send the PIN again
		pinOK := false
		f.c.callPIN(func(ctx context.Context) error {
			if _, err := f.c.b.Setup(ctx, pin); err != nil {
				return err
			}
			pinOK = true
			// the language picked is the console's from now on
			set, err := f.c.b.Settings(ctx)
			if err != nil {
				return err
			}
			set.Language = choice
			_, err = f.c.b.SetSettings(ctx, set)
			return err
		}, func(err error) {
			f.Next.Enable()
			if !pinOK {
				setFieldError(f.PINError, ErrorText(err))
				return
			}
			f.pinSet = true
			f.showChild()
			if err != nil {
				f.Error.SetText(ErrorText(err)) // the language was not kept
			}
		})
	case 2:
		f.add(f.showPreset)
	case 3:
		f.savePreset(f.showSummary)
	case 4:
		f.c.w.Canvas().SetOnTypedKey(nil)
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
