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
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent"
	"github.com/kidtime/kidtime/agent/catalog"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/internal/testkit"
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

// Users are the world's accounts.
type Users = testkit.Users

// Listener is the in-memory listener whose connections declare their
// caller's identity.
type Listener = testkit.Listener

// NewListener returns an open listener.
func NewListener() *Listener { return testkit.NewListener() }

// ErrClosed is returned by Accept and Dial once the listener is closed.
var ErrClosed = testkit.ErrClosed

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
		Users: testkit.NewUsers(
			facts.Account{Name: Kid, UID: 50001},
			facts.Account{Name: Mum, UID: 50002},
			facts.Account{Name: Dad, UID: 50003, Admin: true},
		)}
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

// Desktop is a classifier of the built-in catalog and the .desktop files in
// dirs (no metainfo, no homes): a machine with those apps installed, for
// Options.Classifier.
func Desktop(t testing.TB, dirs ...string) *catalog.Classifier {
	t.Helper()
	c, err := catalog.New(catalog.Options{DesktopDirs: dirs, MetainfoDirs: []string{}})
	if err != nil {
		t.Fatalf("agenttest: desktop classifier: %v", err)
	}
	return c
}
