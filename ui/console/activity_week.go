package console

import (
	"context"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/widgets"
)

// limitOn is the child's screen time limit on a day as the rules say it
// (grants left out), -1 for none or when the rules are unknown.
func (a *Activity) limitOn(d time.Time) int64 {
	if a.policy == nil {
		return -1
	}
	l := a.policy.Screen[d.Weekday()]
	if l == rules.Unlimited || l < 0 {
		return -1
	}
	return int64(l / time.Second)
}

// LastDayWithUse is the index of the last day with screen time, the last
// day when none has any.
func LastDayWithUse(days []apitype.UsageRow) int {
	for i := len(days) - 1; i >= 0; i-- {
		if days[i].ScreenSec > 0 || days[i].GamesSec > 0 {
			return i
		}
	}
	return len(days) - 1
}

// Week is a weekly summary, as Screen Time gives one: the last 7 days
// against the 7 before, the most used apps, and the days over the limit.
type Week struct {
	Total, Before int64 // seconds of screen time
	Top           []apitype.UsageRow
	Over          []string // the days over their limit, as dates
}

// WeekSummary sums 14 days (oldest first, the last 7 the week) and the
// week's apps; limit gives a day's limit in seconds (-1: none).
func WeekSummary(days []apitype.UsageRow, apps []apitype.UsageRow, limit func(time.Time) int64) Week {
	var w Week
	for i, r := range days {
		if i < len(days)-7 {
			w.Before += r.ScreenSec
			continue
		}
		w.Total += r.ScreenSec
		d, err := time.ParseInLocation(time.DateOnly, r.Key, time.Local)
		if err != nil {
			continue
		}
		if l := limit(d); l >= 0 && r.ScreenSec > l {
			w.Over = append(w.Over, i18n.ShortDate(d))
		}
	}
	for _, r := range apps {
		if !OwnProgram(r.Key, r.Path) {
			w.Top = append(w.Top, r)
		}
	}
	sort.SliceStable(w.Top, func(i, j int) bool { return w.Top[i].ScreenSec > w.Top[j].ScreenSec })
	w.Top = w.Top[:min(len(w.Top), 3)]
	return w
}

// Text says the summary in the parent's words.
func (w Week) Text() string {
	var parts []string
	data := map[string]any{"Total": i18n.Seconds(w.Total), "Before": i18n.Seconds(w.Before)}
	switch {
	case w.Before == 0:
		parts = append(parts, lang.L("activity.weekTotal", data))
	case w.Total > w.Before:
		data["Diff"] = i18n.Seconds(w.Total - w.Before)
		parts = append(parts, lang.L("activity.weekMore", data))
	case w.Total < w.Before:
		data["Diff"] = i18n.Seconds(w.Before - w.Total)
		parts = append(parts, lang.L("activity.weekLess", data))
	default:
		parts = append(parts, lang.L("activity.weekSame", data))
	}
	if len(w.Top) > 0 {
		names := make([]string, len(w.Top))
		for i, r := range w.Top {
			names[i] = AppName(r.Key, r.Path) + " (" + i18n.Seconds(r.ScreenSec) + ")"
		}
		parts = append(parts, lang.L("activity.weekTop", map[string]any{"Apps": strings.Join(names, ", ")}))
	}
	if len(w.Over) == 0 {
		parts = append(parts, lang.L("activity.weekNoneOver"))
	} else {
		parts = append(parts, i18n.Plural("activity.weekOver", len(w.Over), map[string]any{"N": len(w.Over), "Days": strings.Join(w.Over, ", ")}))
	}
	return strings.Join(parts, "\n")
}

// loadWeek fills the weekly summary: the 14 days to today, the week's apps.
func (a *Activity) loadWeek(seq int, child string, to time.Time) {
	var days, apps apitype.Usage
	from := to.AddDate(0, 0, -13)
	a.c.call(func(ctx context.Context) (err error) {
		if days, err = a.c.b.Usage(ctx, child, from.Format(time.DateOnly), to.Format(time.DateOnly), "day"); err != nil {
			return err
		}
		apps, err = a.c.b.Usage(ctx, child, to.AddDate(0, 0, -6).Format(time.DateOnly), to.Format(time.DateOnly), "app")
		return err
	}, func(err error) {
		if seq != a.seq {
			return
		}
		if err != nil {
			a.Week.SetText(ErrorText(err))
			return
		}
		a.Week.SetText(WeekSummary(FillDays(days.Rows, from, to), apps.Rows, a.limitOn).Text())
	})
}

// ClassifyRow offers to say what kind of app an unclassified one is, from
// the day's list; the choice is saved at once in the child's rules.
type ClassifyRow struct {
	App    apitype.UsageRow
	Kind   *widget.Select
	Result *widget.Label
}

// classifyValues are the kinds offered, in the order of classifyOptions.
var classifyValues = []string{"game", "education", "other"}

func classifyOptions() []string {
	return []string{lang.L("rules.app.game"), lang.L("rules.app.education"), lang.L("rules.app.other")}
}

// unclassified reports whether an app row has no kind yet: neither the
// agent's catalog nor the parent's rules (pol, when known) give it one.
func unclassified(r apitype.UsageRow, pol *rules.Policy) bool {
	if r.Category != "" && r.Category != "unknown" {
		return false
	}
	if pol == nil {
		return true
	}
	return pol.Classify(rules.App{Name: r.Key, Path: r.Path, SHA256: r.SHA256}).Category == rules.CategoryUnknown
}

// fillApps shows one day's apps (kidtime's own left out), each by its name
// or file name; an app not classified offers its kind on the spot.
func (a *Activity) fillApps(child string, rows []apitype.UsageRow) {
	var shown []apitype.UsageRow
	for _, r := range rows {
		if !OwnProgram(r.Key, r.Path) {
			shown = append(shown, r)
		}
	}
	sort.SliceStable(shown, func(i, j int) bool { return shown[i].ScreenSec > shown[j].ScreenSec })
	a.Apps.RemoveAll()
	a.Classify = nil
	if len(shown) == 0 {
		a.Apps.Add(widget.NewLabel(lang.L("activity.nothing")))
	}
	var top int64 = 1
	for _, r := range shown {
		top = max(top, r.ScreenSec)
	}
	for _, r := range shown {
		bar := widgets.NewTimeBar(AppName(r.Key, r.Path), widgets.ScreenColor)
		if r.GamesSec > 0 {
			bar.Color = widgets.GamesColor
		}
		bar.Set(r.ScreenSec, top, i18n.Seconds(r.ScreenSec))
		if !unclassified(r, a.policy) {
			a.Apps.Add(bar)
			continue
		}
		cr := &ClassifyRow{App: r, Kind: widget.NewSelect(classifyOptions(), nil), Result: widget.NewLabel("")}
		cr.Kind.PlaceHolder = lang.L("activity.classify")
		cr.Kind.OnChanged = func(string) { a.onClassify(child, cr) }
		a.Classify = append(a.Classify, cr)
		a.Apps.Add(container.NewVBox(bar, container.NewHBox(widget.NewLabel(lang.L("category.unknown")+":"), cr.Kind, cr.Result)))
	}
	a.Apps.Refresh()
}

// onClassify adds the parent's kind for the app to the child's rules.
func (a *Activity) onClassify(child string, cr *ClassifyRow) {
	i := cr.Kind.SelectedIndex()
	if i < 0 {
		return
	}
	var cat rules.Category
	if err := cat.UnmarshalText([]byte(classifyValues[i])); err != nil {
		cr.Result.SetText(err.Error())
		return
	}
	m := rules.Match{Name: cr.App.Key}
	switch {
	case cr.App.SHA256 != "":
		m = rules.Match{SHA256: cr.App.SHA256}
	case cr.App.Path != "":
		m = rules.Match{Path: cr.App.Path}
	}
	a.c.call(func(ctx context.Context) error {
		spec, err := a.c.b.ChildPolicy(ctx, child)
		if err != nil {
			return err
		}
		spec.Apps = append(spec.Apps, rules.AppRule{Match: m, Category: cat})
		return a.c.b.SetChildPolicy(ctx, child, spec)
	}, func(err error) {
		if err != nil {
			cr.Result.SetText(ErrorText(err))
			return
		}
		if a.policy != nil { // the next day shown knows it too
			a.policy.Apps = append(a.policy.Apps, rules.AppRule{Match: m, Category: cat})
		}
		a.showCategories()
		cr.Result.SetText(lang.L("activity.classified"))
		cr.Result.Importance = widget.SuccessImportance
		cr.Result.Refresh()
		if a.c.Main != nil {
			a.c.Main.Rules.Refresh()
		}
	})
}

// Categories sums a day's apps by kind (kidtime's own left out), the kind
// the parent's rules give an app first (pol, when known), else the
// agent's: an app classified on the spot moves at once.
func Categories(apps []apitype.UsageRow, pol *rules.Policy) []apitype.UsageRow {
	var out []apitype.UsageRow
	at := map[string]int{}
	for _, r := range apps {
		if OwnProgram(r.Key, r.Path) {
			continue
		}
		cat := r.Category
		if pol != nil {
			for _, ar := range pol.Apps {
				if ar.Category != rules.CategoryUnknown && ar.Match.Matches(rules.App{Name: r.Key, Path: r.Path, SHA256: r.SHA256}) {
					cat = ar.Category.String()
					break // the first of the parent's rules decides
				}
			}
		}
		if cat == "unknown" {
			cat = ""
		}
		i, ok := at[cat]
		if !ok {
			i, at[cat] = len(out), len(out)
			out = append(out, apitype.UsageRow{Key: cat})
		}
		out[i].ScreenSec += r.ScreenSec
		out[i].GamesSec += r.GamesSec
	}
	return out
}

// showCategories fills the day's kinds from its apps.
func (a *Activity) showCategories() {
	fillRows(a.Cats, Categories(a.dayApps, a.policy), CategoryName)
	if len(a.Classify) > 0 {
		hint := widget.NewLabel(lang.L("activity.classifyHint"))
		hint.Wrapping = fyne.TextWrapWord
		hint.Importance = widget.LowImportance
		a.Cats.Add(hint)
	}
}
