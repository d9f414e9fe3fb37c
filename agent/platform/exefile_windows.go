package platform

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/windows"

	"github.com/kidtime/kidtime/agent/facts"
)

// ExeFile reads what the approval rule needs of a running program's file on
// Windows: the process owner's profile folder (from the process token) and
// whether the file's drive is removable. The rule itself is
// monitor.ObtainedWindows.
func ExeFile(pid int, path string) (facts.ExeFile, error) {
	f := facts.ExeFile{Path: path}
	if vol := filepath.VolumeName(path); len(vol) == 2 {
		root, err := windows.UTF16PtrFromString(vol + `\`)
		if err == nil {
			f.Removable = windows.GetDriveType(root) == windows.DRIVE_REMOVABLE
		}
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return f, fmt.Errorf("platform: open process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	var tok windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok); err != nil {
		return f, fmt.Errorf("platform: token of process %d: %w", pid, err)
	}
	defer tok.Close()
	prof, err := tok.GetUserProfileDirectory()
	if err != nil {
		return f, fmt.Errorf("platform: profile of process %d's owner: %w", pid, err)
	}
	f.Profile = prof
	return f, nil
}

// ExeFile calls [ExeFile].
func (Host) ExeFile(pid int, path string) (facts.ExeFile, error) { return ExeFile(pid, path) }
