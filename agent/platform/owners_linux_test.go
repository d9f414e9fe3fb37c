package platform

import (
	"os"
	"os/exec"
	"testing"
)

func TestScanOwnersFindsAProcessAndItsOwner(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	owners, err := ScanOwners()
	if err != nil {
		t.Fatal(err)
	}
	uid, ok := owners[cmd.Process.Pid]
	if !ok {
		t.Fatalf("pid %d not found among %d processes", cmd.Process.Pid, len(owners))
	}
	if uid != uint32(os.Geteuid()) {
		t.Errorf("owner %d, want %d", uid, os.Geteuid())
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	owners, err = ScanOwners()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := owners[cmd.Process.Pid]; ok {
		t.Error("a reaped process is still listed")
	}
}

// A skipped process is listed (it runs) without its owner being read; the
// others are read as ever.
func TestScanOwnersExceptSkipsOnlyWhatItIsTold(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	skipped, other := cmd.Process.Pid, os.Getpid()
	var asked []int
	owners, err := Host{}.ScanOwnersExcept(func(pid int) bool {
		asked = append(asked, pid)
		return pid == skipped
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pid  int
		want uint32
	}{
		{"the skipped process: listed, owner not read", skipped, SkippedOwner},
		{"another process: its owner", other, uint32(os.Geteuid())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := owners[tc.pid]; !ok || got != tc.want {
				t.Errorf("owners[%d] = %d, %v; want %d", tc.pid, got, ok, tc.want)
			}
		})
	}
	if len(asked) < len(owners) {
		t.Errorf("skip was asked about %d processes of %d listed", len(asked), len(owners))
	}
}

func BenchmarkScanOwners(b *testing.B) {
	for b.Loop() {
		if _, err := ScanOwners(); err != nil {
			b.Fatal(err)
		}
	}
}
