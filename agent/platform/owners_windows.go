package platform

import (
	"errors"
	"fmt"
	"io/fs"

	"golang.org/x/sys/windows"
)

// Owner is the uid ([SIDToUID]) of the user of a process's token: one
// OpenProcess and one token read, no snapshot, so that the exec path drops
// the processes of accounts nobody watches cheaply. A process that does not
// exist gives an error wrapping os.ErrNotExist; one this process may not
// open (protected processes, which run as SYSTEM) gives uid 0.
func Owner(pid int) (uint32, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if errors.Is(err, windows.ERROR_INVALID_PARAMETER) {
		return 0, fmt.Errorf("platform: owner of process %d: %w", pid, fs.ErrNotExist)
	}
	if err != nil {
		return 0, nil
	}
	defer windows.CloseHandle(h)
	if exited(h) {
		return 0, fmt.Errorf("platform: owner of process %d: %w", pid, fs.ErrNotExist)
	}
	sid, err := processSID(h)
	if err != nil {
		return 0, nil
	}
	return rememberSID(sid), nil
}
