package catalog

import "strings"

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
