package console

import (
	"slices"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/rules"
)

// DurationPicker chooses a length of time the way Today says it: an hour
// list ("2 giờ", or "không giới hạn" where a limit may be lifted) beside a
// minute list ("30 phút"), so nothing is typed and nothing can be misread
// (issue 12, section 1). A value the lists cannot show (1 h 37 min set with
// the CLI, seconds) is kept as it is until the parent changes it, and shown
// in the minute list.
type DurationPicker struct {
	Hours, Minutes *widget.Select
	// OnChanged is called after the parent picked another value.
	OnChanged func(time.Duration)

	unlimited bool // "unlimited" is offered
	maxHours  int
	value     time.Duration
	content   fyne.CanvasObject
	setting   bool
}

// minuteStep is the minute list's step.
const minuteStep = 5

// NewDurationPicker makes a picker from 0 to maxHours hours; unlimited
// offers "unlimited" at the end of the hour list.
func NewDurationPicker(maxHours int, unlimited bool) *DurationPicker {
	p := &DurationPicker{unlimited: unlimited, maxHours: maxHours}
	var hours []string
	for h := 0; h <= maxHours; h++ {
		hours = append(hours, hourText(h))
	}
	if unlimited {
		hours = append(hours, lang.L("rules.unlimited"))
	}
	p.Hours = widget.NewSelect(hours, func(string) { p.changed() })
	p.Minutes = widget.NewSelect(nil, func(string) { p.changed() })
	p.Hours.PlaceHolder = widestOf(hours)
	p.setMinutes(0)
	p.Hours.SetSelectedIndex(0)
	p.content = container.NewHBox(p.Hours, p.Minutes)
	return p
}

// Object is what the form shows.
func (p *DurationPicker) Object() fyne.CanvasObject { return p.content }

func hourText(h int) string   { return lang.L("duration.h", map[string]any{"H": h}) }
func minuteText(m int) string { return lang.L("duration.m", map[string]any{"M": m}) }

// widestOf is the longest text of a list: a select as wide as its widest
// choice never truncates one.
func widestOf(xs []string) string {
	w := ""
	for _, x := range xs {
		if len([]rune(x)) > len([]rune(w)) {
			w = x
		}
	}
	return w
}

// setMinutes fills the minute list: every minuteStep minutes, and extra
// when a value between them is on show.
func (p *DurationPicker) setMinutes(extra time.Duration) {
	var opts []string
	for m := 0; m < 60; m += minuteStep {
		opts = append(opts, minuteText(m))
	}
	if extra%(minuteStep*time.Minute) != 0 {
		opts = append(opts, formatDur(extra))
		slices.SortStableFunc(opts, func(a, b string) int { return compareMinutes(a, b) })
	}
	p.Minutes.Options = opts
	p.Minutes.PlaceHolder = widestOf(opts)
}

// compareMinutes orders the minute list by its numbers ("5 min" before
// "10 min"; "7 min 30 s" between them).
func compareMinutes(a, b string) int {
	return leadingInt(a) - leadingInt(b)
}

func leadingInt(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, _ := strconv.Atoi(s[:i])
	return n
}

// SetValue shows d (rules.Unlimited as "unlimited" where offered).
func (p *DurationPicker) SetValue(d time.Duration) {
	p.setting = true
	defer func() { p.setting = false }()
	p.value = d
	if d == rules.Unlimited && p.unlimited {
		p.Hours.SetSelectedIndex(p.maxHours + 1)
		p.setMinutes(0)
		p.Minutes.SetSelectedIndex(0)
		p.Minutes.Disable()
		return
	}
	d = max(min(d, time.Duration(p.maxHours)*time.Hour), 0)
	p.value = d
	h, rest := int(d/time.Hour), d%time.Hour
	p.Hours.SetSelectedIndex(h)
	p.setMinutes(rest)
	if rest%(minuteStep*time.Minute) == 0 {
		p.Minutes.SetSelectedIndex(int(rest / (minuteStep * time.Minute)))
	} else {
		p.Minutes.SetSelected(formatDur(rest))
	}
	p.syncMinutes()
}

// Value is the duration on show.
func (p *DurationPicker) Value() time.Duration { return p.value }

// Text is the value the way Today says it ("2 giờ 30 phút").
func (p *DurationPicker) Text() string { return formatDur(p.value) }

// Disable and Enable the whole picker.
func (p *DurationPicker) Disable() { p.Hours.Disable(); p.Minutes.Disable() }

// Enable enables the picker (the minutes stay off for "unlimited" and at
// the last hour).
func (p *DurationPicker) Enable() { p.Hours.Enable(); p.syncMinutes() }

// syncMinutes turns the minute list off where no minute can be added.
func (p *DurationPicker) syncMinutes() {
	h := p.Hours.SelectedIndex()
	if p.Hours.Disabled() || h > p.maxHours-1 {
		if h == p.maxHours && p.Minutes.SelectedIndex() != 0 {
			p.Minutes.SetSelectedIndex(0)
		}
		p.Minutes.Disable()
		return
	}
	p.Minutes.Enable()
}

// changed reads the lists after the parent picked.
func (p *DurationPicker) changed() {
	if p.setting || p.Hours.SelectedIndex() < 0 {
		return
	}
	p.setting = true
	defer func() { p.setting = false }()
	h := p.Hours.SelectedIndex()
	switch {
	case p.unlimited && h == p.maxHours+1:
		p.value = rules.Unlimited
	default:
		m := time.Duration(0)
		if i := p.Minutes.SelectedIndex(); i >= 0 {
			if p.Minutes.Options[i] == minuteText(leadingInt(p.Minutes.Options[i])) {
				m = time.Duration(leadingInt(p.Minutes.Options[i])) * time.Minute
			} else {
				m = p.value % time.Hour // the odd value kept as it came
			}
		}
		if h == p.maxHours {
			m = 0
		}
		p.value = time.Duration(h)*time.Hour + m
	}
	p.syncMinutes()
	if p.OnChanged != nil {
		p.OnChanged(p.value)
	}
}

// PickDuration sets a picker as a parent would: an hour and a minute
// picked in the lists (tests and the screenshots use it).
func (p *DurationPicker) PickDuration(d time.Duration) {
	if d == rules.Unlimited {
		p.Hours.SetSelectedIndex(p.maxHours + 1)
		return
	}
	p.Hours.SetSelectedIndex(int(d / time.Hour))
	if !p.Minutes.Disabled() {
		p.Minutes.SetSelected(minuteText(int(d % time.Hour / time.Minute)))
	}
}
