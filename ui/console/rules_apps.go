package console

import (
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

// AppRow is one app with the parent's rule for it: an app the child used
// (App), or one found in the catalog before the child ever ran it
// (Known, rules_search.go).
type AppRow struct {
	App   apitype.AppUsage
	Known *KnownApp
	Rule  *widget.Select
	// Limit is the app's own daily time, when Rule is "limit".
	Limit *DurationPicker

	// the choice and limit as loaded (from currentAppRule): a row left as
	// it was keeps the policy's own rules untouched
	rule  string
	limit time.Duration
}

// appRuleOptions are the choices for an app, in the order of appRuleValues.
func appRuleOptions() []string {
	return []string{lang.L("rules.app.none"), lang.L("rules.app.block"), lang.L("rules.app.always"), lang.L("rules.app.limit"),
		lang.L("rules.app.game"), lang.L("rules.app.education"), lang.L("rules.app.other")}
}

var appRuleValues = []string{"", "block", "always", "limit", "game", "education", "other"}

// choice is the row's rule as one of appRuleValues.
func (row *AppRow) choice() string { return appRuleValues[max(row.Rule.SelectedIndex(), 0)] }

// changed reports whether the parent changed the row since it was loaded.
func (row *AppRow) changed() bool {
	v := row.choice()
	if v != row.rule {
		return true
	}
	return v == "limit" && row.Limit.Value() != row.limit
}

// name is the app's name for the parent.
func (row *AppRow) name() string {
	if row.Known != nil {
		return row.Known.Name
	}
	return AppName(row.App.Name, row.App.Path)
}

// apps are what the row's rule is about, as the rules package sees apps.
func (row *AppRow) apps() []rules.App {
	if row.Known != nil {
		return row.Known.apps()
	}
	return []rules.App{{Name: row.App.Name, Path: row.App.Path, SHA256: row.App.SHA256}}
}

// matches is how new rules name the row's app: by its content hash when
// the agent knows it, else its path, else its name; a known app by each
// of its program names.
func (row *AppRow) matches() []rules.Match {
	if row.Known != nil {
		return row.Known.matches()
	}
	switch {
	case row.App.SHA256 != "":
		return []rules.Match{{SHA256: row.App.SHA256}}
	case row.App.Path != "":
		return []rules.Match{{Path: row.App.Path}}
	}
	return []rules.Match{{Name: row.App.Name}}
}

// newAppRow makes a row with the rule the policy has for apps.
func newAppRow(p rules.Policy, app apitype.AppUsage, known *KnownApp) *AppRow {
	row := &AppRow{App: app, Known: known, Rule: widget.NewSelect(appRuleOptions(), nil), Limit: NewDurationPicker(12, false)}
	row.Rule.PlaceHolder = widestOf(row.Rule.Options)
	rule, limit := currentAppRule(p.Apps, row.apps())
	row.Rule.SetSelectedIndex(indexOf(appRuleValues, rule))
	if limit <= 0 {
		limit = 30 * time.Minute
	}
	row.Limit.SetValue(limit)
	row.rule, row.limit = row.choice(), row.Limit.Value()
	row.Rule.OnChanged = func(string) { row.syncLimit() }
	row.syncLimit()
	return row
}

func (row *AppRow) syncLimit() {
	if row.choice() == "limit" {
		row.Limit.Enable()
		row.Limit.Object().Show()
	} else {
		row.Limit.Disable()
		row.Limit.Object().Hide()
	}
}

// object is the row as shown: what the app is, then its rule.
func (row *AppRow) object(info string) fyne.CanvasObject {
	l := widget.NewLabel(info)
	l.Wrapping = fyne.TextWrapWord
	return container.NewVBox(l, container.NewHBox(row.Rule, row.Limit.Object()), widget.NewSeparator())
}

// appsSection: the search of known apps and the apps used this week.
func (r *RulesEditor) appsSection() fyne.CanvasObject {
	r.Search = widget.NewEntry()
	r.Search.SetPlaceHolder(lang.L("rules.searchHint"))
	r.Search.OnChanged = func(s string) { r.onSearch(s) }
	intro := widget.NewLabel(lang.L("rules.appsIntro"))
	intro.Wrapping = fyne.TextWrapWord
	search := heading(lang.L("rules.searchTitle"))
	search.Wrapping = fyne.TextWrapWord
	return container.NewVBox(
		widget.NewCard("", "", container.NewVBox(search,
			container.NewBorder(nil, nil, widget.NewIcon(theme.SearchIcon()), nil, r.Search), r.foundBx)),
		widget.NewCard("", "", container.NewVBox(heading(lang.L("rules.usedTitle")), intro, r.appsBox)),
	)
}

// showApps fills the apps used this week (kidtime's own programs left
// out), and the search's rows again with the loaded rules.
func (r *RulesEditor) showApps(p rules.Policy, apps []apitype.AppUsage) {
	r.appsBox.RemoveAll()
	r.Apps = nil
	for _, a := range apps {
		if OwnProgram(a.Name, a.Path) {
			continue
		}
		row := newAppRow(p, a, nil)
		r.Apps = append(r.Apps, row)
		r.appsBox.Add(row.object(lang.L("rules.appInfo", map[string]any{
			"Name": row.name(), "Category": CategoryName(a.Category), "Used": i18n.Seconds(a.UsedSec)})))
	}
	if len(r.Apps) == 0 {
		r.appsBox.Add(widget.NewLabel(lang.L("rules.noApps")))
	}
	r.appsBox.Refresh()
	r.policy = p
	r.onSearch(r.Search.Text)
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return 0
}

// currentAppRule finds the parent's rule for an app (by name, path or
// hash) as one of appRuleValues, with its limit; for a known app with
// several programs, the rule of the first that has one.
func currentAppRule(rs []rules.AppRule, apps []rules.App) (string, time.Duration) {
	for _, app := range apps {
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
	}
	return "", 0
}

// rows are every row of the form: the apps used, then those found.
func (r *RulesEditor) rows() []*AppRow {
	out := append([]*AppRow(nil), r.Apps...)
	return append(out, r.Found...)
}

// appRules keeps the policy's app rules exactly as they are (same match by
// hash, name or path) for every app the parent left as loaded, and for apps
// not listed; it replaces the rules of the rows the parent changed. A rule
// that also covers an unchanged row cannot be replaced without weakening
// that row: the change is then refused with the reason.
func (r *RulesEditor) appRules(old []rules.AppRule) ([]rules.AppRule, error) {
	var changed, same []*AppRow
	for _, row := range r.rows() {
		if row.changed() {
			changed = append(changed, row)
		} else {
			same = append(same, row)
		}
	}
	covers := func(ar rules.AppRule, row *AppRow) bool {
		for _, a := range row.apps() {
			if ar.Match.Matches(a) {
				return true
			}
		}
		return false
	}
	var out []rules.AppRule
	for _, ar := range old {
		var hit *AppRow
		for _, row := range changed {
			if covers(ar, row) {
				hit = row
				break
			}
		}
		if hit == nil {
			out = append(out, ar)
			continue
		}
		for _, row := range same {
			if row.choice() != "" && covers(ar, row) {
				return nil, &FieldProblem{Field: hit.name(), Value: appRuleOptions()[indexOf(appRuleValues, hit.choice())],
					Reason: lang.L("rules.sharedRule", map[string]any{"Other": row.name()})}
			}
		}
	}
	done := map[rules.Match]bool{}
	for _, row := range changed {
		v := row.choice()
		if v == "" {
			continue
		}
		for _, m := range row.matches() {
			if done[m] {
				continue
			}
			done[m] = true
			ar := rules.AppRule{Match: m}
			switch v {
			case "block":
				ar.Rule = rules.RuleBlock
			case "always":
				ar.Rule = rules.RuleAlways
			case "limit":
				d := row.Limit.Value()
				if d <= 0 || d == rules.Unlimited {
					return nil, &FieldProblem{Field: row.name(), Value: row.Limit.Text(), Reason: lang.L("rules.limitPositive")}
				}
				ar.Rule, ar.Limit = rules.RuleLimit, rules.Duration(d)
			default:
				_ = ar.Category.UnmarshalText([]byte(v))
			}
			out = append(out, ar)
		}
	}
	return out, nil
}
