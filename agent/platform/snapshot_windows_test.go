package platform

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// BenchmarkSnapshotParts splits one poll of the Windows watcher into the
// system's part and ours, beside Toolhelp, in the same run and with the
// same processes (the machine's plus KT_BENCH_PROCS idle cmd.exe helpers).
// NtQuerySystemInformation is the call alone (the system's part);
// Toolhelp32 is CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS) and a
// Process32Next walk, no process opened (the other cheap call); ours is
// reading the answer into the pid → creation time map and diffing it with
// the previous one (WatchProcs' work beyond the call); poll is the call and
// ours, as WatchProcs does every 250 ms. Run it as:
//
//	KT_BENCH_PROCS=1000 GOOS=windows go test -exec installer/wine/exec.sh -run '^$' -bench SnapshotParts -benchmem ./agent/platform
func BenchmarkSnapshotParts(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("KT_BENCH_PROCS"))
	stop := benchHelpers(b, n)
	defer stop()
	var s snapshotter
	cur, err := s.snapshot(nil)
	if err != nil {
		b.Fatal(err)
	}
	procs := len(cur)
	prev := make(map[uint32]int64, len(cur))
	for k, v := range cur {
		prev[k] = v
	}
	now := time.Now()
	none := func(ProcEvent) bool { return true }
	b.Run(fmt.Sprintf("NtQuerySystemInformation/procs=%d", procs), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.query(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("Toolhelp32/procs=%d", procs), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if toolhelpCount(b) == 0 {
				b.Fatal("no processes")
			}
		}
	})
	b.Run(fmt.Sprintf("ours/procs=%d", procs), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cur = s.fill(cur)
			changes(prev, cur, now, none)
		}
	})
	b.Run(fmt.Sprintf("poll/procs=%d", procs), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if cur, err = s.snapshot(cur); err != nil {
				b.Fatal(err)
			}
			changes(prev, cur, now, none)
			prev, cur = cur, prev
		}
	})
}

// toolhelpCount walks one Toolhelp process snapshot.
func toolhelpCount(b *testing.B) int {
	h, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer windows.CloseHandle(h)
	e := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	n := 0
	for err = windows.Process32First(h, &e); err == nil; err = windows.Process32Next(h, &e) {
		n++
	}
	return n
}

// benchHelpers starts n idle processes (cmd.exe waiting on its standard
// input: one thread each) and returns what ends them.
func benchHelpers(b *testing.B, n int) (stop func()) {
	comspec := os.Getenv("ComSpec")
	if comspec == "" {
		comspec = `C:\windows\system32\cmd.exe`
	}
	var cmds []*exec.Cmd
	stop = func() {
		for _, c := range cmds {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}
	for range n {
		c := exec.Command(comspec, "/q", "/k")
		if _, err := c.StdinPipe(); err != nil {
			stop()
			b.Fatal(err)
		}
		if err := c.Start(); err != nil {
			stop()
			b.Fatalf("helper %d: %v", len(cmds), err)
		}
		cmds = append(cmds, c)
	}
	return stop
}
