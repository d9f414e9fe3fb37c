package console_test

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/kidtime/kidtime/rules"
)

// The rules editor's Web tab shows An's web rules (12: standard,
// SafeSearch), and a save writes what the parent changed, only that; a
// domain that does not read is refused with the field named.
func TestWebInTheRules(t *testing.T) {
	f, mum, _ := family(t)
	c := open(t, mum)
	c.Main.Select(1)
	r := c.Main.Rules
	w := r.Web
	if w.Filter.SelectedIndex() != int(rules.WebStandard) || !w.SafeSearch.Checked || w.Deny.Text != "" || len(w.Categories.Selected) != 2 {
		t.Fatalf("An's web tab: filter %d, SafeSearch %v, deny %q, ticked %v; want standard, on, none, dating and proxies",
			w.Filter.SelectedIndex(), w.SafeSearch.Checked, w.Deny.Text, w.Categories.Selected)
	}
	cases := []struct {
		sentence string
		edit     func()
		err      string // in the editor's error; "" when the save works
		check    func(t *testing.T, p rules.WebPolicy, s *rules.WebSpec)
	}{
		{"a bad domain is refused, naming the field", func() { w.Deny.SetText("good.example\nnot a domain") }, "not a domain", nil},
		{"denied domains and a ticked category are saved; the filter level is not written", func() {
			w.Deny.SetText("Games.Example\nvideo.example, games.example")
			w.Categories.SetSelected(append(w.Categories.Selected, w.Categories.Options[2])) // social networks
		}, "", func(t *testing.T, p rules.WebPolicy, s *rules.WebSpec) {
			if !slices.Equal(p.Deny, []string{"games.example", "video.example"}) || !slices.Contains(p.Block, rules.WebSocial) || s.Filter != nil {
				t.Errorf("after the save: policy %+v, spec filter %v; want the two domains, social blocked, no level written", p, s.Filter)
			}
		}},
		{"a new level brings its own categories", func() { w.Filter.SetSelectedIndex(int(rules.WebStrict)) }, "", func(t *testing.T, p rules.WebPolicy, s *rules.WebSpec) {
			if p.Filter != rules.WebStrict || s.Block != nil && !slices.Contains(s.Block, rules.WebGames) {
				t.Errorf("after strict: policy %+v, spec block %v", p, s.Block)
			}
		}},
		{"SafeSearch off is saved", func() { w.SafeSearch.SetChecked(false) }, "", func(t *testing.T, p rules.WebPolicy, _ *rules.WebSpec) {
			if p.SafeSearch {
				t.Errorf("SafeSearch still on: %+v", p)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			tc.edit()
			test.Tap(r.Save)
			if tc.err != "" {
				if !strings.Contains(r.Error.Text, tc.err) || !strings.Contains(r.Error.Text, "Blocked domains") {
					t.Errorf("error %q; want %q and the field's name", r.Error.Text, tc.err)
				}
				return
			}
			if r.Error.Text != "" {
				t.Fatalf("save: %s", r.Error.Text)
			}
			tc.check(t, rulesOf(t, f.World, "An").Web, spec(t, f.World, "An").Web)
		})
	}
}
