package platform

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const loader = "/lib64/ld-linux-x86-64.so.2"

func needLoader(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(loader); err != nil {
		t.Skip("no x86-64 dynamic loader:", err)
	}
}

// waitExec waits until the process runs the program at exe (after a fork
// and exec from the test).
func waitExec(t testing.TB, pid int, exe string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if target, err := os.Readlink(filepath.Join(procRoot, strconv.Itoa(pid), "exe")); err == nil && target == exe {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("process %d never ran %s", pid, exe)
}

func TestIdentifyProc(t *testing.T) {
	needLoader(t)
	sleep := sleepBinary(t)
	dir := t.TempDir()
	game := filepath.Join(dir, "game")
	copyFile(t, sleep, game, 0o755)
	realLoader, err := filepath.EvalSymlinks(loader)
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	h := NewHasher(16)
	want, err := h.IdentifyFile(game)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(want.ID, "elf-build-id:") {
		t.Fatalf("sleep's identity %q; want a build-id", want.ID)
	}

	cases := []struct {
		sentence string
		dir      string
		argv     []string
		exe      string // what /proc/PID/exe will show
		path     string // the program identified
		host     bool
	}{
		{"a program run by itself is itself", "", []string{game, "30"}, game, game, false},
		{"the loader run with a relative path runs the game in the process's folder", dir, []string{loader, "./game", "30"}, realLoader, game, true},
		{"the loader run with an absolute path and options runs the game", "/", []string{loader, "--argv0", "homework", game, "30"}, realLoader, game, true},
		{"a named pipe is not opened as a program (it would block)", dir, []string{"/bin/sh", fifo}, "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			cmd := startCmdDir(t, tc.dir, tc.argv[0], tc.argv[1:]...)
			exe := tc.exe
			if exe == "" {
				exe, _ = filepath.EvalSymlinks(tc.argv[0])
			}
			waitExec(t, cmd.Process.Pid, exe)
			start := time.Now()
			got, err := h.IdentifyProc(cmd.Process.Pid, tc.argv)
			if err != nil {
				t.Fatalf("IdentifyProc: %v", err)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("IdentifyProc took %v", took)
			}
			path := tc.path
			if path == "" {
				path = exe
			}
			if got.Path != path || (got.Host != "") != tc.host {
				t.Errorf("IdentifyProc = %+v; want the program %s (hosted %v)", got, path, tc.host)
			}
			if path == game && (got.ID != want.ID || got.SHA256 != want.SHA256) {
				t.Errorf("identity %s %s; want %s %s", got.ID, got.SHA256, want.ID, want.SHA256)
			}
		})
	}
}

func TestIdentifyFileAppendedByte(t *testing.T) {
	sleep := sleepBinary(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	copyFile(t, sleep, a, 0o755)
	copyFile(t, sleep, b, 0o755)
	f, err := os.OpenFile(b, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("\x00")
	f.Close()
	h := NewHasher(16)
	pa, err := h.IdentifyFile(a)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := h.IdentifyFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if pa.SHA256 == pb.SHA256 || pa.ID != pb.ID || pa.ID == "" {
		t.Errorf("a %+v, b %+v; want other hashes and one identity", pa, pb)
	}
}

// startCmdDir starts a command in dir ("" for the test's) and kills it at
// the end of the test.
func startCmdDir(t testing.TB, dir, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// BenchmarkIdentifyProc is the identify step of an exec event for a file
// already seen (the cache answers after a readlink, an open and an fstat),
// for a program run by itself and for one run through the dynamic loader
// (one more readlink, open and fstat); "uncached" reads the file anew every
// time (hash and build-id).
func BenchmarkIdentifyProc(b *testing.B) {
	needLoader(b)
	sleep := sleepBinary(b)
	dir := b.TempDir()
	game := filepath.Join(dir, "game")
	copyFile(b, sleep, game, 0o755)
	real, _ := filepath.EvalSymlinks(loader)
	for _, bc := range []struct {
		name  string
		argv  []string
		exe   string
		cache int
	}{
		{"direct", []string{game, "600"}, game, 64},
		{"loader", []string{loader, game, "600"}, real, 64},
		{"direct uncached", []string{game, "600"}, game, 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cmd := startCmdDir(b, dir, bc.argv[0], bc.argv[1:]...)
			waitExec(b, cmd.Process.Pid, bc.exe)
			h := NewHasher(bc.cache)
			b.ReportAllocs()
			for b.Loop() {
				if bc.cache == 0 {
					h.ids.mu.Lock()
					h.ids.m = nil
					h.ids.mu.Unlock()
				}
				p, err := h.IdentifyProc(cmd.Process.Pid, bc.argv)
				if err != nil || p.Path != game {
					b.Fatalf("IdentifyProc = %+v, %v", p, err)
				}
			}
		})
	}
}

// A sparse file of 100 GB costs nothing to make: identifying it must not
// read it whole.
func TestIdentifyFileHuge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.py")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100 << 30); err != nil {
		f.Close()
		t.Skip("no sparse files here:", err)
	}
	f.Close()
	start := time.Now()
	p, err := NewHasher(4).IdentifyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("identifying a sparse 100 GB file took %v", took)
	}
	if p.SHA256 != "" || !strings.HasPrefix(p.ID, "head:") {
		t.Errorf("IdentifyFile = %+v; want an identity by size and head, no whole hash", p)
	}
}

// For a program the loader runs, the approval rule looks at that program's
// file (the child's, in a folder the child writes), not at the loader's.
func TestExeFileOfAHostedProgram(t *testing.T) {
	needLoader(t)
	dir := t.TempDir()
	game := filepath.Join(dir, "game")
	copyFile(t, sleepBinary(t), game, 0o700)
	cmd := startCmdDir(t, dir, loader, "./game", "30")
	real, _ := filepath.EvalSymlinks(loader)
	waitExec(t, cmd.Process.Pid, real)
	f, err := ExeFile(cmd.Process.Pid, game)
	if err != nil {
		t.Fatal(err)
	}
	if f.Perm != 0o700 {
		t.Errorf("mode %o; want the game's 700, not the loader's", f.Perm)
	}
}
