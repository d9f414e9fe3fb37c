package ipc

import (
	"context"
	"errors"
	"fmt"
	"net"

	"golang.org/x/sys/windows"
)

// AdminPath is the administrators' pipe beside the pipe at path
// (\\.\pipe\kidtimed-admin beside \\.\pipe\kidtimed). Only LocalSystem,
// Administrators (an elevated token: UAC's filtered token holds the group
// for deny only) and the kidtime-admin group may open it, so that no flood
// of connections from another account (which keeps every instance of the
// shared pipe busy) keeps an administrator from the daemon.
func AdminPath(path string) string {
	if path == "" {
		return ""
	}
	return path + "-admin"
}

// adminDACL is the administrators' pipe's access control list: LocalSystem
// and Administrators have full control, and no one else any access.
// ListenAdmin adds kidtime-admin (read and write, no new instances) where
// the group exists.
var adminDACL = "D:P(A;;GA;;;SY)(A;;GA;;;BA)"

// adminSDDL is the security descriptor of the administrators' pipe at path:
// the default one's owner is Administrators, which DialAny checks, as Dial
// does the shared pipe's.
func adminSDDL(path string) string {
	dacl := adminDACL
	if sid, _, _, err := windows.LookupSID("", AdminGroup); err == nil {
		dacl += "(A;;0x0012019b;;;" + sid.String() + ")"
	}
	if path == AdminPath(defaultPath) {
		return serviceOwner + dacl
	}
	return dacl
}

// ListenAdmin listens on the administrators' pipe at path (see AdminPath).
// Like Listen it fails when the pipe exists already, and on the default path
// unless this process may make Administrators its owner.
func ListenAdmin(path string) (net.Listener, error) {
	return listen(path, adminSDDL(path))
}

// DialAny connects to the administrators' pipe beside path when the caller
// may open it (LocalSystem, an elevated administrator, kidtime-admin), else
// to path itself. An administrators' pipe that is missing (an older daemon),
// refuses the caller (access denied), or on the default path is owned by
// anyone but LocalSystem or Administrators (a pipe squatted while the
// service was stopped: nothing is sent to it) sends the caller to path; a
// busy one is waited for until ctx ends, as Dial waits for a busy pipe.
func DialAny(ctx context.Context, path string) (net.Conn, error) {
	admin := AdminPath(path)
	if admin == "" {
		return Dial(ctx, path)
	}
	c, err := dialPipe(ctx, admin)
	if err == nil {
		if path != defaultPath {
			return c, nil
		}
		oerr := checkServerOwner(c)
		if oerr == nil {
			return c, nil
		}
		c.Close()
		err = fmt.Errorf("%w: %w", errSquatted, oerr)
	}
	if !fallBack(err) {
		return nil, fmt.Errorf("ipc dial %s: %w", admin, err)
	}
	c, derr := Dial(ctx, path)
	if derr != nil && errors.Is(err, errSquatted) {
		return nil, fmt.Errorf("%w (and the administrators' pipe %s: %w)", derr, admin, err)
	}
	return c, derr
}

var errSquatted = errors.New("not kidtimed's administrators' pipe")

// fallBack reports a failure to reach the administrators' pipe after which
// the shared pipe is tried.
func fallBack(err error) bool {
	return errors.Is(err, windows.ERROR_FILE_NOT_FOUND) || errors.Is(err, windows.ERROR_ACCESS_DENIED) ||
		errors.Is(err, windows.ERROR_BAD_PATHNAME) || errors.Is(err, errSquatted)
}
