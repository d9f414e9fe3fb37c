package platform_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/agent/ipc"
	"github.com/kidtime/kidtime/agent/platform"
	"golang.org/x/sys/windows"
)

// The test binary re-executes itself as a child process to read, hash and
// end: it says "ready" and waits until its standard input closes.
const helperEnv = "KT_PLATFORM_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Stdout.WriteString("ready\n")
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startChild starts the helper with an argument to find in its command
// line; it is ended when the test ends.
func startChild(t *testing.T) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^$", "kt-marker")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Fatalf("helper said %q: %v", line, err)
	}
	return cmd
}

// The agent keys accounts by uid: a process owner (platform) and an API
// caller (ipc) must map one SID to one uid.
func TestSIDToUIDMatchesIPC(t *testing.T) {
	for _, sid := range []string{
		"", "S-1-5-18", "S-1-5-21-3623811015-3361044348-30300820-1013",
		"S-1-12-1-1234567890-1234567890-1234567890-1234567890",
	} {
		if p, i := platform.SIDToUID(sid), ipc.SIDToUID(sid); p != i {
			t.Errorf("SIDToUID(%q): platform %d, ipc %d", sid, p, i)
		}
	}
}

func currentSID(t *testing.T) string {
	t.Helper()
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	return tu.User.Sid.String()
}

// This process's own entry carries its owner's uid and its executable.
// (Its parent may be no Windows process: under Wine, a Linux one.)
func TestReadProcSelf(t *testing.T) {
	p, err := platform.ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if want := platform.SIDToUID(currentSID(t)); p.UID != want {
		t.Errorf("UID %d, want %d (SIDToUID of this process's user)", p.UID, want)
	}
	self, _ := os.Executable()
	if !strings.EqualFold(filepath.Clean(p.Exe), filepath.Clean(self)) {
		t.Errorf("Exe %q, want %q", p.Exe, self)
	}
	if p.Start.IsZero() || p.Name == "" || p.User == "" {
		t.Errorf("incomplete entry: %+v", p)
	}
	if _, err := platform.ReadProc(0); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid 0 does not exist as a process: %v", err)
	}
}

// A child of this process: its parent, executable, name, start and owner;
// Terminate ends it, after which it no longer exists.
func TestReadProcAndTerminateChild(t *testing.T) {
	before := time.Now().Add(-time.Second)
	cmd := startChild(t)
	pid := cmd.Process.Pid
	p, err := platform.ReadProc(pid)
	if err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	if p.PID != pid || p.PPID != os.Getpid() {
		t.Errorf("pid %d parent %d, want %d, this process %d", p.PID, p.PPID, pid, os.Getpid())
	}
	if !strings.EqualFold(filepath.Clean(p.Exe), filepath.Clean(self)) || !strings.EqualFold(p.Name, filepath.Base(self)) {
		t.Errorf("Exe %q Name %q, want %q", p.Exe, p.Name, self)
	}
	if p.Start.Before(before) || p.Start.After(time.Now().Add(time.Second)) {
		t.Errorf("start %v, want about now", p.Start)
	}
	if want := platform.SIDToUID(currentSID(t)); p.UID != want {
		t.Errorf("UID %d, want %d", p.UID, want)
	}

	ps, err := platform.ScanProcs()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ps, func(q platform.Process) bool { return q.PID == pid && q.PPID == os.Getpid() }) {
		t.Error("the scan misses the child")
	}

	h := platform.NewHasher(8)
	path, sum, err := h.HashProc(pid)
	if err != nil || !strings.EqualFold(path, p.Exe) || len(sum) != 64 {
		t.Errorf("HashProc: %q %q %v", path, sum, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := platform.Terminate(ctx, pid, time.Second); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	if _, err := platform.ReadProc(pid); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadProc after Terminate: %v, want ErrNotExist", err)
	}
	if err := platform.Terminate(ctx, pid, time.Second); err != nil {
		t.Errorf("Terminate of a process that is gone: %v, want nil", err)
	}
}

// The command line comes from NtQueryInformationProcess
// (ProcessCommandLineInformation), which Wine 8 does not implement.
func TestReadProcCmdline(t *testing.T) {
	ostest.SkipUnderWine(t, "NtQueryInformationProcess(ProcessCommandLineInformation) answers STATUS_INVALID_INFO_CLASS, so ReadProc leaves Cmdline empty")
	cmd := startChild(t)
	p, err := platform.ReadProc(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Cmdline) != 3 || p.Cmdline[1] != "-test.run=^$" || p.Cmdline[2] != "kt-marker" {
		t.Errorf("Cmdline %q, want the helper's three arguments", p.Cmdline)
	}
}

func TestTerminateRefuses(t *testing.T) {
	ctx := context.Background()
	for _, pid := range []int{0, 4, os.Getpid()} {
		if err := platform.Terminate(ctx, pid, time.Second); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("Terminate(%d): %v, want a refusal", pid, err)
		}
	}
	if _, err := platform.KillUser(ctx, 0, time.Second); err == nil {
		t.Error("KillUser(0) must refuse")
	}
}

// An administrator's processes are never ended. (KillUser of a plain account
// would end this test's own account's processes, so it is not tried here.)
func TestKillUserRefusesAdministrator(t *testing.T) {
	uid := platform.SIDToUID(currentSID(t))
	if _, err := platform.ScanProcs(); err != nil { // remembers this account's SID
		t.Fatal(err)
	}
	admin, err := platform.UserIsAdmin(uid)
	if err != nil {
		t.Fatal(err)
	}
	if !admin {
		t.Skip("this account is not an administrator: KillUser would end its processes")
	}
	startChild(t) // a process KillUser would otherwise end
	n, err := platform.KillUser(context.Background(), uid, time.Second)
	if err == nil || !strings.Contains(err.Error(), "administrator") || n != 0 {
		t.Errorf("KillUser of an administrator: %d, %v; want a refusal", n, err)
	}
}

func TestScanProcsOwners(t *testing.T) {
	ps, err := platform.ScanProcs()
	if err != nil {
		t.Fatal(err)
	}
	want := platform.SIDToUID(currentSID(t))
	for _, p := range ps {
		if p.PID == os.Getpid() {
			if p.UID != want {
				t.Errorf("own UID %d, want %d", p.UID, want)
			}
			return
		}
	}
	t.Error("the scan misses this process")
}

// The listing works on any Windows; whether it is empty depends on the
// machine. The current user's uid must resolve once its process was seen,
// and its name must look up to the same uid.
func TestAccounts(t *testing.T) {
	accs, err := platform.ListAccounts()
	if err != nil {
		t.Errorf("ListAccounts: %v", err)
	}
	for _, a := range accs {
		if a.Name == "" || a.UID != platform.SIDToUID(a.SID) {
			t.Errorf("account %+v", a)
		}
	}
	p, err := platform.ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := platform.UserIsAdmin(p.UID); err != nil {
		t.Errorf("UserIsAdmin of the current user: %v", err)
	}
	if uid, err := (platform.Users{}).Lookup(p.User); err != nil || uid != p.UID {
		t.Errorf("Lookup(%q) = %d, %v; want %d", p.User, uid, err, p.UID)
	}
	if _, err := platform.LookupAccount("Administrators"); err == nil {
		t.Error("a group is not an account")
	}
	// the full name (USER_INFO_10) of the current account is asked without
	// error; an unknown account's is an error, never an empty name taken for
	// one. Which name a real account has is TestCreateStandardAccount's
	// (unrun under Wine: Wine cannot set one).
	bare := p.User[strings.LastIndex(p.User, `\`)+1:]
	if full, err := platform.FullName(bare); err != nil {
		t.Errorf("FullName(%q): %v", bare, err)
	} else {
		t.Logf("the full name of %q: %q", bare, full)
	}
	if full, err := platform.FullName("kt-no-such-account-here"); err == nil {
		t.Errorf("FullName of an unknown account = %q, no error", full)
	}
	if _, err := platform.LookupAccount("kt-no-such-account-here"); err == nil {
		t.Error("an unknown name looked up")
	}
}

// WTS lists the sessions on Windows. Wine's WTSEnumerateSessions lists none,
// not even session 0, which Sessions reports as unsupported rather than as
// nobody being logged on.
func TestWTSSessions(t *testing.T) {
	ctx := context.Background()
	ss, err := (platform.WTSSessions{}).Sessions(ctx)
	switch {
	case ostest.Wine() != "":
		if !errors.Is(err, platform.ErrUnsupported) {
			t.Errorf("under Wine: %v, %v; want an error wrapping ErrUnsupported", ss, err)
		}
	case err != nil:
		t.Errorf("WTS sessions: %v", err)
	}
	if err := (platform.WTSSessions{}).LockSession(ctx, "1"); !errors.Is(err, platform.ErrUnsupported) {
		t.Errorf("LockSession must say it cannot: %v", err)
	}
	if err := (platform.WTSSessions{}).TerminateSession(ctx, "0"); err == nil {
		t.Error("session 0 must never be logged off")
	}
}

// RunAsUser is not implemented on Windows yet, and says so.
func TestRunAsUserUnsupported(t *testing.T) {
	if _, err := platform.RunAsUser(context.Background(), 1, "cmd.exe", nil, nil); !errors.Is(err, platform.ErrUnsupported) {
		t.Errorf("RunAsUser: %v, want ErrUnsupported", err)
	}
	if _, err := platform.CommandAsUser(context.Background(), 1, "cmd.exe", nil, nil); !errors.Is(err, platform.ErrUnsupported) {
		t.Errorf("CommandAsUser: %v, want ErrUnsupported", err)
	}
}

// The hasher keys a file by volume and file index (fileid_windows.go): the
// same file by another spelling of its path is one entry, and a rewrite
// changes the sum.
func TestHasherFileIdentity(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "game.exe")
	if err := os.WriteFile(path, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := platform.NewHasher(8)
	a, err := h.Hash(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Hash(strings.ToUpper(path))
	if err != nil || a != b || h.Len() != 1 {
		t.Errorf("the same file by an upper-case path: %q %v, %d entries; want %q, 1 entry", b, err, h.Len(), a)
	}
	time.Sleep(20 * time.Millisecond)
	if err := os.WriteFile(path, []byte("two, longer"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := h.Hash(path)
	if err != nil || c == a {
		t.Errorf("after a rewrite: %q %v; want a new sum", c, err)
	}
}
