//go:build linux

// Command benchidle measures what kidtimed costs when nothing happens, beside
// Timekpr-nExT, on a real systemd-logind session (make bench-idle; Linux, root).
//
// It starts a private system bus, a fake org.freedesktop.systemd1 on it, the
// real systemd-logind, a throwaway child account with an active x11 session,
// then each daemon in turn (kidtimed built from this checkout, then
// Timekpr-nExT), and measures windows in which nothing happens: at the
// machine's usual process count, with 500 and 2,000 more sleeping processes
// of the child, the CPU to take in 500 new processes, a storm of short
// processes from another account, and a two-core build (repeated C
// compiles) by that account. It prints one table and the top of
// kidtimed's CPU and allocation profiles. Everything it made goes at the end,
// on a failure or on Ctrl-C.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/kidtime/kidtime/agent/web"
)

type options struct {
	window, settle time.Duration
	storm          int
	build          time.Duration
	only           string
	baseline       string
	keepTmp        bool
	profiles       bool
}

func main() {
	o := options{}
	def := 120 * time.Second
	if v := os.Getenv("BENCH_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench-idle: BENCH_WINDOW=%q: %v\n", v, err)
			os.Exit(2)
		}
		def = d
	}
	flag.DurationVar(&o.window, "window", def, "length of each idle window ($BENCH_WINDOW)")
	// The settle holds the start-up's one-time work (the first listing of
	// the accounts at 30 s, the first write of usage to the store at 2 min,
	// which prepares its statements): its CPU has a row of its own, and the
	// idle windows measure the steady state.
	flag.DurationVar(&o.settle, "settle", 150*time.Second, "wait after a daemon starts, before the first window (its CPU is the start-up row)")
	flag.IntVar(&o.storm, "storm", 10000, "short processes of another account in the exec storm")
	// As long as an idle window: the daemon's work every 2 min (the
	// database write, the runtime's forced GC, the safety-net scan) falls
	// once into each, where a shorter window holds it twice as often or not.
	flag.DurationVar(&o.build, "build", -1, "length of another account's two-core build (default: the idle window's; 0: none)")
	flag.StringVar(&o.only, "only", os.Getenv("BENCH_ONLY"), "kidtimed or timekpr: measure one daemon only ($BENCH_ONLY)")
	flag.BoolVar(&o.keepTmp, "keep", false, "keep the temporary folder (logs, profiles)")
	flag.StringVar(&o.baseline, "baseline", os.Getenv("BENCH_BASELINE"), "a checkout of kidtime whose kidtimed runs beside this one, in the same windows ($BENCH_BASELINE)")
	flag.BoolVar(&o.profiles, "profiles", os.Getenv("BENCH_PROFILES") != "0", "profile kidtimed (CPU and heap; the profiler's own memory then counts in VmHWM) ($BENCH_PROFILES=0: off)")
	flag.Parse()
	if o.build < 0 {
		o.build = o.window
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "bench-idle: needs root (it makes accounts, a logind session, and reads other processes)")
		os.Exit(2)
	}
	c := &cleanup{}
	c.onSignal()
	err := run(c, o)
	c.run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench-idle: %v\n", err)
		os.Exit(1)
	}
}

func run(c *cleanup, o options) error {
	dir, err := os.MkdirTemp("", "bench-idle-")
	if err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	c.add(func() {
		if o.keepTmp {
			fmt.Printf("logs and profiles kept in %s\n", dir)
			return
		}
		os.RemoveAll(dir)
	})
	lg := log.New(logTo(dir, "bench.log"), "", log.Lmicroseconds)
	say := func(format string, a ...any) { fmt.Printf("# "+format+"\n", a...) }

	// A bench or test run that was killed may have left a safe-web table
	// for an account that is gone; the bench's throwaway child could get
	// that id.
	if removed, err := web.RemoveStaleTables(); err != nil {
		say("stale safe-web tables: %v", err)
	} else if len(removed) > 0 {
		say("removed stale safe-web tables: %v", removed)
	}
	say("building kidtimed and kidtime")
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	bin := filepath.Join(dir, "bin")
	if err := buildKidtime(root, bin); err != nil {
		return err
	}
	if o.baseline != "" {
		say("building the baseline's kidtimed from %s", o.baseline)
		if err := buildKidtime(o.baseline, filepath.Join(dir, "bin-baseline")); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
	}

	addr, err := startBus(c, dir)
	if err != nil {
		return err
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	sd, err := startFakeSystemd(addr, lg)
	if err != nil {
		return fmt.Errorf("fake systemd1: %w", err)
	}
	c.add(sd.close)

	child, err := addUser(c, "ktbench-kid")
	if err != nil {
		return err
	}
	other, err := addUser(c, "ktbench-other")
	if err != nil {
		return err
	}
	leader := asUser(child, "sleep", "infinity")
	if err := start(c, leader, "session leader"); err != nil {
		return err
	}

	var sess *session
	logindNote := "real systemd-logind " + logindVersion()
	if err := startLogind(c, dir, addr); err != nil {
		logindNote = "fake login1 (real logind: " + err.Error() + ")"
	} else if err := waitName(conn, "org.freedesktop.login1", 10*time.Second); err != nil {
		logindNote = "fake login1 (real logind: " + err.Error() + ")"
	} else if sess, err = createSession(conn, child, leader.Process.Pid); err != nil {
		logindNote = "fake login1 (real logind: " + err.Error() + ")"
		sess = nil
	}
	if sess == nil {
		// The real logind could not make the session: the fake one the
		// tests use answers instead (it has no users, seats or signals).
		if err := startFakeLogind(c, addr, child, leader.Process.Pid); err != nil {
			return fmt.Errorf("no session: %s; fake login1: %w", logindNote, err)
		}
		sess = &session{id: "c1", path: "/org/freedesktop/login1/session/c1"}
		say("logind: %s", logindNote)
	} else {
		c.add(func() { sess.fifo.Close() })
	}
	active, state, err := sessionActive(conn, sess)
	if err != nil {
		return fmt.Errorf("session %s: %w", sess.id, err)
	}
	say("logind: %s; session %s of %s (uid %d): active=%v state=%s; systemd1 calls: %s",
		logindNote, sess.id, child.name, child.uid, active, state, sd.Calls())
	if !active {
		return errors.New("the child's session is not active")
	}

	all, _ := countProcs(child.uid)
	say("%d processes on the machine; windows of %v", all, o.window)
	ec := countExecs(c)
	var results []*result
	kid := &kidtimed{label: "kidtimed", bin: filepath.Join(bin, "kidtimed"), cli: filepath.Join(bin, "kidtime"), dir: filepath.Join(dir, "kidtimed"), bus: addr, child: child, profile: o.profiles}
	groups := [][]daemon{{kid}, {&timekpr{dir: dir, bus: addr, child: child}}}
	if o.baseline != "" {
		bb := filepath.Join(dir, "bin-baseline")
		groups[0] = append(groups[0], &kidtimed{label: baselineName, bin: filepath.Join(bb, "kidtimed"), cli: filepath.Join(bb, "kidtime"), dir: filepath.Join(dir, "kidtimed-baseline"), bus: addr, child: child, profile: o.profiles, baseline: true})
	}
	for _, g := range groups {
		if o.only != "" && !strings.Contains(strings.ToLower(g[0].name()), strings.ToLower(o.only)) {
			continue
		}
		var names []string
		for _, d := range g {
			names = append(names, d.name())
		}
		say("measuring %s", strings.Join(names, " and "))
		results = append(results, measureTogether(c, o, g, child, other, ec, say)...)
	}
	fmt.Println()
	printTable(os.Stdout, o, results)
	if o.profiles {
		fmt.Println("(kidtimed ran with its CPU profiler on: its VmHWM includes the profiler's buffers; BENCH_PROFILES=0 measures it without)")
		printProfiles(os.Stdout, filepath.Join(bin, "kidtimed"), filepath.Join(kid.dir, "pprof"))
	}
	return nil
}

// buildKidtime builds kidtimed and kidtime from a checkout into bin, as make
// build and the packages build them: without cgo.
func buildKidtime(root, bin string) error {
	for _, cmd := range []string{"kidtimed", "kidtime"} {
		b := exec.Command("go", "build", "-o", bin+"/", "./cmd/"+cmd)
		b.Dir = root
		b.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := b.CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/%s in %s: %v\n%s", cmd, root, err, out)
		}
	}
	return nil
}

// moduleRoot is the folder of go.mod (make runs the benchmark from there).
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" || strings.TrimSpace(string(out)) == os.DevNull {
		return "", fmt.Errorf("run from the kidtime checkout (go env GOMOD: %v)", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

func logindVersion() string {
	out, err := exec.Command(logindPath, "--version").Output()
	if err != nil {
		return ""
	}
	f := strings.Fields(string(out))
	if len(f) >= 2 {
		return f[1]
	}
	return ""
}

// spawn starts n sleeping processes of an account (one shell and its
// children, in one process group) and returns how to end them.
func spawn(c *cleanup, a account, n int) (func(), error) {
	cmd := asUser(a, "sh", "-c", fmt.Sprintf(`n=0; while [ $n -lt %d ]; do sleep 86400 & n=$((n+1)); done; wait`, n))
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop := func() { stopGroup(cmd.Process.Pid, done) }
	c.add(stop)
	return stop, nil
}

// waitChildProcs waits until the account has at least n processes.
func waitChildProcs(uid uint32, n int) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if _, of := countProcs(uid); of >= n {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
