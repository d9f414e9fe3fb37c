// Package fake is an in-memory double of agent/platform for tests of the
// packages that use it (agent/monitor, agent/enforce, agent): a process table
// you add to and remove from, exec/exit events on channels, logind-like
// sessions, and a record of every action taken. Its methods have the same
// names and signatures as the platform functions, so it satisfies the small
// interfaces those packages declare.
//
// Actions behave like the real ones by default (Terminate removes the
// process and sends its Exit event, LockSession sets Locked,
// TerminateSession removes the session and the user's processes); knobs make
// them fail the way the real world can (a process that survives, a lock that
// is ignored, an error).
package fake

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/platform"
)

// ActionKind names a recorded action.
type ActionKind string

// The actions a Platform records.
const (
	ActTerminate        ActionKind = "terminate"
	ActKillUser         ActionKind = "kill-user"
	ActLockSession      ActionKind = "lock-session"
	ActTerminateSession ActionKind = "terminate-session"
	ActRunAsUser        ActionKind = "run-as-user"
)

// Action is one call of an action method, recorded in order.
type Action struct {
	Kind    ActionKind
	PID     int
	UID     uint32
	Session string
	Name    string
	Args    []string
	Grace   time.Duration
	Time    time.Time
	Err     error // what the call returned
}

// Platform is the fake. The zero value is not usable; call New.
type Platform struct {
	// Now stamps events and actions; defaults to time.Now.
	Now func() time.Time
	// RunAsUserFunc, when set, carries out RunAsUser; by default the call is
	// recorded and an error wrapping errors.ErrUnsupported is returned.
	RunAsUserFunc func(ctx context.Context, uid uint32, name string, args, env []string) (*exec.Cmd, error)

	mu         sync.Mutex
	procs      map[int]platform.Process
	sessions   map[string]platform.Session
	admins     map[uint32]bool
	hashes     map[string]string
	idents     map[string]string // exe path: identity (identify.go)
	stubborn   map[int]bool
	ignoreLock map[string]bool
	fail       map[ActionKind]error
	unreadable map[string]error         // exe path: ReadProc fails with this
	exeFiles   map[string]facts.ExeFile // exe path: what ExeFile says (exefile.go)
	actions    []Action
	subs       []*sub
	nextPID    int
}

type sub struct {
	ch      chan platform.ProcEvent
	overrun bool
}

// New returns an empty fake.
func New() *Platform {
	return &Platform{
		Now:        time.Now,
		procs:      map[int]platform.Process{},
		sessions:   map[string]platform.Session{},
		admins:     map[uint32]bool{0: true},
		hashes:     map[string]string{},
		stubborn:   map[int]bool{},
		ignoreLock: map[string]bool{},
		fail:       map[ActionKind]error{},
		nextPID:    1000,
	}
}

// --- setting the scene ---

// Exec adds (or replaces, as an exec does) a process and sends its Exec
// event. A zero PID gets a fresh one; a zero Start gets Now. It returns the
// pid.
func (p *Platform) Exec(proc platform.Process) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if proc.PID == 0 {
		p.nextPID++
		for p.procs[p.nextPID].PID != 0 {
			p.nextPID++
		}
		proc.PID = p.nextPID
	}
	if proc.Start.IsZero() {
		proc.Start = p.Now()
	}
	if proc.Name == "" && proc.Exe != "" {
		proc.Name = base(proc.Exe)
	}
	p.procs[proc.PID] = proc
	p.emit(platform.ProcEvent{Kind: platform.Exec, PID: proc.PID, Time: p.Now()})
	return proc.PID
}

// Fork copies a running process under a new pid (same owner, same
// executable) and sends its Fork event; it returns the new pid, or 0 when
// ppid does not run.
func (p *Platform) Fork(ppid int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	parent, ok := p.procs[ppid]
	if !ok {
		return 0
	}
	p.nextPID++
	for p.procs[p.nextPID].PID != 0 {
		p.nextPID++
	}
	child := parent
	child.PID, child.PPID, child.Start = p.nextPID, ppid, p.Now()
	p.procs[child.PID] = child
	p.emit(platform.ProcEvent{Kind: platform.Fork, PID: child.PID, PPID: ppid, Time: p.Now()})
	return child.PID
}

// Exit removes a process and sends its Exit event; it reports whether the
// process existed.
func (p *Platform) Exit(pid int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exit(pid, 0)
}

// Overrun sends an Overrun event (events were lost; the caller rescans).
func (p *Platform) Overrun() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.emit(platform.ProcEvent{Kind: platform.Overrun, Time: p.Now()})
}

// Quietly adds a process without an event, as if it had been missed: only a
// rescan finds it.
func (p *Platform) Quietly(proc platform.Process) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.procs[proc.PID] = proc
}

// SetSession adds or replaces a session.
func (p *Platform) SetSession(s platform.Session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sessions[s.ID] = s
}

// RemoveSession removes a session.
func (p *Platform) RemoveSession(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.sessions, id)
}

// SetAdmin sets what UserIsAdmin answers for uid (root is an admin).
func (p *Platform) SetAdmin(uid uint32, admin bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.admins[uid] = admin
}

// SetHash sets the SHA-256 HashProc reports for an executable path; paths
// without one get a sum derived from the path.
func (p *Platform) SetHash(path, sum string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hashes[path] = sum
}

// Stubborn makes pid survive Terminate and KillUser (an unkillable process,
// as in uninterruptible sleep); the action returns an error.
func (p *Platform) Stubborn(pid int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stubborn[pid] = true
}

// IgnoreLock makes LockSession on id succeed without locking (no screen
// locker in the session).
func (p *Platform) IgnoreLock(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ignoreLock[id] = true
}

// Fail makes every later call of the action return err (nil clears it).
func (p *Platform) Fail(kind ActionKind, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		delete(p.fail, kind)
		return
	}
	p.fail[kind] = err
}

// Actions returns the actions taken so far, in order.
func (p *Platform) Actions() []Action {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.actions)
}

// --- the platform API ---

// WatchProcs returns a channel of the events made by Exec, Exit, Overrun and
// the actions. When the reader falls behind (1024 events), events are
// dropped and an Overrun is sent once there is room, as the kernel does.
func (p *Platform) WatchProcs(ctx context.Context) (<-chan platform.ProcEvent, error) {
	s := &sub{ch: make(chan platform.ProcEvent, 1024)}
	p.mu.Lock()
	p.subs = append(p.subs, s)
	p.mu.Unlock()
	go func() {
		<-ctx.Done()
		p.mu.Lock()
		defer p.mu.Unlock()
		p.subs = slices.DeleteFunc(p.subs, func(x *sub) bool { return x == s })
		close(s.ch)
	}()
	return s.ch, nil
}

// ReadProc returns a process, or an error wrapping fs.ErrNotExist.
func (p *Platform) ReadProc(pid int) (platform.Process, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	proc, ok := p.procs[pid]
	if !ok {
		return platform.Process{}, fmt.Errorf("fake: read process %d: %w", pid, fs.ErrNotExist)
	}
	if err := p.unreadable[proc.Exe]; err != nil {
		return platform.Process{}, fmt.Errorf("fake: read process %d: %w", pid, err)
	}
	proc.Cmdline = slices.Clone(proc.Cmdline)
	return proc, nil
}

// Owner is the uid a process runs as (the cheap first look of
// platform.Owner).
func (p *Platform) Owner(pid int) (uint32, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	proc, ok := p.procs[pid]
	if !ok {
		return 0, fmt.Errorf("fake: owner of %d: %w", pid, fs.ErrNotExist)
	}
	return proc.UID, nil
}

// Unreadable makes ReadProc fail with err for the processes of an
// executable (the daemon out of descriptors; nil reads them again).
func (p *Platform) Unreadable(exe string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.unreadable == nil {
		p.unreadable = map[string]error{}
	}
	p.unreadable[exe] = err
}

// ScanProcs returns every process, ordered by pid, without command lines.
func (p *Platform) ScanProcs() ([]platform.Process, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]platform.Process, 0, len(p.procs))
	for _, proc := range p.procs {
		proc.Cmdline = nil
		out = append(out, proc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out, nil
}

// HashProc returns the process's executable and its sum (SetHash, or
// "sha256-of:" + path).
func (p *Platform) HashProc(pid int) (path, sum string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	proc, ok := p.procs[pid]
	if !ok {
		return "", "", fmt.Errorf("fake: hash process %d: %w", pid, fs.ErrNotExist)
	}
	if s, ok := p.hashes[proc.Exe]; ok {
		return proc.Exe, s, nil
	}
	return proc.Exe, "sha256-of:" + proc.Exe, nil
}

// Sessions returns the sessions ordered by id.
func (p *Platform) Sessions(ctx context.Context) ([]platform.Session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]platform.Session, 0, len(p.sessions))
	for _, s := range p.sessions {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// LockSession locks a session (sets Locked) unless IgnoreLock was called.
func (p *Platform) LockSession(ctx context.Context, id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.fail[ActLockSession]
	if s, ok := p.sessions[id]; err == nil && !ok {
		err = fmt.Errorf("fake: lock session %s: no such session", id)
	} else if err == nil && !p.ignoreLock[id] {
		s.Locked = true
		p.sessions[id] = s
	}
	p.record(Action{Kind: ActLockSession, Session: id, Err: err})
	return err
}

// TerminateSession removes a session and every process of its user.
func (p *Platform) TerminateSession(ctx context.Context, id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.fail[ActTerminateSession]
	s, ok := p.sessions[id]
	if err == nil && !ok {
		err = fmt.Errorf("fake: terminate session %s: no such session", id)
	}
	if err == nil {
		delete(p.sessions, id)
		for _, pid := range p.pidsOf(s.UID) {
			if !p.stubborn[pid] {
				p.exit(pid, 9)
			}
		}
	}
	p.record(Action{Kind: ActTerminateSession, Session: id, UID: s.UID, Err: err})
	return err
}

// Terminate ends a process at once (the fake has no clock to wait on) and
// sends its Exit event. It refuses pid 1 as the real one does; a missing
// process is success.
func (p *Platform) Terminate(ctx context.Context, pid int, grace time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.fail[ActTerminate]
	switch {
	case err != nil:
	case pid <= 1:
		err = fmt.Errorf("fake: terminate %d: refusing", pid)
	case p.stubborn[pid]:
		err = fmt.Errorf("fake: terminate %d: still running after SIGKILL", pid)
	default:
		p.exit(pid, 9)
	}
	p.record(Action{Kind: ActTerminate, PID: pid, Grace: grace, Err: err})
	return err
}

// KillUser ends every process of uid (refusing root) and returns how many.
func (p *Platform) KillUser(ctx context.Context, uid uint32, grace time.Duration) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.fail[ActKillUser]
	n := 0
	if err == nil && uid == 0 {
		err = errors.New("fake: kill user 0: refusing")
	}
	if err == nil {
		var left []int
		for _, pid := range p.pidsOf(uid) {
			n++
			if p.stubborn[pid] {
				left = append(left, pid)
				continue
			}
			p.exit(pid, 9)
		}
		if len(left) > 0 {
			err = fmt.Errorf("fake: kill user %d: %v survive", uid, left)
		}
	}
	p.record(Action{Kind: ActKillUser, UID: uid, Grace: grace, Err: err})
	return n, err
}

// UserIsAdmin answers from SetAdmin (root always).
func (p *Platform) UserIsAdmin(uid uint32) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return uid == 0 || p.admins[uid], nil
}

// RunAsUser records the call and runs RunAsUserFunc when set.
func (p *Platform) RunAsUser(ctx context.Context, uid uint32, name string, args []string, env []string) (*exec.Cmd, error) {
	p.mu.Lock()
	f := p.RunAsUserFunc
	err := p.fail[ActRunAsUser]
	p.mu.Unlock()
	var cmd *exec.Cmd
	switch {
	case err != nil:
	case f != nil:
		cmd, err = f(ctx, uid, name, args, env)
	default:
		err = fmt.Errorf("fake: run %s as %d: %w (set RunAsUserFunc)", name, uid, errors.ErrUnsupported)
	}
	p.mu.Lock()
	p.record(Action{Kind: ActRunAsUser, UID: uid, Name: name, Args: slices.Clone(args), Err: err})
	p.mu.Unlock()
	return cmd, err
}

// --- internals (p.mu held) ---

func (p *Platform) record(a Action) {
	a.Time = p.Now()
	p.actions = append(p.actions, a)
}

func (p *Platform) exit(pid, code int) bool {
	if _, ok := p.procs[pid]; !ok {
		return false
	}
	delete(p.procs, pid)
	p.emit(platform.ProcEvent{Kind: platform.Exit, PID: pid, ExitCode: code, Time: p.Now()})
	return true
}

func (p *Platform) pidsOf(uid uint32) []int {
	var pids []int
	for pid, proc := range p.procs {
		if proc.UID == uid {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	return pids
}

func (p *Platform) emit(ev platform.ProcEvent) {
	for _, s := range p.subs {
		if s.overrun {
			select {
			case s.ch <- platform.ProcEvent{Kind: platform.Overrun, Time: ev.Time}:
				s.overrun = false
			default:
				continue
			}
		}
		select {
		case s.ch <- ev:
		default:
			s.overrun = true
		}
	}
}

func base(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' || path[i] == '\\' {
			return path[i+1:]
		}
	}
	return path
}
