//go:build !windows

package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
	"time"
)

// killWait bounds the wait for a process to disappear after SIGKILL (a
// process in uninterruptible sleep may take a moment).
const killWait = 5 * time.Second

// checkTarget refuses pids that must never be signalled.
func checkTarget(pid int) error {
	switch {
	case pid <= 0:
		return fmt.Errorf("platform: terminate %d: not a process id", pid)
	case pid == 1:
		return errors.New("platform: terminate 1: refusing to signal init")
	case pid == os.Getpid():
		return fmt.Errorf("platform: terminate %d: refusing to signal this process", pid)
	}
	return nil
}

// Terminate sends SIGTERM to pid, waits up to grace for it to exit, then
// sends SIGKILL and waits for it to be gone. It returns nil once the process
// has exited (a zombie counts as exited), including when it was already gone.
// It never signals pid 1 or the calling process. On Linux the process is
// held by a pidfd, so a recycled pid is never signalled by mistake.
func Terminate(ctx context.Context, pid int, grace time.Duration) error {
	if err := checkTarget(pid); err != nil {
		return err
	}
	return terminate(ctx, pid, grace)
}

// KillUser sends SIGTERM to every process of the (real) uid, waits up to
// grace, then SIGKILLs what remains: first in one pass of the kernel (see
// signalUID; run on Linux only, built for the other Unixes), then each
// process found, rescanning until none is
// left so that processes forked meanwhile are caught too. It returns how
// many distinct processes it signalled (at least one when only the
// one-pass kill found any). It refuses uid 0 and never signals the caller.
func KillUser(ctx context.Context, uid uint32, grace time.Duration) (killed int, err error) {
	if uid == 0 {
		return 0, errors.New("platform: kill user 0: refusing to kill root's processes")
	}
	self := os.Getpid()
	seen := map[int]bool{}
	list := func() ([]int, error) {
		procs, err := ScanProcs()
		if err != nil {
			return nil, err
		}
		var pids []int
		for _, p := range procs {
			// Exe is empty for zombies, which are dead already (and, when
			// not root, for processes we could not signal anyway).
			if p.UID == uid && p.PID != self && p.PID > 1 && p.Exe != "" {
				pids = append(pids, p.PID)
			}
		}
		return pids, nil
	}
	// signalAll signals pids; with onlyNew, only those not signalled yet
	// (SIGTERM goes once to each process, so that handlers run once).
	signalAll := func(pids []int, sig syscall.Signal, onlyNew bool) {
		for _, pid := range pids {
			if onlyNew && seen[pid] {
				continue
			}
			if err := syscall.Kill(pid, sig); err == nil {
				seen[pid] = true
			}
		}
	}
	pids, err := list()
	if err != nil {
		return 0, fmt.Errorf("platform: kill user %d: %w", uid, err)
	}
	signalAll(pids, syscall.SIGTERM, true)
	deadline := time.Now().Add(grace)
	for len(pids) > 0 && time.Now().Before(deadline) {
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return len(seen), fmt.Errorf("platform: kill user %d: %w", uid, err)
		}
		if pids, err = list(); err != nil {
			return len(seen), fmt.Errorf("platform: kill user %d: %w", uid, err)
		}
		signalAll(pids, syscall.SIGTERM, true) // newcomers get theirs too
	}
	// SIGKILL, first in one pass of the kernel where the helper can run (as
	// root): that also ends what no scan sees, like a process that forks and exits
	// every millisecond. Then, and where that is not possible, each process
	// found, until none is left.
	deadline = time.Now().Add(killWait)
	byUID, unseen := true, false
	for first := true; first || len(pids) > 0; first = false {
		// The one-pass kill again only when the scan shows processes not
		// signalled yet (a process that merely takes time to die, in
		// uninterruptible sleep, needs no new helper every 5 ms); in the
		// other rounds, each process found gets its SIGKILL directly.
		helped := false
		if byUID && (first || anyNew(pids, seen)) {
			hit, err := signalUID(ctx, uid, syscall.SIGKILL)
			if err != nil {
				byUID = false
				if !errors.Is(err, errors.ErrUnsupported) {
					slog.Debug("platform: kill user: no one-pass kill; killing each process", "uid", uid, "err", err)
				}
			} else {
				helped = true
				unseen = unseen || (hit && len(pids) == 0 && len(seen) == 0)
				for _, pid := range pids {
					seen[pid] = true
				}
			}
		}
		if !helped {
			signalAll(pids, syscall.SIGKILL, false)
		}
		if len(pids) > 0 && time.Now().After(deadline) {
			return len(seen), fmt.Errorf("platform: kill user %d: %d processes survive SIGKILL (%v)", uid, len(pids), pids)
		}
		if err := sleepCtx(ctx, 5*time.Millisecond); err != nil {
			return len(seen), fmt.Errorf("platform: kill user %d: %w", uid, err)
		}
		if pids, err = list(); err != nil {
			return len(seen), fmt.Errorf("platform: kill user %d: %w", uid, err)
		}
	}
	killed = len(seen)
	if unseen && killed == 0 {
		killed = 1 // the one-pass kill hit at least one process no scan saw
	}
	slog.Debug("killed user processes", "uid", uid, "count", killed)
	return killed, nil
}

// anyNew reports whether pids holds one not in seen.
func anyNew(pids []int, seen map[int]bool) bool {
	for _, pid := range pids {
		if !seen[pid] {
			return true
		}
	}
	return false
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// adminGroups are the groups whose members administer the machine (and so
// are never restricted): Debian/Ubuntu sudo, Fedora/Arch wheel, older Ubuntu
// and macOS admin, and kidtime's own group.
var adminGroups = []string{"sudo", "wheel", "admin", "kidtime-admin"}

// UserIsAdmin reports whether uid is root or a member (primary or
// supplementary) of sudo, wheel, admin or kidtime-admin.
func UserIsAdmin(uid uint32) (bool, error) {
	if uid == 0 {
		return true, nil
	}
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return false, fmt.Errorf("platform: is uid %d an admin: %w", uid, err)
	}
	gids, err := u.GroupIds()
	if err != nil {
		return false, fmt.Errorf("platform: is %s an admin: groups: %w", u.Username, err)
	}
	for _, gid := range gids {
		g, err := user.LookupGroupId(gid)
		if err != nil {
			continue // a gid without a name cannot be an admin group
		}
		for _, name := range adminGroups {
			if g.Name == name {
				return true, nil
			}
		}
	}
	return false, nil
}

// RunAsUser starts name with args as uid (see [CommandAsUser]); the caller
// must Wait for it.
func RunAsUser(ctx context.Context, uid uint32, name string, args []string, env []string) (*exec.Cmd, error) {
	cmd, err := CommandAsUser(ctx, uid, name, args, env)
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("platform: run %s as uid %d: %w", name, uid, err)
	}
	return cmd, nil
}

// CommandAsUser prepares (does not start) name with args to run as uid: its primary and supplementary
// groups, working directory and HOME in its home (or / without one), USER,
// LOGNAME, a default PATH, and, when the user's runtime directory exists,
// XDG_RUNTIME_DIR=/run/user/UID and DBUS_SESSION_BUS_ADDRESS for its session
// bus, so that the program can send desktop notifications in the user's
// session. Entries of env override these. The process gets its own session
// (setsid) and is killed if ctx ends first. The caller may set Stdout etc.
func CommandAsUser(ctx context.Context, uid uint32, name string, args []string, env []string) (*exec.Cmd, error) {
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return nil, fmt.Errorf("platform: run %s as uid %d: %w", name, uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("platform: run %s as %s: primary gid %q: %w", name, u.Username, u.Gid, err)
	}
	var groups []uint32
	if gids, err := u.GroupIds(); err == nil {
		for _, g := range gids {
			if v, err := strconv.ParseUint(g, 10, 32); err == nil {
				groups = append(groups, uint32(v))
			}
		}
	}
	home := u.HomeDir
	if fi, err := os.Stat(home); home == "" || err != nil || !fi.IsDir() {
		home = "/"
	}
	base := []string{
		"HOME=" + home,
		"USER=" + u.Username,
		"LOGNAME=" + u.Username,
		"PATH=/usr/local/bin:/usr/bin:/bin",
	}
	runtimeDir := "/run/user/" + strconv.FormatUint(uint64(uid), 10)
	if fi, err := os.Stat(runtimeDir); err == nil && fi.IsDir() {
		base = append(base, "XDG_RUNTIME_DIR="+runtimeDir)
		if _, err := os.Stat(runtimeDir + "/bus"); err == nil {
			base = append(base, "DBUS_SESSION_BUS_ADDRESS=unix:path="+runtimeDir+"/bus")
		}
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(base, env...) // exec keeps the last of duplicate keys
	cmd.Dir = home
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setsid:     true,
		Credential: &syscall.Credential{Uid: uid, Gid: uint32(gid), Groups: groups},
	}
	return cmd, nil
}
