//go:build !windows

package platform

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// signalUIDWait bounds the helper of signalUID (a shell running one builtin).
const signalUIDWait = 5 * time.Second

// signalUID sends sig to every process of uid in one pass of the kernel:
// kill(-1, sig) from a helper process (the shell's builtin kill) running as
// uid, which may signal exactly the processes whose real or saved uid is
// uid. Unlike a scan of /proc, this misses no process that forks and exits
// every millisecond, and a fork under way when the signal comes fails
// rather than leaving a child behind. It reports whether any process was
// signalled.
//
// The helper is a process of its own, not a thread of the daemon given the
// child's ids: a thread with the child's uid could be sent SIGKILL by the
// child (tgkill), which would end the daemon. The child can at most kill the
// helper, which is then an error, and the caller goes on with the scan.
func signalUID(ctx context.Context, uid uint32, sig syscall.Signal) (bool, error) {
	if uid == 0 {
		return false, errors.New("refusing to signal root's processes")
	}
	ctx, cancel := context.WithTimeout(ctx, signalUIDWait)
	defer cancel()
	// The helper ignores SIGTERM and SIGHUP: it runs as the child, and the
	// daemon's watcher may take it for a program the child started after
	// the logout, which it ends with SIGTERM first.
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", fmt.Sprintf(`trap "" TERM HUP; kill -%d -1`, int(sig)))
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// nogroup: the helper needs no group of the child's, and the uid
		// alone decides whom kill(2) may signal.
		Credential: &syscall.Credential{Uid: uid, Gid: 65534},
	}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ee) && ee.Exited():
		return false, nil // the shell's kill found no process of uid (ESRCH)
	default:
		return false, fmt.Errorf("kill -%d -1 as uid %d: %w", int(sig), uid, err)
	}
}
