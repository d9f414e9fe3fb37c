package monitor

import (
	"os"
	"slices"
	"strings"

	"github.com/kidtime/kidtime/agent/catalog"
	"github.com/kidtime/kidtime/rules"
)

// View is what a child's running processes mean under their policy: the
// games among them (each counts, in front or not) and one app per
// identity as the rules see it. Build it when the processes or the policy
// change, not every tick.
type View struct {
	// Progs are the programs running, each with its processes: thousands
	// of processes are a few programs, and a view holds each program once
	// (a copy of every process's entry, about 1 KB each, made the view of
	// 2,000 processes some 2 MB, rebuilt at each tick while they came).
	Progs  []ViewProg
	NProcs int // how many processes
	Games  []App
	Apps   []ViewApp
}

// ViewProg is one program of a view and the processes running it.
type ViewProg struct {
	App  App
	PIDs []int
}

// ViewApp is a running app as the rules see it, with its identity.
type ViewApp struct {
	App rules.App
	Key string // App.Key of the process's app
}

// viewBuilder groups processes by program (its identity, path and name).
type viewBuilder struct {
	at    map[viewProgram]int // index in progs
	progs []ViewProg
	n     int
}

type viewProgram struct{ key, path, name string }

func (b *viewBuilder) add(e *Entry) {
	if b.at == nil {
		b.at = make(map[viewProgram]int)
	}
	b.n++
	pr := viewProgram{e.App.Key(), e.App.Path, e.App.Name}
	i, ok := b.at[pr]
	if !ok {
		i = len(b.progs)
		b.at[pr] = i
		b.progs = append(b.progs, ViewProg{App: e.App})
	}
	b.progs[i].PIDs = append(b.progs[i].PIDs, e.PID)
}

// view judges each program once under pol.
func (b *viewBuilder) view(pol *rules.Policy) View {
	v := View{Progs: b.progs, NProcs: b.n}
	seen := make(map[string]bool)
	for _, pg := range b.progs {
		key := pg.App.Key()
		ra := Judge(pg.App, pol)
		// One entry per identity and per way the rules see it (a copy that
		// is judged as itself is not its original).
		if id := key + "\x00" + ra.SHA256 + "\x00" + ra.Path; seen[id] {
			continue
		} else {
			seen[id] = true
		}
		if pol.Classify(ra).Game() {
			v.Games = append(v.Games, pg.App)
		}
		v.Apps = append(v.Apps, ViewApp{App: ra, Key: key})
	}
	return v
}

// NewView reads what procs mean under pol.
func NewView(procs []Entry, pol *rules.Policy) View {
	var b viewBuilder
	for i := range procs {
		b.add(&procs[i])
	}
	return b.view(pol)
}

// View is NewView of the tracked processes of these accounts, without
// copying their entries: the tracker's lock is held only while they are
// grouped by program.
func (t *Tracker) View(uids []uint32, pol *rules.Policy) View {
	var b viewBuilder
	t.mu.Lock()
	for _, e := range t.procs {
		if slices.Contains(uids, e.UID) {
			b.add(e)
		}
	}
	t.mu.Unlock()
	return b.view(pol)
}

// RulesApp is how the rules see an app by itself: its path, name and hash,
// with the catalog's category and minimum age. Judge also weighs the known
// program a copy is linked to.
func RulesApp(app App) rules.App {
	path := app.Path
	ra := rules.App{Name: baseName(path), Path: path, SHA256: app.SHA256, Category: app.Category.Rules()}
	if ra.Name == "" {
		ra.Name = app.Name
	}
	if app.MinAge > 0 {
		ra.MinAge = app.MinAge
	}
	return ra
}

// SameApp reports whether two apps are one for the rules: the same content
// when both hashes are known, else the same path and name.
func SameApp(a, b rules.App) bool {
	if a.SHA256 != "" && b.SHA256 != "" {
		return strings.EqualFold(a.SHA256, b.SHA256)
	}
	return a.Path == b.Path && a.Name == b.Name
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		path = path[i+1:]
	}
	return path
}

// RememberRules hashes the executables a parent's rules name by path or by
// name (found in the system's program folders), so that a copy under
// another name is known before the original ever runs.
func (t *Tracker) RememberRules(rs []rules.AppRule, hash func(path string) (string, error)) {
	pi, _ := t.hash.(ProgramIdentifier)
	for _, r := range rs {
		t.mu.Lock()
		if len(t.named) < maxNamed {
			t.named[r.Match] = true
		}
		t.mu.Unlock()
		path := r.Match.Path
		if path == "" && r.Match.Name != "" {
			path = lookPath(r.Match.Name)
		}
		if path == "" || r.Match.SHA256 != "" {
			continue
		}
		app := App{Path: path, Name: baseName(path), Category: catalog.FromRules(r.Category), MinAge: -1, Source: "policy"}
		if pi != nil {
			prog, err := pi.IdentifyFile(path)
			if err != nil {
				continue
			}
			app.SHA256, app.ID = prog.SHA256, prog.ID
		} else if hash != nil {
			sum, err := hash(path)
			if err != nil {
				continue
			}
			app.SHA256 = sum
		} else {
			continue
		}
		t.Remember(app)
	}
}

// maxNamed bounds the rule matches the tracker keeps to rank files by.
const maxNamed = 1024

// lookPath finds a program by name in the system's program folders (not
// the child's PATH, which the child controls).
func lookPath(name string) string {
	for _, dir := range []string{"/usr/local/bin", "/usr/bin", "/bin", "/usr/games", "/usr/local/games"} {
		p := dir + "/" + name
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}
