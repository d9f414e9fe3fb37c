package platform

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
	"testing"
)

func copyFile(t testing.TB, src, dst string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
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

// newTestUser creates a real account (useradd -M) removed at the end of the
// test. It skips when not root or without useradd.
func newTestUser(t testing.TB) testUser {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a test user with useradd")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("needs useradd to create a test user")
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	name := "kt-test-" + hex.EncodeToString(b[:])
	if out, err := exec.Command("useradd", "-M", "-s", "/bin/sh", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("userdel", name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v\n%s", name, err, out)
		}
	})
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatalf("lookup %s: %v", name, err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return testUser{name: name, uid: uint32(uid), gid: uint32(gid)}
}

// startAsUser starts a command as the test user (plain SysProcAttr, not
// RunAsUser, so that tests of RunAsUser stay independent).
func startAsUser(t testing.TB, u testUser, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u.uid, Gid: u.gid}}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s as %s: %v", name, u.name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
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
