package platform_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kidtime/kidtime/agent/ipc"
	"github.com/kidtime/kidtime/agent/platform"
	"golang.org/x/sys/windows"
)

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
	if p.PPID == 0 || p.Start.IsZero() || p.Name == "" {
		t.Errorf("incomplete entry: %+v", p)
	}
	if _, err := platform.ReadProc(0); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid 0 does not exist as a process: %v", err)
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
// machine. The current user's uid must resolve once its process was seen.
func TestAccountsAndSessions(t *testing.T) {
	if _, err := platform.ListAccounts(); err != nil {
		t.Errorf("ListAccounts: %v", err)
	}
	if _, err := platform.ScanProcs(); err != nil {
		t.Fatal(err)
	}
	if _, err := platform.UserIsAdmin(platform.SIDToUID(currentSID(t))); err != nil {
		t.Errorf("UserIsAdmin of the current user: %v", err)
	}
	if _, err := (platform.WTSSessions{}).Sessions(context.Background()); err != nil {
		t.Errorf("WTS sessions: %v", err)
	}
	if err := (platform.WTSSessions{}).LockSession(context.Background(), "1"); !errors.Is(err, platform.ErrUnsupported) {
		t.Errorf("LockSession must say it cannot: %v", err)
	}
	if err := (platform.WTSSessions{}).TerminateSession(context.Background(), "0"); err == nil {
		t.Error("session 0 must never be logged off")
	}
}
