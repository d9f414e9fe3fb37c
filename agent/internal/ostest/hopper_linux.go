//go:build linux

package ostest

import (
	"io"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// KillAllAs sends SIGKILL to every process uid may signal, from a shell
// running as uid (kill -9 -1): the kernel does it in one pass, so even a
// process that forks and exits all the time is caught, which no scan of
// /proc can promise. For cleaning up after tests.
func KillAllAs(uid, gid uint32) {
	for i := 0; i < 3; i++ {
		_ = Command(uid, gid, "/bin/sh", "-c", "kill -9 -1").Run()
	}
}

// Perl is the interpreter the hopper needs (Debian's perl-base, which is
// essential, installs it).
const Perl = "/usr/bin/perl"

// Hopper is a running fork-hopper: a program that never runs a new program
// but forks every period while its parent exits, so that its pid changes
// all the time and a scan of /proc lists pids that are gone when read.
type Hopper struct {
	beats atomic.Int64
	gone  chan struct{}
	at    atomic.Int64 // unix nanoseconds of the end
}

// StartHopper starts a fork-hopper as uid:gid that forks every period. Each
// generation writes a byte to a pipe the test reads; every generation holds
// the pipe's write end, so the pipe ends (EOF) exactly when the last of
// them has exited, zombies included (a zombie holds no files). Whatever is
// left is killed at the end of the test. It skips without perl.
func StartHopper(t testing.TB, uid, gid uint32, period time.Duration) *Hopper {
	t.Helper()
	if _, err := os.Stat(Perl); err != nil {
		t.Skip("perl is not installed: no fork-hopper without exec to run")
	}
	script := `$| = 1; $SIG{HUP} = 'IGNORE'; $SIG{TERM} = 'IGNORE'; $SIG{PIPE} = 'IGNORE';
while (1) { print "."; my $p = fork(); exit 0 if $p; select(undef, undef, undef, $ARGV[0]); }`
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatalf("hopper: pipe: %v", err)
	}
	cmd := Command(uid, gid, Perl, "-e", script, strconv.FormatFloat(period.Seconds(), 'f', -1, 64))
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		t.Fatalf("hopper: start perl as uid %d: %v", uid, err)
	}
	w.Close() // the hopper's generations hold the only write ends now
	go func() { _ = cmd.Wait() }()
	h := &Hopper{gone: make(chan struct{})}
	go func() {
		defer r.Close()
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			h.beats.Add(int64(n))
			if err == io.EOF || (err != nil && n == 0) {
				h.at.Store(time.Now().UnixNano())
				close(h.gone)
				return
			}
		}
	}()
	t.Cleanup(func() {
		KillAllAs(uid, gid)
		select {
		case <-h.gone:
		case <-time.After(5 * time.Second):
			t.Errorf("hopper of uid %d still runs after kill -9 -1 as that uid", uid)
		}
	})
	return h
}

// Beats is how many generations have run so far.
func (h *Hopper) Beats() int64 { return h.beats.Load() }

// Gone is closed when no generation of the hopper is left.
func (h *Hopper) Gone() <-chan struct{} { return h.gone }

// GoneAt is when the last generation ended (zero while one runs).
func (h *Hopper) GoneAt() time.Time {
	if ns := h.at.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}
