package console

import (
	"context"
	"errors"
	"fmt"
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

// DayRow is one weekday of the rules editor.
type DayRow struct {
	Screen, Games *widget.Entry
	Hours         *widget.Entry
	Timeline      *widgets.Timeline
}

// AppRow is one app the child used, with the parent's rule for it.
type AppRow struct {
	App   apitype.AppUsage
	Rule  *widget.Select
	Limit *widget.Entry

	// the choice and limit as loaded (from currentAppRule): a row left as
	// it was keeps the policy's own rules untouched
	rule, limit string
}

// choice is the row's rule as one of appRuleValues.
func (row *AppRow) choice() string { return appRuleValues[max(row.Rule.SelectedIndex(), 0)] }

// changed reports whether the parent changed the row since it was loaded.
func (row *AppRow) changed() bool {
	v := row.choice()
	if v != row.rule {
		return true
	}
	return v == "limit" && strings.TrimSpace(row.Limit.Text) != row.limit
}

func (row *AppRow) app() rules.App {
	return rules.App{Name: row.App.Name, Path: row.App.Path, SHA256: row.App.SHA256}
}

// match is how a new rule names the row's app: by its content hash when
// the agent knows it, else its path, else its name.
func (row *AppRow) match() rules.Match {
	switch {
	case row.App.SHA256 != "":
		return rules.Match{SHA256: row.App.SHA256}
	case row.App.Path != "":
		return rules.Match{Path: row.App.Path}
	}
	return rules.Match{Name: row.App.Name}
}

// RulesEditor edits one child's rules. Nothing is saved until every field
// reads and the whole policy validates.
type RulesEditor struct {
	c     *Console
	Child *widget.Select
	Days  [7]*DayRow // Monday first

	WeekdaysScreen, WeekendScreen *widget.Entry
	WeekdaysHours, WeekendHours   *widget.Entry
	ApplyWeekdays, ApplyWeekend   *widget.Button

	PerGame   *widget.Entry
	MaxRating *widget.Select
	Warnings  *widget.Entry
	Grace     *widget.Entry
	OnLimit   *widget.Select
	// ApproveNew: new programs need a parent's yes (approvals.go).
	ApproveNew *widget.Check
	approveWas bool // as loaded: only a change is written
	Apps       []*AppRow
	appsBox    *fyne.Container

	Save   *widget.Button
	Error  *widget.Label
	Result *widget.Label

	spec   ChildSpec
	loaded bool
	// seq counts the loads: the reply to an older one (another child
	// picked since) is dropped
	seq     int
	content fyne.CanvasObject
}

func ratingOptions() []string { return []string{"00+", "12+", "16+", "18+"} }

func onLimitOptions() []string {
	return []string{lang.L("rules.onLimit.lock"), lang.L("rules.onLimit.logout")}
}

// appRuleOptions are the choices for an app, in the order of appRuleValues.
func appRuleOptions() []string {
	return []string{lang.L("rules.app.none"), lang.L("rules.app.block"), lang.L("rules.app.always"), lang.L("rules.app.limit"),
		lang.L("rules.app.game"), lang.L("rules.app.education"), lang.L("rules.app.other")}
}

var appRuleValues = []string{"", "block", "always", "limit", "game", "education", "other"}

func newRulesEditor(c *Console) *RulesEditor {
	r := &RulesEditor{c: c, Error: widget.NewLabel(""), Result: widget.NewLabel(""), appsBox: container.NewVBox()}
	r.Child = widget.NewSelect(nil, func(string) { r.load() })
	r.Error.Importance = widget.DangerImportance
	r.Error.Wrapping = fyne.TextWrapWord
	r.Result.Importance = widget.SuccessImportance

	grid := container.NewGridWithColumns(5,
		heading(lang.L("rules.day")), heading(lang.L("rules.screen")), heading(lang.L("rules.games")),
		heading(lang.L("rules.hours")), heading(lang.L("rules.timeline")))
	for i, d := range dayKeys {
		row := &DayRow{Screen: widget.NewEntry(), Games: widget.NewEntry(), Hours: widget.NewEntry(), Timeline: widgets.NewTimeline(nil)}
		row.Hours.OnChanged = func(s string) {
			if ws, err := parseWindows(s); err == nil {
				row.Timeline.SetSpans(spans(ws))
			}
		}
		r.Days[i] = row
		grid.Add(widget.NewLabel(lang.L("day." + d.key)))
		grid.Add(row.Screen)
		grid.Add(row.Games)
		grid.Add(row.Hours)
		grid.Add(row.Timeline)
	}

	r.WeekdaysScreen, r.WeekendScreen = widget.NewEntry(), widget.NewEntry()
	r.WeekdaysHours, r.WeekendHours = widget.NewEntry(), widget.NewEntry()
	r.ApplyWeekdays = widget.NewButton(lang.L("rules.applyWeekdays"), func() { r.onShortcut(true) })
	r.ApplyWeekend = widget.NewButton(lang.L("rules.applyWeekend"), func() { r.onShortcut(false) })
	shortcuts := container.NewGridWithColumns(5,
		widget.NewLabel(lang.L("rules.weekdays")), r.WeekdaysScreen, layoutSpacer(), r.WeekdaysHours, r.ApplyWeekdays,
		widget.NewLabel(lang.L("rules.weekend")), r.WeekendScreen, layoutSpacer(), r.WeekendHours, r.ApplyWeekend)

	r.PerGame, r.Warnings, r.Grace = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	r.MaxRating = widget.NewSelect(ratingOptions(), nil)
	r.OnLimit = widget.NewSelect(onLimitOptions(), nil)
	other := widget.NewForm(
		widget.NewFormItem(lang.L("rules.perGame"), r.PerGame),
		widget.NewFormItem(lang.L("rules.maxRating"), r.MaxRating),
		widget.NewFormItem(lang.L("rules.warnings"), r.Warnings),
		widget.NewFormItem(lang.L("rules.grace"), r.Grace),
		widget.NewFormItem(lang.L("rules.onLimit"), r.OnLimit),
		widget.NewFormItem("", r.newApproveCheck()),
	)
	r.Save = widget.NewButtonWithIcon(lang.L("common.save"), theme.DocumentSaveIcon(), r.onSave)
	r.Save.Importance = widget.HighImportance
	hint := widget.NewLabel(lang.L("rules.hint"))
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance

	r.content = container.NewBorder(
		container.NewVBox(title(lang.L("rules.title")), container.NewHBox(r.Child)),
		container.NewVBox(r.Error, container.NewHBox(r.Save, r.Result)), nil, nil,
		container.NewVScroll(container.NewVBox(
			hint,
			widget.NewCard(lang.L("rules.week"), "", container.NewVBox(grid, widget.NewSeparator(), shortcuts)),
			widget.NewCard(lang.L("rules.more"), "", other),
			widget.NewCard(lang.L("rules.apps"), lang.L("rules.appsIntro"), r.appsBox),
		)))
	return r
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
	r.c.call(func(ctx context.Context) (err error) {
		if spec, err = r.c.b.ChildPolicy(ctx, name); err != nil {
			return err
		}
		apps, err = r.c.b.Apps(ctx, name, 7)
		return err
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
		r.show(p, apps)
	})
}

// show fills the form from a resolved policy (the preset with the parent's
// values on top) and the apps the child used this week.
func (r *RulesEditor) show(p rules.Policy, apps []apitype.AppUsage) {
	r.Error.SetText("")
	r.Result.SetText("")
	for i, d := range dayKeys {
		r.Days[i].Screen.SetText(formatDur(p.Screen[d.day]))
		r.Days[i].Games.SetText(formatDur(p.Games[d.day]))
		r.Days[i].Hours.SetText(formatWindows(p.Allowed[d.day]))
	}
	r.WeekdaysScreen.SetText(formatDur(p.Screen[time.Monday]))
	r.WeekendScreen.SetText(formatDur(p.Screen[time.Saturday]))
	r.WeekdaysHours.SetText(formatWindows(p.Allowed[time.Monday]))
	r.WeekendHours.SetText(formatWindows(p.Allowed[time.Saturday]))
	r.PerGame.SetText(formatDur(p.PerGame))
	r.MaxRating.SetSelected(p.MaxRating.String())
	ws := make([]string, len(p.Warnings))
	for i, w := range p.Warnings {
		ws[i] = formatDur(w)
	}
	r.Warnings.SetText(strings.Join(ws, ", "))
	r.Grace.SetText(formatDur(p.Grace))
	r.OnLimit.SetSelectedIndex(int(p.OnLimit))
	r.ApproveNew.SetChecked(p.ApproveNew)
	r.approveWas = p.ApproveNew

	r.appsBox.RemoveAll()
	r.Apps = nil
	if len(apps) == 0 {
		r.appsBox.Add(widget.NewLabel(lang.L("rules.noApps")))
	}
	for _, a := range apps {
		row := &AppRow{App: a, Rule: widget.NewSelect(appRuleOptions(), nil), Limit: widget.NewEntry()}
		row.Limit.SetPlaceHolder(formatDur(30 * time.Minute))
		rule, limit := currentAppRule(p.Apps, a)
		row.Rule.SetSelectedIndex(indexOf(appRuleValues, rule))
		if limit > 0 {
			row.Limit.SetText(formatDur(limit))
		}
		row.rule, row.limit = row.choice(), strings.TrimSpace(row.Limit.Text)
		row.Rule.OnChanged = func(string) { r.syncLimit(row) }
		r.syncLimit(row)
		r.Apps = append(r.Apps, row)
		info := widget.NewLabel(lang.L("rules.appInfo", map[string]any{"Name": a.Name, "Category": CategoryName(a.Category), "Used": i18n.Seconds(a.UsedSec)}))
		info.Wrapping = fyne.TextWrapWord
		r.appsBox.Add(container.NewBorder(nil, nil, nil,
			container.NewGridWrap(fyne.NewSize(320, 36), container.NewGridWithColumns(2, row.Rule, row.Limit)), info))
	}
	r.appsBox.Refresh()
	r.loaded = true
}

func (r *RulesEditor) syncLimit(row *AppRow) {
	if appRuleValues[max(row.Rule.SelectedIndex(), 0)] == "limit" {
		row.Limit.Enable()
	} else {
		row.Limit.Disable()
	}
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return 0
}

// currentAppRule finds the parent's rule for an app (by name, path or hash)
// as one of appRuleValues, with its limit.
func currentAppRule(rs []rules.AppRule, a apitype.AppUsage) (string, time.Duration) {
	app := rules.App{Name: a.Name, Path: a.Path, SHA256: a.SHA256}
	for _, ar := range rs {
		if !ar.Match.Matches(app) {
			continue
		}
		if ar.Rule != rules.RuleNone {
			return ar.Rule.String(), time.Duration(ar.Limit)
		}
		if ar.Category != rules.CategoryUnknown {
			return ar.Category.String(), 0
		}
	}
	return "", 0
}

func (r *RulesEditor) onShortcut(weekdays bool) {
	screen, hours := r.WeekendScreen.Text, r.WeekendHours.Text
	if weekdays {
		screen, hours = r.WeekdaysScreen.Text, r.WeekdaysHours.Text
	}
	for i, d := range dayKeys {
		isWeekend := d.day == time.Saturday || d.day == time.Sunday
		if isWeekend == weekdays {
			continue
		}
		r.Days[i].Screen.SetText(screen)
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
		v, err := parseDur(r.Days[i].Screen.Text, lang.L("rules.screen")+" · "+day)
		if err != nil {
			return spec, err
		}
		screen.Days[d.key] = rules.Duration(v)
		v, err = parseDur(r.Days[i].Games.Text, lang.L("rules.games")+" · "+day)
		if err != nil {
			return spec, err
		}
		games.Days[d.key] = rules.Duration(v)
		ws, err := parseWindows(r.Days[i].Hours.Text)
		if err != nil {
			return spec, &FieldProblem{Field: lang.L("rules.hours") + " · " + day, Value: r.Days[i].Hours.Text, Reason: err.Error()}
		}
		allowed[d.key] = ws
	}
	per, err := parseDur(r.PerGame.Text, lang.L("rules.perGame"))
	if err != nil {
		return spec, err
	}
	pg := rules.Duration(per)
	games.PerGame = &pg
	var warnings []rules.Duration
	for _, w := range strings.Split(r.Warnings.Text, ",") {
		if w = strings.TrimSpace(w); w == "" {
			continue
		}
		v, err := parseDur(w, lang.L("rules.warnings"))
		if err != nil {
			return spec, err
		}
		warnings = append(warnings, rules.Duration(v))
	}
	grace, err := parseDur(r.Grace.Text, lang.L("rules.grace"))
	if err != nil {
		return spec, err
	}
	g := rules.Duration(grace)
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
	if _, err := spec.Policy(r.c.now()); err != nil {
		return r.spec, policyProblem(err)
	}
	return spec, nil
}

// appRules keeps the policy's app rules exactly as they are (same match by
// hash, name or path) for every app the parent left as loaded, and for apps
// not listed; it replaces the rules of the rows the parent changed. A rule
// that also covers an unchanged row cannot be replaced without weakening
// that row: the change is then refused with the reason.
func (r *RulesEditor) appRules(old []rules.AppRule) ([]rules.AppRule, error) {
	var changed, same []*AppRow
	for _, row := range r.Apps {
		if row.changed() {
			changed = append(changed, row)
		} else {
			same = append(same, row)
		}
	}
	var out []rules.AppRule
	for _, ar := range old {
		var hit *AppRow
		for _, row := range changed {
			if ar.Match.Matches(row.app()) {
				hit = row
				break
			}
		}
		if hit == nil {
			out = append(out, ar)
			continue
		}
		for _, row := range same {
			if ar.Match.Matches(row.app()) {
				return nil, &FieldProblem{Field: hit.App.Name, Value: appRuleOptions()[indexOf(appRuleValues, hit.choice())],
					Reason: lang.L("rules.sharedRule", map[string]any{"Other": row.App.Name})}
			}
		}
	}
	for _, row := range changed {
		v := row.choice()
		if v == "" {
			continue
		}
		ar := rules.AppRule{Match: row.match()}
		switch v {
		case "block":
			ar.Rule = rules.RuleBlock
		case "always":
			ar.Rule = rules.RuleAlways
		case "limit":
			d, err := parseDur(row.Limit.Text, row.App.Name)
			if err != nil {
				return nil, err
			}
			if d <= 0 || d == rules.Unlimited {
				return nil, &FieldProblem{Field: row.App.Name, Value: row.Limit.Text, Reason: lang.L("rules.limitPositive")}
			}
			ar.Rule, ar.Limit = rules.RuleLimit, rules.Duration(d)
		default:
			_ = ar.Category.UnmarshalText([]byte(v))
		}
		out = append(out, ar)
	}
	return out, nil
}

// parseWindows reads "06:30-20:00, 21:00-21:30"; "" is no screen time that day.
func parseWindows(s string) ([]rules.Window, error) {
	ws := []rules.Window{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		w, err := rules.ParseWindow(part)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
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
		r.Result.SetText(lang.L("rules.saved", map[string]any{"Time": i18n.Clock(r.c.now())}))
	})
}
