package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/widgets"
)

// dayKeys are the policy file's day keys, Monday first as parents read a
// week, with their time.Weekday.
var dayKeys = []struct {
	key string
	day time.Weekday
}{
	{"mon", time.Monday}, {"tue", time.Tuesday}, {"wed", time.Wednesday}, {"thu", time.Thursday},
	{"fri", time.Friday}, {"sat", time.Saturday}, {"sun", time.Sunday},
}

// DayRow is one weekday of the rules editor: screen time and game time
// picked in hours and minutes, the allowed hours typed ("06:30-20:00")
// over their timeline.
type DayRow struct {
	Screen, Games *DurationPicker
	Hours         *widget.Entry
	Timeline      *widgets.Timeline
}

// The rules editor's sections (Sections' tabs).
const (
	SectionWeek = iota
	SectionApps
	SectionMore
	SectionWeb
)

// RulesEditor edits one child's rules. Nothing is saved until every field
// reads and the whole policy validates. Its sections are tabs (the week,
// the apps, games and warnings), so each is one click away.
type RulesEditor struct {
	c        *Console
	Child    *widget.Select
	Sections *container.AppTabs
	Days     [7]*DayRow // Monday first

	WeekdaysScreen, WeekendScreen *DurationPicker
	WeekdaysGames, WeekendGames   *DurationPicker
	WeekdaysHours, WeekendHours   *widget.Entry
	ApplyWeekdays, ApplyWeekend   *widget.Button

	PerGame   *DurationPicker
	MaxRating *widget.Select
	// Warnings are ticked among the usual moments before the end (and
	// any other the policy has); Grace is picked in a list.
	Warnings  *widget.CheckGroup
	Grace     *widget.Select
	OnLimit   *widget.Select
	warnings  []time.Duration // Warnings.Options' values
	graceOpts []time.Duration // Grace.Options' values
	// ApproveNew: new programs need a parent's yes (approvals.go).
	ApproveNew *widget.Check
	approveWas bool // as loaded: only a change is written
	// Web is the safe web's tab (web.go).
	Web *WebSection

	Apps    []*AppRow
	appsBox *fyne.Container
	// Search finds apps in the catalog of known games and apps to rule on
	// in advance (rules_search.go); Found are the rows it shows.
	Search     *widget.Entry
	Found      []*AppRow
	foundBx    *fyne.Container
	appsScroll *container.Scroll

	Save   *widget.Button
	Error  *widget.Label
	Result *widget.Label

	spec   ChildSpec
	policy rules.Policy // as loaded: the rules the found apps show
	// installed are the apps installed on the computer that the catalog
	// does not know, for the search
	installed []*KnownApp
	loaded    bool
	// seq counts the loads: the reply to an older one (another child
	// picked since) is dropped
	seq     int
	content fyne.CanvasObject
}

func ratingOptions() []string { return []string{"00+", "12+", "16+", "18+"} }

func onLimitOptions() []string {
	return []string{lang.L("rules.onLimit.lock"), lang.L("rules.onLimit.logout")}
}

func newRulesEditor(c *Console) *RulesEditor {
	r := &RulesEditor{c: c, Error: widget.NewLabel(""), Result: widget.NewLabel(""), appsBox: container.NewVBox(), foundBx: container.NewVBox()}
	r.Child = widget.NewSelect(nil, func(string) { r.load() })
	r.Error.Importance = widget.DangerImportance
	r.Error.Wrapping = fyne.TextWrapWord
	r.Result.Importance = widget.SuccessImportance

	r.appsScroll = container.NewVScroll(r.appsSection())
	r.Web = newWebSection()
	r.Sections = container.NewAppTabs(
		container.NewTabItemWithIcon(lang.L("rules.week"), theme.CalendarIcon(), container.NewVScroll(r.weekSection())),
		container.NewTabItemWithIcon(lang.L("rules.apps"), theme.GridIcon(), r.appsScroll),
		container.NewTabItemWithIcon(lang.L("rules.more"), theme.WarningIcon(), container.NewVScroll(r.moreSection())),
		container.NewTabItemWithIcon(lang.L("rules.web"), theme.SearchIcon(), container.NewVScroll(r.Web.Object())),
	)
	r.Save = widget.NewButtonWithIcon(lang.L("common.save"), theme.DocumentSaveIcon(), r.onSave)
	r.Save.Importance = widget.HighImportance
	r.content = container.NewBorder(
		container.NewVBox(title(lang.L("rules.title")), container.NewHBox(r.Child)),
		container.NewVBox(r.Error, container.NewHBox(r.Save, r.Result)), nil, nil,
		r.Sections)
	return r
}

// weekSection is the days' table: screen time, game time and allowed
// hours per day, and the shortcuts for weekdays and the weekend.
func (r *RulesEditor) weekSection() fyne.CanvasObject {
	table := widgets.NewTable(4, 3,
		heading(lang.L("rules.day")), heading(lang.L("rules.screen")), heading(lang.L("rules.games")), heading(lang.L("rules.hours")))
	for i, d := range dayKeys {
		row := &DayRow{Screen: NewDurationPicker(24, true), Games: NewDurationPicker(24, true), Hours: widget.NewEntry(), Timeline: widgets.NewTimeline(nil)}
		row.Hours.OnChanged = func(s string) {
			if ws, err := parseWindows(s); err == nil {
				row.Timeline.SetSpans(spans(ws))
			}
		}
		row.Hours.Validator = hoursValidator
		row.Hours.SetPlaceHolder(lang.L("rules.noHours"))
		r.Days[i] = row
		table.Add(widget.NewLabel(lang.L("day." + d.key)))
		table.Add(row.Screen.Object())
		table.Add(row.Games.Object())
		table.Add(container.NewVBox(row.Hours, row.Timeline))
	}

	r.WeekdaysScreen, r.WeekendScreen = NewDurationPicker(24, true), NewDurationPicker(24, true)
	r.WeekdaysGames, r.WeekendGames = NewDurationPicker(24, true), NewDurationPicker(24, true)
	r.WeekdaysHours, r.WeekendHours = widget.NewEntry(), widget.NewEntry()
	for _, e := range []*widget.Entry{r.WeekdaysHours, r.WeekendHours} {
		e.Validator = hoursValidator
		e.SetPlaceHolder(lang.L("rules.noHours"))
	}
	r.ApplyWeekdays = widget.NewButtonWithIcon(lang.L("rules.applyWeekdays"), theme.ContentCopyIcon(), func() { r.onShortcut(true) })
	r.ApplyWeekend = widget.NewButtonWithIcon(lang.L("rules.applyWeekend"), theme.ContentCopyIcon(), func() { r.onShortcut(false) })
	// the shortcuts in the days' table, so their columns line up
	for _, o := range []fyne.CanvasObject{
		widget.NewSeparator(), widget.NewSeparator(), widget.NewSeparator(), widget.NewSeparator(),
		widget.NewLabel(lang.L("rules.weekdays")), r.WeekdaysScreen.Object(), r.WeekdaysGames.Object(),
		container.NewVBox(r.WeekdaysHours, container.NewHBox(r.ApplyWeekdays)),
		widget.NewLabel(lang.L("rules.weekend")), r.WeekendScreen.Object(), r.WeekendGames.Object(),
		container.NewVBox(r.WeekendHours, container.NewHBox(r.ApplyWeekend)),
	} {
		table.Add(o)
	}
	hint := widget.NewLabel(lang.L("rules.hint"))
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	return container.NewVBox(widget.NewCard("", "", table), hint)
}

// moreSection: per game, the age rating, the warnings, the grace, what
// happens at the end, and new apps.
func (r *RulesEditor) moreSection() fyne.CanvasObject {
	r.PerGame = NewDurationPicker(24, true)
	r.Grace = widget.NewSelect(nil, nil)
	r.Warnings = widget.NewCheckGroup(nil, nil)
	r.Warnings.Horizontal = true
	r.MaxRating = widget.NewSelect(ratingOptions(), nil)
	r.OnLimit = widget.NewSelect(onLimitOptions(), nil)
	r.OnLimit.PlaceHolder = widestOf(r.OnLimit.Options)
	r.MaxRating.PlaceHolder = widestOf(r.MaxRating.Options)
	r.setWarningOptions(nil)
	r.setGraceOptions(time.Minute)
	return widget.NewCard("", "", widget.NewForm(
		widget.NewFormItem(lang.L("rules.perGame"), container.NewHBox(r.PerGame.Object())),
		widget.NewFormItem(lang.L("rules.maxRating"), container.NewHBox(r.MaxRating)),
		widget.NewFormItem(lang.L("rules.warnings"), r.Warnings),
		widget.NewFormItem(lang.L("rules.grace"), container.NewHBox(r.Grace)),
		widget.NewFormItem(lang.L("rules.onLimit"), container.NewHBox(r.OnLimit)),
		widget.NewFormItem("", r.newApproveCheck()),
	))
}

// The usual moments for warnings and graces.
var (
	usualWarnings = []time.Duration{30 * time.Minute, 15 * time.Minute, 10 * time.Minute, 5 * time.Minute, 2 * time.Minute, time.Minute}
	usualGraces   = []time.Duration{0, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute}
)

// setWarningOptions offers the usual warnings and those of the policy,
// longest first, and ticks the policy's.
func (r *RulesEditor) setWarningOptions(have []time.Duration) {
	r.warnings = mergeDurations(usualWarnings, have)
	opts := make([]string, len(r.warnings))
	for i, w := range r.warnings {
		opts[i] = formatDur(w)
	}
	r.Warnings.Options = opts
	ticked := make([]string, 0, len(have))
	for _, w := range have {
		ticked = append(ticked, formatDur(w))
	}
	r.Warnings.SetSelected(ticked)
	r.Warnings.Refresh()
}

// setGraceOptions offers the usual graces and the policy's, and picks it.
func (r *RulesEditor) setGraceOptions(have time.Duration) {
	r.graceOpts = mergeDurations(usualGraces, []time.Duration{have})
	opts := make([]string, len(r.graceOpts))
	for i, g := range r.graceOpts {
		opts[i] = formatDur(g)
	}
	r.Grace.Options = opts
	r.Grace.PlaceHolder = widestOf(opts)
	r.Grace.SetSelected(formatDur(have))
}

// mergeDurations is a ∪ b, longest first, for a and b short.
func mergeDurations(a, b []time.Duration) []time.Duration {
	out := append([]time.Duration(nil), a...)
	for _, d := range b {
		found := false
		for _, x := range out {
			found = found || x == d
		}
		if !found {
			out = append(out, d)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] > out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	if len(a) > 0 && a[0] < a[len(a)-1] { // an ascending list stays ascending
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

// Refresh reloads the children, then the selected child's rules.
func (r *RulesEditor) Refresh() {
	var kids []apitype.Child
	r.c.call(func(ctx context.Context) (err error) {
		kids, err = r.c.b.Children(ctx)
		return err
	}, func(err error) {
		if err != nil {
			r.Error.SetText(ErrorText(err))
			return
		}
		// An account the default profile holds has its rules (Settings);
		// giving it its own is adding a child on it.
		names := make([]string, 0, len(kids))
		for _, k := range kids {
			if !k.DefaultProfile {
				names = append(names, k.Name)
			}
		}
		r.Child.SetOptions(names)
		if r.Child.Selected == "" && len(names) > 0 {
			r.Child.SetSelected(names[0])
			return
		}
		r.load()
	})
}

func (r *RulesEditor) load() {
	name := r.Child.Selected
	if name == "" {
		return
	}
	r.seq++
	seq := r.seq
	r.loaded = false // no Save of one child's form over another's rules
	var spec ChildSpec
	var apps []apitype.AppUsage
	var installed []apitype.InstalledApp
	var status apitype.ChildStatus
	r.c.call(func(ctx context.Context) (err error) {
		if spec, err = r.c.b.ChildPolicy(ctx, name); err != nil {
			return err
		}
		if apps, err = r.c.b.Apps(ctx, name, 7); err != nil {
			return err
		}
		// the search still finds the catalog's apps without the list
		if installed, err = r.c.b.Installed(ctx); err != nil {
			slog.Warn("console: the installed apps are not listed", "err", err)
		}
		if st, err := r.c.b.Status(ctx); err == nil { // the web tab's line of today
			for _, cs := range st.Children {
				if strings.EqualFold(cs.Name, name) {
					status = cs
				}
			}
		}
		return nil
	}, func(err error) {
		if seq != r.seq || name != r.Child.Selected {
			return // another child was picked since
		}
		if err != nil {
			r.Error.SetText(ErrorText(err))
			return
		}
		p, err := spec.Policy(r.c.now())
		if err != nil {
			r.Error.SetText(err.Error())
			return
		}
		r.spec = spec
		r.installed = installedApps(installed)
		r.show(p, apps)
		r.Web.Show(p.Web, status)
	})
}

// show fills the form from a resolved policy (the preset with the parent's
// values on top) and the apps the child used this week.
func (r *RulesEditor) show(p rules.Policy, apps []apitype.AppUsage) {
	r.Error.SetText("")
	r.Result.SetText("")
	for i, d := range dayKeys {
		r.Days[i].Screen.SetValue(p.Screen[d.day])
		r.Days[i].Games.SetValue(p.Games[d.day])
		r.Days[i].Hours.SetText(formatWindows(p.Allowed[d.day]))
	}
	r.WeekdaysScreen.SetValue(p.Screen[time.Monday])
	r.WeekendScreen.SetValue(p.Screen[time.Saturday])
	r.WeekdaysGames.SetValue(p.Games[time.Monday])
	r.WeekendGames.SetValue(p.Games[time.Saturday])
	r.WeekdaysHours.SetText(formatWindows(p.Allowed[time.Monday]))
	r.WeekendHours.SetText(formatWindows(p.Allowed[time.Saturday]))
	r.PerGame.SetValue(p.PerGame)
	r.MaxRating.SetSelected(p.MaxRating.String())
	r.setWarningOptions(p.Warnings)
	r.setGraceOptions(p.Grace)
	r.OnLimit.SetSelectedIndex(int(p.OnLimit))
	r.ApproveNew.SetChecked(p.ApproveNew)
	r.approveWas = p.ApproveNew
	r.showApps(p, apps)
	r.loaded = true
}

func (r *RulesEditor) onShortcut(weekdays bool) {
	screen, games, hours := r.WeekendScreen, r.WeekendGames, r.WeekendHours.Text
	if weekdays {
		screen, games, hours = r.WeekdaysScreen, r.WeekdaysGames, r.WeekdaysHours.Text
	}
	for i, d := range dayKeys {
		isWeekend := d.day == time.Saturday || d.day == time.Sunday
		if isWeekend == weekdays {
			continue
		}
		r.Days[i].Screen.SetValue(screen.Value())
		r.Days[i].Games.SetValue(games.Value())
		r.Days[i].Hours.SetText(hours)
	}
}

// FieldProblem is a form field that does not read, with the reason.
type FieldProblem struct {
	Field, Value, Reason string
}

func (p *FieldProblem) Error() string {
	if p.Value == "" {
		return lang.L("rules.badField", map[string]any{"Field": p.Field, "Reason": p.Reason})
	}
	return lang.L("rules.bad", map[string]any{"Field": p.Field, "Value": p.Value, "Reason": p.Reason})
}

// Build reads the form into a child spec: every day explicit, the parent's
// app rules replacing the previous ones for the listed apps. It returns the
// first field that does not read, or the policy's own validation error.
func (r *RulesEditor) Build() (ChildSpec, error) {
	spec := r.spec
	screen := &rules.BudgetSpec{Days: map[string]rules.Duration{}}
	games := &rules.GamesSpec{Days: map[string]rules.Duration{}}
	allowed := map[string][]rules.Window{}
	for i, d := range dayKeys {
		day := lang.L("day." + d.key)
		screen.Days[d.key] = rules.Duration(r.Days[i].Screen.Value())
		games.Days[d.key] = rules.Duration(r.Days[i].Games.Value())
		ws, err := parseWindows(r.Days[i].Hours.Text)
		if err != nil {
			var bad *badWindow
			value := r.Days[i].Hours.Text
			if errors.As(err, &bad) {
				value = bad.part
			}
			return spec, &FieldProblem{Field: lang.L("rules.hours") + " · " + day, Value: value, Reason: lang.L("rules.badHours")}
		}
		allowed[d.key] = ws
	}
	pg := rules.Duration(r.PerGame.Value())
	games.PerGame = &pg
	var warnings []rules.Duration
	for i, w := range r.warnings {
		for _, ticked := range r.Warnings.Selected {
			if ticked == r.Warnings.Options[i] {
				warnings = append(warnings, rules.Duration(w))
			}
		}
	}
	g := rules.Duration(r.graceOpts[max(r.Grace.SelectedIndex(), 0)])
	var rating rules.Rating
	if err := rating.UnmarshalText([]byte(r.MaxRating.Selected)); err != nil {
		return spec, &FieldProblem{Field: lang.L("rules.maxRating"), Value: r.MaxRating.Selected, Reason: err.Error()}
	}
	apps, err := r.appRules(spec.Apps)
	if err != nil {
		return spec, err
	}
	spec.Screen, spec.Games, spec.Allowed = screen, games, allowed
	spec.Warnings, spec.Grace, spec.MaxRating, spec.Apps = warnings, &g, rating, apps
	spec.OnLimit = rules.Action(max(r.OnLimit.SelectedIndex(), 0))
	spec.ApproveNew = r.approveNew(spec.ApproveNew)
	if spec, err = r.Web.Build(spec); err != nil {
		return r.spec, err
	}
	if _, err := spec.Policy(r.c.now()); err != nil {
		return r.spec, policyProblem(err)
	}
	return spec, nil
}

// hoursValidator marks allowed hours that do not read as they are typed,
// with the reason in the parent's language.
func hoursValidator(s string) error {
	if _, err := parseWindows(s); err != nil {
		return errors.New(lang.L("rules.badHours"))
	}
	return nil
}

// badWindow is a part of the allowed hours that does not read.
type badWindow struct {
	part string
	err  error
}

func (e *badWindow) Error() string { return fmt.Sprintf("%q: %v", e.part, e.err) }
func (e *badWindow) Unwrap() error { return e.err }

// parseWindows reads "06:30-20:00, 21:00-21:30"; "" is no screen time that day.
func parseWindows(s string) ([]rules.Window, error) {
	ws := []rules.Window{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		w, err := rules.ParseWindow(part)
		if err != nil {
			return nil, &badWindow{part: part, err: err}
		}
		ws = append(ws, w)
	}
	return ws, nil
}

func formatWindows(ws []rules.Window) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.String()
	}
	return strings.Join(parts, ", ")
}

func spans(ws []rules.Window) []widgets.Span {
	out := make([]widgets.Span, len(ws))
	for i, w := range ws {
		out[i] = widgets.Span{Start: int(w.Start), End: int(w.End)}
	}
	return out
}

// policyProblem turns the rules package's validation error into a sentence.
func policyProblem(err error) error {
	var fe *rules.FieldError
	if errors.As(err, &fe) {
		if fe.Key != "" {
			return keyedProblem(fe.Path, fe.Value, fe)
		}
		return &FieldProblem{Field: fe.Path, Value: fe.Value, Reason: fe.Reason}
	}
	return err
}

func (r *RulesEditor) onSave() {
	r.Result.SetText("")
	if !r.loaded {
		return
	}
	spec, err := r.Build()
	if err != nil {
		r.Error.SetText(err.Error())
		return
	}
	r.Error.SetText("")
	name, seq := r.Child.Selected, r.seq
	r.Save.Disable() // one save at a time
	r.c.call(func(ctx context.Context) error { return r.c.b.SetChildPolicy(ctx, name, spec) }, func(err error) {
		r.Save.Enable()
		if seq != r.seq {
			return // another child's rules are on show now
		}
		if err != nil {
			r.Error.SetText(ErrorText(err))
			return
		}
		r.spec = spec
		if p, err := spec.Policy(r.c.now()); err == nil {
			r.policy = p
			r.Web.loaded = p.Web // what is saved is now as loaded
		}
		for _, row := range r.rows() { // what is saved is now as loaded
			row.rule, row.limit = row.choice(), row.Limit.Value()
		}
		r.Result.SetText(lang.L("rules.saved", map[string]any{"Time": i18n.Clock(r.c.now())}))
	})
}
