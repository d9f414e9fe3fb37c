//go:build !windows

package desktop

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/res"
	"github.com/jezek/xgb/screensaver"
	"github.com/jezek/xgb/xproto"
)

// Open connects to an X11 display ("" means $DISPLAY) and returns a probe
// for it. The probe uses EWMH properties set by the window manager
// (_NET_ACTIVE_WINDOW, _NET_WM_STATE), the X-Resource extension (1.2) to
// learn from the server which process owns a window, and MIT-SCREEN-SAVER
// for the input idle time. Missing extensions degrade the probe: without
// X-Resource the PID comes from _NET_WM_PID only (Window.Verified false),
// without MIT-SCREEN-SAVER Idle returns an error wrapping ErrUnsupported.
func Open(display string) (Probe, error) {
	conn, display, err := dial(display)
	if err != nil {
		return nil, err
	}
	p := &x11Probe{conn: conn, display: display}
	p.root = xproto.Setup(conn).DefaultScreen(conn).Root
	if err := p.internAtoms(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("open X11 display %q: %w", display, err)
	}
	if err := res.Init(conn); err == nil {
		v, err := res.QueryVersion(conn, 1, 2).Reply()
		p.hasRes = err == nil && (v.ServerMajor > 1 || v.ServerMajor == 1 && v.ServerMinor >= 2)
	}
	if err := screensaver.Init(conn); err == nil {
		p.hasSaver = true
	}
	slog.Debug("X11 probe open", "display", display, "x-resource", p.hasRes, "mit-screen-saver", p.hasSaver)
	return p, nil
}

// dial connects to an X11 display ("" means $DISPLAY) and returns the
// connection and the display's name. Without a display the error wraps
// ErrNoDisplay.
func dial(display string) (*xgb.Conn, string, error) {
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	if display == "" {
		return nil, "", fmt.Errorf("open X11 display: %w ($DISPLAY is empty)", ErrNoDisplay)
	}
	routeXGBLog.Do(func() {
		// xgb reports through a package-level log.Logger on stderr (missing
		// ~/.Xauthority, connection resets); send it to slog at debug level.
		xgb.Logger = slog.NewLogLogger(slog.Default().Handler(), slog.LevelDebug)
	})
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, "", fmt.Errorf("open X11 display %q: %w", display, err)
	}
	return conn, display, nil
}

var routeXGBLog sync.Once

type x11Probe struct {
	conn     *xgb.Conn
	display  string
	root     xproto.Window
	hasRes   bool
	hasSaver bool
	atoms    x11Atoms
}

type x11Atoms struct {
	activeWindow, wmPID, wmState, wmStateFullscreen, wmName, utf8String xproto.Atom
}

func (p *x11Probe) internAtoms() error {
	return internAtoms(p.conn, []atomName{
		{"_NET_ACTIVE_WINDOW", &p.atoms.activeWindow},
		{"_NET_WM_PID", &p.atoms.wmPID},
		{"_NET_WM_STATE", &p.atoms.wmState},
		{"_NET_WM_STATE_FULLSCREEN", &p.atoms.wmStateFullscreen},
		{"_NET_WM_NAME", &p.atoms.wmName},
		{"UTF8_STRING", &p.atoms.utf8String},
	})
}

// atomName is an atom to intern and where to store it.
type atomName struct {
	name string
	dst  *xproto.Atom
}

// internAtoms interns every atom in one round trip.
func internAtoms(conn *xgb.Conn, atoms []atomName) error {
	cookies := make([]xproto.InternAtomCookie, len(atoms))
	for i, a := range atoms {
		cookies[i] = xproto.InternAtom(conn, false, uint16(len(a.name)), a.name)
	}
	for i, c := range cookies {
		r, err := c.Reply()
		if err != nil {
			return fmt.Errorf("intern atom %s: %w", atoms[i].name, err)
		}
		*atoms[i].dst = r.Atom
	}
	return nil
}

// Foreground implements Probe.
func (p *x11Probe) Foreground(ctx context.Context) (Window, error) {
	w, err := await(ctx, p.foreground)
	if err != nil {
		return Window{}, fmt.Errorf("X11 foreground window on %s: %w", p.display, err)
	}
	return w, nil
}

func (p *x11Probe) foreground() (Window, error) {
	active, err := xproto.GetProperty(p.conn, false, p.root, p.atoms.activeWindow, xproto.AtomWindow, 0, 1).Reply()
	if err != nil {
		return Window{}, fmt.Errorf("read _NET_ACTIVE_WINDOW: %w", err)
	}
	if active.Format != 32 || len(active.Value) < 4 {
		return Window{}, fmt.Errorf("%w (_NET_ACTIVE_WINDOW unset: is a window manager running?)", ErrNoWindow)
	}
	win := xproto.Window(xgb.Get32(active.Value))
	if win == 0 {
		return Window{}, ErrNoWindow
	}

	// Pipeline every request for the window, then collect the replies.
	pidC := xproto.GetProperty(p.conn, false, win, p.atoms.wmPID, xproto.AtomCardinal, 0, 1)
	classC := xproto.GetProperty(p.conn, false, win, xproto.AtomWmClass, xproto.AtomString, 0, 256)
	nameC := xproto.GetProperty(p.conn, false, win, p.atoms.wmName, p.atoms.utf8String, 0, 1024)
	legacyNameC := xproto.GetProperty(p.conn, false, win, xproto.AtomWmName, xproto.GetPropertyTypeAny, 0, 1024)
	stateC := xproto.GetProperty(p.conn, false, win, p.atoms.wmState, xproto.AtomAtom, 0, 64)
	var resC res.QueryClientIdsCookie
	if p.hasRes {
		resC = res.QueryClientIds(p.conn, 1, []res.ClientIdSpec{{Client: uint32(win), Mask: res.ClientIdMaskLocalClientPID}})
	}

	var w Window
	var errs []error
	if r, err := pidC.Reply(); err != nil {
		errs = append(errs, err)
	} else if r.Format == 32 && len(r.Value) >= 4 {
		w.PID = int(xgb.Get32(r.Value))
	}
	if r, err := classC.Reply(); err != nil {
		errs = append(errs, err)
	} else {
		w.Class = wmClass(r.Value)
	}
	if r, err := nameC.Reply(); err != nil {
		errs = append(errs, err)
	} else {
		w.Title = string(r.Value)
	}
	if r, err := legacyNameC.Reply(); err != nil {
		errs = append(errs, err)
	} else if w.Title == "" {
		w.Title = string(r.Value)
	}
	if r, err := stateC.Reply(); err != nil {
		errs = append(errs, err)
	} else if r.Format == 32 {
		for i := 0; i+4 <= len(r.Value); i += 4 {
			if xproto.Atom(xgb.Get32(r.Value[i:])) == p.atoms.wmStateFullscreen {
				w.Fullscreen = true
			}
		}
	}
	if p.hasRes {
		if r, err := resC.Reply(); err != nil {
			errs = append(errs, err)
		} else if serverPID, ok := clientPID(r); ok {
			if w.PID != 0 && w.PID != serverPID {
				slog.Warn("window's _NET_WM_PID differs from the X server's view of its owner; using the server's",
					"window", uint32(win), "net_wm_pid", w.PID, "x_resource_pid", serverPID)
			}
			w.PID, w.Verified = serverPID, true
		}
	}
	if len(errs) > 0 {
		// A BadWindow here means the window closed between the reads.
		if _, ok := errs[0].(xproto.WindowError); ok {
			return Window{}, fmt.Errorf("%w (window 0x%x went away: %v)", ErrNoWindow, uint32(win), errs[0])
		}
		return Window{}, fmt.Errorf("read window 0x%x: %w", uint32(win), errs[0])
	}
	return w, nil
}

// clientPID extracts the local client PID from an XResQueryClientIds reply.
// Clients connected over TCP have none.
func clientPID(r *res.QueryClientIdsReply) (int, bool) {
	if r == nil {
		return 0, false
	}
	for _, id := range r.Ids {
		if id.Spec.Mask&res.ClientIdMaskLocalClientPID != 0 && len(id.Value) > 0 {
			return int(id.Value[0]), true
		}
	}
	return 0, false
}

// wmClass returns the class half of a WM_CLASS value ("instance\0Class\0"),
// or the instance when the class is missing.
func wmClass(v []byte) string {
	parts := bytes.Split(bytes.TrimRight(v, "\x00"), []byte{0})
	switch {
	case len(parts) >= 2 && len(parts[1]) > 0:
		return string(parts[1])
	case len(parts) >= 1:
		return string(parts[0])
	}
	return ""
}

// Idle implements Probe.
func (p *x11Probe) Idle(ctx context.Context) (time.Duration, error) {
	if !p.hasSaver {
		return 0, fmt.Errorf("X11 idle time on %s: MIT-SCREEN-SAVER extension missing: %w", p.display, ErrUnsupported)
	}
	d, err := await(ctx, func() (time.Duration, error) {
		r, err := screensaver.QueryInfo(p.conn, xproto.Drawable(p.root)).Reply()
		if err != nil {
			return 0, err
		}
		return time.Duration(r.MsSinceUserInput) * time.Millisecond, nil
	})
	if err != nil {
		return 0, fmt.Errorf("X11 idle time on %s: %w", p.display, err)
	}
	return d, nil
}

// Close implements Probe.
func (p *x11Probe) Close() error {
	p.conn.Close()
	return nil
}

// await runs f, returning early with the context's error if ctx ends first.
// xgb has no deadlines of its own; f keeps running in the background in
// that case and its result is dropped.
func await[T any](ctx context.Context, f func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}
