package monitor_test

import (
	"fmt"
	"io/fs"
	"testing"

	"github.com/kidtime/kidtime/agent/catalog"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/rules"
)

// identTable is a procTable whose files also have identities and hosts,
// like agent/platform's Hasher.
type identTable struct {
	*procTable
	ids   map[string]string // path: identity
	hosts map[int]string    // pid: the program its host runs
}

func newIdentTable() *identTable {
	return &identTable{procTable: newProcTable(), ids: map[string]string{}, hosts: map[int]string{}}
}

func (p *identTable) IdentifyFile(path string) (facts.Program, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sum, ok := p.sums[path]
	if !ok {
		sum = "sum:" + path
	}
	return facts.Program{Path: path, SHA256: sum, ID: p.ids[path]}, nil
}

func (p *identTable) IdentifyProc(pid int, _ []string) (facts.Program, error) {
	p.mu.Lock()
	pr, ok := p.procs[pid]
	hosted := p.hosts[pid]
	p.mu.Unlock()
	if !ok {
		return facts.Program{}, fmt.Errorf("identify %d: %w", pid, fs.ErrNotExist)
	}
	if hosted != "" {
		host, _ := p.IdentifyFile(pr.Exe)
		prog, err := p.IdentifyFile(hosted)
		prog.Host, prog.HostSHA256, prog.HostID = pr.Exe, host.SHA256, host.ID
		return prog, err
	}
	return p.IdentifyFile(pr.Exe)
}

func TestTrackerLinksByIdentity(t *testing.T) {
	const buildID = "elf-build-id:e310"
	classes := byName{
		"supertuxkart": {Name: "SuperTuxKart", Category: "game", MinAge: 3, Source: "catalog"},
		"gcompris":     {Name: "GCompris", Category: "education", MinAge: -1, Source: "catalog"},
		"java":         {Name: "Minecraft", Category: "game", MinAge: 7, Source: "catalog"}, // as its class path would say
	}
	cases := []struct {
		sentence string
		first    string // run first (the known program), "" for none
		exe      string
		hosted   string
		ids      map[string]string
		linked   string // the known program's path, "" for none
		category catalog.Category
	}{
		{"a copy with a byte appended (another hash, one build-id) is linked and is a game",
			"/usr/games/supertuxkart", "/home/kid/notes", "", map[string]string{"/usr/games/supertuxkart": buildID, "/home/kid/notes": buildID},
			"/usr/games/supertuxkart", "game"},
		{"a copy keeping its name in another folder is linked",
			"/usr/games/supertuxkart", "/tmp/x/supertuxkart", "", map[string]string{"/usr/games/supertuxkart": buildID, "/tmp/x/supertuxkart": buildID},
			"/usr/games/supertuxkart", "game"},
		{"another build-id is another program",
			"/usr/games/supertuxkart", "/home/kid/notes", "", map[string]string{"/usr/games/supertuxkart": buildID, "/home/kid/notes": "elf-build-id:0bad"},
			"", ""},
		{"a file claiming an education app's identity is linked but not made an education app",
			"/usr/bin/gcompris", "/home/kid/game", "", map[string]string{"/usr/bin/gcompris": buildID, "/home/kid/game": buildID},
			"/usr/bin/gcompris", ""},
		{"a game run through the loader is the game",
			"/usr/games/supertuxkart", "/lib64/ld-linux-x86-64.so.2", "/home/kid/renamed", map[string]string{"/usr/games/supertuxkart": buildID, "/home/kid/renamed": buildID},
			"/usr/games/supertuxkart", "game"},
		{"a game renamed python3 is still linked to the game (a host is known by a name anyone can give)",
			"/usr/games/supertuxkart", "/home/kid/python3", "", map[string]string{"/usr/games/supertuxkart": buildID, "/home/kid/python3": buildID},
			"/usr/games/supertuxkart", ""},
		{"a host running no file is never learned as what its arguments say (a copy of java is not Minecraft)",
			"/usr/bin/java", "/home/kid/tool", "", map[string]string{"/usr/bin/java": buildID, "/home/kid/tool": buildID},
			"/usr/bin/java", ""},
	}
	for i, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			tab := newIdentTable()
			for p, id := range tc.ids {
				tab.ids[p] = id
			}
			tr := monitor.NewTracker(tab, tab, classes, nil)
			tr.Watch([]uint32{kid})
			pid := 100 + 10*i
			tab.add(facts.Process{PID: pid, UID: kid, Exe: tc.first})
			if _, err := tr.Exec(pid); err != nil {
				t.Fatal(err)
			}
			tab.add(facts.Process{PID: pid + 1, UID: kid, Exe: tc.exe})
			if tc.hosted != "" {
				tab.hosts[pid+1] = tc.hosted
			}
			e, err := tr.Exec(pid + 1)
			if err != nil || e == nil {
				t.Fatalf("Exec = %v, %v", e, err)
			}
			if got := linkedPath(e.App); got != tc.linked {
				t.Errorf("linked to %q; want %q (app %+v)", got, tc.linked, e.App)
			}
			if e.App.Category != tc.category {
				t.Errorf("category %q; want %q", e.App.Category, tc.category)
			}
			if tc.hosted != "" && (e.App.Path != tc.hosted || e.App.Host != tc.exe) {
				t.Errorf("app %s hosted by %s; want %s hosted by %s", e.App.Path, e.App.Host, tc.hosted, tc.exe)
			}
			if tc.linked != "" && e.App.Key() != "sum:"+tc.linked {
				t.Errorf("Key = %q; want the known program's (usage counts once)", e.App.Key())
			}
		})
	}
}

func TestTrackerHostFileIsWeighedToo(t *testing.T) {
	const buildID = "elf-build-id:e310"
	tab := newIdentTable()
	tab.ids["/usr/games/supertuxkart"], tab.ids["/home/kid/python3"] = buildID, buildID
	tr := monitor.NewTracker(tab, tab, byName{"supertuxkart": {Name: "SuperTuxKart", Category: "game", MinAge: 3, Source: "catalog"}}, nil)
	tr.Watch([]uint32{kid})
	tab.add(facts.Process{PID: 400, UID: kid, Exe: "/usr/games/supertuxkart"})
	if _, err := tr.Exec(400); err != nil {
		t.Fatal(err)
	}
	// The game renamed python3 "runs" a harmless script named after it.
	tab.add(facts.Process{PID: 401, UID: kid, Exe: "/home/kid/python3"})
	tab.hosts[401] = "/home/kid/decoy.py"
	e, err := tr.Exec(401)
	if err != nil || e == nil {
		t.Fatalf("Exec = %v, %v", e, err)
	}
	if e.App.Path != "/home/kid/decoy.py" || e.App.HostLinked == nil || e.App.HostLinked.Path != "/usr/games/supertuxkart" {
		t.Fatalf("app %+v; want the script, its host linked to the game", e.App)
	}
	pol := &rules.Policy{}
	if got := monitor.Judge(e.App, pol); got.Path != "/usr/games/supertuxkart" || got.Category != rules.CategoryGame {
		t.Errorf("Judge = %+v; want the game", got)
	}
}

func TestJudge(t *testing.T) {
	original := monitor.App{Path: "/usr/games/blocked", SHA256: "aaaa", Name: "blocked", Category: "game", MinAge: -1}
	edu := monitor.App{Path: "/usr/bin/gcompris", SHA256: "eeee", Name: "gcompris", Category: "education", MinAge: -1}
	copyOf := func(known monitor.App, path, sum string) monitor.App {
		return monitor.App{Path: path, SHA256: sum, Name: path[len("/home/kid/"):], MinAge: -1, Linked: &known}
	}
	pol := &rules.Policy{Apps: []rules.AppRule{
		{Match: rules.Match{Path: "/usr/games/blocked"}, Rule: rules.RuleBlock},
		{Match: rules.Match{Name: "gcompris"}, Rule: rules.RuleAlways},
		{Match: rules.Match{Name: "kt-game"}, Category: rules.CategoryGame},
	}}
	cases := []struct {
		sentence string
		app      monitor.App
		want     string // the path the rules see
	}{
		{"a program by itself is judged as itself", original, "/usr/games/blocked"},
		{"a copy of a blocked program is judged as the blocked program", copyOf(original, "/home/kid/homework", "bbbb"), "/usr/games/blocked"},
		{"a copy of an always-allowed app is judged as itself (claiming it gains nothing)", copyOf(edu, "/home/kid/game", "cccc"), "/home/kid/game"},
		{"a copy named by a rule stays under its own name when that is stricter", copyOf(edu, "/home/kid/kt-game", "dddd"), "/home/kid/kt-game"},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			if got := monitor.Judge(tc.app, pol); got.Path != tc.want {
				t.Errorf("Judge = %+v; want the rules to see %s", got, tc.want)
			}
		})
	}
}

func TestTrackerLearnedSurviveThroughTheStore(t *testing.T) {
	const buildID = "elf-build-id:e310"
	tab := newIdentTable()
	tab.ids["/home/kid/kt-game"], tab.ids["/home/kid/chess"] = buildID, buildID
	tr := monitor.NewTracker(tab, tab, byName{"kt-game": {Name: "kt-game", Category: "game", MinAge: -1, Source: "catalog"}}, nil)
	tr.Watch([]uint32{kid})
	tab.add(facts.Process{PID: 200, UID: kid, Exe: "/home/kid/kt-game"})
	if _, err := tr.Exec(200); err != nil {
		t.Fatal(err)
	}
	learned := tr.TakeLearned()
	if len(learned) != 1 || monitor.IdentityKey(learned[0]) != buildID {
		t.Fatalf("learned %+v; want the game under its build-id", learned)
	}
	if again := tr.TakeLearned(); len(again) != 0 {
		t.Errorf("learned again %+v; want nothing new", again)
	}

	// A new tracker (the daemon restarted) given what was kept.
	tr2 := monitor.NewTracker(tab, tab, byName{}, nil)
	tr2.Watch([]uint32{kid})
	for _, a := range learned {
		tr2.Remember(a)
	}
	tab.add(facts.Process{PID: 201, UID: kid, Exe: "/home/kid/chess"})
	e, err := tr2.Exec(201)
	if err != nil || e == nil {
		t.Fatalf("Exec = %v, %v", e, err)
	}
	if linkedPath(e.App) != "/home/kid/kt-game" || !e.App.IsGame() {
		t.Errorf("after a restart the copy is %+v; want the game it copies", e.App)
	}
}

func TestTrackerLearnInstalledAndRelink(t *testing.T) {
	const buildID = "elf-build-id:5757"
	tab := newIdentTable()
	tab.ids["/usr/games/supertuxkart"], tab.ids["/home/kid/homework"] = buildID, buildID
	tr := monitor.NewTracker(tab, tab, byName{"supertuxkart": {Name: "SuperTuxKart", Category: "game", MinAge: 3, Source: "catalog"}}, nil)
	tr.Watch([]uint32{kid})
	// The renamed copy runs before the daemon has looked at what is installed.
	tab.add(facts.Process{PID: 300, UID: kid, Exe: "/home/kid/homework"})
	if e, err := tr.Exec(300); err != nil || e.App.IsGame() {
		t.Fatalf("Exec = %+v, %v; want an unknown program so far", e, err)
	}
	if n := tr.LearnInstalled([]string{"/usr/games/supertuxkart", "/usr/bin/python3"}); n != 1 {
		t.Errorf("LearnInstalled = %d; want 1 (python3 is a host, skipped)", n)
	}
	before := tr.Version()
	tr.Relink()
	e, _ := tr.Get(300)
	if linkedPath(e.App) != "/usr/games/supertuxkart" || !e.App.IsGame() {
		t.Errorf("after Relink the running copy is %+v; want SuperTuxKart", e.App)
	}
	if tr.Version() == before {
		t.Error("Relink changed an entry without a new version (views would not be rebuilt)")
	}
}
