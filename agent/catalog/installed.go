package catalog

import (
	"cmp"
	"slices"
	"strings"
)

// GameNames returns the executable names (lower case) that the built-in
// catalog and the installed .desktop files know as games or Android
// emulators, so that the agent can find those programs where they are
// installed and link every copy of them, under any name, to them.
func (c *Classifier) GameNames() map[string]bool {
	out := map[string]bool{}
	for name, e := range c.builtin.byExe {
		if e.Category.IsGame() {
			out[strings.ToLower(name)] = true
		}
	}
	if idx := c.local.Load(); idx != nil {
		for name, d := range idx.desktop {
			if d.category.IsGame() && !strings.Contains(name, "/") {
				out[strings.ToLower(name)] = true
			}
		}
	}
	return out
}

// InstalledApp is an app an installed .desktop file names: its name, the
// file names of its programs (lower case) and its kind.
type InstalledApp struct {
	Name     string
	Programs []string
	Category Category
}

// Installed lists the apps the installed .desktop files name (those of the
// system; a child's own count only as games), sorted by name, so that a
// parent can set a rule for one before the child ever runs it.
func (c *Classifier) Installed() []InstalledApp {
	idx := c.local.Load()
	if idx == nil {
		return nil
	}
	type key struct {
		name string
		cat  Category
	}
	byApp := map[key][]string{}
	for prog, d := range idx.desktop {
		if strings.Contains(prog, "/") || d.name == "" {
			continue
		}
		k := key{d.name, d.category}
		byApp[k] = append(byApp[k], prog)
	}
	out := make([]InstalledApp, 0, len(byApp))
	for k, progs := range byApp {
		slices.Sort(progs)
		out = append(out, InstalledApp{Name: k.name, Programs: progs, Category: k.cat})
	}
	slices.SortFunc(out, func(a, b InstalledApp) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(string(a.Category), string(b.Category)))
	})
	return out
}
