//go:build !windows

package desktop

import (
	"errors"
	"fmt"
	"image"
	"os"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// The companion's windows are placed by kidtime itself (Fyne has no call
// to place a window): the main window fully on the screen, the last-minute
// countdown in a corner where it covers nothing of it. These read and move
// a top-level window of this process found by its title, as KeepAbove does.

// WorkArea is the part of the screen windows may use: the window manager's
// _NET_WORKAREA (the screen less the panels) for the current desktop, or
// the whole root window without one.
func WorkArea() (image.Rectangle, error) {
	conn, _, err := dial("")
	if err != nil {
		return image.Rectangle{}, fmt.Errorf("work area: %w", err)
	}
	defer conn.Close()
	return workArea(conn)
}

func workArea(conn *xgb.Conn) (image.Rectangle, error) {
	scr := xproto.Setup(conn).DefaultScreen(conn)
	full := image.Rect(0, 0, int(scr.WidthInPixels), int(scr.HeightInPixels))
	var area xproto.Atom
	if err := internAtoms(conn, []atomName{{"_NET_WORKAREA", &area}}); err != nil {
		return full, nil
	}
	p, err := xproto.GetProperty(conn, false, scr.Root, area, xproto.AtomCardinal, 0, 4).Reply()
	if err != nil || p.Format != 32 || len(p.Value) < 16 {
		return full, nil
	}
	x, y := int(int32(xgb.Get32(p.Value))), int(int32(xgb.Get32(p.Value[4:])))
	w, h := int(xgb.Get32(p.Value[8:])), int(xgb.Get32(p.Value[12:]))
	r := image.Rect(x, y, x+w, y+h).Intersect(full)
	if r.Empty() {
		return full, nil
	}
	return r, nil
}

// Frame is where a window of this process (by title) is on the screen,
// with the window manager's frame (_NET_FRAME_EXTENTS) around it.
func Frame(title string) (image.Rectangle, error) {
	conn, _, err := dial("")
	if err != nil {
		return image.Rectangle{}, fmt.Errorf("frame of %q: %w", title, err)
	}
	defer conn.Close()
	win, err := ownWindow(conn, title)
	if err != nil {
		return image.Rectangle{}, err
	}
	r, _, err := frame(conn, win)
	return r, err
}

// frame is win's outer rectangle on the root window and its frame's
// extents (left, right, top, bottom).
func frame(conn *xgb.Conn, win xproto.Window) (image.Rectangle, [4]int, error) {
	var ext [4]int
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	g, err := xproto.GetGeometry(conn, xproto.Drawable(win)).Reply()
	if err != nil {
		return image.Rectangle{}, ext, fmt.Errorf("window geometry: %w", err)
	}
	at, err := xproto.TranslateCoordinates(conn, win, root, 0, 0).Reply()
	if err != nil {
		return image.Rectangle{}, ext, fmt.Errorf("window position: %w", err)
	}
	var extents xproto.Atom
	if internAtoms(conn, []atomName{{"_NET_FRAME_EXTENTS", &extents}}) == nil {
		if p, err := xproto.GetProperty(conn, false, win, extents, xproto.AtomCardinal, 0, 4).Reply(); err == nil && p.Format == 32 && len(p.Value) >= 16 {
			for i := range ext {
				ext[i] = int(xgb.Get32(p.Value[4*i:]))
			}
		}
	}
	x, y := int(at.DstX)-ext[0], int(at.DstY)-ext[2]
	return image.Rect(x, y, x+int(g.Width)+ext[0]+ext[1], y+int(g.Height)+ext[2]+ext[3]), ext, nil
}

// Move puts a window of this process (by title) so that its outer
// rectangle, frame included, is r (its size too, when r's differs).
func Move(title string, r image.Rectangle) error {
	conn, _, err := dial("")
	if err != nil {
		return fmt.Errorf("move %q: %w", title, err)
	}
	defer conn.Close()
	win, err := ownWindow(conn, title)
	if err != nil {
		return err
	}
	now, ext, err := frame(conn, win)
	if err != nil {
		return err
	}
	mask := uint16(xproto.ConfigWindowX | xproto.ConfigWindowY)
	// ICCCM: with the default (north-west) gravity the position asked is
	// the frame's; with static gravity (GLFW, so Fyne, asks for it) it is
	// the window's own, inside the frame.
	x, y := r.Min.X, r.Min.Y
	if staticGravity(conn, win) {
		x, y = x+ext[0], y+ext[2]
	}
	vals := []uint32{uint32(int32(x)), uint32(int32(y))}
	if r.Dx() != now.Dx() || r.Dy() != now.Dy() {
		mask |= xproto.ConfigWindowWidth | xproto.ConfigWindowHeight
		vals = append(vals, uint32(max(1, r.Dx()-ext[0]-ext[1])), uint32(max(1, r.Dy()-ext[2]-ext[3])))
	}
	if err := xproto.ConfigureWindowChecked(conn, win, mask, vals).Check(); err != nil {
		return fmt.Errorf("move %q: %w", title, err)
	}
	return nil
}

// staticGravity reports whether win's WM_NORMAL_HINTS ask for static
// gravity.
func staticGravity(conn *xgb.Conn, win xproto.Window) bool {
	const pWinGravity, static = 1 << 9, 10
	p, err := xproto.GetProperty(conn, false, win, xproto.AtomWmNormalHints, xproto.AtomWmSizeHints, 0, 18).Reply()
	if err != nil || p.Format != 32 || len(p.Value) < 18*4 {
		return false
	}
	return xgb.Get32(p.Value)&pWinGravity != 0 && xgb.Get32(p.Value[17*4:]) == static
}

// ownWindow is the top-level window of this process called title: from
// the window manager's _NET_CLIENT_LIST, or without one the root's
// children.
func ownWindow(conn *xgb.Conn, title string) (xproto.Window, error) {
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	var clientList, wmPID, wmName, utf8String xproto.Atom
	if err := internAtoms(conn, []atomName{
		{"_NET_CLIENT_LIST", &clientList}, {"_NET_WM_PID", &wmPID}, {"_NET_WM_NAME", &wmName}, {"UTF8_STRING", &utf8String},
	}); err != nil {
		return 0, fmt.Errorf("find window %q: %w", title, err)
	}
	var wins []xproto.Window
	if list, err := xproto.GetProperty(conn, false, root, clientList, xproto.AtomWindow, 0, 4096).Reply(); err == nil && list.Format == 32 {
		for i := 0; i+4 <= len(list.Value); i += 4 {
			wins = append(wins, xproto.Window(xgb.Get32(list.Value[i:])))
		}
	} else if tree, err := xproto.QueryTree(conn, root).Reply(); err == nil {
		wins = tree.Children
	}
	pid := uint32(os.Getpid())
	for _, win := range wins {
		p, err := xproto.GetProperty(conn, false, win, wmPID, xproto.AtomCardinal, 0, 1).Reply()
		if err != nil || len(p.Value) < 4 || xgb.Get32(p.Value) != pid {
			continue
		}
		t, err := xproto.GetProperty(conn, false, win, wmName, utf8String, 0, 256).Reply()
		if err != nil || string(t.Value) != title {
			continue
		}
		return win, nil
	}
	return 0, fmt.Errorf("find window %q: %w", title, errNoWindow)
}

var errNoWindow = errors.New("no such window of this process (not mapped yet?)")
