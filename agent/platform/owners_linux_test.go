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

func BenchmarkScanOwners(b *testing.B) {
	for b.Loop() {
		if _, err := ScanOwners(); err != nil {
			b.Fatal(err)
		}
	}
}
