//go:build windows

package desktop

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	procFindWindowExW     = user32.NewProc("FindWindowExW")
	procSetWindowPos      = user32.NewProc("SetWindowPos")
	procGetWindowLongPtrW = user32.NewProc("GetWindowLongPtrW")
)

const (
	hwndTopmost    = ^uintptr(0) // HWND_TOPMOST, (HWND)-1
	swpNoSize      = 0x0001
	swpNoMove      = 0x0002
	swpNoActivate  = 0x0010
	gwlExStyle     = ^uintptr(19) // GWL_EXSTYLE, -20
	wsExTopmost    = 0x00000008
	maxOwnWindows  = 64 // top-level windows of one title looked at, at most
	keepAboveFlags = swpNoMove | swpNoSize | swpNoActivate
)

// KeepAbove keeps a top-level window of this process above the others,
// fullscreen (borderless) games and videos included: SetWindowPos with
// HWND_TOPMOST, without moving, resizing or activating it, on the window
// whose title is title and whose process is this one (FindWindowExW, then
// GetWindowThreadProcessId: another program's window of the same title is
// never touched). Toolkits such as Fyne have no always-on-top call. It
// checks that the window now has WS_EX_TOPMOST; when no such window exists
// yet (not created, or created a moment later) or the call is refused, it
// returns an error, and the companion raises the window now and then
// instead. A game in exclusive fullscreen (the display mode its own) can
// still cover a topmost window: Windows gives it the screen.
func KeepAbove(title string) error {
	hwnd, err := ownWindow(title)
	if err != nil {
		return fmt.Errorf("keep above %q: %w", title, err)
	}
	if ok, _, err := procSetWindowPos.Call(uintptr(hwnd), hwndTopmost, 0, 0, 0, 0, keepAboveFlags); ok == 0 {
		return fmt.Errorf("keep above %q: SetWindowPos HWND_TOPMOST: %w", title, err)
	}
	if !isTopmost(hwnd) {
		return fmt.Errorf("keep above %q: SetWindowPos succeeded but the window has no WS_EX_TOPMOST", title)
	}
	return nil
}

// isTopmost reports whether hwnd has the extended style WS_EX_TOPMOST.
func isTopmost(hwnd windows.HWND) bool {
	style, _, _ := procGetWindowLongPtrW.Call(uintptr(hwnd), gwlExStyle)
	return style&wsExTopmost != 0
}

// errNoOwnWindow: no top-level window of this process has the title.
var errNoOwnWindow = errors.New("no window of this process has this title (not shown yet?)")

// ownWindow finds the top-level window of this process titled title.
func ownWindow(title string) (windows.HWND, error) {
	t, err := windows.UTF16PtrFromString(title)
	if err != nil {
		return 0, err
	}
	if err := procFindWindowExW.Find(); err != nil {
		return 0, fmt.Errorf("FindWindowExW: %w", err)
	}
	self := windows.GetCurrentProcessId()
	var after uintptr
	for range maxOwnWindows {
		h, _, _ := procFindWindowExW.Call(0, after, 0, uintptr(unsafe.Pointer(t)))
		if h == 0 {
			break
		}
		var pid uint32
		if _, err := windows.GetWindowThreadProcessId(windows.HWND(h), &pid); err == nil && pid == self {
			return windows.HWND(h), nil
		}
		after = h
	}
	return 0, errNoOwnWindow
}
