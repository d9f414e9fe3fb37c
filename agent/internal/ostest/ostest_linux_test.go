package ostest_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/internal/ostest"
)

// The helper: this test binary, re-executed by RunAs, prints who it runs as.
const helperEnv = "KT_OSTEST_HELPER"

func TestMain(m *testing.M) {
	if cmd := os.Getenv(helperEnv); cmd != "" {
		os.Exit(helper(cmd))
	}
	os.Exit(m.Run())
}

func helper(cmd string) int {
	switch cmd {
	case "whoami":
		groups, _ := os.Getgroups()
		wd, _ := os.Getwd()
		fmt.Printf("%d %d %v %s %s\n", os.Getuid(), os.Getgid(), groups, wd, os.Getenv("KT_OSTEST_EXTRA"))
		return 0
	case "fail":
		fmt.Fprintln(os.Stderr, "the helper failed on purpose")
		return 3
	}
	fmt.Fprintln(os.Stderr, "unknown helper command", cmd)
	return 1
}

func TestNeedRoot(t *testing.T) {
	var ran bool
	t.Run("inner", func(t *testing.T) {
		ostest.NeedRoot(t)
		ran = true
	})
	if root := os.Geteuid() == 0; ran != root {
		t.Errorf("NeedRoot let the test go on: %v; running as root: %v", ran, root)
	}
}

func TestFreeUID(t *testing.T) {
	seen := map[uint32]bool{}
	for range 3 {
		uid := ostest.FreeUID(t)
		if seen[uid] {
			t.Errorf("FreeUID returned %d twice", uid)
		}
		seen[uid] = true
		if u, err := user.LookupId(strconv.Itoa(int(uid))); err == nil {
			t.Errorf("FreeUID returned %d, the uid of account %s", uid, u.Username)
		}
		if uid < 1000 {
			t.Errorf("FreeUID returned a system uid %d", uid)
		}
	}
}

func TestWorldDir(t *testing.T) {
	dir := ostest.WorldDir(t)
	for _, d := range []string{dir, filepath.Dir(dir)} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.IsDir() || fi.Mode().Perm()&0o005 != 0o005 {
			t.Errorf("%s has mode %v; want a folder others may enter and read", d, fi.Mode())
		}
	}
}

func TestCopyFile(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	if err := os.WriteFile(src, []byte("#!/bin/sh\necho hi\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := syscall.Umask(0o077)
	ostest.CopyFile(t, src, dst, 0o755)
	syscall.Umask(old)
	b, err := os.ReadFile(dst)
	if err != nil || string(b) != "#!/bin/sh\necho hi\n" {
		t.Fatalf("copy holds %q (%v)", b, err)
	}
	if fi, _ := os.Stat(dst); fi.Mode().Perm() != 0o755 {
		t.Errorf("copy has mode %v despite a umask; want 0755", fi.Mode().Perm())
	}
}

func TestHelperBinary(t *testing.T) {
	dir := ostest.WorldDir(t)
	bin := ostest.HelperBinary(t, dir)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(self)
	b, _ := os.ReadFile(bin)
	if filepath.Dir(bin) != dir || len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("HelperBinary = %s (%d bytes); want a copy of %s (%d bytes) in %s", bin, len(b), self, len(a), dir)
	}
	if fi, _ := os.Stat(bin); fi.Mode().Perm() != 0o755 {
		t.Errorf("helper mode %v; want 0755", fi.Mode().Perm())
	}
	// A second call reuses the copy.
	if err := os.WriteFile(bin, []byte("marker"), 0o755); err != nil {
		t.Fatal(err)
	}
	if again := ostest.HelperBinary(t, dir); again != bin {
		t.Errorf("second call: %s; want %s", again, bin)
	}
	if b, _ := os.ReadFile(bin); string(b) != "marker" {
		t.Error("the second call copied the binary again")
	}
}

func TestCommand(t *testing.T) {
	cmd := ostest.Command(4242, 4343, "true", "x")
	c := cmd.SysProcAttr.Credential
	if c == nil || c.Uid != 4242 || c.Gid != 4343 || len(c.Groups) != 0 || c.NoSetGroups {
		t.Errorf("credential %+v; want uid 4242 gid 4343 and no supplementary groups", c)
	}
	if cmd.Dir != "/" || !slices.Equal(cmd.Args, []string{"true", "x"}) {
		t.Errorf("dir %q args %q", cmd.Dir, cmd.Args)
	}
}

// The kernel, not the helper, says who it is: the uid and gid asked for,
// no groups of root's, in its own folder, with the extra environment.
func TestRunAs(t *testing.T) {
	ostest.NeedRoot(t)
	dir := ostest.WorldDir(t)
	bin := ostest.HelperBinary(t, dir)
	uid := ostest.FreeUID(t)
	out, errb, code := ostest.RunAs(t, uid, uid+1, bin, helperEnv+"=whoami", "KT_OSTEST_EXTRA=extra")
	if code != 0 {
		t.Fatalf("helper exit %d: %s", code, errb)
	}
	want := fmt.Sprintf("%d %d [] %s extra\n", uid, uid+1, dir)
	if string(out) != want {
		t.Errorf("helper said %q; want %q", out, want)
	}
	out, errb, code = ostest.RunAs(t, uid, uid, bin, helperEnv+"=fail")
	if code != 3 || len(out) != 0 || !strings.Contains(string(errb), "on purpose") {
		t.Errorf("failing helper: exit %d, stdout %q, stderr %q; want 3 and its message", code, out, errb)
	}
}

func TestStartAs(t *testing.T) {
	ostest.NeedRoot(t)
	uid := ostest.FreeUID(t)
	var pid int
	t.Run("inner", func(t *testing.T) {
		cmd := ostest.StartAs(t, uid, uid, "sleep", "30")
		pid = cmd.Process.Pid
		if got := procUID(t, pid); got != strconv.Itoa(int(uid)) {
			t.Errorf("the process runs as uid %s; want %d", got, uid)
		}
	})
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("pid %d still exists after the test that started it", pid)
	}
}

// procUID is the real uid of a process, from /proc.
func procUID(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
			return f[1]
		}
	}
	t.Fatalf("no Uid line in /proc/%d/status", pid)
	return ""
}

func TestUniqueName(t *testing.T) {
	a, b := ostest.UniqueName("kt-x-"), ostest.UniqueName("kt-x-")
	if a == b || !strings.HasPrefix(a, "kt-x-") || len(a) != len("kt-x-")+8 {
		t.Errorf("UniqueName: %q and %q", a, b)
	}
}

// An account made for a test exists during it, in the groups asked for,
// and is gone after it even with a process still running as it.
func TestAddUser(t *testing.T) {
	ostest.NeedRoot(t)
	group := ostest.UniqueName("kt-og-")
	t.Cleanup(func() { removeLocks(group) })
	name := ostest.UniqueName("kt-ostest-")
	var u ostest.User
	ended := make(chan error, 1)
	t.Run("inner", func(t *testing.T) {
		ostest.EnsureGroup(t, group)
		u = ostest.AddUser(t, name, group)
		lu, err := user.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if u.Name != name || strconv.Itoa(int(u.UID)) != lu.Uid || strconv.Itoa(int(u.GID)) != lu.Gid {
			t.Errorf("AddUser = %+v; the account is %+v", u, lu)
		}
		gids, _ := lu.GroupIds()
		g, err := user.LookupGroup(group)
		if err != nil || !slices.Contains(gids, g.Gid) {
			t.Errorf("account groups %v lack %s (%v)", gids, group, err)
		}
		// Started outside StartAs, so that only DeleteUser can end it.
		cmd := ostest.Command(u.UID, u.GID, "sleep", "30")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { ended <- cmd.Wait() }()
	})
	if _, err := user.Lookup(name); err == nil {
		t.Errorf("account %s still exists after its test", name)
	}
	if _, err := user.LookupGroup(group); err == nil {
		t.Errorf("group %s still exists after its test", group)
	}
	select {
	case err := <-ended:
		if err == nil {
			t.Error("the process of the account ended by itself; want it killed")
		}
	case <-time.After(5 * time.Second):
		t.Errorf("a process of uid %d still runs after its account was deleted", u.UID)
	}
}

// A group that existed before EnsureGroup is not deleted; a group two
// tests share is deleted by the last one only.
func TestEnsureGroupShared(t *testing.T) {
	ostest.NeedRoot(t)
	existing := ostest.UniqueName("kt-og-")
	if out, err := exec.Command("groupadd", existing).CombinedOutput(); err != nil {
		t.Fatalf("groupadd: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		_ = exec.Command("groupdel", existing).Run()
		removeLocks(existing)
	})
	t.Run("existing", func(t *testing.T) { ostest.EnsureGroup(t, existing) })
	if _, err := user.LookupGroup(existing); err != nil {
		t.Errorf("EnsureGroup deleted a group it did not create: %v", err)
	}

	shared := ostest.UniqueName("kt-og-")
	t.Cleanup(func() { removeLocks(shared) })
	first, secondIn := make(chan struct{}), make(chan struct{})
	firstDone := make(chan struct{})
	t.Run("shared", func(t *testing.T) {
		t.Run("first", func(t *testing.T) {
			t.Parallel()
			t.Cleanup(func() { close(firstDone) }) // runs after EnsureGroup's
			ostest.EnsureGroup(t, shared)
			close(first)
			<-secondIn // end while the second test uses the group
		})
		t.Run("second", func(t *testing.T) {
			t.Parallel()
			<-first
			ostest.EnsureGroup(t, shared)
			close(secondIn)
			select {
			case <-firstDone:
			case <-time.After(10 * time.Second):
				t.Fatal("the first test did not end")
			}
			if _, err := user.LookupGroup(shared); err != nil {
				t.Errorf("the group was deleted while another test still used it: %v", err)
			}
		})
	})
	if _, err := user.LookupGroup(shared); err == nil {
		t.Error("the shared group outlived both tests")
		_ = exec.Command("groupdel", shared).Run()
	}
}

// removeLocks removes EnsureGroup's lock files of a group made up for a test.
func removeLocks(group string) {
	for _, ext := range []string{".lock", ".users"} {
		os.Remove(filepath.Join(os.TempDir(), "kidtime-ostest-group-"+group+ext))
	}
}
