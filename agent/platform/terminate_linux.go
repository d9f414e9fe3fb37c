package platform

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// terminate holds the process by a pidfd (no pid-reuse race) and waits for
// its exit by polling the pidfd, which becomes readable when the process
// exits (zombie included). Kernels without pidfd_open (before 5.3) fall back
// to kill(2) and /proc.
func terminate(ctx context.Context, pid int, grace time.Duration) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return nil // already gone
	}
	if errors.Is(err, unix.ENOSYS) {
		return terminateByPID(ctx, pid, grace)
	}
	if err != nil {
		return fmt.Errorf("platform: terminate %d: pidfd_open: %w", pid, err)
	}
	defer unix.Close(fd)
	if err := unix.PidfdSendSignal(fd, unix.SIGTERM, nil, 0); err != nil {
		if errors.Is(err, unix.ESRCH) {
			return nil
		}
		return fmt.Errorf("platform: terminate %d: SIGTERM: %w", pid, err)
	}
	gone, err := waitPidfd(ctx, fd, grace)
	if err != nil || gone {
		return wrapTerm(pid, err)
	}
	if err := unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0); err != nil {
		if errors.Is(err, unix.ESRCH) {
			return nil
		}
		return fmt.Errorf("platform: terminate %d: SIGKILL: %w", pid, err)
	}
	gone, err = waitPidfd(ctx, fd, killWait)
	if err != nil {
		return wrapTerm(pid, err)
	}
	if !gone {
		return fmt.Errorf("platform: terminate %d: still running %v after SIGKILL", pid, killWait)
	}
	return nil
}

func wrapTerm(pid int, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("platform: terminate %d: %w", pid, err)
}

// waitPidfd waits up to d for the process to exit; it wakes every 50 ms to
// notice ctx.
func waitPidfd(ctx context.Context, fd int, d time.Duration) (bool, error) {
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left < 0 {
			left = 0
		}
		step := min(left, 50*time.Millisecond)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int((step+time.Millisecond-1)/time.Millisecond))
		if err != nil && !errors.Is(err, unix.EINTR) {
			return false, fmt.Errorf("poll pidfd: %w", err)
		}
		if n > 0 {
			return true, nil
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if left == 0 {
			return false, nil
		}
	}
}

// terminateByPID is the fallback for kernels without pidfds.
func terminateByPID(ctx context.Context, pid int, grace time.Duration) error {
	gone := func() bool {
		p, _, err := new(procReader).read(pid, false)
		return errors.Is(err, fs.ErrNotExist) || (err == nil && p.Exe == "" && isZombie(pid))
	}
	if err := unix.Kill(pid, unix.SIGTERM); errors.Is(err, unix.ESRCH) {
		return nil
	} else if err != nil {
		return fmt.Errorf("platform: terminate %d: SIGTERM: %w", pid, err)
	}
	if ok, err := pollGone(ctx, gone, grace); ok || err != nil {
		return wrapTerm(pid, err)
	}
	if err := unix.Kill(pid, unix.SIGKILL); errors.Is(err, unix.ESRCH) {
		return nil
	} else if err != nil {
		return fmt.Errorf("platform: terminate %d: SIGKILL: %w", pid, err)
	}
	if ok, err := pollGone(ctx, gone, killWait); err != nil || ok {
		return wrapTerm(pid, err)
	}
	return fmt.Errorf("platform: terminate %d: still running %v after SIGKILL", pid, killWait)
}

func isZombie(pid int) bool {
	var r procReader
	b, err := r.readFile(procRoot + "/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	var p Process
	st, err := parseStat(b, &p)
	return err == nil && st.state == 'Z'
}
