package monitor

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/kidtime/kidtime/agent/catalog"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/ident"
	"github.com/kidtime/kidtime/rules"
)

// ProgramIdentifier reads what a running process runs: for a process whose
// executable is a host (a loader, an interpreter), the program it runs,
// with its content hash and its identity (agent/platform's Hasher).
type ProgramIdentifier interface {
	IdentifyProc(pid int, cmdline []string) (facts.Program, error)
	IdentifyFile(path string) (facts.Program, error)
}

// maxKnown bounds the identities the tracker keeps.
const maxKnown = 8192

// Ranks: why a file is the one its identity is known by. A copy of lower
// rank is linked to it; a file of higher rank takes its place.
const (
	rankSeen  = iota + 1 // first seen running
	rankKnown            // classified (catalog, .desktop, launcher folder)
	rankNamed            // named by a parent's rule
)

// identityKey is what links copies: the file's identity, else its content.
func identityKey(a App) string {
	switch {
	case a.ID != "":
		return a.ID
	case a.SHA256 != "":
		return "sha256:" + strings.ToLower(a.SHA256)
	}
	return ""
}

// rank is called with t.mu held.
func (t *Tracker) rank(a App) int {
	if a.Source == "policy" {
		return rankNamed
	}
	if len(t.named) > 0 {
		ra := RulesApp(a)
		for m := range t.named {
			if m.Matches(ra) {
				return rankNamed
			}
		}
	}
	if a.Category != catalog.Unknown {
		return rankKnown
	}
	return rankSeen
}

// learn links a to the known program of its identity, or makes it that
// program.
func (t *Tracker) learn(a App) App {
	key := identityKey(a)
	if key == "" {
		return a
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	prev, ok := t.known[key]
	if !ok || t.rank(a) > t.rank(prev) {
		if len(t.known) >= maxKnown {
			clear(t.known)
		}
		if ok && a.Category == catalog.Unknown {
			a.Category, a.MinAge, a.Source, a.Name = prev.Category, prev.MinAge, prev.Source, prev.Name
		}
		t.known[key] = a
		t.dirty[key] = true
		return a
	}
	sameContent := a.SHA256 != "" && strings.EqualFold(a.SHA256, prev.SHA256)
	if prev.Path == a.Path && sameContent {
		if prev.Category == catalog.Unknown && a.Category != catalog.Unknown {
			t.known[key] = a
			t.dirty[key] = true
		} else if a.Category == catalog.Unknown || a.Category == catalog.Other {
			a.Category, a.MinAge, a.Source, a.Name = prev.Category, prev.MinAge, prev.Source, prev.Name
		}
		return a
	}
	// A copy. The same content is the same program, whatever it says; an
	// identity alone (which a file can forge) may only make it stricter:
	// a copy of a game is a game, a copy of an education app is not one.
	if prev.Category != catalog.Unknown && (a.Category == catalog.Unknown || a.Category == catalog.Other) &&
		(sameContent || prev.Category.IsGame()) {
		a.Category, a.Name, a.Source = prev.Category, prev.Name, prev.Source
		a.MinAge = max(a.MinAge, prev.MinAge)
	} else if prev.Category == catalog.Unknown && a.Category != catalog.Unknown && sameContent {
		prev.Category, prev.MinAge = a.Category, a.MinAge
		t.known[key] = prev
		t.dirty[key] = true
	}
	link := prev
	link.Linked, link.HostLinked = nil, nil
	a.Linked = &link
	return a
}

// linkOnly returns the known program a file is a copy of, nil when none or
// it is that program; it learns nothing.
func (t *Tracker) linkOnly(a App) *App {
	key := identityKey(a)
	if key == "" {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	prev, ok := t.known[key]
	if !ok || prev.Path == a.Path && strings.EqualFold(prev.SHA256, a.SHA256) {
		return nil
	}
	prev.Linked, prev.HostLinked = nil, nil
	return &prev
}

// Remember records that a file is a given app (from the parent's rules, or
// learned before a restart), so that copies are recognised even before the
// original ever runs. An app of lower rank than the one already known for
// its identity is ignored.
func (t *Tracker) Remember(a App) {
	key := identityKey(a)
	if key == "" {
		return
	}
	a.Linked = nil
	t.mu.Lock()
	defer t.mu.Unlock()
	if prev, ok := t.known[key]; ok && t.rank(prev) > t.rank(a) {
		return
	}
	if len(t.known) >= maxKnown {
		clear(t.known)
	}
	t.known[key] = a
}

// TakeLearned returns the programs learned or changed since the last call,
// for the agent to keep in the store (off the exec path).
func (t *Tracker) TakeLearned() []App {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.dirty) == 0 {
		return nil
	}
	out := make([]App, 0, len(t.dirty))
	for key := range t.dirty {
		if a, ok := t.known[key]; ok {
			out = append(out, a)
		}
	}
	clear(t.dirty)
	return out
}

// IdentityKey is the key under which the tracker knows an app's program.
func IdentityKey(a App) string { return identityKey(a) }

// LearnInstalled identifies and classifies installed programs (files the
// catalog or the .desktop files know, in the system's program folders), so
// that a copy of one under any name is linked to it before the original
// ever runs. It reads files: call it off the exec path. Hosts are skipped.
func (t *Tracker) LearnInstalled(paths []string) int {
	pi, ok := t.hash.(ProgramIdentifier)
	if !ok {
		return 0
	}
	n := 0
	for _, path := range paths {
		if ident.Host(path) != ident.NotHost {
			continue
		}
		prog, err := pi.IdentifyFile(path)
		if err != nil {
			t.log.Debug("monitor: installed program not identified", "path", path, "err", err)
			continue
		}
		if ident.Host(prog.Path) != ident.NotHost {
			continue
		}
		info := t.class.Classify(catalog.ProcessFacts{Exe: path, Name: baseName(path), SHA256: prog.SHA256})
		if info.Category == catalog.Unknown {
			continue
		}
		t.learn(App{Path: path, SHA256: prog.SHA256, ID: prog.ID, Name: info.Name, Category: info.Category, MinAge: info.MinAge, Source: info.Source})
		n++
	}
	return n
}

// ProgramDirs are the system's program folders, which only an
// administrator can write.
var ProgramDirs = []string{"/usr/games", "/usr/local/games", "/usr/bin", "/usr/local/bin", "/bin"}

// FindInstalled lists the regular files in dirs whose lower-case names are
// in names (symbolic links are followed only to a file of the same name:
// a link to an interpreter is not the game).
func FindInstalled(dirs []string, names map[string]bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			name := strings.ToLower(e.Name())
			if !names[name] {
				continue
			}
			p := filepath.Join(dir, e.Name())
			real, err := filepath.EvalSymlinks(p)
			if err != nil || seen[real] || ident.Host(real) != ident.NotHost {
				continue
			}
			if fi, err := os.Stat(real); err != nil || !fi.Mode().IsRegular() {
				continue
			}
			seen[real] = true
			out = append(out, real)
		}
	}
	return out
}

// Judge is how the rules see a process's app under pol: the file itself,
// or the known program it is a copy of, whichever the policy treats more
// strictly (a block beats a limit, a limit beats nothing, nothing beats
// always; then a game beats other kinds, then the higher minimum age). A
// copy never escapes the rules of its original, and a file that claims
// another's identity gains nothing by it.
func Judge(app App, pol *rules.Policy) rules.App {
	best := RulesApp(app)
	if (app.Linked == nil && app.HostLinked == nil) || pol == nil {
		return best
	}
	score := strictness(pol.Classify(best), best)
	for _, other := range []*App{app.Linked, app.HostLinked} {
		if other == nil {
			continue
		}
		ra := RulesApp(*other)
		if s := strictness(pol.Classify(ra), ra); s > score {
			best, score = ra, s
		}
	}
	return best
}

func strictness(c rules.Class, a rules.App) int {
	var s int
	switch c.Rule {
	case rules.RuleBlock:
		s = 4
	case rules.RuleLimit:
		s = 3
	case rules.RuleNone:
		s = 2
	case rules.RuleAlways:
		s = 1
	}
	s *= 1000
	if c.Category == rules.CategoryGame {
		s += 100
	}
	return s + min(max(a.MinAge, 0), 99)
}

// Relink links the tracked processes again to the programs known now (after
// installed programs or a parent's rules were learned), reading no file.
func (t *Tracker) Relink() {
	t.mu.Lock()
	entries := make([]*Entry, 0, len(t.procs))
	for _, e := range t.procs {
		entries = append(entries, e)
	}
	t.mu.Unlock()
	for _, e := range entries {
		a := e.App
		a.Linked = nil
		a = t.learn(a)
		t.mu.Lock()
		if cur, ok := t.procs[e.PID]; ok && cur == e {
			n := *e
			n.App = a
			t.procs[e.PID] = &n
			t.version++
		}
		t.mu.Unlock()
	}
}
