package platform

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/internal/ostest"
	"golang.org/x/sys/unix"
)

func exitSignal(err error) syscall.Signal {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return ws.Signal()
		}
	}
	return 0
}

func TestTerminate(t *testing.T) {
	tests := []struct {
		name       string
		script     string
		grace      time.Duration
		wantSignal syscall.Signal
		minTime    time.Duration
		maxTime    time.Duration
	}{
		{"a process that obeys SIGTERM ends well before the grace period", "exec sleep 30", 2 * time.Second, syscall.SIGTERM, 0, time.Second},
		{"a process that ignores SIGTERM is SIGKILLed once the grace period is over", `trap "" TERM; exec sleep 30`, 300 * time.Millisecond, syscall.SIGKILL, 300 * time.Millisecond, 1300 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("sh", "-c", tc.script)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waited := make(chan error, 1)
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			// Let the shell set its trap and exec.
			waitExe(t, cmd.Process.Pid, "sleep")
			start := time.Now()
			err := Terminate(context.Background(), cmd.Process.Pid, tc.grace)
			took := time.Since(start)
			if err != nil {
				t.Fatalf("Terminate: %v", err)
			}
			go func() { waited <- cmd.Wait() }()
			werr := <-waited
			if sig := exitSignal(werr); sig != tc.wantSignal {
				t.Errorf("ended by %v (%v), want %v", sig, werr, tc.wantSignal)
			}
			if took < tc.minTime || took > tc.maxTime {
				t.Errorf("Terminate took %v, want between %v and %v", took, tc.minTime, tc.maxTime)
			}
			t.Logf("Terminate took %v", took)
		})
	}
}

// waitExe waits until pid runs an executable named base (after exec).
func waitExe(t *testing.T, pid int, base string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if p, err := ReadProc(pid); err == nil && filepath.Base(p.Exe) == base {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("pid %d never ran %s", pid, base)
}

func TestTerminateRefuses(t *testing.T) {
	tests := []struct {
		name string
		pid  int
	}{
		{"init is never signalled", 1},
		{"the calling process is never signalled", os.Getpid()},
		{"pid 0 (the process group) is not a process", 0},
		{"a negative pid (a process group) is not a process", -5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Terminate(context.Background(), tc.pid, time.Millisecond); err == nil {
				t.Errorf("Terminate(%d) = nil, want a refusal", tc.pid)
			}
		})
	}
}

func TestTerminateGone(t *testing.T) {
	cmd := exec.Command("true")
	_ = cmd.Run()
	if err := Terminate(context.Background(), cmd.Process.Pid, time.Millisecond); err != nil {
		t.Errorf("Terminate(gone) = %v, want nil", err)
	}
}

func TestTerminateContext(t *testing.T) {
	cmd := startCmd(t, "sh", "-c", `trap "" TERM; exec sleep 30`)
	waitExe(t, cmd.Process.Pid, "sleep")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := Terminate(ctx, cmd.Process.Pid, 10*time.Second)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Terminate with an ending context = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Terminate returned %v after the context ended, want promptly", d)
	}
}

func TestKillUser(t *testing.T) {
	u := newTestUser(t)
	rootSleep := startCmd(t, "sleep", "30")
	var userCmds []*exec.Cmd
	for _, script := range []string{
		"exec sleep 30",
		`trap "" TERM; exec sleep 30`,
		// A shell that keeps forking children while it lives.
		`trap "" TERM; while true; do sleep 30 & sleep 0.05; done`,
	} {
		userCmds = append(userCmds, startAsUser(t, u, "sh", "-c", script))
	}
	time.Sleep(100 * time.Millisecond)
	before := userPIDs(t, u.uid)
	if len(before) < 4 {
		t.Fatalf("test user has %d processes, want at least 4", len(before))
	}
	start := time.Now()
	killed, err := KillUser(context.Background(), u.uid, 200*time.Millisecond)
	if err != nil {
		t.Fatalf("KillUser: %v", err)
	}
	t.Logf("KillUser killed %d processes in %v", killed, time.Since(start))
	if killed < len(before) {
		t.Errorf("KillUser killed %d, want at least the %d running before", killed, len(before))
	}
	for _, c := range userCmds {
		_ = c.Wait()
	}
	if left := userPIDs(t, u.uid); len(left) > 0 {
		t.Errorf("processes of the test user left: %v", left)
	}
	if err := syscall.Kill(rootSleep.Process.Pid, 0); err != nil {
		t.Errorf("root's sleep was touched: %v", err)
	}
	if p, err := ReadProc(rootSleep.Process.Pid); err != nil || p.Exe == "" {
		t.Errorf("root's sleep is no longer running: %+v %v", p, err)
	}
}

func userPIDs(t *testing.T, uid uint32) []int {
	t.Helper()
	procs, err := ScanProcs()
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, p := range procs {
		if p.UID == uid && p.Exe != "" {
			out = append(out, p.PID)
		}
	}
	return out
}

func TestKillUserRefusesRoot(t *testing.T) {
	n, err := KillUser(context.Background(), 0, time.Millisecond)
	if err == nil || n != 0 {
		t.Errorf("KillUser(0) = %d, %v; want a refusal", n, err)
	}
}

func TestUserIsAdmin(t *testing.T) {
	u := newTestUser(t)
	admin := newTestUser(t)
	group := "kidtime-admin"
	ostest.EnsureGroup(t, group)
	if out, err := exec.Command("usermod", "-aG", group, admin.name).CombinedOutput(); err != nil {
		t.Fatalf("usermod: %v\n%s", err, out)
	}
	tests := []struct {
		name string
		uid  uint32
		want bool
	}{
		{"root is an admin", 0, true},
		{"a plain account is not an admin", u.uid, false},
		{"a member of kidtime-admin is an admin", admin.uid, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := UserIsAdmin(tc.uid)
			if err != nil || got != tc.want {
				t.Errorf("UserIsAdmin(%d) = %v, %v; want %v", tc.uid, got, err, tc.want)
			}
		})
	}
	if _, err := UserIsAdmin(4_000_000_000); err == nil {
		t.Error("UserIsAdmin(unknown uid) = nil error, want one")
	}
}

func TestRunAsUser(t *testing.T) {
	u := newTestUser(t)
	// A runtime directory with a bus socket path, as logind would make.
	rt := "/run/user/" + strconv.FormatUint(uint64(u.uid), 10)
	if err := os.MkdirAll(rt, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(rt) })
	if err := os.WriteFile(rt+"/bus", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	script := `id -u; id -g; echo "$HOME|$USER|$XDG_RUNTIME_DIR|$DBUS_SESSION_BUS_ADDRESS|$EXTRA|$PATH"; pwd`
	cmd, err := CommandAsUser(ctx, u.uid, "sh", []string{"-c", script}, []string{"EXTRA=x", "PATH=/usr/bin:/bin"})
	if err != nil {
		t.Fatalf("CommandAsUser: %v", err)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run as %s: %v", u.name, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{
		strconv.FormatUint(uint64(u.uid), 10),
		strconv.FormatUint(uint64(u.gid), 10),
		"/|" + u.name + "|" + rt + "|unix:path=" + rt + "/bus|x|/usr/bin:/bin",
		"/",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("output:\n got %q\nwant %q", lines, want)
	}

	// RunAsUser starts it; the process runs as the user in its own session.
	cmd, err = RunAsUser(ctx, u.uid, "sleep", []string{"30"}, nil)
	if err != nil {
		t.Fatalf("RunAsUser: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	p, err := ReadProc(cmd.Process.Pid)
	if err != nil || p.UID != u.uid {
		t.Errorf("RunAsUser process = %+v, %v; want uid %d", p, err, u.uid)
	}
	if sid, _ := unix.Getsid(cmd.Process.Pid); sid != cmd.Process.Pid {
		t.Errorf("session id %d, want its own session %d", sid, cmd.Process.Pid)
	}
	if _, err := RunAsUser(ctx, 4_000_000_000, "true", nil, nil); err == nil {
		t.Error("RunAsUser(unknown uid) = nil error")
	}
}

// A fork-hopper never runs a new program: it forks and the parent exits at
// once, so its pid changes every millisecond and a scan of /proc lists pids
// that are gone by the time they are read. KillUser must still end it.
func TestKillUserEndsAForkHopper(t *testing.T) {
	u := newTestUser(t)
	tests := []struct {
		name  string
		grace time.Duration
	}{
		{"no grace", 0},
		{"a grace the hopper ignores", 100 * time.Millisecond},
		{"again, no grace", 0},
		{"again, with grace", 100 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := ostest.StartHopper(t, u.uid, u.gid, 0) // forks again at once
			// A few generations at least, so that it has hopped (on a busy
			// machine a generation may take 20 ms).
			for deadline := time.Now().Add(3 * time.Second); h.Beats() < 5; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the hopper ran %d generations in 3 s; it does not hop", h.Beats())
				}
			}
			start := time.Now()
			killed, err := KillUser(context.Background(), u.uid, tc.grace)
			if err != nil {
				t.Fatalf("KillUser: %v", err)
			}
			if killed < 1 {
				t.Errorf("KillUser reported %d processes killed; want at least 1", killed)
			}
			select {
			case <-h.Gone():
				t.Logf("after %d generations, nothing of the hopper left %v after KillUser began",
					h.Beats(), h.GoneAt().Sub(start).Round(time.Millisecond))
			case <-time.After(time.Second):
				t.Errorf("the fork-hopper survived KillUser: %d generations and counting", h.Beats())
			}
		})
	}
}
