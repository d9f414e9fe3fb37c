package console

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2/lang"
	"github.com/kidtime/kidtime/agent/apitype"
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
