//go:build windows

package desktop

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32               = windows.NewLazySystemDLL("user32.dll")
	kernel32             = windows.NewLazySystemDLL("kernel32.dll")
	procGetLastInputInfo = user32.NewProc("GetLastInputInfo")
	procGetWindowTextW   = user32.NewProc("GetWindowTextW")
	procGetWindowRect    = user32.NewProc("GetWindowRect")
	procMonitorFromWnd   = user32.NewProc("MonitorFromWindow")
	procGetMonitorInfoW  = user32.NewProc("GetMonitorInfoW")
	procLockWorkStation  = user32.NewProc("LockWorkStation")
	procGetTickCount     = kernel32.NewProc("GetTickCount")
)

const monitorDefaultToNearest = 2

type lastInputInfo struct {
	cbSize uint32
	dwTime uint32
}

type monitorInfo struct {
	cbSize    uint32
	rcMonitor windows.Rect
	rcWork    windows.Rect
	dwFlags   uint32
}

// Open returns a probe for the interactive desktop this process runs on.
// display is ignored on Windows. The probe works only from a process in the
// user's session (the companion), not from the service in session 0.
func Open(display string) (Probe, error) {
	if err := user32.Load(); err != nil {
		return nil, fmt.Errorf("open desktop probe: %w", err)
	}
	return winProbe{}, nil
}

type winProbe struct{}

// Foreground implements Probe with GetForegroundWindow and
// GetWindowThreadProcessId.
func (winProbe) Foreground(ctx context.Context) (Window, error) {
	if err := ctx.Err(); err != nil {
		return Window{}, err
	}
	hwnd := windows.GetForegroundWindow()
	if hwnd == 0 {
		return Window{}, fmt.Errorf("foreground window: %w", ErrNoWindow)
	}
	var pid uint32
	if _, err := windows.GetWindowThreadProcessId(hwnd, &pid); err != nil {
		return Window{}, fmt.Errorf("foreground window: %w (%v)", ErrNoWindow, err)
	}
	w := Window{PID: int(pid), Verified: true}
	buf := make([]uint16, 256)
	if n, err := windows.GetClassName(hwnd, &buf[0], int32(len(buf))); err == nil {
		w.Class = windows.UTF16ToString(buf[:n])
	}
	title := make([]uint16, 512)
	if n, _, _ := procGetWindowTextW.Call(uintptr(hwnd), uintptr(unsafe.Pointer(&title[0])), uintptr(len(title))); n > 0 {
		w.Title = windows.UTF16ToString(title[:n])
	}
	w.Fullscreen = coversMonitor(hwnd, w.Class)
	return w, nil
}

// coversMonitor reports a window whose rectangle covers its whole monitor.
// The desktop itself (Progman, WorkerW) does too and is not a fullscreen app.
func coversMonitor(hwnd windows.HWND, class string) bool {
	if hwnd == windows.GetShellWindow() || hwnd == windows.GetDesktopWindow() || class == "Progman" || class == "WorkerW" {
		return false
	}
	var r windows.Rect
	if ok, _, _ := procGetWindowRect.Call(uintptr(hwnd), uintptr(unsafe.Pointer(&r))); ok == 0 {
		return false
	}
	mon, _, _ := procMonitorFromWnd.Call(uintptr(hwnd), monitorDefaultToNearest)
	if mon == 0 {
		return false
	}
	mi := monitorInfo{cbSize: uint32(unsafe.Sizeof(monitorInfo{}))}
	if ok, _, _ := procGetMonitorInfoW.Call(mon, uintptr(unsafe.Pointer(&mi))); ok == 0 {
		return false
	}
	m := mi.rcMonitor
	return r.Left <= m.Left && r.Top <= m.Top && r.Right >= m.Right && r.Bottom >= m.Bottom
}

// Idle implements Probe with GetLastInputInfo.
func (winProbe) Idle(ctx context.Context) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	lii := lastInputInfo{cbSize: uint32(unsafe.Sizeof(lastInputInfo{}))}
	if ok, _, err := procGetLastInputInfo.Call(uintptr(unsafe.Pointer(&lii))); ok == 0 {
		return 0, fmt.Errorf("idle time: GetLastInputInfo: %w", err)
	}
	now, _, _ := procGetTickCount.Call()
	// Both are 32-bit millisecond tick counts; unsigned subtraction survives
	// the wrap every 49.7 days.
	return time.Duration(uint32(now)-lii.dwTime) * time.Millisecond, nil
}

// Close implements Probe.
func (winProbe) Close() error { return nil }

// LockScreen locks the workstation (LockWorkStation). It must run in the
// user's interactive session. Where the system lacks the call (Wine's is a
// stub that answers ERROR_CALL_NOT_IMPLEMENTED) the error wraps
// ErrUnsupported: the companion says so in its log, and the agent, seeing
// the child go on, logs the session off (DESIGN.md §6, step 5).
func LockScreen(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := procLockWorkStation.Find(); err != nil {
		return fmt.Errorf("lock screen: LockWorkStation is missing (%v): %w", err, ErrUnsupported)
	}
	ok, _, err := procLockWorkStation.Call()
	return lockResult(ok, err)
}

// lockResult turns LockWorkStation's answer into an error.
func lockResult(ok uintptr, err error) error {
	switch {
	case ok != 0:
		return nil
	case errors.Is(err, windows.ERROR_CALL_NOT_IMPLEMENTED):
		return fmt.Errorf("lock screen: LockWorkStation is not implemented on this system (Wine's is a stub): %w", ErrUnsupported)
	default:
		return fmt.Errorf("lock screen: LockWorkStation: %w", err)
	}
}

// ScreenLocked is not known on Windows yet (it needs
// WTSQuerySessionInformation or the session-change notifications); it
// returns an error wrapping ErrUnsupported, and the companion's heartbeats
// say "unlocked".
func ScreenLocked(ctx context.Context) (bool, error) {
	return false, fmt.Errorf("screen saver: %w", ErrUnsupported)
}

// WorkArea is not read on Windows yet (SystemParametersInfo
// SPI_GETWORKAREA): the companion's windows stay where Windows puts them.
func WorkArea() (image.Rectangle, error) { return image.Rectangle{}, ErrUnsupported }

// Frame is not read on Windows yet.
func Frame(title string) (image.Rectangle, error) { return image.Rectangle{}, ErrUnsupported }

// Move is not done on Windows yet (SetWindowPos).
func Move(title string, r image.Rectangle) error { return ErrUnsupported }
