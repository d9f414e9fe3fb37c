package console

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// AddChild adds another child after the first run, from Today: the first
// run's child and preset steps (ChildSteps), ending on Today with the new
// child's card.
type AddChild struct {
	c *Console
	// Step is 1 (child) or 2 (preset).
	Step int

	Next, Cancel, Back *widget.Button
	Error              *widget.Label
	*ChildSteps

	body    *fyne.Container
	buttons *fyne.Container // laid out again when a button changes
	heading *widget.Label
	content fyne.CanvasObject
}

func newAddChild(c *Console) *AddChild {
	a := &AddChild{c: c, body: container.NewVBox(), Error: widget.NewLabel("")}
	a.Error.Importance = widget.DangerImportance
	a.Error.Wrapping = fyne.TextWrapWord
	a.ChildSteps = newChildSteps(c, a.Error)
	a.heading = heading("")
	a.Next = widget.NewButtonWithIcon(lang.L("common.next"), theme.NavigateNextIcon(), a.onNext)
	a.ChildSteps.next, a.ChildSteps.onNext = a.Next, a.onNext
	a.Next.Importance = widget.HighImportance
	a.Next.IconPlacement = widget.ButtonIconTrailingText
	a.Cancel = widget.NewButtonWithIcon(lang.L("common.cancel"), theme.CancelIcon(), a.onCancel)
	a.Back = widget.NewButtonWithIcon(lang.L("common.back"), theme.NavigateBackIcon(), a.showChildStep)
	a.buttons = container.NewHBox(a.Cancel, a.Back, pushRight(), a.Next)
	a.content = container.NewBorder(
		container.NewVBox(title(lang.L("addchild.title")), a.heading),
		container.NewVBox(a.Error, a.buttons), nil, nil,
		container.NewVScroll(container.NewPadded(a.body)))
	a.showChildStep()
	return a
}

// showChildStep shows step 1 (again, after Back: the fields as they were;
// Next with other values replaces the child added).
func (a *AddChild) showChildStep() {
	a.Back.Disable() // there, but off: the buttons do not move
	a.Next.SetText(lang.L("common.next"))
	a.Next.SetIcon(theme.NavigateNextIcon())
	if a.buttons != nil {
		a.buttons.Refresh()
	}
	a.showChild(func(objs ...fyne.CanvasObject) {
		a.set(1, lang.L("addchild.childTitle"), objs...)
	})
}

// onKey moves on with Enter where no field took it.
func (a *AddChild) onKey(ev *fyne.KeyEvent) {
	if (ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter) && !a.Next.Disabled() {
		a.onNext()
	}
}

func (a *AddChild) set(step int, head string, objs ...fyne.CanvasObject) {
	a.Step = step
	a.heading.SetText(lang.L("firstrun.step", map[string]any{"N": step, "Of": 2}) + " · " + head)
	a.body.Objects = objs
	a.body.Refresh()
	a.Error.SetText("")
}

// onNext adds the child (step 1) or, once the preset is shown, goes to
// Today with the new card.
func (a *AddChild) onNext() {
	switch a.Step {
	case 1:
		a.add(a.showPreset)
	case 2:
		a.savePreset(a.c.ShowMain)
	}
}

// showPreset shows the new child's suggested rules; the child is added by
// now, so there is nothing left to cancel.
func (a *AddChild) showPreset() {
	a.Cancel.Hide()
	a.Back.Enable()
	a.Next.SetText(lang.L("addchild.done"))
	a.Next.SetIcon(theme.ConfirmIcon())
	a.buttons.Refresh()
	a.set(2, lang.L("firstrun.presetTitle"), a.presetObjects()...)
}

// onCancel goes back to the console as it was; nothing reached the agent.
func (a *AddChild) onCancel() {
	if a.c.Main == nil {
		a.c.ShowMain()
		return
	}
	a.c.Screen = "main"
	a.c.w.SetContent(a.c.Main.content)
}
