package console

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/rules"
)

// weekday is the day whose values the preset step shows: the age presets
// are the same every day.
const weekday = time.Monday

// PresetPickers are the preset step's numbers, chosen rather than typed:
// screen time and games a day in quarters of an hour (or no limit), and
// the allowed hours in half hours. A change is saved when the parent moves
// on (savePreset).
type PresetPickers struct {
	Screen, Games *widget.Select
	// From and To are the allowed hours; nil when the preset has no single
	// window to edit (no screen time at all, or several windows).
	From, To   *widget.Select
	HoursError *widget.Label

	p       rules.Policy
	perGame *widget.Label
}

// durationChoices are the budgets offered: 0 to 6 h in quarters of an
// hour, and no limit; have is added when it is not among them.
func durationChoices(have time.Duration) ([]string, map[string]time.Duration) {
	values := map[string]time.Duration{}
	var labels []string
	add := func(d time.Duration) {
		l := budgetText(d)
		if _, dup := values[l]; dup {
			return
		}
		values[l] = d
		labels = append(labels, l)
	}
	for d := time.Duration(0); d <= 6*time.Hour; d += 15 * time.Minute {
		if have > d-15*time.Minute && have < d && have != rules.Unlimited {
			add(have)
		}
		add(d)
	}
	if have > 6*time.Hour && have != rules.Unlimited {
		add(have)
	}
	add(rules.Unlimited)
	return labels, values
}

// clockChoices are the half hours from..to, as HH:MM.
func clockChoices(from, to rules.Clock, have rules.Clock) []string {
	var out []string
	for c := from; c <= to; c += 30 {
		if have > c-30 && have < c {
			out = append(out, have.String())
		}
		out = append(out, c.String())
	}
	return out
}

func durationSelect(have time.Duration) *widget.Select {
	labels, values := durationChoices(have)
	s := widget.NewSelect(labels, nil)
	for l, v := range values {
		if v == have {
			s.SetSelected(l)
		}
	}
	return s
}

func newPresetPickers(p rules.Policy) *PresetPickers {
	k := &PresetPickers{p: p, HoursError: fieldError()}
	k.Screen = durationSelect(p.Screen[weekday])
	k.Games = durationSelect(p.Games[weekday])
	if p.PerGame != rules.Unlimited {
		k.perGame = widget.NewLabel(lang.L("firstrun.perGameShort", map[string]any{"PerGame": budgetText(p.PerGame)}))
	}
	if ws := p.Allowed[weekday]; len(ws) == 1 {
		w := ws[0]
		k.From = widget.NewSelect(clockChoices(0, 23*60+30, w.Start), func(string) { setFieldError(k.HoursError, "") })
		k.To = widget.NewSelect(clockChoices(30, 24*60, w.End), func(string) { setFieldError(k.HoursError, "") })
		k.From.SetSelected(w.Start.String())
		k.To.SetSelected(w.End.String())
	}
	return k
}

// wide gives a picker room for its longest choice ("không giới hạn").
func wide(o fyne.CanvasObject, width float32) fyne.CanvasObject {
	return container.NewGridWrap(fyne.NewSize(width, o.MinSize().Height), o)
}

func (k *PresetPickers) screenObject() fyne.CanvasObject { return wide(k.Screen, 200) }

func (k *PresetPickers) gamesObject() fyne.CanvasObject {
	if k.perGame == nil {
		return wide(k.Games, 200)
	}
	return container.NewHBox(wide(k.Games, 200), k.perGame)
}

func (k *PresetPickers) hoursObject() fyne.CanvasObject {
	if k.From == nil {
		return nil
	}
	return container.NewVBox(container.NewHBox(wide(k.From, 110), widget.NewLabel("–"), wide(k.To, 110)), k.HoursError)
}

func pickedDuration(s *widget.Select) time.Duration {
	_, values := durationChoices(0)
	if d, ok := values[s.Selected]; ok {
		return d
	}
	if d, err := rules.ParseDuration(s.Selected); err == nil {
		return d
	}
	return 0
}

func pickedClock(s *widget.Select) (rules.Clock, bool) {
	w, err := rules.ParseWindow(s.Selected + "-24:00")
	return w.Start, err == nil
}

// changes applies the pickers to spec and reports whether anything
// differs from the preset; ok is false (and the line under the hours says
// why) when the hours do not read.
func (k *PresetPickers) changes(spec *rules.Child) (changed, ok bool) {
	p := k.p
	if d := pickedDuration(k.Screen); d != p.Screen[weekday] {
		v := rules.Duration(d)
		spec.Screen = &rules.BudgetSpec{Daily: &v}
		changed = true
	}
	if d := pickedDuration(k.Games); d != p.Games[weekday] {
		v := rules.Duration(d)
		if spec.Games == nil {
			spec.Games = &rules.GamesSpec{}
		}
		spec.Games.Daily, spec.Games.Days = &v, nil
		changed = true
	}
	if k.From != nil {
		from, ok1 := pickedClock(k.From)
		to, ok2 := pickedClock(k.To)
		if k.To.Selected == "24:00" {
			to, ok2 = 24*60, true
		}
		if !ok1 || !ok2 || from == to {
			setFieldError(k.HoursError, lang.L("firstrun.badHours"))
			return false, false
		}
		if w := (rules.Window{Start: from, End: to}); w != p.Allowed[weekday][0] {
			spec.Allowed = map[string][]rules.Window{"daily": {w}}
			changed = true
		}
	}
	return changed, true
}

// savePreset writes the numbers the parent changed into the new child's
// rules, then calls done; unchanged, it calls done at once.
func (s *ChildSteps) savePreset(done func()) {
	if s.Preset == nil {
		done()
		return
	}
	name := s.child.Name
	probe := rules.Child{}
	changed, ok := s.Preset.changes(&probe)
	if !ok {
		return
	}
	if !changed {
		done()
		return
	}
	var p rules.Policy
	s.busy(true)
	s.c.call(func(ctx context.Context) error {
		spec, err := s.c.b.ChildPolicy(ctx, name)
		if err != nil {
			return err
		}
		s.Preset.changes(&spec)
		if err := s.c.b.SetChildPolicy(ctx, name, spec); err != nil {
			return err
		}
		p, err = spec.Policy(s.c.now())
		return err
	}, func(err error) {
		s.busy(false)
		if err != nil {
			s.errs.SetText(ErrorText(err))
			return
		}
		s.policy = p
		s.Preset = newPresetPickers(p)
		done()
	})
}
