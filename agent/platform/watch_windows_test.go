package platform_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/platform"
)

// The poller reports a process that starts (Exec, with its creation time)
// and one that ends (Exit), at the fast pace within about PollFast.
func TestWatchProcsExecExit(t *testing.T) {
	platform.SetWatchPace(true)
	defer platform.SetWatchPace(false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := platform.WatchProcs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cmd := startChild(t)
	pid := cmd.Process.Pid
	wait := func(kind platform.ProcEventKind) platform.ProcEvent {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatalf("events closed before %v of %d", kind, pid)
				}
				if ev.PID == pid && ev.Kind == kind {
					return ev
				}
			case <-deadline:
				t.Fatalf("no %v event for %d", kind, pid)
			}
		}
	}
	ev := wait(platform.Exec)
	if d := time.Since(ev.Time); d < 0 || d > 20*time.Second {
		t.Errorf("Exec time %v is %v ago, want the process's start", ev.Time, d)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	wait(platform.Exit)
	t.Logf("exit seen after %v", time.Since(start).Round(time.Millisecond))
	cancel()
	for range events { // closes when ctx ends
	}
}

// Terminate with a grace asks the process's windows to close first; a
// process without windows is ended at once, not after the grace.
func TestTerminateWithoutWindowsIsImmediate(t *testing.T) {
	cmd := startChild(t)
	if n := platform.CloseWindows(cmd.Process.Pid); n != 0 {
		t.Errorf("CloseWindows of a console helper asked %d windows", n)
	}
	start := time.Now()
	if err := platform.Terminate(context.Background(), cmd.Process.Pid, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Terminate took %v: it waited for windows that do not exist", d)
	}
}

// BenchmarkProcSnapshot measures one NtQuerySystemInformation snapshot (what
// the Windows poller does every 250 ms) with the processes of the machine
// plus KT_BENCH_PROCS helpers (default 0: cmd.exe waiting on its standard
// input, one thread each, as light as a process gets; the cost grows with
// threads too under Wine), and, for comparison, one Toolhelp scan with
// every process opened (ScanProcs, the reconcile).
//
//	GOOS=windows go test -exec installer/wine/exec.sh -run '^$' -bench ProcSnapshot ./agent/platform (with KT_BENCH_PROCS=900)
func BenchmarkProcSnapshot(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("KT_BENCH_PROCS"))
	comspec := os.Getenv("ComSpec")
	if comspec == "" {
		comspec = `C:\windows\system32\cmd.exe`
	}
	var cmds []*exec.Cmd
	defer func() {
		for _, c := range cmds {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}()
	for range n {
		c := exec.Command(comspec, "/q", "/k")
		if _, err := c.StdinPipe(); err != nil { // held open: the helper waits
			b.Fatal(err)
		}
		if err := c.Start(); err != nil {
			b.Fatalf("helper %d: %v", len(cmds), err)
		}
		cmds = append(cmds, c)
	}
	total := platform.CountProcs()
	b.Run(fmt.Sprintf("NtQuerySystemInformation/procs=%d", total), func(b *testing.B) {
		for b.Loop() {
			if platform.CountProcs() == 0 {
				b.Fatal("no processes")
			}
		}
	})
	b.Run(fmt.Sprintf("ScanProcs/procs=%d", total), func(b *testing.B) {
		for b.Loop() {
			if _, err := platform.ScanProcs(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReadProc measures what the exec path reads of each new process
// (this one: no snapshot, its handle alone).
func BenchmarkReadProc(b *testing.B) {
	pid := os.Getpid()
	for b.Loop() {
		if _, err := platform.ReadProc(pid); err != nil {
			b.Fatal(err)
		}
	}
}
