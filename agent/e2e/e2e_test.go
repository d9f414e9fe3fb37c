//go:build e2e && linux

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/agent/web"
)

// env is what every test shares: the binaries, the accounts.
var env struct {
	dir      string // world-readable folder of binaries and sockets
	kidtimed string
	kidtime  string
	game     string // a "game": a copy of sleep
	users    map[string]account
}

type account struct {
	name     string
	uid, gid uint32
}

var userNames = []string{"kte2e-an", "kte2e-binh", "kte2e-chi", "kte2e-dad"}

func TestMain(m *testing.M) {
	if socket := os.Getenv(floodEnv); socket != "" {
		os.Exit(flood(socket))
	}
	if socket := os.Getenv(newAccountEnv); socket != "" {
		os.Exit(newAccountAs(socket))
	}
	if socket := os.Getenv(beatEnv); socket != "" {
		os.Exit(beat(socket, os.Getenv(beatLockedEnv) != ""))
	}
	if cmd := os.Getenv(dnsEnv); cmd != "" {
		os.Exit(dnsHelper(cmd))
	}
	if os.Geteuid() != 0 {
		// Nothing to set up: every test skips (ostest.NeedRoot) and says
		// why, so that the run reports skipped tests rather than none.
		os.Exit(m.Run())
	}
	code, err := setup(m)
	_ = web.RemoveTable(runTable()) // the tables outlive the daemons on purpose
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "kidtime-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		return 0, err
	}
	env.dir = dir
	root, err := moduleRoot()
	if err != nil {
		return 0, err
	}
	for _, c := range []string{"kidtimed", "kidtime", "kidtime-hub"} {
		out := filepath.Join(dir, c)
		cmd := exec.Command("go", "build", "-o", out, "./cmd/"+c)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("build %s: %v\n%s", c, err, b)
		}
	}
	env.kidtimed, env.kidtime = filepath.Join(dir, "kidtimed"), filepath.Join(dir, "kidtime")
	env.game = filepath.Join(dir, "kt-game")
	if err := copyFile("/bin/sleep", env.game); err != nil {
		return 0, err
	}
	env.users = map[string]account{}
	defer func() {
		for _, u := range env.users {
			if err := ostest.DeleteUser(u.name); err != nil {
				fmt.Fprintln(os.Stderr, "e2e cleanup:", err)
			}
		}
	}()
	// Each run has its own accounts (kte2e-an-1a2b…): two runs at once on
	// one machine must not kill or delete each other's.
	// A safe-web table that a killed run (or daemon) left behind, naming
	// accounts that are gone, would close the DNS of the accounts made
	// below if they get the same ids.
	if removed, err := web.RemoveStaleTables(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup: stale safe-web tables:", err)
	} else if len(removed) > 0 {
		fmt.Fprintln(os.Stderr, "e2e setup: removed stale safe-web tables:", removed)
	}
	run := ostest.UniqueName("")[:4]
	for _, n := range userNames {
		u, err := ostest.CreateUser(n + "-" + run)
		if err != nil {
			return 0, err
		}
		env.users[n] = account{u.Name, u.UID, u.GID}
	}
	return m.Run(), nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o755)
}

// daemon is one running kidtimed.
type daemon struct {
	t      *testing.T
	data   string
	socket string
	cmd    *exec.Cmd
	log    *bytes.Buffer
	// restart starts it again when it was started otherwise than by
	// start (web_test.go).
	restart func()
}

func startDaemon(t *testing.T, data string) *daemon {
	t.Helper()
	d := &daemon{t: t, data: data, socket: filepath.Join(env.dir, "s-"+filepath.Base(data)+".sock"), log: &bytes.Buffer{}}
	d.start()
	t.Cleanup(func() {
		d.stop()
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.log.String())
		}
	})
	return d
}

func (d *daemon) start() {
	d.t.Helper()
	d.cmd = exec.Command(env.kidtimed, "run", "--data-dir", d.data, "--socket", d.socket, "--log-level", "debug")
	d.cmd.Env = append(os.Environ(), webTestEnv()...) // the safe web in a table of this run's, no browser policies
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	if err := d.cmd.Start(); err != nil {
		d.t.Fatalf("start kidtimed: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if _, _, code := d.cli(nil, "status"); code == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	d.t.Fatalf("kidtimed did not answer within 15 s; log:\n%s", d.log.String())
}

func (d *daemon) stop() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = d.cmd.Process.Kill()
		<-done
	}
	d.cmd = nil
}

// kill9 kills the daemon the hard way.
func (d *daemon) kill9() {
	_ = d.cmd.Process.Kill()
	_ = d.cmd.Wait()
	d.cmd = nil
}

// cli runs kidtime as root (as) or as an account; it returns stdout,
// stderr and the exit status.
func (d *daemon) cli(as *account, args ...string) (string, string, int) {
	return d.cliIn(as, "", args...)
}

func (d *daemon) cliIn(as *account, stdin string, args ...string) (string, string, int) {
	argv := append([]string{"--socket", d.socket}, args...)
	cmd := exec.Command(env.kidtime, argv...)
	if as != nil {
		cmd = ostest.Command(as.uid, as.gid, env.kidtime, argv...)
	}
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C", "HOME=" + env.dir}
	if as != nil {
		rt := filepath.Join(env.dir, "rt-"+as.name)
		_ = os.MkdirAll(rt, 0o700)
		_ = os.Chown(rt, int(as.uid), int(as.gid))
		cmd.Env = append(cmd.Env, "XDG_RUNTIME_DIR="+rt)
	}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
	}
	return out.String(), errb.String(), code
}

// must runs the CLI as root and fails the test on a non-zero exit.
func (d *daemon) must(args ...string) string {
	d.t.Helper()
	out, errs, code := d.cli(nil, args...)
	if code != 0 {
		d.t.Fatalf("kidtime %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func (d *daemon) policy(p string) {
	d.t.Helper()
	f := filepath.Join(d.t.TempDir(), "policy.json")
	if err := os.WriteFile(f, []byte(p), 0o600); err != nil {
		d.t.Fatal(err)
	}
	d.must("policy", "import", f)
}

// allDayForOthers gives the accounts no child claims (the default profile:
// kte2e-dad is a standard account) the whole day: tests that use them as
// a parent or another account must pass at any hour (CI runs in the
// evening, after the default profile's hours).
func (d *daemon) allDayForOthers() {
	d.t.Helper()
	d.policy(`{"version":1,"defaultProfile":{"preset":"none","allowed":{"daily":["00:00-24:00"]}}}`)
}

func (d *daemon) events(kind string) []apitype.Event {
	d.t.Helper()
	out := d.must("--json", "events", "--since", "1h")
	var evs []apitype.Event
	if err := json.Unmarshal([]byte(out), &evs); err != nil {
		d.t.Fatalf("events JSON: %v\n%s", err, out)
	}
	if kind == "" {
		return evs
	}
	var sel []apitype.Event
	for _, e := range evs {
		if e.Kind == kind {
			sel = append(sel, e)
		}
	}
	return sel
}

// waitEvents polls until an event of kind exists (events are written
// right after the action they record).
func (d *daemon) waitEvents(kind string, timeout time.Duration) []apitype.Event {
	d.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		evs := d.events(kind)
		if len(evs) > 0 || time.Now().After(deadline) {
			return evs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (d *daemon) status() apitype.Status {
	d.t.Helper()
	var st apitype.Status
	if err := json.Unmarshal([]byte(d.must("--json", "status")), &st); err != nil {
		d.t.Fatal(err)
	}
	return st
}

func (d *daemon) child(name string) apitype.ChildStatus {
	d.t.Helper()
	for _, c := range d.status().Children {
		if c.Name == name {
			return c
		}
	}
	d.t.Fatalf("no child %s in status", name)
	return apitype.ChildStatus{}
}

// runAs starts a program as an account.
func runAs(t *testing.T, as account, name string, args ...string) *proc {
	t.Helper()
	return runAsIn(t, as, "", name, args...)
}

// runAsIn starts a program as an account (root's uid 0: as this test) in a
// folder ("": this one).
func runAsIn(t *testing.T, as account, dir, name string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(name, args...)
	if as.uid != 0 {
		cmd = ostest.Command(as.uid, as.gid, name, args...)
	}
	cmd.Dir = dir
	p := &proc{cmd: cmd, done: make(chan struct{}), started: time.Now()}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s as %s: %v", name, as.name, err)
	}
	go func() {
		_ = cmd.Wait()
		p.ended = time.Now()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

type proc struct {
	cmd            *exec.Cmd
	done           chan struct{}
	started, ended time.Time
}

func (p *proc) exitedWithin(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func hhmm(t time.Time) string { return t.Format("15:04") }

// Test 1 and 6: a game is warned, closed when the game budget is spent,
// a relaunch and a renamed copy are killed at once, and usage reports the
// game's seconds within 2 s of the truth.
func TestGameBudget(t *testing.T) {
	ostest.NeedRoot(t)
	d := startDaemon(t, t.TempDir())
	an := env.users["kte2e-an"]
	d.policy(fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["%s"],
		"screen":{"daily":"1h"},"games":{"daily":"8s"},"allowed":{"daily":["00:00-24:00"]},
		"warnings":["5s"],"grace":"2s",
		"apps":[{"match":{"name":"kt-game"},"category":"game"}]}]}`, time.Now().Year()-11, an.name))

	game := runAs(t, an, env.game, "300")
	if !game.exitedWithin(20 * time.Second) {
		t.Fatal("the game still runs 20 s after starting with an 8 s budget and 2 s of grace")
	}
	ranFor := game.ended.Sub(game.started)
	t.Logf("game ran %v (budget 8 s + grace 2 s)", ranFor.Round(time.Millisecond))
	if ranFor < 9*time.Second {
		t.Errorf("the game was closed after %v, before its budget and grace (10 s)", ranFor)
	}
	if ranFor > 11*time.Second {
		t.Errorf("the game was closed %v after the budget and grace ran out (want within 1 s)", ranFor-10*time.Second)
	}
	warns := d.events("warning")
	if len(warns) == 0 {
		t.Error("no warning event before the game was closed")
	} else {
		// The 5 s warning is due 3 s into an 8 s budget.
		late := warns[0].At.Sub(game.started) - 3*time.Second
		t.Logf("the 5 s warning came %v from its threshold", late.Round(time.Millisecond))
		if late > time.Second || late < -time.Second {
			t.Errorf("the warning came %v from its threshold (want within 1 s)", late)
		}
	}
	closed := d.waitEvents("app_closed", 5*time.Second)
	if len(closed) == 0 {
		t.Fatal("no app_closed event")
	}

	// A relaunch is killed on its exec event.
	for i, bin := range []string{env.game, renamedCopy(t, env.game, "homework")} {
		p := runAs(t, an, bin, "300")
		if !p.exitedWithin(2 * time.Second) {
			t.Fatalf("launch %d (%s) was not killed", i, filepath.Base(bin))
		}
		took := p.ended.Sub(p.started)
		t.Logf("exec→dead for %s: %v", filepath.Base(bin), took.Round(time.Microsecond))
		if took > 100*time.Millisecond {
			t.Errorf("%s lived %v after exec; want within 100 ms", filepath.Base(bin), took)
		}
	}

	// Usage reports the game's seconds within 2 s of the truth.
	var u apitype.Usage
	if err := json.Unmarshal([]byte(d.must("--json", "usage", "An", "--by", "app")), &u); err != nil {
		t.Fatal(err)
	}
	var games int64
	for _, r := range u.Rows {
		games += r.GamesSec
	}
	diff := time.Duration(games)*time.Second - ranFor
	t.Logf("usage says %d s of games; the game ran %v (diff %v)", games, ranFor.Round(time.Millisecond), diff)
	if diff > 2*time.Second || diff < -2*time.Second {
		t.Errorf("usage says %d s of game time; the game ran %v", games, ranFor)
	}
}

func renamedCopy(t *testing.T, src, name string) string {
	t.Helper()
	dst := filepath.Join(env.dir, name)
	if err := copyFile(src, dst); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(dst) })
	return dst
}

// Test 2: screen time runs out; without logind the child is logged out (all
// their processes gone) and the parent's and root's processes live on.
func TestScreenTimeLogsOut(t *testing.T) {
	ostest.NeedRoot(t)
	d := startDaemon(t, t.TempDir())
	binh, dad := env.users["kte2e-binh"], env.users["kte2e-dad"]
	d.policy(fmt.Sprintf(`{"version":1,"children":[{"name":"Binh","birthYear":%d,"accounts":["%s"],
		"screen":{"daily":"5s"},"allowed":{"daily":["00:00-24:00"]},"warnings":["3s"],"grace":"2s"}]}`,
		time.Now().Year()-9, binh.name))
	kid1 := runAs(t, binh, "/bin/sleep", "300")
	kid2 := runAs(t, binh, "/bin/sh", "-c", "trap '' TERM; sleep 300")
	parent := runAs(t, dad, "/bin/sleep", "300")
	rootp := runAs(t, account{name: "root"}, "/bin/sleep", "300")
	if !kid1.exitedWithin(20*time.Second) || !kid2.exitedWithin(10*time.Second) {
		t.Fatal("the child's processes still run 20 s after 5 s of screen time")
	}
	t.Logf("logged out after %v (budget 5 s + grace 2 s)", kid1.ended.Sub(kid1.started).Round(time.Millisecond))
	if !parent.alive() || !rootp.alive() {
		t.Fatal("a parent's or root's process was killed")
	}
	if len(d.waitEvents("logout", 5*time.Second)) == 0 {
		t.Error("no logout event")
	}
	if len(d.events("warning")) == 0 {
		t.Error("no warning before the logout")
	}
	// Logging in again with no time left is met at once.
	again := runAs(t, binh, "/bin/sleep", "300")
	if !again.exitedWithin(2 * time.Second) {
		t.Fatal("a new process of the child survived with no time left")
	}
	if st := d.child("Binh"); st.State != apitype.StateBlocked || st.ScreenLeftSec != 0 {
		t.Errorf("status: state %s, %d s left; want blocked, 0", st.State, st.ScreenLeftSec)
	}
}

// Test 3: outside the allowed hours the child's new processes are stopped
// at once.
func TestOutsideAllowedHours(t *testing.T) {
	ostest.NeedRoot(t)
	d := startDaemon(t, t.TempDir())
	chi := env.users["kte2e-chi"]
	now := time.Now()
	// A window from 90 to 120 minutes ahead never holds now (past 22:30
	// it lies after midnight, and "daily" holds it every day).
	window := hhmm(now.Add(90*time.Minute)) + "-" + hhmm(now.Add(120*time.Minute))
	d.policy(fmt.Sprintf(`{"version":1,"children":[{"name":"Chi","birthYear":%d,"accounts":["%s"],
		"allowed":{"daily":["%s"]},"grace":"0s"}]}`, now.Year()-12, chi.name, window))
	time.Sleep(1500 * time.Millisecond) // a tick evaluates the new rules
	p := runAs(t, chi, "/bin/sleep", "300")
	if !p.exitedWithin(2 * time.Second) {
		t.Fatal("a process started outside the allowed hours was not stopped")
	}
	t.Logf("exec→dead outside allowed hours: %v", p.ended.Sub(p.started).Round(time.Microsecond))
	if st := d.child("Chi"); st.Reason != "hours.outside" {
		t.Errorf("reason %q, want hours.outside", st.Reason)
	}
}

// Test 4: kill -9 of the daemon; restarted, today's usage continues from
// the store and the gap is an event.
func TestKill9KeepsUsage(t *testing.T) {
	ostest.NeedRoot(t)
	data := t.TempDir()
	d := startDaemon(t, data)
	an := env.users["kte2e-an"]
	d.policy(fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["%s"],
		"screen":{"daily":"1h"},"allowed":{"daily":["00:00-24:00"]}}]}`, time.Now().Year()-11, an.name))
	runAs(t, an, "/bin/sleep", "300")
	time.Sleep(5 * time.Second)
	before := d.child("An").ScreenUsedSec
	time.Sleep(2500 * time.Millisecond) // past a flush
	d.kill9()
	killedAt := time.Now()
	d.start()
	after := d.child("An").ScreenUsedSec
	t.Logf("screen time %d s before kill -9, %d s after restart (%v later)", before, after, time.Since(killedAt).Round(time.Millisecond))
	if after < before+1 {
		t.Errorf("usage went from %d s to %d s across kill -9: lost more than the flush window", before, after)
	}
	if len(d.events("agent_restart")) == 0 {
		t.Error("no agent_restart event after kill -9")
	}
	time.Sleep(3 * time.Second)
	if later := d.child("An").ScreenUsedSec; later <= after {
		t.Errorf("usage did not continue after the restart: %d then %d", after, later)
	}
}

// Test 5: a child's connection cannot read another child's data, change
// rules, or approve its own request; wrong PINs are slowed and logged.
func TestChildCannotCheat(t *testing.T) {
	ostest.NeedRoot(t)
	d := startDaemon(t, t.TempDir())
	an, binh, dad := env.users["kte2e-an"], env.users["kte2e-binh"], env.users["kte2e-dad"]
	y := time.Now().Year()
	d.policy(fmt.Sprintf(`{"version":1,"children":[
		{"name":"An","birthYear":%d,"accounts":["%s"],"allowed":{"daily":["00:00-24:00"]}},
		{"name":"Binh","birthYear":%d,"accounts":["%s"],"allowed":{"daily":["00:00-24:00"]}}]}`, y-11, an.name, y-9, binh.name))
	d.cliIn(nil, "246810\n", "setup", "--pin-stdin")

	out, _, code := d.cli(&an, "--json", "status")
	if code != 0 {
		t.Fatalf("a child's status: exit %d", code)
	}
	var st apitype.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if st.Role != apitype.RoleChild || len(st.Children) != 1 || st.Children[0].Name != "An" {
		t.Errorf("a child's status shows role %s and %d children; want child and only themself", st.Role, len(st.Children))
	}
	if !slices.ContainsFunc(st.Help, func(c apitype.Contact) bool { return c.Number == "111" }) {
		t.Error("a child's status does not show the 111 hotline")
	}
	cases := []struct {
		sentence string
		args     []string
		want     int
	}{
		{"a child cannot read another child's usage", []string{"usage", "Binh"}, 3},
		{"a child cannot read another child's rules", []string{"rules", "show", "Binh"}, 3},
		{"a child cannot change their own limits", []string{"limit", "An", "--screen", "5h"}, 3},
		{"a child cannot grant themself time", []string{"grant", "An", "1h"}, 3},
		{"a child cannot list events", []string{"events"}, 3},
		{"a child can read their own usage", []string{"usage"}, 0},
		{"a child can ask for time", []string{"ask", "30m", "--reason", "homework"}, 0},
	}
	for _, c := range cases {
		if _, errs, code := d.cli(&an, c.args...); code != c.want {
			t.Errorf("%s: exit %d, want %d (%s)", c.sentence, code, c.want, strings.TrimSpace(errs))
		}
	}
	var reqs []apitype.Request
	out, _, _ = d.cli(&an, "--json", "requests")
	if err := json.Unmarshal([]byte(out), &reqs); err != nil || len(reqs) != 1 {
		t.Fatalf("the child's requests: %v %s", err, out)
	}
	id := strconv.FormatInt(reqs[0].ID, 10)
	if _, _, code := d.cli(&an, "approve", id); code != 3 {
		t.Errorf("a child approved their own request: exit %d", code)
	}
	if _, _, code := d.cli(&binh, "requests"); code != 0 {
		t.Errorf("another child's requests: exit %d", code)
	}
	out, _, _ = d.cli(&binh, "--json", "requests")
	if strings.Contains(out, "homework") {
		t.Error("a child sees another child's request")
	}

	// Wrong PINs from the parent's (non-admin) account: slowed and logged.
	var codes []int
	var slowed bool
	for range 5 {
		_, errs, code := d.cliIn(&dad, "111111\n", "--json", "login", "--pin-stdin")
		codes = append(codes, code)
		if strings.Contains(errs, "rate_limited") {
			slowed = true
		}
	}
	t.Logf("wrong PIN exits: %v", codes)
	if slices.Contains(codes, 0) {
		t.Fatal("a wrong PIN logged in")
	}
	if !slowed {
		t.Error("five wrong PINs were not slowed down")
	}
	if n := len(d.events("pin_failed")); n < 3 {
		t.Errorf("%d pin_failed events, want at least 3", n)
	}
	// The right PIN still works once the wait is over, and the parent can approve.
	time.Sleep(5 * time.Second)
	if _, errs, code := d.cliIn(&dad, "246810\n", "login", "--pin-stdin"); code != 0 {
		t.Fatalf("the right PIN after the wait: exit %d %s", code, errs)
	}
	if _, errs, code := d.cli(&dad, "approve", id, "15m"); code != 0 {
		t.Fatalf("the parent's approve: exit %d %s", code, errs)
	}
	if c := d.child("An"); c.ScreenLimitSec != 2*3600+15*60 {
		t.Errorf("after approving 15 min the limit is %d s, want %d", c.ScreenLimitSec, 2*3600+15*60)
	}
	_ = io.Discard
	_ = context.Background
}

// An account no child claims is held to the default profile (a child who
// makes a new account does not escape the rules), and the parent is told.
func TestDefaultProfileHoldsOtherAccounts(t *testing.T) {
	ostest.NeedRoot(t)
	d := startDaemon(t, t.TempDir())
	other := env.users["kte2e-dad"]
	d.policy(`{"version":1,"defaultProfile":{"preset":"age:10","screen":{"daily":"4s"},
		"allowed":{"daily":["00:00-24:00"]},"warnings":["2s"],"grace":"1s"}}`)
	var found bool
	for _, c := range d.status().Children {
		if c.Name == other.name {
			found = true
		}
	}
	if !found {
		t.Fatalf("the account %s is not held to the default profile", other.name)
	}
	// It was there at the first start: the first install's one line names
	// it (an account made later is the tamper event new_account).
	evs := d.waitEvents("accounts_found", 3*time.Second)
	if !slices.ContainsFunc(evs, func(e apitype.Event) bool { return slices.Contains(anyStrings(e.Detail["accounts"]), other.name) }) {
		t.Errorf("no accounts_found line naming %s: %+v", other.name, evs)
	}
	p := runAs(t, other, "/bin/sleep", "300")
	if !p.exitedWithin(15 * time.Second) {
		t.Fatal("the default profile's 4 s of screen time were not enforced")
	}
	t.Logf("default profile: logged out after %v", p.ended.Sub(p.started).Round(time.Millisecond))
}

// Guesses sent in parallel wait their turn: the limiter lets only the free
// tries reach the PIN check, the rest are told to wait.
func TestParallelPINGuessesAreLimited(t *testing.T) {
	ostest.NeedRoot(t)
	d := startDaemon(t, t.TempDir())
	d.cliIn(nil, "246810\n", "setup", "--pin-stdin")
	d.allDayForOthers()
	dad := env.users["kte2e-dad"]
	type result struct {
		code int
		err  string
	}
	results := make(chan result, 12)
	for range 12 {
		go func() {
			_, errs, code := d.cliIn(&dad, "111111\n", "--json", "login", "--pin-stdin")
			results <- result{code, errs}
		}()
	}
	var wrong, limited int
	for range 12 {
		r := <-results
		switch {
		case strings.Contains(r.err, "rate_limited"):
			limited++
		case strings.Contains(r.err, "not_allowed"):
			wrong++
		default:
			t.Errorf("unexpected answer: exit %d %s", r.code, r.err)
		}
	}
	t.Logf("12 parallel wrong PINs: %d checked, %d told to wait", wrong, limited)
	if wrong > 4 {
		t.Errorf("%d of 12 parallel guesses reached the PIN check; the limiter allows 3 free tries", wrong)
	}
}

// A school signs its policy with the CLI; the installer's --policy is the
// signed file: the daemon trusts its key at the first start, status shows
// the key, and an unsigned policy cannot replace it (exit 3).
func TestSignedSchoolPolicy(t *testing.T) {
	ostest.NeedRoot(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "school")
	d := &daemon{t: t, data: t.TempDir(), socket: filepath.Join(env.dir, "s-signed.sock"), log: &bytes.Buffer{}}
	out := d.must("--json", "policy", "keygen", "--out", key)
	var kg struct {
		KeyID string `json:"keyId"`
	}
	if err := json.Unmarshal([]byte(out), &kg); err != nil || kg.KeyID == "" {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	an := env.users["kte2e-an"]
	plain := filepath.Join(dir, "school.json")
	body := fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":[%q],"screen":{"daily":"1h"}}]}`, time.Now().Year()-11, an.name)
	if err := os.WriteFile(plain, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	signed := filepath.Join(dir, "school.signed.json")
	d.must("policy", "sign", plain, "--key", key+".key", "--out", signed)
	if out := d.must("--json", "policy", "check", signed); !strings.Contains(out, kg.KeyID) {
		t.Fatalf("policy check of the signed file does not name key %s:\n%s", kg.KeyID, out)
	}

	// The installer's --policy FILE (kidtimed install passes it to run).
	d.cmd = exec.Command(env.kidtimed, "run", "--data-dir", d.data, "--socket", d.socket, "--log-level", "debug", "--policy", signed)
	d.cmd.Env = append(os.Environ(), webTestEnv()...)
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start kidtimed: %v", err)
	}
	t.Cleanup(func() {
		d.stop()
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.log.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, _, code := d.cli(nil, "status"); code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kidtimed did not answer within 15 s; log:\n%s", d.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	st := d.status()
	if st.SchoolKey != kg.KeyID {
		t.Fatalf("status schoolKey %q; want the school's key %s", st.SchoolKey, kg.KeyID)
	}
	if c := d.child("An"); c.ScreenLimitSec != 3600 {
		t.Errorf("An's screen limit %d s; want 3600 from the signed policy", c.ScreenLimitSec)
	}
	if out, _, _ := d.cli(nil, "status"); !strings.Contains(out, kg.KeyID) {
		t.Errorf("kidtime status does not name the school key:\n%s", out)
	}

	// An unsigned policy, even from root: not allowed.
	loose := filepath.Join(dir, "loose.json")
	if err := os.WriteFile(loose, []byte(strings.Replace(body, `"1h"`, `"8h"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errs, code := d.cli(nil, "policy", "import", loose)
	if code != 3 || !strings.Contains(errs, kg.KeyID) {
		t.Errorf("kidtime policy import of an unsigned file: exit %d %q; want 3 naming key %s", code, errs, kg.KeyID)
	}
	if c := d.child("An"); c.ScreenLimitSec != 3600 {
		t.Errorf("An's screen limit %d s after the refused import; want 3600", c.ScreenLimitSec)
	}
	if evs := d.events("policy_refused"); len(evs) != 1 || !evs[0].Tamper {
		t.Errorf("policy_refused events %+v; want one tamper event", evs)
	}
	if evs := d.events("policy_signed"); len(evs) != 1 || evs[0].Detail["keyId"] != kg.KeyID {
		t.Errorf("policy_signed events %+v; want one for key %s", evs, kg.KeyID)
	}
}

// A game whose own cap (Decree 147: per game per day) is spent stays closed
// after the daemon restarts: a relaunch is killed at its exec, before any
// tick, from the per-game time the store kept.
func TestPerGameCapSurvivesRestart(t *testing.T) {
	ostest.NeedRoot(t)
	d := startDaemon(t, t.TempDir())
	an := env.users["kte2e-an"]
	d.policy(fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["%s"],
		"screen":{"daily":"1h"},"games":{"daily":"1h","perGame":"4s"},"allowed":{"daily":["00:00-24:00"]},
		"warnings":["2s"],"grace":"1s",
		"apps":[{"match":{"name":"kt-game"},"category":"game"}]}]}`, time.Now().Year()-13, an.name))
	game := runAs(t, an, env.game, "300")
	if !game.exitedWithin(15 * time.Second) {
		t.Fatal("the game still runs after its 4 s cap and 1 s of grace")
	}
	time.Sleep(2500 * time.Millisecond) // past a flush
	d.stop()
	d.start()
	p := runAs(t, an, env.game, "300")
	if !p.exitedWithin(2 * time.Second) {
		t.Fatal("after a restart the game whose cap is spent was not closed")
	}
	took := p.ended.Sub(p.started)
	t.Logf("after a restart, exec→dead for a game whose cap is spent: %v", took.Round(time.Microsecond))
	if took > 100*time.Millisecond {
		t.Errorf("the relaunch lived %v; want it killed at exec (within 100 ms)", took)
	}
}
