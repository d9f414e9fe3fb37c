package platform

import (
	"encoding/binary"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/kidtime/kidtime/agent/internal/ostest"
)

// copyFile copies src to dst with mode.
func copyFile(t testing.TB, src, dst string, mode os.FileMode) {
	t.Helper()
	ostest.CopyFile(t, src, dst, mode)
}

// startCmd starts a command and kills it at the end of the test.
func startCmd(t testing.TB, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

type testUser struct {
	name     string
	uid, gid uint32
}

// newTestUser creates a real account removed at the end of the test. It
// skips when not root or without useradd.
func newTestUser(t testing.TB) testUser {
	t.Helper()
	u := ostest.AddUser(t, ostest.UniqueName("kt-test-"))
	return testUser{name: u.Name, uid: u.UID, gid: u.GID}
}

// startAsUser starts a command as the test user (not with RunAsUser, so
// that tests of RunAsUser stay independent); it is killed at the end.
func startAsUser(t testing.TB, u testUser, name string, args ...string) *exec.Cmd {
	t.Helper()
	return ostest.StartAs(t, u.uid, u.gid, name, args...)
}

func nativeEndian() binary.ByteOrder { return binary.NativeEndian }

// cpuMeter reports the process's CPU time (user+system) per benchmark
// iteration, a steadier figure than wall time on a shared machine.
type cpuMeter struct{ start int64 }

func startCPU() cpuMeter { return cpuMeter{cpuNanos()} }

func (m cpuMeter) report(b *testing.B) {
	b.ReportMetric(float64(cpuNanos()-m.start)/float64(b.N), "cpu-ns/op")
}

func cpuNanos() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
