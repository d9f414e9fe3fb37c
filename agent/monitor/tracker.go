// Package monitor turns OS facts into what the agent needs to decide: which
// processes run for whom and what each one is (Tracker), and how much screen
// and game time each child has used (Accountant).
//
// It depends only on the small interfaces declared here; the agent wires
// them to agent/platform, agent/catalog and agent/store.
package monitor

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kidtime/kidtime/agent/catalog"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/ident"
	"github.com/kidtime/kidtime/rules"
)

// App is what a process is: its identity and its built-in classification.
type App struct {
	Path     string // the program's path (for a hosted program, the file the host runs)
	SHA256   string // content hash ("" when unreadable)
	Name     string // display name (catalog or basename)
	Category catalog.Category
	MinAge   int    // -1 unknown
	Source   string // where the classification came from
	// ID is the file's identity that survives trivial changes (agent/ident:
	// ELF build-id, loaded sections, PE version resource); "" when it has
	// none (a script), and then its content hash is its identity.
	ID string
	// Host is the loader or interpreter that runs the program, "" when the
	// process runs it itself.
	Host string
	// Linked is the known program this file is a copy of (the same
	// identity under another path, name or content), nil when it is that
	// program itself. The rules judge the stricter of the two (Judge), and
	// usage counts under the known program's key.
	Linked *App
	// HostLinked is the known program the host's own file is a copy of
	// (a game renamed python3 running a harmless script): a host is known
	// by its name, which a child can give any file. Judge weighs it too.
	HostLinked *App
}

// Key identifies an app across renames and copies: the known program's key
// for a copy (Linked), else its content hash when known, else a hash of its
// path (the store's key for an app whose file could not be read, so what
// was counted before a restart is found again). The zero App has the empty
// key: screen time with nothing known in front.
func (a App) Key() string {
	if a.Linked != nil {
		if k := a.Linked.ownKey(); k != "" {
			return k
		}
	}
	return a.ownKey()
}

func (a App) ownKey() string {
	switch {
	case a.SHA256 != "":
		return a.SHA256
	case a.Path == "":
		return ""
	}
	return PathKey(a.Path)
}

// PathKey is the key of an app known only by its path.
func PathKey(path string) string {
	s := sha256.Sum256([]byte("path:" + path + "\x00"))
	return hex.EncodeToString(s[:])
}

// IsGame reports whether time in the app is game time.
func (a App) IsGame() bool { return a.Category.IsGame() }

// Entry is one tracked process.
type Entry struct {
	facts.Process
	App App
}

// ProcessSource reads the process table.
type ProcessSource interface {
	ReadProc(pid int) (facts.Process, error)
	ScanProcs() ([]facts.Process, error)
}

// Hasher hashes a running process's executable (through /proc/PID/exe on
// Linux, so a renamed or deleted file still hashes).
type Hasher interface {
	HashProc(pid int) (path, sum string, err error)
}

// Classifier classifies a process from the built-in sources
// (*catalog.Classifier).
type Classifier interface {
	Classify(p catalog.ProcessFacts) catalog.Info
}

// Tracker keeps the process table current: exec/exit events update it, a
// periodic Reconcile corrects it. Only processes of watched users are
// identified and classified (hashing every root daemon would be waste).
type Tracker struct {
	src   ProcessSource
	hash  Hasher
	class Classifier
	log   *slog.Logger

	mu      sync.Mutex
	procs   map[int]*Entry
	version uint64
	watched map[uint32]bool
	known   map[string]App       // by identity (identityKey): the program as known
	dirty   map[string]bool      // identities learned or changed since TakeLearned
	named   map[rules.Match]bool // what the parents' rules name (rank)
}

// NewTracker builds an empty tracker.
func NewTracker(src ProcessSource, h Hasher, c Classifier, log *slog.Logger) *Tracker {
	if log == nil {
		log = slog.Default()
	}
	return &Tracker{src: src, hash: h, class: c, log: log,
		procs: map[int]*Entry{}, watched: map[uint32]bool{}, known: map[string]App{},
		dirty: map[string]bool{}, named: map[rules.Match]bool{}}
}

// Watch sets the uids whose processes are tracked.
func (t *Tracker) Watch(uids []uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.watched = make(map[uint32]bool, len(uids))
	for _, u := range uids {
		t.watched[u] = true
	}
	for pid, e := range t.procs {
		if !t.watched[e.UID] {
			delete(t.procs, pid)
		}
	}
	t.version++
}

// UnreadableError is a watched user's new process that could not be read.
type UnreadableError struct {
	PID int
	UID uint32
	Err error
}

func (e *UnreadableError) Error() string { return e.Err.Error() }
func (e *UnreadableError) Unwrap() error { return e.Err }

// OwnerReader tells a process's owner cheaply (one stat), so that a
// process of an account nobody watches costs next to nothing.
type OwnerReader interface {
	Owner(pid int) (uint32, error)
}

// Exec handles an exec event: the process is read, identified and
// classified. It returns the entry when the process belongs to a watched
// user (nil otherwise, or when it is already gone). When the source tells
// owners cheaply, a process owned by an unwatched account other than root
// is dropped before anything else is read (a root-owned one may be a
// child's setuid program: ReadProc gives it its real uid).
func (t *Tracker) Exec(pid int) (*Entry, error) {
	owner, ownerKnown := uint32(0), false
	if or, ok := t.src.(OwnerReader); ok {
		if uid, err := or.Owner(pid); err == nil && uid != 0 {
			t.mu.Lock()
			watched := t.watched[uid]
			t.mu.Unlock()
			if !watched {
				t.Exit(pid)
				return nil, nil
			}
			owner, ownerKnown = uid, true
		}
	}
	p, err := t.src.ReadProc(pid)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			t.Exit(pid)
			return nil, nil
		}
		err = fmt.Errorf("read process %d: %w", pid, err)
		if ownerKnown {
			// A watched user's process that cannot be read (the daemon out
			// of descriptors, a process hiding): the caller decides on the
			// owner alone, and fails closed.
			return nil, &UnreadableError{PID: pid, UID: owner, Err: err}
		}
		return nil, err
	}
	t.mu.Lock()
	watched := t.watched[p.UID]
	t.mu.Unlock()
	if !watched {
		t.Exit(pid)
		return nil, nil
	}
	e := &Entry{Process: p, App: t.identify(p)}
	t.mu.Lock()
	t.procs[pid] = e
	t.version++
	t.mu.Unlock()
	return e, nil
}

// Fork handles a fork event: a copy of a tracked process is the same app
// under a new pid, and is tracked at once, without reading anything (a
// process that forks and never execs is counted and judged like its
// parent). A fork of an untracked process is no watched user's: it costs
// nothing.
func (t *Tracker) Fork(pid, ppid int, at time.Time) *Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	parent, ok := t.procs[ppid]
	if !ok || pid <= 0 {
		return nil
	}
	e := &Entry{Process: parent.Process, App: parent.App}
	e.PID, e.PPID, e.Start = pid, ppid, at
	t.procs[pid] = e
	t.version++
	return e
}

// Exit forgets a process.
func (t *Tracker) Exit(pid int) {
	t.mu.Lock()
	if _, ok := t.procs[pid]; ok {
		delete(t.procs, pid)
		t.version++
	}
	t.mu.Unlock()
}

// identify finds the program the process runs (through a host), hashes
// and classifies it, and links it to the known program of its identity.
func (t *Tracker) identify(p facts.Process) App {
	prog := t.program(p)
	pf := catalog.ProcessFacts{Exe: prog.Path, Name: p.Name, Cmdline: p.Cmdline, SHA256: prog.SHA256}
	if prog.Host != "" {
		pf.Name = baseName(prog.Path)
	}
	info := t.class.Classify(pf)
	if prog.Host != "" && info.Category == catalog.Unknown {
		// The hosted program is unknown: what the host's own arguments say
		// (a catalog pattern on Java's class path) may know more.
		if hi := t.class.Classify(catalog.ProcessFacts{Exe: prog.Host, Name: p.Name, Cmdline: p.Cmdline}); hi.Category != catalog.Unknown {
			info = hi
		}
	}
	a := App{Path: prog.Path, SHA256: prog.SHA256, ID: prog.ID, Host: prog.Host,
		Name: info.Name, Category: info.Category, MinAge: info.MinAge, Source: info.Source}
	if a.Name == "" {
		a.Name = appName(prog.Path, p.Name)
	}
	if prog.Host != "" {
		a = t.learn(a)
		a.HostLinked = t.linkOnly(App{Path: prog.Host, SHA256: prog.HostSHA256, ID: prog.HostID})
		return a
	}
	if ident.Host(prog.Path) != ident.NotHost {
		// A host running no file (java -cp, python3 -c): what it is comes
		// from its arguments, never learned as what its file is (java is
		// not Minecraft); its file is linked like any other (a game renamed
		// python3 stays the game).
		own := t.learn(App{Path: a.Path, SHA256: a.SHA256, ID: a.ID, Name: appName(a.Path, p.Name), MinAge: -1})
		a.Linked = own.Linked
		return a
	}
	return t.learn(a)
}

// program reads what the process runs: through the platform's identifier
// when it has one (hosts followed, identity read), else its executable's
// hash.
func (t *Tracker) program(p facts.Process) facts.Program {
	if pi, ok := t.hash.(ProgramIdentifier); ok {
		prog, err := pi.IdentifyProc(p.PID, p.Cmdline)
		if err == nil {
			return prog
		}
		t.log.Debug("monitor: identify failed", "pid", p.PID, "exe", p.Exe, "err", err)
		if prog.Path == "" {
			prog.Path = p.Exe
		}
		return prog
	}
	prog := facts.Program{Path: p.Exe}
	if t.hash != nil {
		hp, hs, err := t.hash.HashProc(p.PID)
		if err == nil {
			prog.Path, prog.SHA256 = hp, hs
		} else {
			t.log.Debug("monitor: hash failed", "pid", p.PID, "exe", p.Exe, "err", err)
		}
	}
	if prog.Path == "" {
		prog.Path = p.Exe
	}
	return prog
}

// OwnerScanner lists processes with their owners cheaply (one stat each).
type OwnerScanner interface {
	ScanOwners() (map[int]uint32, error)
}

// ownerSkipper is an OwnerScanner that can leave out the stat of processes
// the tracker already has (their owner is not looked at).
type ownerSkipper interface {
	ScanOwnersExcept(skip func(pid int) bool) (map[int]uint32, error)
}

// Version changes whenever the tracked processes change, so callers can
// cache what they derive from them.
func (t *Tracker) Version() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.version
}

// Check is the cheap reconciliation that runs while exec events flow: when
// the source can list owners, only processes of watched users that the
// events missed are read, and vanished ones removed; otherwise it is
// Reconcile.
func (t *Tracker) Check() ([]*Entry, error) {
	os, ok := t.src.(OwnerScanner)
	if !ok {
		return t.Reconcile()
	}
	var owners map[int]uint32
	var err error
	if sk, ok := t.src.(ownerSkipper); ok {
		// The tracked processes need no stat: only whether they still run.
		t.mu.Lock()
		known := make(map[int]bool, len(t.procs))
		for pid := range t.procs {
			known[pid] = true
		}
		t.mu.Unlock()
		owners, err = sk.ScanOwnersExcept(func(pid int) bool { return known[pid] })
	} else {
		owners, err = os.ScanOwners()
	}
	if err != nil {
		return nil, fmt.Errorf("scan process owners: %w", err)
	}
	var added []*Entry
	for pid, uid := range owners {
		t.mu.Lock()
		_, had := t.procs[pid]
		watched := t.watched[uid]
		t.mu.Unlock()
		if had || !watched {
			continue
		}
		e, err := t.Exec(pid)
		if err != nil {
			t.log.Debug("monitor: check read failed", "pid", pid, "err", err)
			continue
		}
		if e != nil {
			added = append(added, e)
		}
	}
	t.mu.Lock()
	for pid := range t.procs {
		if _, ok := owners[pid]; !ok {
			delete(t.procs, pid)
			t.version++
		}
	}
	t.mu.Unlock()
	return added, nil
}

// Reconcile rescans the process table: new processes of watched users are
// added (and returned, so the caller can enforce on them), vanished ones
// removed.
func (t *Tracker) Reconcile() ([]*Entry, error) {
	ps, err := t.src.ScanProcs()
	if err != nil {
		return nil, fmt.Errorf("scan processes: %w", err)
	}
	seen := make(map[int]bool, len(ps))
	var added []*Entry
	for _, p := range ps {
		t.mu.Lock()
		watched := t.watched[p.UID]
		old, had := t.procs[p.PID]
		t.mu.Unlock()
		if !watched {
			continue
		}
		seen[p.PID] = true
		if had && old.Start.Equal(p.Start) && old.Exe == p.Exe {
			continue
		}
		e, err := t.Exec(p.PID)
		if err != nil {
			t.log.Debug("monitor: reconcile read failed", "pid", p.PID, "err", err)
			continue
		}
		if e != nil {
			added = append(added, e)
		}
	}
	t.mu.Lock()
	for pid := range t.procs {
		if !seen[pid] {
			delete(t.procs, pid)
			t.version++
		}
	}
	t.mu.Unlock()
	return added, nil
}

// ByUID returns copies of the tracked processes of a user.
func (t *Tracker) ByUID(uid uint32) []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Entry
	for _, e := range t.procs {
		if e.UID == uid {
			out = append(out, *e)
		}
	}
	return out
}

// Get returns a tracked process.
func (t *Tracker) Get(pid int) (Entry, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.procs[pid]
	if !ok {
		return Entry{}, false
	}
	return *e, true
}

// Len is the number of tracked processes.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.procs)
}

func appName(path, comm string) string {
	if path == "" {
		return comm
	}
	base := filepath.Base(path)
	return strings.TrimSuffix(strings.TrimSuffix(base, ".exe"), ".EXE")
}
