// A stand-in for powershell.exe in the Wine test prefix (installer/wine/e2e),
// never shipped. Wine 8's powershell.exe is a stub that runs nothing and
// exits 0. This one does what the MSI's two PowerShell commands do:
//
//   - MoveAsideDataDir's question, minus the owner check (Wine keeps no
//     owners for ProgramData's folders worth checking): exit 2 when the
//     folder $d='...' is absent, 0 when it is a folder holding
//     .installed-by-kidtime, 3 otherwise;
//   - WaitServiceGone's `Wait-Process -Name NAME -Timeout N`: waits, for
//     real (a process snapshot every 100 ms), until no process NAME.exe
//     runs: exit 0, or 1 after N seconds, as PowerShell does.
//
// Any other command line exits 1.
package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	folder      = regexp.MustCompile(`\$d='([^']*)'`)
	waitProcess = regexp.MustCompile(`Wait-Process -Name (\S+) -Timeout (\d+)`)
)

func main() {
	cmd := strings.Join(os.Args[1:], " ")
	if m := waitProcess.FindStringSubmatch(cmd); m != nil {
		secs, _ := strconv.Atoi(m[2])
		os.Exit(wait(m[1]+".exe", time.Duration(secs)*time.Second))
	}
	m := folder.FindStringSubmatch(cmd)
	if m == nil {
		os.Exit(1)
	}
	fi, err := os.Lstat(m[1])
	switch {
	case os.IsNotExist(err):
		os.Exit(2)
	case err != nil || !fi.IsDir():
		os.Exit(3)
	}
	if mk, err := os.Stat(filepath.Join(m[1], ".installed-by-kidtime")); err != nil || !mk.Mode().IsRegular() {
		os.Exit(3)
	}
	os.Exit(0)
}

// wait waits until no process named image runs, at most d.
func wait(image string, d time.Duration) int {
	for deadline := time.Now().Add(d); ; time.Sleep(100 * time.Millisecond) {
		running, err := runs(image)
		switch {
		case err != nil:
			os.Stderr.WriteString("Wait-Process: " + err.Error() + "\n")
			return 1
		case !running:
			return 0
		case time.Now().After(deadline):
			os.Stderr.WriteString("Wait-Process: " + image + " still runs\n")
			return 1
		}
	}
}

// runs reports whether a process named image runs (one snapshot).
func runs(image string) (bool, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return false, err
	}
	defer windows.CloseHandle(snap)
	var pe windows.ProcessEntry32
	pe.Size = uint32(unsafe.Sizeof(pe))
	for err = windows.Process32First(snap, &pe); err == nil; err = windows.Process32Next(snap, &pe) {
		if strings.EqualFold(windows.UTF16ToString(pe.ExeFile[:]), image) {
			return true, nil
		}
	}
	return false, nil
}
