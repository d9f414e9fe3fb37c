package platform

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestExeFileOfThisProcess: the running test binary is read through
// /proc/self/exe, its folder from the path, and the groups from status.
func TestExeFileOfThisProcess(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := ExeFile(os.Getpid(), exe)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(exe)
	if f.UID != uint32(os.Getuid()) || f.Perm&0o100 == 0 || f.Perm != uint32(fi.Mode().Perm()) {
		t.Errorf("file: uid %d perm %o, want %d and %o", f.UID, f.Perm, os.Getuid(), fi.Mode().Perm())
	}
	if !f.DirKnown || f.DirUID != uint32(os.Getuid()) {
		t.Errorf("folder %s: known %v uid %d", filepath.Dir(exe), f.DirKnown, f.DirUID)
	}
	if !slices.Contains(f.Groups, uint32(os.Getgid())) {
		t.Errorf("groups %v lack %d", f.Groups, os.Getgid())
	}
	if _, err := ExeFile(1<<30, "/nowhere"); err == nil {
		t.Error("a process that does not exist: no error")
	}
}

func TestParseStatusGroups(t *testing.T) {
	b := []byte("Name:\tx\nUid:\t1 1 1 1\nGid:\t100\t101\t102\t103\nGroups:\t24 27 1000 \nNgid:\t0\n")
	if got, want := parseStatusGroups(b), []uint32{103, 24, 27, 1000}; !slices.Equal(got, want) {
		t.Errorf("groups %v, want %v", got, want)
	}
}
