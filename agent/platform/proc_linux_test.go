package platform

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

func TestReadProcSelf(t *testing.T) {
	p, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatalf("ReadProc(self): %v", err)
	}
	self, _ := os.Executable()
	if p.Exe != self {
		t.Errorf("Exe = %q, want %q", p.Exe, self)
	}
	if p.PPID != os.Getppid() {
		t.Errorf("PPID = %d, want %d", p.PPID, os.Getppid())
	}
	if p.UID != uint32(os.Getuid()) {
		t.Errorf("UID = %d, want %d", p.UID, os.Getuid())
	}
	if !slices.Equal(p.Cmdline, os.Args) {
		t.Errorf("Cmdline = %q, want %q", p.Cmdline, os.Args)
	}
	if age := time.Since(p.Start); age < 0 || age > 10*time.Minute {
		t.Errorf("Start = %v (%v ago), want within the test run", p.Start, age)
	}
}

func TestReadProcVanished(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatalf("run true: %v", err)
	}
	// The pid was reaped by Wait: it no longer exists (unless reused in
	// between, which the loop below rules out by also trying a pid that
	// cannot exist).
	for _, pid := range []int{cmd.Process.Pid, 1 << 30, -1, 0} {
		_, err := ReadProc(pid)
		if _, serr := os.Stat("/proc/" + strconv.Itoa(pid)); pid > 0 && serr == nil {
			continue // reused already
		}
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("ReadProc(%d) error = %v, want os.ErrNotExist", pid, err)
		}
	}
}

func TestReadProcZombie(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	// Not waited for yet: it becomes a zombie, which still exists.
	deadline := time.Now().Add(2 * time.Second)
	for {
		p, err := ReadProc(cmd.Process.Pid)
		if err != nil {
			t.Fatalf("ReadProc(zombie): %v", err)
		}
		if p.Exe == "" {
			if p.Name != "true" {
				t.Errorf("zombie Name = %q, want true", p.Name)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process never became a zombie: %+v", p)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestScanProcsFindsChild(t *testing.T) {
	// A copy of sleep under another name, so Exe is checkable exactly.
	src, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	src, _ = filepath.EvalSymlinks(src)
	dst := filepath.Join(t.TempDir(), "kt-scan-game")
	copyFile(t, src, dst, 0o755)
	cmd := startCmd(t, dst, "30")
	procs, err := ScanProcs()
	if err != nil {
		t.Fatalf("ScanProcs: %v", err)
	}
	i := slices.IndexFunc(procs, func(p Process) bool { return p.PID == cmd.Process.Pid })
	if i < 0 {
		t.Fatalf("ScanProcs did not find pid %d among %d processes", cmd.Process.Pid, len(procs))
	}
	p := procs[i]
	if p.Exe != dst || p.UID != uint32(os.Getuid()) || p.PPID != os.Getpid() || p.Name != "kt-scan-game" {
		t.Errorf("ScanProcs entry = %+v, want exe %s uid %d ppid %d", p, dst, os.Getuid(), os.Getpid())
	}
	if p.Cmdline != nil {
		t.Errorf("ScanProcs read cmdline %q, want nil (cheap scan)", p.Cmdline)
	}
	for _, q := range procs {
		if q.PID == 2 || q.PPID == 2 {
			t.Errorf("ScanProcs returned kernel thread %+v", q)
			break
		}
	}
}

func TestScanProcsUID(t *testing.T) {
	u := newTestUser(t)
	cmd := startAsUser(t, u, "sleep", "30")
	procs, err := ScanProcs()
	if err != nil {
		t.Fatalf("ScanProcs: %v", err)
	}
	i := slices.IndexFunc(procs, func(p Process) bool { return p.PID == cmd.Process.Pid })
	if i < 0 {
		t.Fatalf("pid %d not found", cmd.Process.Pid)
	}
	if procs[i].UID != u.uid {
		t.Errorf("UID = %d, want the test user's %d", procs[i].UID, u.uid)
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
		want    Process
	}{
		{"a plain line gives name and ppid", "42 (sleep) S 7 42 7 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 500 1 2 3", false, Process{PPID: 7, Name: "sleep"}},
		{"a name with spaces and parentheses is taken up to the last parenthesis", "42 (a) b (c)) R 9 42 7 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 500 1", false, Process{PPID: 9, Name: "a) b (c)"}},
		{"a truncated line is an error", "42 (sleep) S 7 42", true, Process{}},
		{"a line without parentheses is an error", "42 sleep S 7", true, Process{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p Process
			_, err := parseStat([]byte(tc.in), &p)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err == nil && (p.PPID != tc.want.PPID || p.Name != tc.want.Name) {
				t.Errorf("got %+v, want %+v", p, tc.want)
			}
		})
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("42 (sleep) S 7 42 7 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 500 1 2 3"))
	f.Add([]byte("1 ()) Z"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Process
		_, _ = parseStat(b, &p)
		_, _ = parseStatusUID(b)
		_ = parseProcEvents(b)
	})
}

// BenchmarkScanProcs is the reconciliation scan; compare with ReadProc (what
// an exec event costs) and with a gopsutil scan of the same fields.
func BenchmarkScanProcs(b *testing.B) {
	n := 0
	cpu := startCPU()
	for b.Loop() {
		procs, err := ScanProcs()
		if err != nil {
			b.Fatal(err)
		}
		n = len(procs)
	}
	cpu.report(b)
	b.ReportMetric(float64(n), "procs")
}

// BenchmarkScanProcs500 scans with about 500 user processes (the budget of
// DESIGN.md §10), filling up with sleeps.
func BenchmarkScanProcs500(b *testing.B) {
	procs, _ := ScanProcs()
	for i := len(procs); i < 500; i++ {
		startCmd(b, "sleep", "120")
	}
	n := 0
	cpu := startCPU()
	for b.Loop() {
		procs, err := ScanProcs()
		if err != nil {
			b.Fatal(err)
		}
		n = len(procs)
	}
	cpu.report(b)
	b.ReportMetric(float64(n), "procs")
}

func BenchmarkScanProcsGopsutil(b *testing.B) {
	n := 0
	cpu := startCPU()
	for b.Loop() {
		ps, err := process.Processes()
		if err != nil {
			b.Fatal(err)
		}
		n = 0
		for _, p := range ps {
			if _, err := p.Ppid(); err != nil {
				continue
			}
			_, _ = p.Name()
			_, _ = p.Exe()
			_, _ = p.Uids()
			_, _ = p.CreateTime()
			n++
		}
	}
	cpu.report(b)
	b.ReportMetric(float64(n), "procs")
}

// BenchmarkReadProcSleep reads a small process (sleep), as after an exec
// event; BenchmarkReadProc reads this (large, many-threaded) test process.
func BenchmarkReadProcSleep(b *testing.B) {
	cmd := startCmd(b, "sleep", "30")
	cpu := startCPU()
	for b.Loop() {
		if _, err := ReadProc(cmd.Process.Pid); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

func BenchmarkReadProc(b *testing.B) {
	pid := os.Getpid()
	cpu := startCPU()
	for b.Loop() {
		if _, err := ReadProc(pid); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// TestReadProcReusesItsBuffer: ReadProc, called for each new process of a
// child, allocates what it returns and not a fresh 4 KB read buffer each
// time (that was half of the daemon's allocations taking in 500 processes,
// and its heap's growth).
func TestReadProcReusesItsBuffer(t *testing.T) {
	cmd := startCmd(t, "sleep", "30")
	const n = 200
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		if _, err := ReadProc(cmd.Process.Pid); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	per := (after.TotalAlloc - before.TotalAlloc) / n
	t.Logf("%d bytes per call", per)
	if per > 3072 { // about 0.5 KB; under -race, which drops a quarter of what a pool is given, about 1.5 KB
		t.Errorf("ReadProc allocated %d bytes per call; want under 3 KB (its 4 KB read buffer is pooled)", per)
	}
}
