//go:build linux

package ostest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// NeedRoot skips the test unless it runs as root: switching to another uid
// and creating accounts need it.
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: it runs processes as other uids or creates Linux accounts (run the tests as root)")
	}
}

var (
	uidMu    sync.Mutex
	uidsUsed = map[uint32]bool{}
)

// FreeUID returns a uid that no account has and that no earlier call in
// this process returned: the kernel accepts it, and a server sees a caller
// with no name, no groups and no admin rights.
func FreeUID(t testing.TB) uint32 {
	t.Helper()
	uidMu.Lock()
	defer uidMu.Unlock()
	// Start at a point that depends on the pid so that test processes
	// running side by side tend to pick different uids.
	first := 47000 + os.Getpid()%1000
	for uid := first; uid < 60000; uid++ {
		if uidsUsed[uint32(uid)] {
			continue
		}
		if _, err := user.LookupId(strconv.Itoa(uid)); err == nil {
			continue
		}
		uidsUsed[uint32(uid)] = true
		return uint32(uid)
	}
	t.Fatal("no free uid between 47000 and 60000")
	return 0
}

// WorldDir returns a new temporary folder, removed at the end of the test,
// that every user may enter and read (t.TempDir makes it and its parent
// 0700).
func WorldDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// CopyFile copies src to dst (created or truncated) with mode.
func CopyFile(t testing.TB, src, dst string, mode os.FileMode) {
	t.Helper()
	if err := copyFile(src, dst, mode); err != nil {
		t.Fatal(err)
	}
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	if err := out.Close(); err != nil {
		return err
	}
	// The umask may have taken bits away.
	return os.Chmod(dst, mode)
}

// HelperBinary copies the running test binary into dir (a WorldDir), where
// any uid may run it, and returns its path. Calls for the same dir copy it
// once.
func HelperBinary(t testing.TB, dir string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(self))
	if _, err := os.Stat(dst); err == nil {
		return dst
	}
	CopyFile(t, self, dst, 0o755)
	return dst
}

// Command is exec.Command for a process that runs as uid:gid, without
// supplementary groups, in "/" (a folder every uid may enter). Callers may
// change the returned command before starting it.
func Command(uid, gid uint32, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
	return cmd
}

// RunAs runs bin (usually a HelperBinary) as uid:gid, in bin's folder, with
// the test's environment plus env ("KEY=value"; they win over the test's),
// and returns what it wrote and its exit status (-1 when a signal ended
// it). It fails the test when bin cannot be started.
func RunAs(t testing.TB, uid, gid uint32, bin string, env ...string) (stdout, stderr []byte, code int) {
	t.Helper()
	cmd := Command(uid, gid, bin)
	if filepath.IsAbs(bin) {
		cmd.Dir = filepath.Dir(bin)
	}
	cmd.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run %s as uid %d: %v", bin, uid, err)
	}
	return []byte(out.String()), []byte(errb.String()), code
}

// StartAs starts name as uid:gid (see Command); the process is killed and
// reaped at the end of the test. The caller must not Wait for it itself.
func StartAs(t testing.TB, uid, gid uint32, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := Command(uid, gid, name, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s as uid %d: %v", name, uid, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// User is a Linux account made for a test.
type User struct {
	Name     string
	UID, GID uint32 // GID is the account's primary group
}

// UniqueName returns prefix followed by eight random hex digits: a name for
// a throwaway account that no other test (or test process) uses.
func UniqueName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// AddUser creates the account name (no home folder, shell /bin/sh, a
// primary group of its own, in the extra groups given) and deletes it at
// the end of the test, after killing what still runs as it. It skips the
// test when not root or without useradd. Pick name with UniqueName unless
// the test needs a fixed one.
func AddUser(t testing.TB, name string, groups ...string) User {
	t.Helper()
	NeedRoot(t)
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("needs useradd to create a test account")
	}
	u, err := CreateUser(name, groups...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := DeleteUser(name); err != nil {
			t.Error(err)
		}
	})
	return u
}

// CreateUser is AddUser for code without a test (TestMain): the caller
// deletes the account with DeleteUser.
func CreateUser(name string, groups ...string) (User, error) {
	args := []string{"-M", "-s", "/bin/sh"}
	if len(groups) > 0 {
		args = append(args, "-G", strings.Join(groups, ","))
	}
	if out, err := exec.Command("useradd", append(args, name)...).CombinedOutput(); err != nil {
		return User{}, fmt.Errorf("useradd %s: %v\n%s", name, err, out)
	}
	u, err := user.Lookup(name)
	if err != nil {
		return User{}, fmt.Errorf("look up the new account %s: %w", name, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return User{}, fmt.Errorf("account %s: %w", name, err)
	}
	return User{Name: name, UID: uint32(uid), GID: uint32(gid)}, nil
}

// DeleteUser kills every process of the account and deletes it (userdel
// refuses while one runs, so it tries again for up to 5 s).
func DeleteUser(name string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		_ = exec.Command("pkill", "-KILL", "-u", name).Run()
		out, err := exec.Command("userdel", name).CombinedOutput()
		var ee *exec.ExitError
		// 8: the account is in use (a process not reaped yet).
		if err == nil || !errors.As(err, &ee) || ee.ExitCode() != 8 || time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("userdel %s: %v\n%s", name, err, out)
			}
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// EnsureGroup makes sure group name exists for the test. A group it
// creates is deleted by the last test (in any test process) still using
// it: test packages that share a group, like kidtime-admin, run side by
// side, and none may delete it under another. A group that existed before
// is left alone.
func EnsureGroup(t testing.TB, name string) {
	t.Helper()
	NeedRoot(t)
	// Two lock files: ".lock", held briefly to create or delete the group
	// and saying "created" when ostest created it; ".users", held shared by
	// every test using the group.
	base := filepath.Join(os.TempDir(), "kidtime-ostest-group-"+name)
	op, err := lockFile(base+".lock", syscall.LOCK_EX)
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	users, err := lockFile(base+".users", syscall.LOCK_SH)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := user.LookupGroup(name); err != nil {
		if out, err := exec.Command("groupadd", name).CombinedOutput(); err != nil {
			users.Close()
			t.Fatalf("groupadd %s: %v\n%s", name, err, out)
		}
		if err := setMark(op, "created"); err != nil {
			users.Close()
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		op, err := lockFile(base+".lock", syscall.LOCK_EX)
		if err != nil {
			users.Close()
			t.Error(err)
			return
		}
		defer op.Close()
		users.Close()
		last, err := lockFile(base+".users", syscall.LOCK_EX|syscall.LOCK_NB)
		if err != nil {
			return // still in use elsewhere: the last user deletes it
		}
		defer last.Close()
		if b, _ := io.ReadAll(io.NewSectionReader(op, 0, 64)); string(b) != "created" {
			return
		}
		if out, err := exec.Command("groupdel", name).CombinedOutput(); err != nil {
			t.Errorf("groupdel %s: %v\n%s", name, err, out)
			return
		}
		_ = setMark(op, "")
	})
}

// lockFile opens (or creates) path and flocks it with how.
func lockFile(path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

func setMark(f *os.File, s string) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(s), 0)
	return err
}
