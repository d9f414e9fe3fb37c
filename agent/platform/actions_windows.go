package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// Terminate ends a process on Windows. Windows has no SIGTERM for arbitrary
// processes (closing windows is the companion's job in the user's session),
// so the process is ended at once with TerminateProcess and grace is only
// the time allowed for it to disappear. It never ends the calling process.
func Terminate(ctx context.Context, pid int, grace time.Duration) error {
	switch {
	case pid <= 4: // 0 idle, 4 System
		return fmt.Errorf("platform: terminate %d: refusing to end a system process", pid)
	case pid == os.Getpid():
		return fmt.Errorf("platform: terminate %d: refusing to end this process", pid)
	}
	p, err := process.NewProcessWithContext(ctx, int32(pid))
	if errors.Is(err, process.ErrorProcessNotRunning) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("platform: terminate %d: %w", pid, err)
	}
	if err := p.KillWithContext(ctx); err != nil {
		if ok, _ := p.IsRunningWithContext(ctx); !ok {
			return nil
		}
		return fmt.Errorf("platform: terminate %d: %w", pid, err)
	}
	gone := func() bool { ok, err := p.IsRunningWithContext(ctx); return err == nil && !ok }
	ok, err := pollGone(ctx, gone, max(grace, time.Second))
	if err != nil {
		return fmt.Errorf("platform: terminate %d: %w", pid, err)
	}
	if !ok {
		return fmt.Errorf("platform: terminate %d: still running after TerminateProcess", pid)
	}
	return nil
}

// KillUser is not available on Windows: accounts are SIDs, not uids.
// Logging a user off (WTSLogoffSession) is the Windows equivalent and is not
// implemented yet.
func KillUser(ctx context.Context, uid uint32, grace time.Duration) (int, error) {
	return 0, unsupported("kill a user's processes by uid")
}

// UserIsAdmin is not available on Windows (membership of Administrators is
// a token check by SID, not a uid lookup).
func UserIsAdmin(uid uint32) (bool, error) {
	return false, unsupported("admin check by uid")
}

// RunAsUser is not available on Windows: starting a process in another
// user's session needs WTSQueryUserToken + CreateProcessAsUser, not
// implemented yet.
func RunAsUser(ctx context.Context, uid uint32, name string, args []string, env []string) (*exec.Cmd, error) {
	return nil, unsupported("run a program as another user")
}

// CommandAsUser is not available on Windows (see [RunAsUser]).
func CommandAsUser(ctx context.Context, uid uint32, name string, args []string, env []string) (*exec.Cmd, error) {
	return nil, unsupported("run a program as another user")
}
