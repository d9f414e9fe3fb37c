//go:build !windows && !linux

package platform

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// terminate signals by pid and polls kill(pid, 0) for the exit. Unlike on
// Linux, a zombie that its parent has not reaped still counts as running
// until killWait ends.
func terminate(ctx context.Context, pid int, grace time.Duration) error {
	gone := func() bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }
	if err := syscall.Kill(pid, syscall.SIGTERM); errors.Is(err, syscall.ESRCH) {
		return nil
	} else if err != nil {
		return fmt.Errorf("platform: terminate %d: SIGTERM: %w", pid, err)
	}
	if ok, err := pollGone(ctx, gone, grace); ok || err != nil {
		return wrapTerm(pid, err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); errors.Is(err, syscall.ESRCH) {
		return nil
	} else if err != nil {
		return fmt.Errorf("platform: terminate %d: SIGKILL: %w", pid, err)
	}
	if ok, err := pollGone(ctx, gone, killWait); err != nil || ok {
		return wrapTerm(pid, err)
	}
	return fmt.Errorf("platform: terminate %d: still running %v after SIGKILL", pid, killWait)
}

func wrapTerm(pid int, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("platform: terminate %d: %w", pid, err)
}
