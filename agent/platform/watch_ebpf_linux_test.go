package platform

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/kidtime/kidtime/agent/internal/ostest"
	"golang.org/x/sys/unix"
)

// needEBPF skips where the kernel filter cannot load for a reason of the
// machine (not root, no BTF); where it should load, a failure fails.
func needEBPF(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("eBPF needs root")
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("no kernel BTF here:", err)
	}
}

// collect reads events until quiet for d, or until want reports done.
func collect(ch <-chan ProcEvent, d time.Duration, done func([]ProcEvent) bool) []ProcEvent {
	var got []ProcEvent
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return got
			}
			got = append(got, ev)
			if done != nil && done(got) {
				return got
			}
		case <-t.C:
			return got
		}
	}
}

// runTo runs cmd to its end and returns its pid.
func runTo(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return cmd.Process.Pid
}

func has(evs []ProcEvent, kind ProcEventKind, pid int) bool {
	for _, e := range evs {
		if e.Kind == kind && e.PID == pid {
			return true
		}
	}
	return false
}

// The kernel passes on the watched account's exec, fork and exit, and
// nothing of anyone else's; the set follows Set at once.
func TestWatchEBPFOnlyWatchedAccounts(t *testing.T) {
	needEBPF(t)
	kid, other := newTestUser(t), newTestUser(t)
	f := NewProcFilter()
	f.Set([]uint32{kid.uid})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := watchEBPF(ctx, f, ebpfRing, watchBuffer)
	if err != nil {
		t.Fatalf("the kernel filter did not load on a kernel with BTF, as root: %v", err)
	}

	// Root's and the other account's processes: nothing comes.
	runTo(t, exec.Command("/bin/sh", "-c", "sleep 0.2 & wait"))
	runTo(t, ostest.Command(other.uid, other.gid, "/bin/sh", "-c", "sleep 0.2 & wait"))
	if got := collect(ch, 300*time.Millisecond, nil); len(got) > 0 {
		t.Fatalf("events of unwatched accounts came through: %+v", got)
	}

	// The child's shell: its exec, the fork of the sleep (a process, not a
	// thread), the sleep's exec, and both exits.
	pid := runTo(t, ostest.Command(kid.uid, kid.gid, "/bin/sh", "-c", "sleep 0.1 & wait"))
	got := collect(ch, 3*time.Second, func(evs []ProcEvent) bool { return has(evs, Exit, pid) })
	if !has(got, Exec, pid) || !has(got, Exit, pid) {
		t.Fatalf("the child's shell %d: want its exec and exit, got %+v", pid, got)
	}
	var forked int
	for _, e := range got {
		if e.Kind == Fork && e.PPID == pid {
			forked = e.PID
		}
		if e.Time.IsZero() || time.Since(e.Time) > time.Minute || time.Until(e.Time) > time.Second {
			t.Errorf("event %+v: time not the kernel's moment", e)
		}
	}
	if forked == 0 || !has(got, Exec, forked) {
		t.Fatalf("the shell's sleep: want a fork from %d and its exec, got %+v", pid, got)
	}

	// Unwatched from now: the child's processes no longer come.
	f.Set(nil)
	runTo(t, ostest.Command(kid.uid, kid.gid, "/bin/true"))
	if got := collect(ch, 300*time.Millisecond, nil); len(got) > 0 {
		t.Fatalf("events after the account was unwatched: %+v", got)
	}
	cancel()
	if got := collect(ch, 2*time.Second, nil); len(got) > 0 {
		t.Fatalf("events after cancel: %+v", got)
	}
}

// Threads are not processes: a program that starts threads gives one exec
// and one exit, nothing for its threads.
func TestWatchEBPFIgnoresThreads(t *testing.T) {
	needEBPF(t)
	kid := newTestUser(t)
	f := NewProcFilter()
	f.Set([]uint32{kid.uid})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := watchEBPF(ctx, f, ebpfRing, watchBuffer)
	if err != nil {
		t.Fatal(err)
	}
	// The test binary itself starts Go threads: run it as the child, in a
	// mode that only spins up threads and exits.
	bin := ostest.HelperBinary(t, ostest.WorldDir(t))
	cmd := ostest.Command(kid.uid, kid.gid, bin, "-test.run=^TestHelperThreads$")
	cmd.Env = append(os.Environ(), "KT_HELPER_THREADS=1")
	pid := runTo(t, cmd)
	got := collect(ch, 5*time.Second, func(evs []ProcEvent) bool { return has(evs, Exit, pid) })
	for _, e := range got {
		if e.PID != pid {
			t.Errorf("an event not of the process %d: %+v (a thread?)", pid, e)
		}
	}
	if !has(got, Exec, pid) || !has(got, Exit, pid) {
		t.Errorf("want the exec and exit of %d, got %+v", pid, got)
	}
}

// TestHelperThreads is the program of TestWatchEBPFIgnoresThreads.
func TestHelperThreads(t *testing.T) {
	if os.Getenv("KT_HELPER_THREADS") == "" {
		t.Skip("a helper process")
	}
	done := make(chan struct{})
	for range 8 {
		go func() {
			time.Sleep(50 * time.Millisecond)
			done <- struct{}{}
		}()
	}
	for range 8 {
		<-done
	}
}

// A ring too small for what comes is reported as an Overrun (the caller
// rescans), not silently lost.
func TestWatchEBPFOverrun(t *testing.T) {
	needEBPF(t)
	kid := newTestUser(t)
	f := NewProcFilter()
	f.Set([]uint32{kid.uid})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// One page of ring (about 128 records) and a channel of 1 that nobody
	// reads while the child starts 200 processes.
	ch, err := watchEBPF(ctx, f, os.Getpagesize(), 1)
	if err != nil {
		t.Fatal(err)
	}
	runTo(t, ostest.Command(kid.uid, kid.gid, "/bin/sh", "-c", "for i in $(seq 200); do /bin/true; done"))
	got := collect(ch, 3*time.Second, func(evs []ProcEvent) bool { return evs[len(evs)-1].Kind == Overrun })
	if len(got) == 0 || got[len(got)-1].Kind != Overrun {
		t.Fatalf("%d events and no Overrun after 600 into a ring of %d bytes", len(got), os.Getpagesize())
	}
}

// BenchmarkEBPFOtherAccountExec is the daemon's cost of another account's
// process with the kernel filter: the test's CPU time per exec (should be
// the cost of starting the process, the same as with no watcher at all).
func BenchmarkEBPFOtherAccountExec(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("root")
	}
	f := NewProcFilter()
	f.Set([]uint32{60000})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := watchEBPF(ctx, f, ebpfRing, watchBuffer)
	if err != nil {
		b.Skip(err)
	}
	go func() {
		for range ch {
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := exec.Command("/bin/true", strconv.Itoa(i)).Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// The reader waits for records in Go's poller (not a blocking epoll_wait of
// its own), wakes for each batch, and ends when its context does.
func TestWatchEBPFWaitsInGoPoller(t *testing.T) {
	needEBPF(t)
	m, err := ebpf.NewMap(&ebpf.MapSpec{Name: "kt_test_ring", Type: ebpf.RingBuf, MaxEntries: 4096})
	if err != nil {
		t.Fatalf("ring buffer: %v", err)
	}
	defer m.Close()
	f := pollable(m.FD())
	if f == nil {
		t.Fatal("the ring buffer's descriptor was not taken by Go's poller")
	}
	f.Close()

	filter := NewProcFilter()
	filter.Set([]uint32{uint32(os.Getuid())})
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := watchEBPF(ctx, filter, 1<<16, 64)
	if err != nil {
		cancel()
		t.Fatalf("watchEBPF: %v", err)
	}
	for round := range 3 { // a wait, a batch, a wait again
		pid := runTo(t, exec.Command("/bin/true"))
		if got := collect(ch, 5*time.Second, func(evs []ProcEvent) bool { return has(evs, Exec, pid) }); !has(got, Exec, pid) {
			t.Fatalf("round %d: no exec event for %d in 5 s: %+v", round, pid, got)
		}
	}
	cancel()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the events did not end within 5 s of the context")
		}
	}
}

// TestMonoClock: a kernel time becomes the moment it names, from an anchor
// read at most once a second; nothing comes out later than now.
func TestMonoClock(t *testing.T) {
	monoNow := func() uint64 {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
			t.Fatal(err)
		}
		return uint64(ts.Nano())
	}
	var c monoClock
	cases := []struct {
		name string
		mono func() uint64
		ago  time.Duration // how long before now the result should be
	}{
		{"50 ms ago", func() uint64 { return monoNow() - uint64(50*time.Millisecond) }, 50 * time.Millisecond},
		{"3 s ago, before the anchor", func() uint64 { return monoNow() - uint64(3*time.Second) }, 3 * time.Second},
		{"now", monoNow, 0},
		{"no time (0): now", func() uint64 { return 0 }, 0},
		{"a time from the future: now", func() uint64 { return monoNow() + uint64(time.Hour) }, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.toTime(tc.mono())
			now := time.Now()
			ago := now.Sub(got)
			// The anchor's two readings are µs apart; a loaded machine may
			// stall the test between its own readings.
			if ago < tc.ago-time.Millisecond || ago > tc.ago+250*time.Millisecond {
				t.Errorf("toTime gave %v before now; want %v (up to 250 ms more)", ago, tc.ago)
			}
		})
	}
	anchor := c.mono
	c.toTime(monoNow())
	if c.mono != anchor {
		t.Errorf("the anchor was read again within a second")
	}
	c.wall = c.wall.Add(-2 * time.Second) // as if the anchor were 2 s old
	c.toTime(monoNow())
	if c.mono == anchor {
		t.Errorf("an anchor 2 s old was kept")
	}
	if got := time.Since(c.toTime(monoNow() - uint64(10*time.Millisecond))); got < 9*time.Millisecond || got > 260*time.Millisecond {
		t.Errorf("after the new anchor, 10 ms ago came out %v ago", got)
	}
}
