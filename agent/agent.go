// Package agent wires kidtimed together: the store, the trusted clock, the
// process and session sources, the accountant, the rules, the enforcer and
// the local API (DESIGN.md §2). New builds it from a Config and Deps; Run
// serves until its context ends.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/auth"
	"github.com/kidtime/kidtime/agent/clock"
	"github.com/kidtime/kidtime/agent/enforce"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/agent/ipc"
	"github.com/kidtime/kidtime/agent/localapi"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
	"golang.org/x/sync/errgroup"
)

// Config is what the daemon is told at start.
type Config struct {
	// DataDir holds the database (kidtime.db) and its backups.
	DataDir string
	// Socket is the API socket path ("" = ipc.DefaultPath()).
	Socket string
	// Listener, when set, is served instead of a socket at Socket (an
	// in-process listener of agent/agenttest). The agent closes it.
	Listener net.Listener
	// PolicyFile, when set, is imported at start if no policy is stored yet
	// (a school's preset policy installed with the package).
	PolicyFile string
	Logger     *slog.Logger

	// Tick is how often usage is counted and decisions re-evaluated while
	// the process table is polled (1 s).
	Tick time.Duration
	// QuietTick is how often they are while a child is at the PC and the
	// process events flow (10 Ticks): nothing is due between two ticks
	// (the rules' next moment and the presence's, Witness.Next, wake the
	// ticks), and whatever changes what counts (a session's state, a
	// heartbeat, a child's process) first counts the time until then as it
	// was (catchUp).
	QuietTick time.Duration
	// FlushEvery is how often usage is saved (5 s): in the checkpoint
	// beside the database (one pwrite; its running intervals reach to the
	// next one, so a kill -9 loses nothing and may count up to FlushEvery
	// of the downtime), and in the database itself every StoreEvery.
	FlushEvery time.Duration
	// StoreEvery is how often usage is written to the database (24
	// FlushEvery, 2 min): the checkpoint holds it meanwhile, and whatever
	// reads usage from the database (a report, a hub's rollup, a stop)
	// writes it first.
	StoreEvery time.Duration
	// ReconcileEvery is how often the full process scan runs (15 s; four
	// times less often while the OS filters the process events by account:
	// Deps.EventsInKernel).
	ReconcileEvery time.Duration
	// IdleThreshold: no input for longer means the child is away (3 min).
	IdleThreshold time.Duration
	// HeartbeatTimeout: a companion silent for longer is missing (20 s).
	HeartbeatTimeout time.Duration
	// CompanionGrace: a child at the PC this long with no companion at
	// all is reported (2 min; the companion starts with the desktop).
	CompanionGrace time.Duration
	// Companion is the installed companion's path (kidtime-app beside the
	// daemon): it may start while the child is blocked, to show why.
	Companion string
	// TimeServers are asked for the time at start and every 6 h (a clock
	// set forward while the agent was off is put back); none: not asked.
	TimeServers []string
	// IdleTick is how long the agent sleeps while no child is logged in
	// (15 s): a child's process, a heartbeat or a parent's change wakes it
	// at once.
	IdleTick time.Duration
	// Location is the local time zone for days (time.Local).
	Location *time.Location
	// DNSUpstream are the resolvers children's allowed lookups go to
	// (HOST:PORT); none: the system's, from /etc/resolv.conf.
	DNSUpstream []string
	// WebPortBase is the first children's resolver port (5300).
	WebPortBase int
	// WebConsolePort replaces the port a firewall that follows the
	// console asks for (Windows: 53), for tests.
	WebConsolePort int
	// HubSyncEvery is how often a joined PC sends its days to its hub (15 s).
	HubSyncEvery time.Duration
}

func (c *Config) defaults() {
	if c.Tick <= 0 {
		c.Tick = time.Second
	}
	if c.QuietTick <= 0 {
		c.QuietTick = 10 * c.Tick
	}
	if c.FlushEvery <= 0 {
		c.FlushEvery = 5 * time.Second
	}
	if c.StoreEvery <= 0 {
		c.StoreEvery = 24 * c.FlushEvery
	}
	if c.ReconcileEvery <= 0 {
		c.ReconcileEvery = 15 * time.Second
	}
	if c.IdleThreshold <= 0 {
		c.IdleThreshold = 3 * time.Minute
	}
	if c.HeartbeatTimeout <= 0 {
		c.HeartbeatTimeout = 20 * time.Second
	}
	if c.CompanionGrace <= 0 {
		c.CompanionGrace = 2 * time.Minute
	}
	if c.IdleTick <= 0 {
		c.IdleTick = 15 * time.Second
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	if c.WebPortBase <= 0 {
		c.WebPortBase = DefaultWebPortBase
	}
	if c.HubSyncEvery <= 0 {
		c.HubSyncEvery = 15 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Socket == "" {
		c.Socket = ipc.DefaultPath()
	}
}

// Deps are the OS adapters; Default() gives the real ones, tests may swap
// some for fakes.
type Deps struct {
	Procs      monitor.ProcessSource
	Hasher     monitor.Hasher
	Classifier monitor.Classifier
	// Watch starts the process event stream; nil or an error means polling.
	Watch func(ctx context.Context) (<-chan facts.ProcEvent, error)
	// WatchAccounts, when set, narrows Watch's events to these accounts'
	// where the OS can (Linux: in the kernel, with eBPF): everyone else's
	// processes then cost nothing. It is called with every change of the
	// children's accounts, before their processes are looked for.
	WatchAccounts func(uids []uint32)
	// EventsInKernel, when set, reports whether the OS filters Watch's
	// events by account now (complete for the children, nothing for the
	// rest): the periodic scan is then only a safety net, run
	// filteredScanFactor times less often.
	EventsInKernel func() bool
	// Pace, when set, is told after each tick whether a child is logged in
	// (a polling watcher, Windows', then looks more often).
	Pace func(childPresent bool)
	// Trim, when set, hands back memory the daemon mapped but no longer
	// uses (Linux: the executable's code pages, platform.ReleaseImagePages).
	// The watcher calls it after every trimEvery of a child's new
	// processes, so a burst of them (a child starting 2,000 at once) does
	// not keep the code pages it touched mapped.
	Trim func()
	// Sessions connects to logind; nil or an error means none.
	Sessions func(ctx context.Context) (SessionSource, error)
	Actions  enforce.Actions
	Users    family.Users
	Clock    clock.Source
	// Notify shows a desktop notification in a user's session.
	Notify func(ctx context.Context, uid uint32, title, body string) error
	// Firewall opens kidtime's firewall table for the safe web; nil: no
	// safe web (in-process tests).
	Firewall func() (WebFirewall, error)
	// BrowserPolicies writes the managed browser policies that turn off
	// browsers' own DNS over HTTPS; nil: none written.
	BrowserPolicies func() error
}

// SessionSource lists the login sessions.
type SessionSource interface {
	Sessions(ctx context.Context) ([]facts.Session, error)
}

// Agent is the running daemon.
type Agent struct {
	cfg  Config
	deps Deps
	log  *slog.Logger

	st       *store.Store
	clk      *clock.Clock
	tracker  *monitor.Tracker
	acct     *monitor.Accountant
	enf      *enforce.Enforcer
	sessions SessionSource
	guard    *auth.Guard
	fam      *family.Family
	apps     *store.AppIDs
	appr     approvals         // the parents' answers about new programs (approval.go)
	web      *safeWeb          // the children's DNS (safeweb.go); nil without a firewall
	ckpt     *store.Checkpoint // usage since the last write to the database (checkpoint.go); nil: none

	mu       sync.Mutex
	children map[string]*childState // by name
	byUID    map[uint32]*childState
	global   rules.File // defaultProfile and help (children live in the store)
	// lastSessions are the login sessions seen at the last tick.
	lastSessions []facts.Session
	// lastPresence is what the last tick judged of each child: the time
	// until a change is counted with it (catchUp).
	lastPresence []monitor.Presence
	lastMark     time.Time            // when the clock mark was last written (loop goroutine only)
	usersStamp   string               // the account files as last looked at (checkNewAccounts; loop goroutine only)
	reloadMu     sync.Mutex           // one reload or day refresh at a time
	floodSeen    map[uint32]time.Time // when connection_flood was last recorded, per uid (mu)
	eventq       chan store.Event     // the enforcer's events, written by the events service
	ready        chan struct{}
	polling      atomic.Bool   // no process events: the ticks poll the table
	notes        chan note     // for the notifications service
	wake         chan struct{} // wakes the ticks at once (a child's process, a heartbeat, a change)
	ticked       atomic.Int64  // ticks run (tests)
	trusted      atomic.Bool   // the trusted clock is set (a.clk)
	startMark    clock.Mark    // the mark found at start: the trusted time never goes below it
	hub          *hubLink      // the hub this PC joined (hublink.go)
}

// storeNow is the store's clock: the trusted one once it is set.
func (a *Agent) storeNow() time.Time {
	if !a.trusted.Load() {
		return time.Now()
	}
	return a.now()
}

// poke wakes the ticks now (a child appeared, or something changed).
func (a *Agent) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// New builds an agent; nothing runs until Run.
func New(cfg Config, deps Deps) *Agent {
	cfg.defaults()
	a := &Agent{cfg: cfg, deps: deps, log: cfg.Logger,
		children: map[string]*childState{}, byUID: map[uint32]*childState{}, ready: make(chan struct{}),
		notes: make(chan note, 32), wake: make(chan struct{}, 1)}
	a.hub = &hubLink{a: a, push: make(chan struct{}, 1)}
	return a
}

// Ready is closed once the agent serves its API.
func (a *Agent) Ready() <-chan struct{} { return a.ready }

// now is the trusted time in the local zone.
func (a *Agent) now() time.Time { return a.clk.Now().In(a.cfg.Location) }

func dayOf(t time.Time) string { return t.Format(time.DateOnly) }

// Run opens the store, starts the sources and the API, and enforces until
// ctx ends. It returns an error only when it cannot start or the store
// fails for good.
func (a *Agent) Run(ctx context.Context) (err error) {
	if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	// The store stamps what it writes with the trusted clock once there is
	// one (the clock's mark is read from the store itself).
	st, err := store.Open(ctx, filepath.Join(a.cfg.DataDir, "kidtime.db"), store.WithLogger(a.log), store.WithNow(a.storeNow))
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	a.st = st
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()
	// What an unclean stop left in the checkpoint is stored before the
	// clock's mark and today's usage are read.
	a.openCheckpoint(ctx)
	defer func() {
		if a.ckpt != nil {
			_ = a.ckpt.Close()
		}
	}()

	src := a.deps.Clock
	if src == nil {
		src = clock.System{}
	}
	var mark clock.Mark
	if b, err := st.Setting(ctx, settingClockMark); err == nil {
		if m, err := clock.UnmarshalMark(b); err == nil {
			mark = m
		} else {
			a.log.Warn("agent: bad clock mark; starting without", "err", err)
		}
	}
	clk, jump := clock.New(src, mark)
	a.clk, a.startMark = clk, mark
	a.trusted.Store(true)
	now := a.now()
	a.event(ctx, "", "agent_start", map[string]any{"version": localapi.Version, "pid": os.Getpid()})
	if jump != nil {
		a.log.Warn("agent: clock jump at start", "jump", jump.String())
		a.event(ctx, "", "clock_jump", map[string]any{"wall": jump.Wall, "trusted": jump.Trusted, "deltaSec": int64(jump.Delta / time.Second), "atStart": true})
	}
	if b, err := st.Setting(ctx, settingRunning); err == nil && string(b) == "1" && !mark.Wall.IsZero() {
		gap := now.Sub(mark.Wall)
		a.event(ctx, "", "agent_restart", map[string]any{"gapSec": int64(gap / time.Second), "lastSeen": mark.Wall, "clean": false})
	}
	if err := st.SetSetting(ctx, settingRunning, []byte("1")); err != nil {
		return fmt.Errorf("mark running: %w", err)
	}

	a.guard = auth.NewGuard(ctx, st, recorder{a}, a.log, a.now)
	a.fam = family.New(st, a.deps.Users, recorder{a}, a.log, a.now)
	if a.apps, err = store.NewAppIDs(ctx, st); err != nil {
		a.log.Warn("agent: known apps not loaded", "err", err)
	}
	a.tracker = monitor.NewTracker(a.deps.Procs, a.deps.Hasher, a.deps.Classifier, a.log)
	a.restorePrograms(ctx)
	a.learnInstalled()
	a.acct = monitor.NewAccountant(usageSink{st, a.apps})
	// A step is at most a quiet tick and a late one: a suspended machine
	// or a stalled agent never counts more.
	a.acct.MaxStep = a.cfg.QuietTick + a.cfg.Tick
	// Start the accountant's clock now, so the first tick counts from here.
	a.acct.Tick(now, dayOf(now), nil)
	a.eventq = make(chan store.Event, eventQueue)
	a.enf = enforce.New(a.deps.Actions, laterRecorder{a}, a.log, a.now)
	a.web = newSafeWeb(a)

	if a.cfg.PolicyFile != "" {
		a.fam.Seed(ctx, a.cfg.PolicyFile)
	}
	if a.guard.PINSet(ctx) {
		// Set up before setup made a default profile (an older version):
		// no login account stays unmanaged.
		if err := a.fam.EnsureDefault(ctx, "kidtimed"); err != nil {
			a.log.Error("agent: giving the family a default profile failed", "err", err)
		}
	}
	if err := a.reload(ctx); err != nil {
		return fmt.Errorf("load children: %w", err)
	}
	localapi.ApplyRetention(st, localapi.Options(ctx, st, a.PolicyFile()))
	if a.deps.Sessions != nil {
		s, err := a.deps.Sessions(ctx)
		if err != nil {
			a.log.Info("agent: no login sessions from the OS (logind, WTS); presence comes from companions and processes", "err", err)
		} else {
			a.sessions = s
			if n, ok := s.(interface{ OnChange(func()) }); ok {
				n.OnChange(a.sessionsChanged) // quiet ticks hear of a change at once
			}
		}
	}

	l := a.cfg.Listener
	var admin net.Listener // the administrators' own socket, beyond any flood of the shared one
	if l == nil {
		if l, err = ipc.Listen(a.cfg.Socket); err != nil {
			return fmt.Errorf("listen on %s: %w", a.cfg.Socket, err)
		}
		if p := ipc.AdminPath(a.cfg.Socket); p != "" {
			if admin, err = ipc.ListenAdmin(p); err != nil {
				a.log.Warn("agent: no administrators' socket; administrators use the shared one", "err", err)
			}
		}
	}
	h := localapi.New(a, a.log)
	srv := api.New(h.Routes(), h.Identify, a.log)
	srv.Flooded = a.flooded

	g, gctx := errgroup.WithContext(ctx)
	var events <-chan facts.ProcEvent
	if a.deps.Watch != nil {
		ch, err := a.deps.Watch(gctx)
		if err != nil {
			a.log.Info("agent: no process events; polling the process table every tick", "err", err)
		} else {
			events = ch
		}
	}
	a.polling.Store(events == nil)
	if _, err := a.reconcile(ctx); err != nil {
		a.log.Warn("agent: first process scan failed", "err", err)
	}
	services := []service{
		{"api", func(ctx context.Context) error {
			defer l.Close()
			return srv.Serve(ctx, l)
		}},
		{"administrators' api", func(ctx context.Context) error {
			if admin == nil {
				return nil
			}
			defer admin.Close()
			return srv.Serve(ctx, admin)
		}},
		{"ticks", a.ticks},
		{"maintenance", a.maintenance},
		{"notifications", a.notifications},
		{"network clock", a.networkClock},
		{"events", a.writeEvents},
		{"web", a.web.serve},
		{"hub", a.hubSync},
	}
	if events != nil {
		services = append(services, service{"exec watcher", func(ctx context.Context) error { return a.watch(ctx, events) }})
	}
	for _, s := range services {
		g.Go(func() error {
			if err := s.serve(gctx); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			return nil
		})
	}
	close(a.ready)
	a.log.Info("kidtimed running", "data", a.cfg.DataDir, "socket", a.cfg.Socket, "procEvents", events != nil, "logind", a.sessions != nil)
	err = g.Wait()
	// Every service has returned: nothing but shutdown uses the store now.
	a.enf.Wait()
	a.shutdown()
	return err
}

// nextWake is how long to sleep: a quiet tick (a tick while polling the
// process table), or less when a decision or a child's presence changes
// sooner (never less than
// 20 ms, so a decision due now cannot spin); with no child logged in and
// process events flowing, IdleTick (what happens then wakes the agent:
// poke).
func (a *Agent) nextWake(now time.Time) time.Duration {
	polling := a.polling.Load()
	if !polling && !a.anyonePresent() {
		return a.cfg.IdleTick
	}
	wait := a.cfg.QuietTick
	if polling {
		wait = a.cfg.Tick
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	sooner := func(t time.Time) {
		if !t.IsZero() && t.Sub(now) < wait {
			wait = t.Sub(now)
		}
	}
	for _, cs := range a.children {
		// A companion falling silent, or the grace for none ending, is
		// judged at its moment, not at the next quiet tick.
		sooner(cs.witness.Next())
		if cs.active() {
			sooner(cs.dec.Next)
		}
	}
	return max(wait, 20*time.Millisecond)
}

// anyonePresent reports whether any child was logged in at the last tick.
func (a *Agent) anyonePresent() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, cs := range a.children {
		if cs.witness.Last().Present {
			return true
		}
	}
	return false
}

// flush writes usage, and the clock mark every markEvery (an idle agent
// then writes almost nothing).
func (a *Agent) flush(ctx context.Context) {
	if err := a.acct.Flush(ctx); err != nil {
		a.log.Error("agent: writing usage failed", "err", err)
	} else {
		a.clearCheckpoint()
	}
	a.web.flush(ctx)
	a.savePrograms(ctx)
	now := a.now()
	if now.Sub(a.lastMark) < markEvery {
		return
	}
	a.writeMark(ctx, now)
}

// markEvery is how often the trusted clock's reading is persisted: the
// restart gap and a clock set back are judged to within this.
const markEvery = 10 * time.Second

func (a *Agent) writeMark(ctx context.Context, now time.Time) {
	if err := a.st.SetSetting(ctx, settingClockMark, clock.MarshalMark(a.clk.Mark())); err != nil {
		a.log.Error("agent: writing clock mark failed", "err", err)
		return
	}
	a.lastMark = now
}

func (a *Agent) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The enforcer's last closings (recorded after the events service
	// ended) reach the store before it closes.
	a.drainEvents(ctx)
	a.flush(ctx)
	a.writeMark(ctx, a.now())
	a.event(ctx, "", "agent_stop", nil)
	if err := a.st.SetSetting(ctx, settingRunning, []byte("0")); err != nil {
		a.log.Error("agent: clearing running mark failed", "err", err)
	}
	a.log.Info("kidtimed stopped")
}

// Settings keys.
const (
	settingClockMark = "clock.mark"
	settingRunning   = "agent.running"
)

// usageSink writes counted usage to the store, registering each app (by
// its identity) the first time it is written: the accountant keys usage by
// identity, so neither the exec path nor the tick path touches the store.
type usageSink struct {
	st   *store.Store
	apps *store.AppIDs
}

func (s usageSink) AddUsage(ctx context.Context, iv monitor.Interval) error {
	return s.AddUsages(ctx, []monitor.Interval{iv})
}

// AddUsages writes a flush in one transaction.
func (s usageSink) AddUsages(ctx context.Context, ivs []monitor.Interval) error {
	out, err := s.storeIntervals(ctx, ivs)
	if err != nil {
		return err
	}
	err = s.st.AddUsages(ctx, out)
	var ve *store.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("%w: %w", monitor.ErrRejected, err)
	}
	return err
}

// checkNewAccounts reloads when the default profile should hold an account
// that appeared since (useradd while the agent runs), or when a child's
// account now has another uid than the one enforced (made again, or
// renumbered): the old uid's rules would miss the child.
func (a *Agent) checkNewAccounts(ctx context.Context) {
	stamper, cheap := a.deps.Users.(interface{ Stamp() string })
	stamp := ""
	if cheap {
		// Listing the accounts reads and parses the account files: only
		// when they changed since the last look.
		if stamp = stamper.Stamp(); stamp == a.usersStamp {
			return
		}
	}
	defer func() { a.usersStamp = stamp }()
	a.mu.Lock()
	known := map[string]bool{}
	moved := false // a child's account made, made again or renumbered since
	for _, cs := range a.children {
		for _, acc := range cs.rec.Accounts {
			known[strings.ToLower(acc)] = true
		}
		moved = moved || a.fam.EnforcedChanged(cs.rec, cs.uids)
	}
	a.mu.Unlock()
	if moved || a.fam.Unclaimed(ctx, func(acc string) bool { return known[strings.ToLower(acc)] }) {
		if err := a.reload(ctx); err != nil {
			a.log.Error("agent: reload for a new account failed", "err", err)
		}
	}
}
