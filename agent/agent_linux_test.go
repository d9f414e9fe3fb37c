package agent_test

// These tests run the whole agent in-process: the real store (SQLite in a
// temporary folder), the real API on a real Unix socket, the real client,
// real SO_PEERCRED identities; only the OS is a fake (agent/platform/fake)
// and the wall clock is one the test can move.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/catalog"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/agent/internal/testkit"
	"github.com/kidtime/kidtime/agent/platform"
	"github.com/kidtime/kidtime/agent/platform/fake"
	"github.com/kidtime/kidtime/rules"
)

// The test binary re-executes itself as another uid to call the API as a
// child: the kernel, not the caller, says who is calling.
const (
	helperEnv       = "KT_AGENT_HELPER"
	helperSocketEnv = "KT_AGENT_HELPER_SOCKET"
)

func TestMain(m *testing.M) {
	if cmd := os.Getenv(helperEnv); cmd != "" {
		os.Exit(helper(cmd, os.Getenv(helperSocketEnv)))
	}
	os.Exit(m.Run())
}

// helper runs one client call and prints its answer (or its *APIError) as JSON.
func helper(cmd, socket string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := &client.Client{Socket: socket}
	var out any
	var err error
	switch cmd {
	case "ask":
		out, err = c.Ask(ctx, apitype.AskRequest{Kind: apitype.KindScreen, AddSec: 600, Reason: "homework"})
	case "status":
		out, err = c.Status(ctx)
	case "children":
		out, err = c.Children(ctx)
	case "lying-heartbeat":
		// A child's program claiming the screen is locked and idle.
		out, err = c.Heartbeat(ctx, apitype.Heartbeat{Locked: true, IdleSec: 100000})
	case "login":
		out, err = c.Login(ctx, "246810")
	case "grant-pin":
		err = c.Grant(ctx, apitype.GrantRequest{Kind: apitype.KindScreen, AddSec: 900, PIN: "246810"})
	case "grant-big":
		// A child's program using an observed parent code for 12 hours.
		out, err = c.Grant(ctx, apitype.GrantRequest{Kind: apitype.KindScreen, AddSec: 12 * 3600, Code: "123456"}), nil
		if e, ok := out.(error); ok {
			out, err = nil, e
		}
	default:
		err = fmt.Errorf("unknown helper command %q", cmd)
	}
	if err != nil {
		var ae *client.APIError
		if errors.As(err, &ae) {
			_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"apiError": ae})
			return 3
		}
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
	return 0
}

// --- the fake OS ---

// nothingKnown is a catalog that knows no app: the parent's rules decide.
type nothingKnown struct{}

func (nothingKnown) Classify(catalog.ProcessFacts) catalog.Info {
	return catalog.Info{MinAge: -1}
}

// wallClock is the OS clock with a wall clock the test can set: elapsed
// time is real (monotonic), the wall is real time plus an offset.
type wallClock struct {
	offset atomic.Int64
	boot   atomic.Value // string: the boot's id ("test-boot" when unset)
}

var bootStart = time.Now()

func (c *wallClock) Wall() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *wallClock) Elapsed() time.Duration {
	return time.Hour + time.Since(bootStart)
}
func (c *wallClock) BootID() string {
	if b, ok := c.boot.Load().(string); ok {
		return b
	}
	return "test-boot"
}

type notes struct {
	mu   sync.Mutex
	uids []uint32
}

func (n *notes) notify(_ context.Context, uid uint32, _, _ string) error {
	n.mu.Lock()
	n.uids = append(n.uids, uid)
	n.mu.Unlock()
	return nil
}

func (n *notes) count() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.uids)
}

// world is one machine: the fake OS, its accounts, its clock, and a data
// folder and socket that survive agent restarts.
type world struct {
	t      testing.TB
	os     *fake.Platform
	users  *testkit.Users
	clock  *wallClock
	notes  *notes
	data   string
	dir    string // world-readable: the socket and the helper binary
	socket string
	kid    uint32
	agent  *agent.Agent // the last one started
	// timeServers are the agent's time servers (none unless a test sets them).
	timeServers []string
	// dnsUpstream and webPorts configure the safe web (safeweb_linux_test.go).
	dnsUpstream []string
	webPorts    int
	// flushEvery, when set, replaces the tests' 200 ms flush (quiet_linux_test.go).
	flushEvery time.Duration
}

func newWorld(t testing.TB) *world {
	t.Helper()
	dir := ostest.WorldDir(t)
	w := &world{t: t, os: fake.New(), clock: &wallClock{}, notes: &notes{},
		data: t.TempDir(), dir: dir, socket: filepath.Join(dir, "kt.sock"), kid: ostest.FreeUID(t)}
	w.users = testkit.NewUsers(
		facts.Account{Name: "kid", UID: w.kid},
		facts.Account{Name: "dad", UID: 1000, Admin: true},
	)
	return w
}

func (w *world) deps() agent.Deps {
	return agent.Deps{
		Procs:      w.os,
		Hasher:     w.os,
		Classifier: nothingKnown{},
		Watch:      w.os.WatchProcs,
		Actions:    w.os,
		Users:      w.users,
		Clock:      w.clock,
		Notify:     w.notes.notify,
	}
}

// withLogind makes the fake's sessions the agent's logind.
func withLogind(d agent.Deps, p *fake.Platform) agent.Deps {
	d.Sessions = func(context.Context) (agent.SessionSource, error) { return p, nil }
	return d
}

// start runs an agent on the world's data folder until the test ends or
// the returned stop is called.
func (w *world) start() (c *client.Client, stop func()) {
	w.t.Helper()
	return w.startWith(w.deps())
}

func (w *world) startWith(deps agent.Deps) (c *client.Client, stop func()) {
	return w.startWithTick(deps, 50*time.Millisecond)
}

func (w *world) startWithTick(deps agent.Deps, tick time.Duration) (c *client.Client, stop func()) {
	return w.startWithConsole(deps, tick, 0)
}

// startWithConsolePort is startWith with the console's resolver port
// (safeweb_linux_test.go).
func (w *world) startWithConsolePort(deps agent.Deps, port int) (c *client.Client, stop func()) {
	return w.startWithConsole(deps, 50*time.Millisecond, port)
}

func (w *world) startWithConsole(deps agent.Deps, tick time.Duration, consolePort int) (c *client.Client, stop func()) {
	t := w.t
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	flush := 200 * time.Millisecond
	if w.flushEvery > 0 {
		flush = w.flushEvery
	}
	a := agent.New(agent.Config{DataDir: w.data, Socket: w.socket, Logger: log,
		Tick: tick, FlushEvery: flush, ReconcileEvery: time.Second,
		HeartbeatTimeout: 5 * time.Second, CompanionGrace: time.Second, TimeServers: w.timeServers,
		DNSUpstream: w.dnsUpstream, WebPortBase: w.webPorts, WebConsolePort: consolePort}, deps)
	w.agent = a
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case <-a.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("agent stopped before it was ready: %v", err)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("agent not ready after 20 s")
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("agent Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Error("agent did not stop within 20 s")
			}
		})
	}
	t.Cleanup(stop)
	return &client.Client{Socket: w.socket, Timeout: 20 * time.Second}, stop
}

// asChild runs a helper command as the child's uid and decodes its output.
func (w *world) asChild(cmd string, out any) (apiErr *client.APIError) {
	t := w.t
	t.Helper()
	ostest.NeedRoot(t)
	b, errb, code := ostest.RunAs(t, w.kid, w.kid, ostest.HelperBinary(t, w.dir), helperEnv+"="+cmd, helperSocketEnv+"="+w.socket)
	switch {
	case code == 3:
		var wrap struct{ APIError *client.APIError }
		if err := json.Unmarshal(b, &wrap); err != nil {
			t.Fatalf("helper %s: %v: %s", cmd, err, b)
		}
		return wrap.APIError
	case code != 0:
		t.Fatalf("helper %s as uid %d: exit %d\n%s", cmd, w.kid, code, errb)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("helper %s answered %q: %v", cmd, b, err)
	}
	return nil
}

// --- helpers on the API ---

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func childStatus(t testing.TB, c *client.Client, name string) apitype.ChildStatus {
	t.Helper()
	st, err := c.Status(ctxT(t))
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	for _, ch := range st.Children {
		if ch.Name == name {
			return ch
		}
	}
	t.Fatalf("status has no child %q: %+v", name, st.Children)
	return apitype.ChildStatus{}
}

func eventsOf(t testing.TB, c *client.Client, kind string) []apitype.Event {
	t.Helper()
	evs, err := c.Events(ctxT(t), time.Now().Add(-24*time.Hour), "")
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	var out []apitype.Event
	for _, e := range evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// eventually polls cond every 10 ms until it holds or d passes.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

// terminated returns the Terminate actions taken on pid.
func terminated(p *fake.Platform, pid int) []fake.Action {
	var out []fake.Action
	for _, a := range p.Actions() {
		if a.Kind == fake.ActTerminate && a.PID == pid {
			out = append(out, a)
		}
	}
	return out
}

func alive(p *fake.Platform, pid int) bool {
	_, err := p.ReadProc(pid)
	return err == nil
}

func sum(s string) string {
	b := sha256.Sum256([]byte(s))
	return hex.EncodeToString(b[:])
}

func policy(t testing.TB, body string) rules.File {
	t.Helper()
	f, err := rules.ParseFile([]byte(body))
	if err != nil {
		t.Fatalf("test policy: %v", err)
	}
	return *f
}

// setUp sets the PIN and adds the child An (11) on the account "kid".
func setUp(t testing.TB, c *client.Client) {
	t.Helper()
	ctx := ctxT(t)
	h, err := c.Health(ctx)
	if err != nil {
		t.Fatalf("health: %v", err)
	}
	if h.Role != apitype.RoleAdmin || h.Setup {
		t.Fatalf("health of a fresh agent, as root: role %s setup %v; want admin, not set up", h.Role, h.Setup)
	}
	if _, err := c.Setup(ctx, "246810"); err != nil {
		t.Fatalf("setup: %v", err)
	}
	if _, err := c.Setup(ctx, "135790"); !client.IsCode(err, apitype.CodeConflict) {
		t.Errorf("a second setup: %v; want a conflict", err)
	}
	year := time.Now().Year() - 11
	if _, err := c.AddChild(ctx, apitype.AddChildRequest{Name: "An", BirthYear: year, Accounts: []string{"kid"}}); err != nil {
		t.Fatalf("add child: %v", err)
	}
}

const gamePolicy = `{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],
	"screen":{"daily":"1h"},"games":{"daily":"2s"},"allowed":{"daily":["00:00-24:00"]},
	"warnings":["1s"],"grace":"1s",
	"apps":[{"match":{"name":"kt-game"},"category":"game"},{"match":{"name":"badapp"},"rule":"block"}]}]}`

func TestAgentAddChildRefusesBadAccounts(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	year := time.Now().Year() - 9
	cases := []struct {
		sentence string
		req      apitype.AddChildRequest
		code     string
		field    string
	}{
		{"an administrator's account cannot be a child's",
			apitype.AddChildRequest{Name: "Binh", BirthYear: year, Accounts: []string{"dad"}}, apitype.CodeBadRequest, "accounts[0]"},
		{"an account that does not exist is named",
			apitype.AddChildRequest{Name: "Binh", BirthYear: year, Accounts: []string{"kid", "ghost"}}, apitype.CodeBadRequest, "accounts[1]"},
		{"a child needs an account",
			apitype.AddChildRequest{Name: "Binh", BirthYear: year}, apitype.CodeBadRequest, "accounts"},
		{"an adult is not a child",
			apitype.AddChildRequest{Name: "Binh", BirthYear: year - 20, Accounts: []string{"kid"}}, apitype.CodeBadRequest, "birthYear"},
		{"the same name twice is a conflict",
			apitype.AddChildRequest{Name: "An", BirthYear: year, Accounts: []string{"kid"}}, apitype.CodeConflict, ""},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			_, err := c.AddChild(ctxT(t), tc.req)
			var ae *client.APIError
			if !errors.As(err, &ae) || ae.Code != tc.code || ae.Field != tc.field {
				t.Errorf("AddChild: %#v; want %s on field %q", err, tc.code, tc.field)
			}
		})
	}
	if ch, err := c.Children(ctxT(t)); err != nil || len(ch) != 1 {
		t.Errorf("children after the refusals: %v %v; want An only", ch, err)
	}
}

// A game runs for the child: it is warned, closed after its budget and the
// grace; a relaunch, a renamed copy and a blocked app are killed at exec; a
// grant opens game time again.
func TestAgentGameBudget(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	ctx := ctxT(t)
	if err := c.SetPolicy(ctx, policy(t, fmt.Sprintf(gamePolicy, time.Now().Year()-11))); err != nil {
		t.Fatalf("policy import: %v", err)
	}
	// The store keeps apps by their SHA-256: give the fake real-looking sums.
	gameSum := sum("kt-game")
	w.os.SetHash("/usr/games/kt-game", gameSum)
	w.os.SetHash("/home/kid/homework", gameSum)
	w.os.SetHash("/usr/bin/badapp", sum("badapp"))
	w.os.SetHash("/usr/bin/xterm", sum("xterm"))

	// Something of the child's that is no game: screen time, not game time.
	w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/xterm"})
	// Root's and the parent's processes are never touched.
	rootPID := w.os.Exec(platform.Process{UID: 0, Exe: "/usr/games/kt-game"})

	started := time.Now()
	game := w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/games/kt-game"})
	if !eventually(15*time.Second, func() bool { return len(terminated(w.os, game)) > 0 }) {
		t.Fatalf("the game still runs %v after starting with 2 s of budget and 1 s of grace", time.Since(started))
	}
	ran := time.Since(started)
	t.Logf("the game was closed after %v (budget 2 s + grace 1 s)", ran.Round(time.Millisecond))
	if ran < 2500*time.Millisecond {
		t.Errorf("the game was closed after %v, before its budget and grace (3 s)", ran)
	}
	if a := terminated(w.os, game)[0]; a.Grace <= 0 || a.Err != nil {
		t.Errorf("the game was closed with %+v; want SIGTERM with a grace, succeeding", a)
	}
	if alive(w.os, game) {
		t.Error("the game is still running")
	}
	if !eventually(5*time.Second, func() bool { return len(eventsOf(t, c, "app_closed")) > 0 }) {
		t.Error("no app_closed event")
	}
	if ws := eventsOf(t, c, "warning"); len(ws) == 0 {
		t.Error("no warning before the game was closed")
	}
	if !eventually(2*time.Second, func() bool { return w.notes.count() > 0 }) {
		t.Error("no notification was shown in the child's session")
	}
	st := childStatus(t, c, "An")
	if st.GamesLeftSec != 0 || st.GamesUsedSec < 2 || st.GamesLimitSec != 2 {
		t.Errorf("status: %d s of games used, %d s left of %d; want 0 left of 2", st.GamesUsedSec, st.GamesLeftSec, st.GamesLimitSec)
	}
	if st.ScreenUsedSec < st.GamesUsedSec {
		t.Errorf("status: screen %d s < games %d s; game time is screen time too", st.ScreenUsedSec, st.GamesUsedSec)
	}

	kills := []struct {
		sentence string
		exe      string
	}{
		{"a relaunch of the spent game is killed on its exec", "/usr/games/kt-game"},
		{"a renamed copy of the spent game is killed on its exec", "/home/kid/homework"},
		{"a blocked app is killed on its exec", "/usr/bin/badapp"},
	}
	for _, tc := range kills {
		t.Run(tc.sentence, func(t *testing.T) {
			at := time.Now()
			pid := w.os.Exec(platform.Process{UID: w.kid, Exe: tc.exe})
			if !eventually(2*time.Second, func() bool { return len(terminated(w.os, pid)) > 0 }) {
				t.Fatalf("%s was not killed", tc.exe)
			}
			took := time.Since(at)
			t.Logf("exec→kill %v", took.Round(time.Microsecond))
			if a := terminated(w.os, pid)[0]; a.Grace != 0 {
				t.Errorf("killed with grace %v; a relaunch gets none", a.Grace)
			}
			if took > 500*time.Millisecond {
				t.Errorf("killed %v after exec; want it on the exec event, not at a later tick", took)
			}
		})
	}
	if !alive(w.os, rootPID) || len(terminated(w.os, rootPID)) > 0 {
		t.Error("root's copy of the game was touched")
	}

	// A grant opens game time again.
	if err := c.Grant(ctx, apitype.GrantRequest{Child: "An", Kind: apitype.KindGames, AddSec: 60}); err != nil {
		t.Fatalf("grant: %v", err)
	}
	// The status catches up at the next tick.
	var st2 apitype.ChildStatus
	if !eventually(2*time.Second, func() bool { st2 = childStatus(t, c, "An"); return st2.GamesLeftSec > 0 }) || st2.GamesLimitSec != 62 {
		t.Errorf("after a grant of 60 s: limit %d s, %d s left; want 62 and some left", st2.GamesLimitSec, st2.GamesLeftSec)
	}
	again := w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/games/kt-game"})
	time.Sleep(500 * time.Millisecond)
	if !alive(w.os, again) {
		t.Errorf("the game was closed after a grant: %+v", terminated(w.os, again))
	}

	// The report has the game's seconds.
	u, err := c.Usage(ctx, "An", "", "", "day")
	if err != nil {
		t.Fatalf("usage: %v", err)
	}
	var games int64
	for _, r := range u.Rows {
		games += r.GamesSec
	}
	if games < 2 || games > int64(ran/time.Second)+2 {
		t.Errorf("usage says %d s of games; the game ran %v", games, ran)
	}
}

// A child asks for time (as their own uid); the parent answers; a second
// answer is a conflict. The child sees only themself.
func TestAgentRequests(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	w.users.Add("binh", w.kid+1, false)
	if _, err := c.AddChild(ctxT(t), apitype.AddChildRequest{Name: "Binh", BirthYear: time.Now().Year() - 9, Accounts: []string{"binh"}}); err != nil {
		t.Fatal(err)
	}

	var st apitype.Status
	if ae := w.asChild("status", &st); ae != nil {
		t.Fatalf("a child's status: %v", ae)
	}
	if st.Role != apitype.RoleChild || len(st.Children) != 1 || st.Children[0].Name != "An" {
		t.Errorf("a child's status: role %s, %d children; want child and only An", st.Role, len(st.Children))
	}
	if ae := w.asChild("children", new([]apitype.Child)); ae == nil || ae.Code != apitype.CodeNotAllowed || ae.Status != 403 {
		t.Errorf("a child listing the children: %+v; want 403 not_allowed", ae)
	}

	var rq apitype.Request
	if ae := w.asChild("ask", &rq); ae != nil {
		t.Fatalf("ask: %v", ae)
	}
	if rq.Child != "An" || rq.Status != "pending" || rq.AddSec != 600 {
		t.Fatalf("request %+v; want An's pending 600 s", rq)
	}
	ctx := ctxT(t)
	pending, err := c.Requests(ctx, "pending")
	if err != nil || len(pending) != 1 || pending[0].ID != rq.ID {
		t.Fatalf("pending requests: %+v %v; want the one asked", pending, err)
	}
	got, err := c.Answer(ctx, rq.ID, apitype.AnswerRequest{Approve: true, AddSec: 300})
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	if got.Status != "approved" || got.GrantedSec != 300 {
		t.Errorf("answer %+v; want approved with 300 s", got)
	}
	if st := childStatus(t, c, "An"); st.ScreenLimitSec <= 0 {
		t.Errorf("screen limit %d after the grant", st.ScreenLimitSec)
	}
	_, err = c.Answer(ctx, rq.ID, apitype.AnswerRequest{Approve: false})
	if !client.IsCode(err, apitype.CodeConflict) {
		t.Errorf("a second answer: %v; want a conflict", err)
	}
	_, err = c.Answer(ctx, rq.ID+100, apitype.AnswerRequest{Approve: true})
	if !client.IsCode(err, apitype.CodeNotFound) {
		t.Errorf("answering a request that does not exist: %v; want not_found", err)
	}
}

// The wall clock jumps while the agent runs: an event, the day and the
// usage stay; the agent restarts on the same data: today's usage goes on.
func TestAgentClockJumpAndRestart(t *testing.T) {
	w := newWorld(t)
	c, stop := w.start()
	setUp(t, c)
	ctx := ctxT(t)
	if err := c.SetPolicy(ctx, policy(t, fmt.Sprintf(gamePolicy, time.Now().Year()-11))); err != nil {
		t.Fatal(err)
	}
	w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/xterm"})
	if !eventually(10*time.Second, func() bool { return childStatus(t, c, "An").ScreenUsedSec >= 2 }) {
		t.Fatal("screen time does not count while the child has a process (fail closed)")
	}
	before := childStatus(t, c, "An").ScreenUsedSec
	st0, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The child sets the clock 3 hours ahead (a new day, they hope).
	w.clock.offset.Store(int64(3 * time.Hour))
	if !eventually(5*time.Second, func() bool { return len(eventsOf(t, c, "clock_jump")) > 0 }) {
		t.Fatal("no clock_jump event after the wall clock moved 3 h")
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(eventsOf(t, c, "clock_jump")); n != 1 {
		t.Errorf("%d clock_jump events for one jump; want 1", n)
	}
	st1, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st1.Day != st0.Day || time.Until(st1.Now).Abs() > time.Minute {
		t.Errorf("after the jump the agent says %s (%s); want the trusted %s, about now", st1.Day, st1.Now, st0.Day)
	}
	during := childStatus(t, c, "An").ScreenUsedSec
	if during < before {
		t.Errorf("screen time went from %d s to %d s after a clock jump", before, during)
	}

	stoppedAt := childStatus(t, c, "An").ScreenUsedSec
	stop()
	if _, err := c.Health(ctx); err == nil {
		t.Error("the API still answers after the agent stopped")
	}
	c2, _ := w.start()
	after := childStatus(t, c2, "An").ScreenUsedSec
	if after < stoppedAt || after < during {
		t.Errorf("screen time %d s before the restart, %d s after: today's usage was lost", stoppedAt, after)
	}
	if len(eventsOf(t, c2, "clock_jump")) < 2 {
		t.Error("a wall clock still 3 h ahead at start is not a clock_jump event")
	}
	st2, err := c2.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Day != st0.Day {
		t.Errorf("after the restart the day is %s; want the trusted %s", st2.Day, st0.Day)
	}
	if !eventually(5*time.Second, func() bool { return childStatus(t, c2, "An").ScreenUsedSec > after }) {
		t.Error("screen time does not go on after the restart")
	}
}

// Screen time runs out: with logind the session is locked; without it the
// child is logged out (all their processes killed) and a new process of
// theirs is killed at once. Nobody else's processes are touched.
func TestAgentScreenTimeSpent(t *testing.T) {
	cases := []struct {
		sentence string
		logind   bool
		want     fake.ActionKind
		never    fake.ActionKind
	}{
		{"with logind, the child's session is locked and nothing is killed", true, fake.ActLockSession, fake.ActKillUser},
		{"without logind, the child is logged out: every process of theirs is killed", false, fake.ActKillUser, fake.ActLockSession},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			w := newWorld(t)
			deps := w.deps()
			if tc.logind {
				deps = withLogind(deps, w.os)
			}
			c, _ := w.startWith(deps)
			setUp(t, c)
			if err := c.SetPolicy(ctxT(t), policy(t, fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],
				"screen":{"daily":"2s"},"allowed":{"daily":["00:00-24:00"]},"warnings":["1s"],"grace":"1s"}]}`, time.Now().Year()-11))); err != nil {
				t.Fatal(err)
			}
			// The session starts now: screen time counted during the set-up
			// above would otherwise eat the 2 s budget on a slow machine.
			if tc.logind {
				w.os.SetSession(platform.Session{ID: "c7", UID: w.kid, Active: true})
			}
			dad := w.os.Exec(platform.Process{UID: 1000, Exe: "/usr/bin/editor"})
			root := w.os.Exec(platform.Process{UID: 0, Exe: "/usr/sbin/cron"})
			kid := w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/xterm"})
			started := time.Now()
			has := func(k fake.ActionKind) bool {
				for _, a := range w.os.Actions() {
					if a.Kind == k {
						return true
					}
				}
				return false
			}
			if !eventually(15*time.Second, func() bool { return has(tc.want) }) {
				t.Fatalf("no %s %v after 2 s of screen time and 1 s of grace; actions %+v", tc.want, time.Since(started), w.os.Actions())
			}
			took := time.Since(started)
			t.Logf("%s after %v (budget 2 s + grace 1 s)", tc.want, took.Round(time.Millisecond))
			if took < 2500*time.Millisecond {
				t.Errorf("%s after %v: before the budget and the grace ran out", tc.want, took)
			}
			for _, a := range w.os.Actions() {
				if a.Kind == fake.ActKillUser && a.UID != w.kid {
					t.Errorf("processes of uid %d were killed", a.UID)
				}
				if a.Kind == fake.ActLockSession && a.Session != "c7" {
					t.Errorf("session %s was locked", a.Session)
				}
			}
			if !alive(w.os, dad) || !alive(w.os, root) {
				t.Error("a parent's or root's process was killed")
			}
			time.Sleep(300 * time.Millisecond)
			if has(tc.never) {
				t.Errorf("also %s: %+v", tc.never, w.os.Actions())
			}
			if tc.logind {
				if !alive(w.os, kid) {
					t.Error("a locked child's process was killed")
				}
				if !eventually(5*time.Second, func() bool { return len(eventsOf(t, c, "lock")) > 0 }) {
					t.Error("no lock event")
				}
				return
			}
			if alive(w.os, kid) {
				t.Error("the child's process survived the logout")
			}
			if !eventually(5*time.Second, func() bool { return len(eventsOf(t, c, "logout")) > 0 }) {
				t.Error("no logout event")
			}
			// Logging in again with no time left is met at once.
			again := w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/xterm"})
			if !eventually(time.Second, func() bool { return !alive(w.os, again) }) {
				t.Error("a new process of a logged-out child survived")
			}
			if st := childStatus(t, c, "An"); st.State != apitype.StateBlocked || st.ScreenLeftSec != 0 {
				t.Errorf("status: %s with %d s left; want blocked with 0", st.State, st.ScreenLeftSec)
			}
		})
	}
}

// A parent pauses games for today: a running game is closed, a new one is
// killed at exec; resuming lets games run again. Other apps run on.
func TestAgentPauseGames(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	ctx := ctxT(t)
	if err := c.SetPolicy(ctx, policy(t, fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],
		"screen":{"daily":"1h"},"games":{"daily":"1h"},"allowed":{"daily":["00:00-24:00"]},"grace":"0s",
		"apps":[{"match":{"name":"kt-game"},"category":"game"}]}]}`, time.Now().Year()-11))); err != nil {
		t.Fatal(err)
	}
	w.os.SetHash("/usr/games/kt-game", sum("kt-game"))
	w.os.SetHash("/usr/bin/xterm", sum("xterm"))
	term := w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/xterm"})
	game := w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/games/kt-game"})
	time.Sleep(300 * time.Millisecond)
	if !alive(w.os, game) {
		t.Fatal("a game with an hour left was closed")
	}
	if err := c.Action(ctx, apitype.ActionRequest{Child: "An", Action: apitype.ActionPauseGames}); err != nil {
		t.Fatalf("pause games: %v", err)
	}
	if !eventually(5*time.Second, func() bool { return !alive(w.os, game) }) {
		t.Fatal("the running game was not closed when games were paused")
	}
	if st := childStatus(t, c, "An"); !st.GamesPaused {
		t.Error("status does not say games are paused")
	}
	next := w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/games/kt-game"})
	if !eventually(time.Second, func() bool { return !alive(w.os, next) }) {
		t.Error("a game started while paused was not killed")
	}
	if err := c.Action(ctx, apitype.ActionRequest{Child: "An", Action: apitype.ActionResume}); err != nil {
		t.Fatalf("resume games: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	after := w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/games/kt-game"})
	time.Sleep(500 * time.Millisecond)
	if !alive(w.os, after) {
		t.Error("a game was killed after games were resumed")
	}
	if !alive(w.os, term) {
		t.Error("a program that is no game was closed")
	}
	if err := c.Action(ctx, apitype.ActionRequest{Child: "An", Action: "dance"}); !client.IsCode(err, apitype.CodeBadRequest) {
		t.Errorf("an unknown action: %v; want bad_request", err)
	}
}

// Parents' actions and grants arrive while the agent ticks: the child's day
// state is shared between the API and the tick loop and must be guarded
// (run with -race).
func TestAgentActionsWhileTicking(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	ctx := ctxT(t)
	w.os.SetHash("/usr/bin/xterm", sum("xterm"))
	w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/xterm"})
	limit := childStatus(t, c, "An").ScreenLimitSec
	for i := range 40 {
		act := apitype.ActionPauseGames
		if i%2 == 1 {
			act = apitype.ActionResume
		}
		if err := c.Action(ctx, apitype.ActionRequest{Child: "An", Action: act}); err != nil {
			t.Fatalf("action %s: %v", act, err)
		}
		if err := c.Grant(ctx, apitype.GrantRequest{Child: "An", Kind: apitype.KindScreen, AddSec: 1}); err != nil {
			t.Fatalf("grant: %v", err)
		}
		time.Sleep(15 * time.Millisecond)
	}
	if st := childStatus(t, c, "An"); st.ScreenLimitSec != limit+40 || st.GamesPaused {
		t.Errorf("after 40 grants of 1 s and a last resume: limit %d s (was %d), games paused %v; want %d, not paused",
			st.ScreenLimitSec, limit, st.GamesPaused, limit+40)
	}
}

// A heartbeat comes from the child's own session and may lie: it can make
// enforcement stricter, never looser.
func TestAgentForgedHeartbeatDoesNotStopTime(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	if err := c.SetPolicy(ctxT(t), policy(t, fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],
		"screen":{"daily":"1h"},"allowed":{"daily":["00:00-24:00"]}}]}`, time.Now().Year()-11))); err != nil {
		t.Fatal(err)
	}
	w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/xterm"})
	if !eventually(10*time.Second, func() bool { return childStatus(t, c, "An").ScreenUsedSec >= 1 }) {
		t.Fatal("screen time does not count while the child has a process")
	}
	before := childStatus(t, c, "An").ScreenUsedSec
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		var st apitype.ChildStatus
		if e := w.asChild("lying-heartbeat", &st); e != nil {
			t.Fatalf("heartbeat refused: %v", e)
		}
		time.Sleep(200 * time.Millisecond)
	}
	after := childStatus(t, c, "An").ScreenUsedSec
	if after < before+2 {
		t.Errorf("screen time went from %d s to %d s in 3 s of heartbeats saying locked and idle: a child's heartbeat stopped the count", before, after)
	}
}

func TestAgentChildSessionLimits(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	cases := []struct {
		sentence string
		cmd      string
		code     string
		field    string
	}{
		{"a child's account cannot hold a parent token, even with the right PIN", "login", apitype.CodeNotAllowed, ""},
		{"a grant on the spot is capped at an hour, whatever the code", "grant-big", apitype.CodeBadRequest, "addSec"},
	}
	for _, tc := range cases {
		var out any
		e := w.asChild(tc.cmd, &out)
		if e == nil {
			t.Errorf("%s: accepted", tc.sentence)
			continue
		}
		if e.Code != tc.code || e.Field != tc.field {
			t.Errorf("%s: got %s (field %q), want %s (field %q)", tc.sentence, e.Code, e.Field, tc.code, tc.field)
		}
	}
}

// A child at the PC with no companion at all (autostart disabled, or it
// never started) is a tamper signal for the parent, once a day.
func TestAgentCompanionMissing(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	allDay(t, c)
	w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/xterm"})
	if !eventually(10*time.Second, func() bool { return len(eventsOf(t, c, "companion_missing")) > 0 }) {
		t.Fatal("no companion_missing event for a child at the PC with no companion")
	}
	time.Sleep(1500 * time.Millisecond)
	evs := eventsOf(t, c, "companion_missing")
	if len(evs) != 1 || !evs[0].Tamper {
		t.Errorf("%d companion_missing events (tamper %v); want one, marked tamper", len(evs), len(evs) > 0 && evs[0].Tamper)
	}
}

func TestAgentPINNeverAcceptedFromAChildSession(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	var out any
	e := w.asChild("grant-pin", &out)
	if e == nil || e.Code != apitype.CodeNotAllowed {
		t.Fatalf("a grant with the right PIN from the child's session: %v; want not_allowed", e)
	}
	if len(eventsOf(t, c, "pin_in_child_session")) != 1 {
		t.Error("no pin_in_child_session event for the parent")
	}
}
