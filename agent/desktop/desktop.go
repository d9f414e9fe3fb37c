// Package desktop holds the probes that run inside a child's desktop session:
// which window is in front and which process owns it, how long the input has
// been idle, whether the screen is locked, locking it, and keeping a window
// above the others ([KeepAbove]). Desktop notifications are in the
// subpackage agent/desktop/notify, which links no X11 code, so that the
// daemon can use it.
//
// The companion (and, until it lands, the headless `kidtimed session` helper)
// runs these as the child and reports the results to kidtimed in its
// heartbeats; the root service cannot see a session's display by itself.
//
// Implementations are per OS and pure Go: X11 through github.com/jezek/xgb
// (every OS but Windows, so XQuartz works on macOS too), the screen saver
// and screen locking over the session D-Bus, and the Win32 user32 API on
// Windows. Wayland sessions are reachable only through
// XWayland: Open succeeds there, but the compositor exposes only X clients.
package desktop

import (
	"context"
	"errors"
	"time"
)

// Probe answers what the person at this display is doing. It is safe for
// concurrent use.
type Probe interface {
	// Foreground describes the window that has the input focus. It returns
	// an error wrapping ErrNoWindow when nothing is focused (an empty
	// desktop, a locked screen, or a window that closed while it was read).
	Foreground(ctx context.Context) (Window, error)
	// Idle is the time since the last keyboard or pointer input.
	Idle(ctx context.Context) (time.Duration, error)
	// Close releases the connection to the display.
	Close() error
}

// Window describes the focused window.
type Window struct {
	// PID is the process that owns the window, 0 when unknown.
	PID int
	// Title is the window title. The agent never stores it by default
	// (DESIGN.md §9); it is here for the companion and for debugging.
	Title string
	// Class is the window class: the WM_CLASS class on X11 (for example
	// "firefox", "Minecraft 1.20.1"), the window class name on Windows.
	Class string
	// Fullscreen reports a window that covers its whole screen.
	Fullscreen bool
	// Verified reports that PID comes from the display server itself (the
	// X-Resource extension on X11, the window's owning thread on Windows)
	// rather than from a property the client set and could forge.
	Verified bool
}

var (
	// ErrNoDisplay is returned by Open when there is no display to talk to.
	ErrNoDisplay = errors.New("no display")
	// ErrNoWindow is returned by Foreground when no window has the focus.
	ErrNoWindow = errors.New("no active window")
	// ErrUnsupported is returned by probes and helpers that this OS or this
	// display server cannot provide.
	ErrUnsupported = errors.ErrUnsupported
)
