package monitor_test

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/catalog"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/rules"
)

// procTable is a small in-memory process table: it is the ProcessSource and
// the Hasher (sum by executable path, SetHash to make copies share one).
type procTable struct {
	mu      sync.Mutex
	procs   map[int]facts.Process
	sums    map[string]string
	readErr error // returned by ReadProc when set (not "gone")
	hashErr error
	reads   int
}

func newProcTable() *procTable {
	return &procTable{procs: map[int]facts.Process{}, sums: map[string]string{}}
}

func (p *procTable) add(pr facts.Process) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pr.Start.IsZero() {
		pr.Start = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(pr.PID) * time.Second)
	}
	p.procs[pr.PID] = pr
}

func (p *procTable) remove(pid int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.procs, pid)
}

func (p *procTable) ReadProc(pid int) (facts.Process, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reads++
	if p.readErr != nil {
		return facts.Process{}, p.readErr
	}
	pr, ok := p.procs[pid]
	if !ok {
		return facts.Process{}, fmt.Errorf("read %d: %w", pid, fs.ErrNotExist)
	}
	return pr, nil
}

func (p *procTable) ScanProcs() ([]facts.Process, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []facts.Process
	for _, pr := range p.procs {
		out = append(out, pr)
	}
	return out, nil
}

func (p *procTable) HashProc(pid int) (string, string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hashErr != nil {
		return "", "", p.hashErr
	}
	pr, ok := p.procs[pid]
	if !ok {
		return "", "", fs.ErrNotExist
	}
	if s, ok := p.sums[pr.Exe]; ok {
		return pr.Exe, s, nil
	}
	return pr.Exe, "sum:" + pr.Exe, nil
}

// byName classifies by executable base name, the way the catalog would.
type byName map[string]monitor.App

func (c byName) Classify(p catalog.ProcessFacts) catalog.Info {
	for n, a := range c {
		if p.Name == n || (len(p.Exe) >= len(n) && p.Exe[len(p.Exe)-len(n):] == n) {
			return catalog.Info{Name: a.Name, Category: a.Category, MinAge: a.MinAge, Source: a.Source}
		}
	}
	return catalog.Info{MinAge: -1}
}

const kid, other = uint32(5001), uint32(6001)

func newTracker(tab *procTable, c monitor.Classifier) *monitor.Tracker {
	tr := monitor.NewTracker(tab, tab, c, nil)
	tr.Watch([]uint32{kid})
	return tr
}

func TestTrackerExec(t *testing.T) {
	classes := byName{"supertux": {Name: "SuperTux", Category: "game", MinAge: 0, Source: "catalog"}}
	cases := []struct {
		sentence string
		proc     facts.Process
		present  bool // the process is in the table when the event is handled
		tracked  bool
		category catalog.Category
		name     string
	}{
		{"a watched child's game is tracked and classified by the catalog",
			facts.Process{PID: 10, UID: kid, Exe: "/usr/games/supertux", Name: "supertux"}, true, true, "game", "SuperTux"},
		{"a watched child's unknown program is tracked under its base name",
			facts.Process{PID: 11, UID: kid, Exe: "/usr/bin/xterm", Name: "xterm"}, true, true, "", "xterm"},
		{"a process of a user nobody watches is ignored",
			facts.Process{PID: 12, UID: other, Exe: "/usr/games/supertux", Name: "supertux"}, true, false, "", ""},
		{"a process gone before it was read is no error and not tracked",
			facts.Process{PID: 13, UID: kid, Exe: "/usr/bin/true"}, false, false, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			tab := newProcTable()
			if tc.present {
				tab.add(tc.proc)
			}
			tr := newTracker(tab, classes)
			e, err := tr.Exec(tc.proc.PID)
			if err != nil {
				t.Fatalf("Exec: %v", err)
			}
			if (e != nil) != tc.tracked {
				t.Fatalf("Exec returned entry %v; want tracked=%v", e, tc.tracked)
			}
			got, ok := tr.Get(tc.proc.PID)
			if ok != tc.tracked {
				t.Fatalf("Get found=%v; want %v", ok, tc.tracked)
			}
			if !tc.tracked {
				if tr.Len() != 0 {
					t.Errorf("tracker holds %d processes; want 0", tr.Len())
				}
				return
			}
			if got.App.Category != tc.category || got.App.Name != tc.name {
				t.Errorf("app = %q (%q); want %q (%q)", got.App.Name, got.App.Category, tc.name, tc.category)
			}
			if got.App.Path != tc.proc.Exe || got.App.SHA256 != "sum:"+tc.proc.Exe {
				t.Errorf("identity = %q %q; want the exe and its hash", got.App.Path, got.App.SHA256)
			}
			if n := len(tr.ByUID(kid)); n != 1 {
				t.Errorf("ByUID(kid) has %d entries; want 1", n)
			}
		})
	}
}

func TestTrackerExecReadError(t *testing.T) {
	tab := newProcTable()
	tab.add(facts.Process{PID: 20, UID: kid, Exe: "/usr/bin/a"})
	tr := newTracker(tab, byName{})
	tab.readErr = errors.New("permission denied")
	if _, err := tr.Exec(20); err == nil {
		t.Fatal("a read error other than 'gone' was swallowed")
	}
}

func TestTrackerExitAndGone(t *testing.T) {
	tab := newProcTable()
	tab.add(facts.Process{PID: 30, UID: kid, Exe: "/usr/bin/a"})
	tab.add(facts.Process{PID: 31, UID: kid, Exe: "/usr/bin/b"})
	tr := newTracker(tab, byName{})
	for _, pid := range []int{30, 31} {
		if _, err := tr.Exec(pid); err != nil {
			t.Fatal(err)
		}
	}
	tr.Exit(30)
	if _, ok := tr.Get(30); ok {
		t.Error("an exited process is still tracked")
	}
	// An exec event for a pid that vanished meanwhile forgets the old entry.
	tab.remove(31)
	if e, err := tr.Exec(31); e != nil || err != nil {
		t.Fatalf("Exec of a vanished pid = %v, %v; want nil, nil", e, err)
	}
	if tr.Len() != 0 {
		t.Errorf("tracker holds %d processes; want 0", tr.Len())
	}
}

func TestTrackerWatchDropsUnwatched(t *testing.T) {
	tab := newProcTable()
	tab.add(facts.Process{PID: 40, UID: kid, Exe: "/usr/bin/a"})
	tr := newTracker(tab, byName{})
	if _, err := tr.Exec(40); err != nil {
		t.Fatal(err)
	}
	tr.Watch([]uint32{other})
	if tr.Len() != 0 {
		t.Error("a process of a user no longer watched is still tracked")
	}
}

func TestTrackerReconcile(t *testing.T) {
	tab := newProcTable()
	tab.add(facts.Process{PID: 50, UID: kid, Exe: "/usr/bin/kept"})
	tab.add(facts.Process{PID: 51, UID: kid, Exe: "/usr/bin/gone"})
	tr := newTracker(tab, byName{})
	added, err := tr.Reconcile()
	if err != nil {
		t.Fatal(err)
	}
	if pids := entryPIDs(added); !slices.Equal(pids, []int{50, 51}) {
		t.Fatalf("first reconcile added %v; want [50 51]", pids)
	}

	tab.remove(51)
	tab.add(facts.Process{PID: 52, UID: kid, Exe: "/usr/bin/missed"})    // no exec event seen
	tab.add(facts.Process{PID: 53, UID: other, Exe: "/usr/bin/notmine"}) // not watched
	// pid 50 re-executed another program (same pid, new exe).
	tab.add(facts.Process{PID: 50, UID: kid, Exe: "/usr/bin/replaced"})
	added, err = tr.Reconcile()
	if err != nil {
		t.Fatal(err)
	}
	if pids := entryPIDs(added); !slices.Equal(pids, []int{50, 52}) {
		t.Errorf("second reconcile added %v; want [50 52] (the re-exec and the missed one)", pids)
	}
	if _, ok := tr.Get(51); ok {
		t.Error("a vanished process survived the reconcile")
	}
	if _, ok := tr.Get(53); ok {
		t.Error("an unwatched user's process was tracked")
	}
	if e, _ := tr.Get(50); e.App.Path != "/usr/bin/replaced" {
		t.Errorf("pid 50 is %q; want the re-executed program", e.App.Path)
	}

	// Nothing changed: nothing added, nothing re-read.
	before := tab.reads
	added, err = tr.Reconcile()
	if err != nil || len(added) != 0 {
		t.Errorf("a quiet reconcile added %v (err %v); want nothing", entryPIDs(added), err)
	}
	if tab.reads != before {
		t.Errorf("a quiet reconcile re-read %d processes; want 0", tab.reads-before)
	}
}

func entryPIDs(es []*monitor.Entry) []int {
	var out []int
	for _, e := range es {
		out = append(out, e.PID)
	}
	slices.Sort(out)
	return out
}

func TestTrackerRenamedCopy(t *testing.T) {
	tab := newProcTable()
	const sum = "aaaa"
	for _, p := range []string{"/usr/games/supertux", "/home/kid/homework", "/tmp/x/notes", "/opt/other/supertux"} {
		tab.sums[p] = sum
	}
	tr := newTracker(tab, byName{"supertux": {Name: "SuperTux", Category: "game", MinAge: 6, Source: "catalog"}})
	cases := []struct {
		sentence string
		pid      int
		exe      string
		canon    string
	}{
		{"the original is the program itself", 60, "/usr/games/supertux", ""},
		{"a renamed copy is linked to the original", 61, "/home/kid/homework", "/usr/games/supertux"},
		{"a copy of a copy still points at the first path", 62, "/tmp/x/notes", "/usr/games/supertux"},
		{"a copy under the same base name in another folder is linked too (a path rule must hold)", 63, "/opt/other/supertux", "/usr/games/supertux"},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			tab.add(facts.Process{PID: tc.pid, UID: kid, Exe: tc.exe})
			e, err := tr.Exec(tc.pid)
			if err != nil || e == nil {
				t.Fatalf("Exec = %v, %v", e, err)
			}
			if got := linkedPath(e.App); got != tc.canon {
				t.Errorf("linked to %q; want %q", got, tc.canon)
			}
			if e.App.Category != "game" || e.App.Name != "SuperTux" || e.App.MinAge != 6 {
				t.Errorf("app = %+v; want the game SuperTux rated 6", e.App)
			}
			if e.App.Key() != sum {
				t.Errorf("Key = %q; want the shared hash", e.App.Key())
			}
		})
	}
}

func TestTrackerRemember(t *testing.T) {
	tab := newProcTable()
	tab.sums["/home/kid/renamed"] = "bbbb"
	tr := newTracker(tab, byName{})
	// The parent's rule names a game the child never ran under its own name.
	tr.Remember(monitor.App{Path: "/usr/games/blocked", SHA256: "bbbb", Name: "blocked", Category: "game", MinAge: -1, Source: "policy"})
	tr.Remember(monitor.App{Path: "/nohash", Category: "game"}) // ignored: no hash
	tab.add(facts.Process{PID: 70, UID: kid, Exe: "/home/kid/renamed"})
	e, err := tr.Exec(70)
	if err != nil || e == nil {
		t.Fatalf("Exec = %v, %v", e, err)
	}
	if linkedPath(e.App) != "/usr/games/blocked" || e.App.Category != "game" || e.App.Source != "policy" {
		t.Errorf("app = %+v; want the remembered game under its canonical path", e.App)
	}
}

func TestTrackerHashFailure(t *testing.T) {
	tab := newProcTable()
	tab.hashErr = errors.New("exe unreadable")
	tab.add(facts.Process{PID: 80, UID: kid, Exe: "/usr/bin/secret"})
	tr := newTracker(tab, byName{})
	e, err := tr.Exec(80)
	if err != nil || e == nil {
		t.Fatalf("Exec = %v, %v", e, err)
	}
	if e.App.SHA256 != "" || e.App.Path != "/usr/bin/secret" || e.App.Key() != monitor.PathKey("/usr/bin/secret") || e.App.Key() == monitor.PathKey("/usr/bin/other") {
		t.Errorf("app = %+v key %q; want identified by path", e.App, e.App.Key())
	}
}

// ownerTable also tells owners cheaply (monitor.OwnerReader); effective
// maps a pid to the owner a stat would see when it differs from the uid
// ReadProc gives (a child's setuid-root program).
type ownerTable struct {
	*procTable
	effective map[int]uint32
}

func (o ownerTable) Owner(pid int) (uint32, error) {
	if uid, ok := o.effective[pid]; ok {
		return uid, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	pr, ok := o.procs[pid]
	if !ok {
		return 0, fmt.Errorf("owner of %d: %w", pid, fs.ErrNotExist)
	}
	return pr.UID, nil
}

// A process of an account nobody watches is dropped on its owner alone:
// nothing else of it is read. Root-owned ones are still read (a child's
// setuid-root program is the child's).
func TestTrackerExecReadsOnlyWatchedOwners(t *testing.T) {
	tab := newProcTable()
	src := ownerTable{procTable: tab, effective: map[int]uint32{92: 0}}
	tr := monitor.NewTracker(src, tab, byName{}, nil)
	tr.Watch([]uint32{kid})
	cases := []struct {
		sentence string
		proc     facts.Process
		reads    int
		tracked  bool
	}{
		{"another account's process is not read", facts.Process{PID: 90, UID: other, Exe: "/usr/bin/make"}, 0, false},
		{"the child's process is read and tracked", facts.Process{PID: 91, UID: kid, Exe: "/usr/games/supertux"}, 1, true},
		{"a root-owned process of the child (setuid) is read and tracked", facts.Process{PID: 92, UID: kid, Exe: "/usr/bin/passwd"}, 1, true},
		{"root's own process is read, then dropped", facts.Process{PID: 93, UID: 0, Exe: "/usr/sbin/cron"}, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			tab.add(tc.proc)
			before := tab.reads
			e, err := tr.Exec(tc.proc.PID)
			if err != nil {
				t.Fatal(err)
			}
			if got := tab.reads - before; got != tc.reads {
				t.Errorf("%d reads; want %d", got, tc.reads)
			}
			if (e != nil) != tc.tracked {
				t.Errorf("tracked %v; want %v", e != nil, tc.tracked)
			}
		})
	}
}

// A watched user's process that cannot be read is reported with its owner,
// so the caller can fail closed; another account's is not.
func TestTrackerExecUnreadable(t *testing.T) {
	tab := newProcTable()
	src := ownerTable{procTable: tab}
	tr := monitor.NewTracker(src, tab, byName{}, nil)
	tr.Watch([]uint32{kid})
	tab.add(facts.Process{PID: 95, UID: kid, Exe: "/usr/games/supertux"})
	tab.add(facts.Process{PID: 96, UID: other, Exe: "/usr/bin/make"})
	tab.readErr = errors.New("too many open files")
	_, err := tr.Exec(95)
	var ue *monitor.UnreadableError
	if !errors.As(err, &ue) || ue.UID != kid || ue.PID != 95 {
		t.Errorf("the child's unreadable process: %v; want an UnreadableError naming uid %d", err, kid)
	}
	if e, err := tr.Exec(96); e != nil || err != nil {
		t.Errorf("another account's process: %v, %v; want it ignored", e, err)
	}
}

// A fork of a tracked process is the same app under a new pid, tracked at
// once without reading anything; a fork of anyone else's costs nothing.
func TestTrackerFork(t *testing.T) {
	tab := newProcTable()
	tr := newTracker(tab, byName{"supertux": {Name: "SuperTux", Category: "game", MinAge: -1}})
	tab.add(facts.Process{PID: 100, UID: kid, Exe: "/usr/games/supertux"})
	if _, err := tr.Exec(100); err != nil {
		t.Fatal(err)
	}
	reads := tab.reads
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	e := tr.Fork(101, 100, at)
	if e == nil || e.PID != 101 || e.PPID != 100 || e.App.Name != "SuperTux" || !e.App.IsGame() || !e.Start.Equal(at) {
		t.Fatalf("Fork of the child's game = %+v; want the game under pid 101", e)
	}
	if _, ok := tr.Get(101); !ok || tab.reads != reads {
		t.Errorf("the fork is tracked %v after %d reads; want tracked, with none", ok, tab.reads-reads)
	}
	if e := tr.Fork(201, 200, at); e != nil {
		t.Errorf("a fork of an untracked process = %+v; want nothing", e)
	}
}

func linkedPath(a monitor.App) string {
	if a.Linked == nil {
		return ""
	}
	return a.Linked.Path
}

// skippingTable lists owners like platform.Host: the processes skip names
// are listed without their owner read.
type skippingTable struct {
	*procTable
	skipped []int
}

func (s *skippingTable) ScanOwnersExcept(skip func(pid int) bool) (map[int]uint32, error) {
	ps, _ := s.ScanProcs()
	out := map[int]uint32{}
	for _, p := range ps {
		if skip(p.PID) {
			s.skipped = append(s.skipped, p.PID)
			out[p.PID] = ^uint32(0)
			continue
		}
		out[p.PID] = p.UID
	}
	return out, nil
}

func (s *skippingTable) ScanOwners() (map[int]uint32, error) {
	return s.ScanOwnersExcept(func(int) bool { return false })
}

// The safety-net check reads no owner of a process it tracks, and still
// finds what the events missed and forgets what ended.
func TestTrackerCheckSkipsTheTrackedOnes(t *testing.T) {
	tab := &skippingTable{procTable: newProcTable()}
	tr := monitor.NewTracker(tab, tab, byName{}, nil)
	tr.Watch([]uint32{kid})
	tab.add(facts.Process{PID: 10, UID: kid, Exe: "/usr/bin/xterm", Name: "xterm"})
	if e, err := tr.Exec(10); err != nil || e == nil {
		t.Fatalf("Exec(10) = %v, %v", e, err)
	}
	tab.add(facts.Process{PID: 11, UID: kid, Exe: "/usr/bin/missed", Name: "missed"}) // no event
	tab.add(facts.Process{PID: 12, UID: other, Exe: "/usr/bin/bash", Name: "bash"})
	added, err := tr.Check()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"the tracked process was skipped", len(tab.skipped) == 1 && tab.skipped[0] == 10},
		{"the missed process was found", len(added) == 1 && added[0].PID == 11},
		{"another account's is not tracked", func() bool { _, ok := tr.Get(12); return !ok }()},
	} {
		if !tc.ok {
			t.Errorf("%s: skipped %v, added %d", tc.name, tab.skipped, len(added))
		}
	}
	tab.remove(10)
	if _, err := tr.Check(); err != nil {
		t.Fatal(err)
	}
	if _, ok := tr.Get(10); ok {
		t.Error("an ended tracked process is still tracked after a check")
	}
}

// TestTrackerView: the view groups a child's processes by program, each
// with its pids, counts them all, and leaves other accounts' out.
func TestTrackerView(t *testing.T) {
	classes := byName{"supertux": {Name: "SuperTux", Category: "game", MinAge: 0, Source: "catalog"}}
	tab := newProcTable()
	procs := []facts.Process{
		{PID: 30, UID: kid, Exe: "/usr/games/supertux", Name: "supertux"},
		{PID: 31, UID: kid, Exe: "/usr/games/supertux", Name: "supertux"},
		{PID: 32, UID: kid, Exe: "/usr/bin/xterm", Name: "xterm"},
		{PID: 33, UID: kid, Exe: "/usr/games/supertux", Name: "supertux"},
		{PID: 40, UID: other, Exe: "/usr/games/supertux", Name: "supertux"},
	}
	tr := monitor.NewTracker(tab, tab, classes, nil)
	tr.Watch([]uint32{kid, other})
	for _, p := range procs {
		tab.add(p)
		if _, err := tr.Exec(p.PID); err != nil {
			t.Fatal(err)
		}
	}
	pol := rules.Preset(10)
	cases := []struct {
		name  string
		uids  []uint32
		procs int
		pids  map[string][]int // by program path
		games int
	}{
		{"the child", []uint32{kid}, 4, map[string][]int{"/usr/games/supertux": {30, 31, 33}, "/usr/bin/xterm": {32}}, 1},
		{"the other account", []uint32{other}, 1, map[string][]int{"/usr/games/supertux": {40}}, 1},
		{"both", []uint32{kid, other}, 5, map[string][]int{"/usr/games/supertux": {30, 31, 33, 40}, "/usr/bin/xterm": {32}}, 1},
		{"nobody's", []uint32{12345}, 0, map[string][]int{}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := tr.View(tc.uids, &pol)
			if v.NProcs != tc.procs {
				t.Errorf("NProcs = %d; want %d", v.NProcs, tc.procs)
			}
			got := map[string][]int{}
			for _, pg := range v.Progs {
				pids := slices.Clone(pg.PIDs)
				slices.Sort(pids)
				got[pg.App.Path] = pids
			}
			if !reflect.DeepEqual(got, tc.pids) {
				t.Errorf("programs and pids = %v; want %v", got, tc.pids)
			}
			if len(v.Games) != tc.games || len(v.Apps) != len(tc.pids) {
				t.Errorf("%d games and %d apps; want %d and %d", len(v.Games), len(v.Apps), tc.games, len(tc.pids))
			}
		})
	}
}

// BenchmarkTrackerView3000: a child's view over 3,000 tracked processes of
// a few programs, built from the tracker directly, and (copies) the way it
// was built before: a copy of every entry, then NewView.
func BenchmarkTrackerView3000(b *testing.B) {
	tab := newProcTable()
	tr := newTracker(tab, byName{})
	for i := range 3000 {
		exe := "/usr/bin/tail"
		if i%100 == 0 {
			exe = "/usr/games/supertux"
		}
		tab.add(facts.Process{PID: 1000 + i, UID: kid, Exe: exe})
		if _, err := tr.Exec(1000 + i); err != nil {
			b.Fatal(err)
		}
	}
	pol := rules.Preset(10)
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v := tr.View([]uint32{kid}, &pol); v.NProcs != 3000 {
				b.Fatalf("%d processes", v.NProcs)
			}
		}
	})
	b.Run("copies", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v := monitor.NewView(tr.ByUID(kid), &pol); v.NProcs != 3000 {
				b.Fatalf("%d processes", v.NProcs)
			}
		}
	})
}
