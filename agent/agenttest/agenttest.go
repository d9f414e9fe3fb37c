// Package agenttest runs the whole agent in-process for tests of its
// clients (the console, the companion, the CLI): the real store in a
// temporary folder, the real API server, the real client, and the fake OS
// of agent/platform/fake. Callers are connected through an in-memory
// listener whose connections declare the caller's OS identity
// (ipc.DeclaredPeer), the way tailscale's ipnauth.TestActor stands in for
// a real caller: a test can be the child, a parent or an administrator
// without switching uids.
//
// Only tests import it (deps_test.go checks that no command links it).
package agenttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent"
	"github.com/kidtime/kidtime/agent/catalog"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/ipc"
	"github.com/kidtime/kidtime/agent/platform/fake"
)

// The world's accounts.
const (
	// Kid is a standard account, a child's once a parent adds it.
	Kid = "kid"
	// Mum is a standard account: a parent once logged in with the PIN.
	Mum = "mum"
	// Dad is an administrator of the machine.
	Dad = "dad"
	// Root is the daemon's own account (an administrator).
	Root = "root"
)

// Options tune a World.
type Options struct {
	// Tick is the agent's tick (50 ms).
	Tick time.Duration
	// Classifier classifies programs; nil knows none (the parent's rules
	// decide), so tests do not depend on the machine's .desktop files.
	Classifier interface {
		Classify(catalog.ProcessFacts) catalog.Info
	}
	// Logs shows the agent's warnings in the test's output.
	Logs bool
	// Now, when set, is the wall clock's reading when the world starts
	// (the agent has no earlier reading, so it trusts it); from there time
	// runs at its real pace. Tests use it for a known time of day; keep it
	// within days of the real time (the store counts the retention of
	// details from the real clock).
	Now time.Time
}

// World is one machine: the fake OS, its accounts, its clock, a data folder
// and the agent running on them.
type World struct {
	OS    *fake.Platform
	Users *Users
	Clock *Clock
	Data  string

	t    testing.TB
	opt  Options
	lis  *Listener
	stop func()
	mu   sync.Mutex
}

// Start runs an agent on a new world until the test ends.
func Start(t testing.TB, opt Options) *World {
	t.Helper()
	if opt.Tick <= 0 {
		opt.Tick = 50 * time.Millisecond
	}
	if opt.Classifier == nil {
		opt.Classifier = nothingKnown{}
	}
	w := &World{OS: fake.New(), Clock: &Clock{}, Data: t.TempDir(), t: t, opt: opt,
		Users: &Users{m: map[string]facts.Account{
			Kid: {Name: Kid, UID: 50001},
			Mum: {Name: Mum, UID: 50002},
			Dad: {Name: Dad, UID: 50003, Admin: true},
		}}}
	w.OS.SetAdmin(50003, true)
	if !opt.Now.IsZero() {
		w.Clock.Move(time.Until(opt.Now))
	}
	w.Restart()
	return w
}

// UID is an account's uid ("root": the daemon's own).
func (w *World) UID(account string) uint32 {
	if account == Root {
		return uint32(os.Getuid())
	}
	uid, err := w.Users.Lookup(account)
	if err != nil {
		w.t.Fatalf("agenttest: %v", err)
	}
	return uid
}

// Client is a client whose calls come from the named account.
func (w *World) Client(account string) *client.Client {
	peer := ipc.Peer{UID: w.UID(account), Username: account}
	if account == Root {
		peer.IsAdmin = true
	} else if admin, _ := w.Users.IsAdmin(peer.UID); admin {
		peer.IsAdmin, peer.Groups = true, []string{"sudo"}
	}
	return &client.Client{Timeout: 20 * time.Second, Dial: func(ctx context.Context) (net.Conn, error) {
		w.mu.Lock()
		l := w.lis
		w.mu.Unlock()
		return l.Dial(ctx, peer)
	}}
}

// Stop stops the agent (it also stops when the test ends).
func (w *World) Stop() {
	w.mu.Lock()
	stop := w.stop
	w.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// Restart stops the agent if it runs and starts a new one on the same data.
func (w *World) Restart() {
	t := w.t
	t.Helper()
	w.Stop()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if w.opt.Logs {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	lis := NewListener()
	a := agent.New(agent.Config{DataDir: w.Data, Listener: lis, Logger: log,
		Tick: w.opt.Tick, FlushEvery: 4 * w.opt.Tick, ReconcileEvery: time.Second,
		HeartbeatTimeout: 5 * time.Second, CompanionGrace: time.Second},
		agent.Deps{Procs: w.OS, Hasher: w.OS, Classifier: w.opt.Classifier, Watch: w.OS.WatchProcs,
			Sessions: func(context.Context) (agent.SessionSource, error) { return w.OS, nil },
			Actions:  w.OS, Users: w.Users, Clock: w.Clock})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case <-a.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("agenttest: the agent stopped before it was ready: %v", err)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("agenttest: the agent is not ready after 20 s")
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("agenttest: agent Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Error("agenttest: the agent did not stop within 20 s")
			}
		})
	}
	w.mu.Lock()
	w.lis, w.stop = lis, stop
	w.mu.Unlock()
	t.Cleanup(stop)
}

// Users are the world's accounts (agent.Users).
type Users struct {
	mu sync.Mutex
	m  map[string]facts.Account
}

// Add adds an account (useradd while the agent runs).
func (u *Users) Add(name string, uid uint32, admin bool) {
	u.mu.Lock()
	u.m[name] = facts.Account{Name: name, UID: uid, Admin: admin}
	u.mu.Unlock()
}

// Lookup returns an account's uid.
func (u *Users) Lookup(name string) (uint32, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if a, ok := u.m[name]; ok {
		return a.UID, nil
	}
	return 0, fmt.Errorf("no account %q", name)
}

// IsAdmin reports whether uid is an administrator's (root always is).
func (u *Users) IsAdmin(uid uint32) (bool, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, a := range u.m {
		if a.UID == uid {
			return a.Admin, nil
		}
	}
	return uid == 0, nil
}

// List lists the accounts by name.
func (u *Users) List() ([]facts.Account, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]facts.Account, 0, len(u.m))
	for _, a := range u.m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b facts.Account) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Clock is the OS clock with a wall clock the test can move: elapsed time
// is real, the wall is real time plus an offset (clock.Source).
type Clock struct{ offset atomic.Int64 }

var bootStart = time.Now()

// Wall is the wall clock.
func (c *Clock) Wall() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Elapsed is the time since boot (never moved).
func (c *Clock) Elapsed() time.Duration { return time.Hour + time.Since(bootStart) }

// BootID names the boot.
func (c *Clock) BootID() string { return "agenttest-boot" }

// Move sets the wall clock d away from real time (a child changing it).
func (c *Clock) Move(d time.Duration) { c.offset.Store(int64(d)) }

type nothingKnown struct{}

func (nothingKnown) Classify(catalog.ProcessFacts) catalog.Info { return catalog.Info{MinAge: -1} }

// Listener is an in-memory listener whose connections declare their
// caller's identity (ipc.DeclaredPeer).
type Listener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

// NewListener returns an open listener.
func NewListener() *Listener {
	return &Listener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// ErrClosed is returned by Accept and Dial once the listener is closed.
var ErrClosed = errors.New("agenttest: listener closed")

// Accept waits for the next connection.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, ErrClosed
	}
}

// Close stops accepting.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr names the listener.
func (l *Listener) Addr() net.Addr { return addr{} }

// Dial connects as peer.
func (l *Listener) Dial(ctx context.Context, peer ipc.Peer) (net.Conn, error) {
	c, s := net.Pipe()
	select {
	case l.conns <- declared{Conn: s, peer: peer}:
		return c, nil
	case <-l.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type declared struct {
	net.Conn
	peer ipc.Peer
}

func (d declared) DeclaredPeer() ipc.Peer { return d.peer }

type addr struct{}

func (addr) Network() string { return "agenttest" }
func (addr) String() string  { return "agenttest" }
