package console

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/i18n"
)

// webCategories is the order the categories of blocked lookups are said in.
var webCategories = []string{"adult", "gambling", "dating", "proxy", "social", "games", "deny", "allowlist"}

// WebLine is the Today card's line about the child's web filter: the level
// and today's blocked lookups, by category, counts only ("" without one).
func WebLine(cs apitype.ChildStatus) string {
	w := cs.Web
	if w == nil {
		return ""
	}
	if w.Closed {
		return lang.L("today.web.closed")
	}
	if !w.Active {
		return lang.L("today.web.inactive")
	}
	level := lang.L("today.web.filter." + w.Filter)
	if w.BlockedToday == 0 {
		return lang.L("today.web.none", map[string]any{"Filter": level})
	}
	var parts []string
	for _, c := range webCategories {
		if n := w.ByCategory[c]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", lang.L("today.web.cat."+c), n))
		}
	}
	for c, n := range w.ByCategory { // a category this console does not know yet
		if n > 0 && !slices.Contains(webCategories, c) {
			parts = append(parts, fmt.Sprintf("%s %d", c, n))
		}
	}
	return i18n.Plural("today.web.blocked", int(w.BlockedToday), map[string]any{
		"Filter": level, "N": w.BlockedToday, "Which": strings.Join(parts, ", ")})
}

// webOptional are the categories a parent may tick; adult sites and
// gambling are blocked for every child (rules.MandatoryWebBlock).
var webOptional = []string{rules.WebDating, rules.WebProxy, rules.WebSocial, rules.WebGames}

// WebSection is the rules editor's Web tab: the filter level, SafeSearch,
// the categories blocked beyond adult sites and gambling, and the parent's
// denied and allowed domains (one a line).
type WebSection struct {
	Filter      *widget.Select
	SafeSearch  *widget.Check
	Categories  *widget.CheckGroup
	Deny, Allow *widget.Entry
	// Today is the child's blocked lookups of today (counts only).
	Today  *widget.Label
	loaded rules.WebPolicy
}

func newWebSection() *WebSection {
	s := &WebSection{Filter: widget.NewSelect(nil, nil), SafeSearch: widget.NewCheck(lang.L("rules.web.safeSearch"), nil),
		Categories: widget.NewCheckGroup(nil, nil), Deny: widget.NewMultiLineEntry(), Allow: widget.NewMultiLineEntry(), Today: widget.NewLabel("")}
	for _, f := range rules.WebFilters() {
		s.Filter.Options = append(s.Filter.Options, lang.L("rules.web.filter."+f))
	}
	s.Filter.PlaceHolder = widestOf(s.Filter.Options)
	s.Filter.OnChanged = func(string) {
		// A level picked brings its own categories (the parent may
		// tick others after).
		if f := rules.WebFilter(s.Filter.SelectedIndex()); f != s.loaded.Filter {
			s.tick(rules.WebFilterBlocks(f))
		}
	}
	for _, c := range webOptional {
		s.Categories.Options = append(s.Categories.Options, lang.L("today.web.cat."+c))
	}
	s.Categories.Horizontal = true
	for _, e := range []*widget.Entry{s.Deny, s.Allow} {
		e.SetPlaceHolder("example.com")
		e.SetMinRowsVisible(4)
		e.Validator = func(text string) error {
			if _, bad := webDomains(text); bad != "" {
				return errors.New(lang.L("rules.web.badDomain"))
			}
			return nil
		}
	}
	s.Today.Wrapping = fyne.TextWrapWord
	return s
}

// Object is the tab's content.
func (s *WebSection) Object() fyne.CanvasObject {
	always := widget.NewLabel(lang.L("rules.web.always"))
	always.Wrapping = fyne.TextWrapWord
	always.Importance = widget.LowImportance
	hint := widget.NewLabel(lang.L("rules.web.hint"))
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	return container.NewVBox(widget.NewCard("", "", widget.NewForm(
		widget.NewFormItem(lang.L("rules.web.filter"), container.NewHBox(s.Filter)),
		widget.NewFormItem("", s.SafeSearch),
		widget.NewFormItem(lang.L("rules.web.block"), container.NewVBox(s.Categories, always)),
		widget.NewFormItem(lang.L("rules.web.deny"), s.Deny),
		widget.NewFormItem(lang.L("rules.web.allow"), s.Allow),
	)), hint, s.Today)
}

// Show fills the tab from the child's resolved web rules and status.
func (s *WebSection) Show(p rules.WebPolicy, st apitype.ChildStatus) {
	s.loaded = p
	s.Filter.SetSelectedIndex(int(p.Filter))
	s.SafeSearch.SetChecked(p.SafeSearch)
	s.tick(p.Block)
	s.Deny.SetText(strings.Join(p.Deny, "\n"))
	s.Allow.SetText(strings.Join(p.Allow, "\n"))
	s.Today.SetText(WebLine(st))
}

// tick ticks the optional categories among block.
func (s *WebSection) tick(block []string) {
	var ticked []string
	for i, c := range webOptional {
		if slices.Contains(block, c) {
			ticked = append(ticked, s.Categories.Options[i])
		}
	}
	s.Categories.SetSelected(ticked)
}

// webDomains reads domains one a line (or separated by commas): the
// normal names, or the first one that does not read.
func webDomains(text string) (out []string, bad string) {
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' }) {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		d, err := rules.NormalDomain(line)
		if err != nil {
			return nil, line
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out, ""
}

// Build puts the tab's values into spec.Web; what the parent did not
// change stays as it was (so an age's preset still follows the child's
// birthdays).
func (s *WebSection) Build(spec ChildSpec) (ChildSpec, error) {
	deny, bad := webDomains(s.Deny.Text)
	if bad != "" {
		return spec, &FieldProblem{Field: lang.L("rules.web.deny"), Value: bad, Reason: lang.L("rules.web.badDomain")}
	}
	allow, bad := webDomains(s.Allow.Text)
	if bad != "" {
		return spec, &FieldProblem{Field: lang.L("rules.web.allow"), Value: bad, Reason: lang.L("rules.web.badDomain")}
	}
	filter := rules.WebFilter(max(s.Filter.SelectedIndex(), 0))
	var block []string
	for i, c := range webOptional {
		if slices.Contains(s.Categories.Selected, s.Categories.Options[i]) {
			block = append(block, c)
		}
	}
	optional := func(all []string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(c string) bool { return !slices.Contains(webOptional, c) })
	}
	l := s.loaded
	if filter == l.Filter && s.SafeSearch.Checked == l.SafeSearch && slices.Equal(block, optional(l.Block)) &&
		slices.Equal(deny, l.Deny) && slices.Equal(allow, l.Allow) {
		return spec, nil // nothing changed here
	}
	ws := rules.WebSpec{}
	if spec.Web != nil {
		ws = *spec.Web
	}
	if filter != l.Filter {
		ws.Filter = &filter
		ws.Block = nil
	}
	if ss := s.SafeSearch.Checked; ss != l.SafeSearch {
		ws.SafeSearch = &ss
	}
	ws.Deny, ws.Allow = deny, allow
	// The categories: the level's own unless the parent ticked others.
	if slices.Equal(block, optional(rules.WebFilterBlocks(filter))) {
		ws.Block = nil
	} else {
		ws.Block = append(slices.Clone(rules.MandatoryWebBlock), block...)
	}
	spec.Web = &ws
	return spec, nil
}
