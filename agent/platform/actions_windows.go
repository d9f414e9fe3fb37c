package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"time"

	"golang.org/x/sys/windows"
)

// killWait bounds how long [KillUser] keeps ending a user's processes (and
// [Terminate] waits for one) after TerminateProcess.
const killWait = 5 * time.Second

// Terminate ends a process on Windows, politely first: with grace > 0 it
// posts WM_CLOSE to the process's top-level windows (what the window's
// close button does: a game may offer to save) and waits up to grace for
// it to exit; then, or at once with grace 0 or no window to ask, it ends
// the process with TerminateProcess and waits for it to disappear (at least
// a second). Only windows on this process's desktop can be asked: a service
// in session 0 sees none of a user's (the companion, in the user's session,
// can), so from the service a game is ended by TerminateProcess alone. It
// never ends the System process (pid 4), the idle process or the calling
// process. The process is held by its handle from before the first message
// until it has exited, so a recycled pid is never ended by mistake once
// opened.
func Terminate(ctx context.Context, pid int, grace time.Duration) error {
	switch {
	case pid <= 4: // 0 idle, 4 System
		return fmt.Errorf("platform: terminate %d: refusing to end a system process", pid)
	case pid == os.Getpid():
		return fmt.Errorf("platform: terminate %d: refusing to end this process", pid)
	}
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE|windows.SYNCHRONIZE|windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if errors.Is(err, windows.ERROR_INVALID_PARAMETER) {
		return nil // no such process
	}
	if err != nil {
		return fmt.Errorf("platform: terminate %d: OpenProcess: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	gone := func() bool {
		ev, err := windows.WaitForSingleObject(h, 0)
		return err == nil && ev == windows.WAIT_OBJECT_0
	}
	if grace > 0 && CloseWindows(pid) > 0 {
		ok, err := pollGone(ctx, gone, grace)
		if err != nil {
			return fmt.Errorf("platform: terminate %d: %w", pid, err)
		}
		if ok {
			return nil
		}
	}
	if err := windows.TerminateProcess(h, 1); err != nil && !exited(h) {
		return fmt.Errorf("platform: terminate %d: TerminateProcess: %w", pid, err)
	}
	ok, err := pollGone(ctx, gone, max(grace, time.Second))
	switch {
	case err != nil:
		return fmt.Errorf("platform: terminate %d: %w", pid, err)
	case !ok:
		return fmt.Errorf("platform: terminate %d: still running after TerminateProcess", pid)
	}
	return nil
}

var (
	user32          = windows.NewLazySystemDLL("user32.dll")
	procPostMessage = user32.NewProc("PostMessageW")
	enumWindowsCB   = windows.NewCallback(enumWindowsProc)
	enumMu          sync.Mutex
	enumFound       []windows.HWND
	enumPID         uint32
)

const wmClose = 0x0010

// CloseWindows posts WM_CLOSE to every visible top-level window of process
// pid on this process's desktop and returns how many it asked. It does not
// wait. (Hidden windows are left alone: IME and message-only helpers close
// nothing a child sees.)
func CloseWindows(pid int) int {
	enumMu.Lock()
	enumFound, enumPID = enumFound[:0], uint32(pid)
	_ = windows.EnumWindows(enumWindowsCB, nil) // fails when the callback stops it early only
	hwnds := append([]windows.HWND(nil), enumFound...)
	enumMu.Unlock()
	n := 0
	for _, w := range hwnds {
		if r, _, _ := procPostMessage.Call(uintptr(w), wmClose, 0, 0); r != 0 {
			n++
		}
	}
	return n
}

// enumWindowsProc collects the visible top-level windows of enumPID (under enumMu).
func enumWindowsProc(hwnd windows.HWND, _ uintptr) uintptr {
	var owner uint32
	if _, err := windows.GetWindowThreadProcessId(hwnd, &owner); err == nil && owner == enumPID && windows.IsWindowVisible(hwnd) {
		enumFound = append(enumFound, hwnd)
	}
	return 1 // go on
}

// exited reports whether the process behind h has ended (TerminateProcess
// fails with access denied on a process that is already exiting).
func exited(h windows.Handle) bool {
	var code uint32
	return windows.GetExitCodeProcess(h, &code) == nil && code != stillActive
}

// KillUser ends every process of the account behind uid (a SID mapped by
// [SIDToUID]) with TerminateProcess, rescanning until none is left, so that
// processes started meanwhile are caught too, or until ctx ends or
// max(grace, 5 s) passes (an error then). Windows has no polite stop for
// arbitrary processes, so grace only widens that bound. It returns how many
// processes it ended. It refuses uid 0 (owner unknown), any account that is
// not a person's (SYSTEM, LocalService, NetworkService, service, DWM and
// UMFD accounts, see personSID), administrators (see [UserIsAdmin]), and a
// uid two seen SIDs share; it never ends the caller or pid 4. Each process
// is checked to still belong to the account after it is opened, so a pid
// reused since the scan is left alone.
func KillUser(ctx context.Context, uid uint32, grace time.Duration) (int, error) {
	if uid == 0 {
		return 0, errors.New("platform: kill user 0: refusing (uid 0 stands for processes whose owner is unknown)")
	}
	procs, err := ScanProcs() // also fills the SID cache
	if err != nil {
		return 0, fmt.Errorf("platform: kill user %d: %w", uid, err)
	}
	targets := userPIDs(procs, uid)
	if len(targets) == 0 {
		return 0, nil
	}
	sid, err := resolveUID(uid)
	if err != nil {
		return 0, fmt.Errorf("platform: kill user %d: %w", uid, err)
	}
	if !personSID(sid) {
		return 0, fmt.Errorf("platform: kill user %d (%s): refusing to end a system account's processes", uid, sid)
	}
	if admin, err := sidIsAdmin(sid); err != nil {
		return 0, fmt.Errorf("platform: kill user %d (%s): cannot tell whether it is an administrator, refusing: %w", uid, sid, err)
	} else if admin {
		return 0, fmt.Errorf("platform: kill user %d (%s): refusing to end an administrator's processes", uid, sid)
	}
	seen := map[int]bool{}
	deadline := time.Now().Add(max(grace, killWait))
	for len(targets) > 0 {
		for _, pid := range targets {
			if terminateOwned(pid, sid) {
				seen[pid] = true
			}
		}
		if time.Now().After(deadline) {
			return len(seen), fmt.Errorf("platform: kill user %d: %d processes survive TerminateProcess (%v)", uid, len(targets), targets)
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return len(seen), fmt.Errorf("platform: kill user %d: %w", uid, err)
		}
		if procs, err = ScanProcs(); err != nil {
			return len(seen), fmt.Errorf("platform: kill user %d: %w", uid, err)
		}
		targets = userPIDs(procs, uid)
	}
	slog.Debug("killed user processes", "uid", uid, "sid", sid, "count", len(seen))
	return len(seen), nil
}

// userPIDs are the pids of procs owned by uid that may be ended.
func userPIDs(procs []Process, uid uint32) []int {
	self := os.Getpid()
	var out []int
	for _, p := range procs {
		if p.UID == uid && p.PID > 4 && p.PID != self {
			out = append(out, p.PID)
		}
	}
	return out
}

// terminateOwned ends pid if it still runs as sid, reporting whether
// TerminateProcess was called and succeeded.
func terminateOwned(pid int, sid string) bool {
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE|windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	if s, err := processSID(h); err != nil || s != sid {
		return false
	}
	return windows.TerminateProcess(h, 1) == nil
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
