package platform_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/kidtime/kidtime/agent/platform"
)

// What the approval rule reads of a running program (ExeFile) and the
// exec path's owner check (Owner), with real calls on this process and an
// ended child: its owner's profile folder, a fixed drive, its owner's uid;
// a process that is gone (Owner) or never was (ExeFile) is an error.
func TestExeFileAndOwnerOfRealProcesses(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := platform.ExeFile(os.Getpid(), self)
	if err != nil {
		t.Fatalf("ExeFile of this process: %v", err)
	}
	home, _ := os.UserHomeDir()
	t.Logf("ExeFile: %+v (home %s)", f, home)
	if f.Profile == "" || !strings.EqualFold(f.Profile, home) {
		t.Errorf("profile %q, want this user's %q", f.Profile, home)
	}
	if f.Removable || f.Path != self {
		t.Errorf("ExeFile %+v: want %s on a fixed drive", f, self)
	}

	uid, err := platform.Owner(os.Getpid())
	if err != nil {
		t.Fatalf("Owner of this process: %v", err)
	}
	if want := platform.SIDToUID(currentSID(t)); uid != want {
		t.Errorf("Owner %d, want %d (SIDToUID of this process's user)", uid, want)
	}

	child := exec.Command(self, "-test.run=^$")
	if err := child.Run(); err != nil {
		t.Fatal(err)
	}
	gone := child.Process.Pid
	if _, err := platform.Owner(gone); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Owner of an ended process: %v, want fs.ErrNotExist", err)
	}
	// (ExeFile of an ended process may still answer while a handle keeps
	// its object: the token is still there. One that never was does not.)
	if _, err := platform.ExeFile(0, self); err == nil {
		t.Error("ExeFile of process 0: no error")
	}
}
