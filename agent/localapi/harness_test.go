package localapi

// The test harness: the handlers over a fake Backend that holds the real
// store, auth guard and family (with fake OS accounts), and simple
// in-memory stand-ins for the running agent that record their calls. The
// route table is served by the real agent/api server on an in-memory
// listener whose connections declare their caller (ipc.DeclaredPeer), so
// each request arrives as a chosen OS account.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/auth"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/agent/internal/testkit"
	"github.com/kidtime/kidtime/agent/ipc"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// The world's OS accounts.
const (
	uidKid      = 50001 // "kid": An's account
	uidMum      = 50002 // "mum": a standard account, a parent once logged in
	uidDad      = 50003 // "dad": an administrator of the machine
	uidKid2     = 50004 // "kid2": Binh's account
	uidCuc      = 50005 // "cuc": a standard account no child claims yet
	uidStranger = 50099 // an account the family does not know: always other

	testPIN = "246810"
)

func newUsers() *testkit.Users {
	return testkit.NewUsers(
		facts.Account{Name: "kid", UID: uidKid},
		facts.Account{Name: "mum", UID: uidMum},
		facts.Account{Name: "dad", UID: uidDad, Admin: true},
		facts.Account{Name: "kid2", UID: uidKid2},
		facts.Account{Name: "cuc", UID: uidCuc},
	)
}

// clock is a hand-moved clock, in the local zone.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeBackend is the Backend: the real store, guard and family, and the
// running state as simple maps rebuilt by Reload.
type fakeBackend struct {
	clk   *clock
	st    *store.Store
	guard *auth.Guard
	fam   *family.Family
	users *testkit.Users
	log   *slog.Logger

	mu       sync.Mutex
	calls    []string
	children []family.Stored
	global   rules.File
	byUID    map[uint32]string
	lockErr  error // what LockNow answers
}

var _ Backend = (*fakeBackend)(nil)

func (b *fakeBackend) Now() time.Time         { return b.clk.Now() }
func (b *fakeBackend) Store() *store.Store    { return b.st }
func (b *fakeBackend) Auth() *auth.Guard      { return b.guard }
func (b *fakeBackend) Family() *family.Family { return b.fam }
func (b *fakeBackend) note(format string, args ...any) {
	b.mu.Lock()
	b.calls = append(b.calls, fmt.Sprintf(format, args...))
	b.mu.Unlock()
}

// takeCalls returns the calls recorded since the last takeCalls.
func (b *fakeBackend) takeCalls() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.calls
	b.calls = nil
	return out
}

func (b *fakeBackend) ChildOf(uid uint32) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	name, ok := b.byUID[uid]
	return name, ok
}

func (b *fakeBackend) find(name string) (family.Stored, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.children {
		if strings.EqualFold(c.Record.Name, name) {
			return c, true
		}
	}
	return family.Stored{}, false
}

func (b *fakeBackend) Rules(child string) (rules.Child, rules.Policy, bool) {
	c, ok := b.find(child)
	if !ok {
		return rules.Child{}, rules.Policy{}, false
	}
	pol, _ := c.Spec.Policy(b.clk.Now())
	return c.Spec, pol, true
}

func (b *fakeBackend) PolicyFile() rules.File {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := rules.File{Version: rules.FileVersion, DefaultProfile: b.global.DefaultProfile, Help: b.global.Help}
	for _, c := range b.children {
		f.Children = append(f.Children, c.Spec)
	}
	return f
}

func (b *fakeBackend) Statuses(child string) []ChildState {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []ChildState{}
	for _, c := range b.children {
		if child == "" || strings.EqualFold(c.Record.Name, child) {
			out = append(out, ChildState{Child: c.Record})
		}
	}
	return out
}

func (b *fakeBackend) Heartbeat(_ context.Context, uid uint32, hb monitor.Heartbeat) (ChildState, error) {
	b.note("Heartbeat %d", uid)
	name, ok := b.ChildOf(uid)
	if !ok {
		return ChildState{}, ErrNotChild
	}
	st := b.Statuses(name)
	if len(st) == 0 {
		return ChildState{}, ErrNotChild
	}
	st[0].CompanionSeen = hb.At
	return st[0], nil
}

// Reload re-reads the children from the family, as the agent does.
func (b *fakeBackend) Reload(ctx context.Context) error {
	b.note("Reload")
	return b.reload(ctx)
}

func (b *fakeBackend) reload(ctx context.Context) error {
	stored, global, err := b.fam.Children(ctx)
	if err != nil {
		return err
	}
	slices.SortFunc(stored, func(x, y family.Stored) int { return strings.Compare(x.Record.Name, y.Record.Name) })
	byUID := map[uint32]string{}
	for _, c := range stored {
		for _, acc := range c.Record.Accounts {
			if uid, err := b.users.Lookup(acc); err == nil {
				byUID[uid] = c.Record.Name
			}
		}
	}
	b.mu.Lock()
	b.children, b.global, b.byUID = stored, global, byUID
	b.mu.Unlock()
	return nil
}

func (b *fakeBackend) Refresh(_ context.Context, child string) error {
	b.note("Refresh %s", child)
	return nil
}

func (b *fakeBackend) PauseGames(_ context.Context, child string, pause bool, by string) error {
	b.note("PauseGames %s %v %s", child, pause, by)
	return nil
}

func (b *fakeBackend) LockNow(_ context.Context, child, by string) error {
	b.note("LockNow %s %s", child, by)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lockErr != nil {
		return fmt.Errorf("%s: %w", child, b.lockErr)
	}
	return nil
}

func (b *fakeBackend) Flush(context.Context) error {
	b.note("Flush")
	return nil
}

// Record appends an event to the store, as the agent does (without the
// child when the child is gone).
func (b *fakeBackend) Record(ctx context.Context, child, kind string, detail map[string]any) {
	b.note("Record %s", kind)
	b.record(ctx, child, kind, detail)
}

func (b *fakeBackend) record(ctx context.Context, child, kind string, detail map[string]any) {
	_, err := b.st.AppendEvent(ctx, store.Event{At: b.clk.Now(), Child: child, Kind: kind, Detail: detail})
	if errors.Is(err, store.ErrNotFound) && child != "" {
		_, err = b.st.AppendEvent(ctx, store.Event{At: b.clk.Now(), Kind: kind, Detail: detail})
	}
	if err != nil {
		b.log.Error("fake backend: event not stored", "kind", kind, "err", err)
	}
}

// recorder is the guard's and the family's recorder: the backend's Record,
// without counting as a handler's call.
type recorder struct{ b *fakeBackend }

func (r recorder) Record(ctx context.Context, child, kind string, detail map[string]any) {
	r.b.record(ctx, child, kind, detail)
}

// --- the harness ---

// hit is the route a request reached (past the role check) and the role
// the caller had there.
type hit struct {
	Pattern, RouteRole, CallerRole string
}

type harness struct {
	t     testing.TB
	b     *fakeBackend
	h     *Handlers
	lis   *testkit.Listener
	token string // mum's parent token (when logged in)

	last     atomic.Pointer[hit]
	panicked atomic.Pointer[string]
	mu       sync.Mutex
	clients  map[string]*http.Client
	stop     func()
}

type options struct {
	noSetup bool // no PIN yet (and no children)
}

// start is 16:00 on a Wednesday: the day of every test.
var start = time.Date(2025, 3, 5, 16, 0, 0, 0, time.Local)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// newHarness builds a world: the PIN set by the administrator, mum logged
// in as a parent, and two children, An (account kid) and Binh (kid2).
func newHarness(t testing.TB, opt options) *harness {
	t.Helper()
	return newHarnessIn(t, t.TempDir(), opt, t.Cleanup)
}

// template is the database of a world set up once per test process (the
// PIN's argon2 hash is slow, the more so under -race): the administrator
// set the PIN and added An (account kid) and Binh (kid2).
var template struct {
	once sync.Once
	db   []byte
	err  error
}

func templateDB() ([]byte, error) {
	template.once.Do(func() {
		template.db, template.err = makeTemplate()
	})
	return template.db, template.err
}

func makeTemplate() ([]byte, error) {
	dir, err := os.MkdirTemp("", "localapi-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	clk := &clock{t: start}
	path := filepath.Join(dir, "kt.db")
	st, err := store.Open(ctx, path, store.WithNow(clk.Now), store.WithLogger(discard))
	if err != nil {
		return nil, err
	}
	b := &fakeBackend{clk: clk, st: st, users: newUsers(), log: discard}
	guard := auth.NewGuard(ctx, st, recorder{b}, discard, clk.Now)
	fam := family.New(st, b.users, recorder{b}, discard, clk.Now)
	if _, _, err := guard.Setup(ctx, auth.Who{UID: uidDad, User: "dad"}, testPIN); err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	admin := family.Actor{User: "dad", UID: uidDad, Admin: true, Role: apitype.RoleAdmin}
	for _, c := range []rules.Child{
		{Name: "An", BirthYear: start.Year() - 11, Accounts: []string{"kid"}},
		{Name: "Binh", BirthYear: start.Year() - 8, Accounts: []string{"kid2"}},
	} {
		if _, err := fam.AddChild(ctx, admin, c); err != nil {
			return nil, fmt.Errorf("add %s: %w", c.Name, err)
		}
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

func newHarnessIn(t testing.TB, dir string, opt options, cleanup func(func())) *harness {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: start}
	path := filepath.Join(dir, "kt.db")
	if !opt.noSetup {
		db, err := templateDB()
		if err != nil {
			t.Fatalf("template world: %v", err)
		}
		if err := os.WriteFile(path, db, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.Open(ctx, path, store.WithNow(clk.Now), store.WithLogger(discard))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	b := &fakeBackend{clk: clk, st: st, users: newUsers(), log: discard, byUID: map[uint32]string{}}
	b.guard = auth.NewGuard(ctx, st, recorder{b}, discard, clk.Now)
	b.fam = family.New(st, b.users, recorder{b}, discard, clk.Now)
	hs := &harness{t: t, b: b, h: New(b, discard), lis: testkit.NewListener(), clients: map[string]*http.Client{}}

	routes := hs.h.Routes()
	for i := range routes {
		rt := routes[i]
		inner := rt.Handle
		routes[i].Handle = func(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
			hs.last.Store(&hit{Pattern: rt.Pattern, RouteRole: rt.Role, CallerRole: c.Role})
			defer func() {
				// net/http would swallow a handler's panic: keep it for
				// the test to see, then let it go on.
				if p := recover(); p != nil {
					msg := fmt.Sprintf("%s panicked: %v\n%s", rt.Pattern, p, debug.Stack())
					hs.panicked.Store(&msg)
					panic(p)
				}
			}()
			return inner(ctx, c, r)
		}
	}
	srv := api.New(routes, hs.h.Identify, discard)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, hs.lis) }()
	hs.stop = func() {
		cancel()
		hs.mu.Lock()
		for _, c := range hs.clients {
			c.CloseIdleConnections()
		}
		hs.mu.Unlock()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		_ = hs.lis.Close()
		_ = st.Close()
	}
	cleanup(hs.stop)

	if !opt.noSetup {
		hs.login()
	}
	if err := b.reload(ctx); err != nil {
		t.Fatalf("reload: %v", err)
	}
	b.takeCalls()
	return hs
}

// login gives mum a parent token.
func (hs *harness) login() {
	hs.t.Helper()
	tok, _, err := hs.b.guard.Login(context.Background(), auth.Who{UID: uidMum, User: "mum"}, testPIN)
	if err != nil {
		hs.t.Fatalf("mum's login: %v", err)
	}
	hs.token = tok
}

// A caller: an OS account, and the token it presents.
type caller struct {
	name  string
	peer  ipc.Peer
	token bool // presents mum's parent token
}

var (
	asAdmin    = caller{"admin", ipc.Peer{UID: uidDad, Username: "dad", IsAdmin: true, Groups: []string{"sudo"}}, false}
	asParent   = caller{"parent", ipc.Peer{UID: uidMum, Username: "mum"}, true}
	asMum      = caller{"mum without a token", ipc.Peer{UID: uidMum, Username: "mum"}, false}
	asChild    = caller{"child An", ipc.Peer{UID: uidKid, Username: "kid"}, false}
	asChild2   = caller{"child Binh", ipc.Peer{UID: uidKid2, Username: "kid2"}, false}
	asStranger = caller{"other", ipc.Peer{UID: uidStranger, Username: "stranger"}, false}
)

func (hs *harness) client(c caller) *http.Client {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	key := fmt.Sprint(c.peer.UID, c.peer.IsAdmin)
	if hc, ok := hs.clients[key]; ok {
		return hc
	}
	p := c.peer
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return hs.lis.Dial(ctx, p) },
	}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	hs.clients[key] = hc
	return hc
}

// resp is an answer of the API.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
	Err    apitype.Error // when Status is not 2xx
}

// decode reads the body into v.
func (r resp) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r resp) String() string { return fmt.Sprintf("%d %s", r.Status, bytes.TrimSpace(r.Body)) }

// do sends a request as c. body is sent as is when it is []byte or a
// string, as JSON otherwise, and not at all when nil.
func (hs *harness) do(c caller, method, path string, body any) resp {
	hs.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(v)
	case string:
		rd = strings.NewReader(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			hs.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://kidtimed.local"+path, rd)
	if err != nil {
		hs.t.Fatal(err)
	}
	if c.token {
		req.Header.Set("Authorization", "Bearer "+hs.token)
	}
	r, err := hs.send(c, req)
	if err != nil {
		hs.t.Fatalf("%s %s as %s: %v", method, path, c.name, err)
	}
	return r
}

func (hs *harness) send(c caller, req *http.Request) (resp, error) {
	hs.last.Store(nil)
	res, err := hs.client(c).Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	out := resp{Status: res.StatusCode, Header: res.Header, Body: b}
	if res.StatusCode/100 != 2 {
		_ = json.Unmarshal(b, &out.Err)
	}
	return out, nil
}

// events are the stored events of a kind.
func (hs *harness) events(kind string) []store.Event {
	hs.t.Helper()
	evs, err := hs.b.st.Events(context.Background(), time.Time{}, "")
	if err != nil {
		hs.t.Fatal(err)
	}
	var out []store.Event
	for _, e := range evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}
