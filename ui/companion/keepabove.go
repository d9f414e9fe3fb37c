//go:build !windows

package companion

import (
	"errors"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// KeepAbove asks the X11 window manager to keep w above other windows,
// fullscreen ones included (EWMH _NET_WM_STATE_ABOVE), since fyne has no
// always-on-top call. It finds w among the top-level windows by this
// process's _NET_WM_PID and w's title. Wayland compositors do not let a
// client do this; there (and without a window manager) it returns an error
// and the companion falls back to raising the countdown every few seconds.
func KeepAbove(w fyne.Window) error {
	conn, err := xgb.NewConn()
	if err != nil {
		return fmt.Errorf("keep above: open display: %w", err)
	}
	defer conn.Close()
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	atom := func(name string) (xproto.Atom, error) {
		r, err := xproto.InternAtom(conn, false, uint16(len(name)), name).Reply()
		if err != nil {
			return 0, fmt.Errorf("keep above: atom %s: %w", name, err)
		}
		return r.Atom, nil
	}
	names := map[string]xproto.Atom{}
	for _, n := range []string{"_NET_CLIENT_LIST", "_NET_WM_PID", "_NET_WM_NAME", "_NET_WM_STATE", "_NET_WM_STATE_ABOVE", "UTF8_STRING"} {
		a, err := atom(n)
		if err != nil {
			return err
		}
		names[n] = a
	}
	list, err := xproto.GetProperty(conn, false, root, names["_NET_CLIENT_LIST"], xproto.AtomWindow, 0, 4096).Reply()
	if err != nil || list.Format != 32 {
		return errors.New("keep above: no _NET_CLIENT_LIST (no EWMH window manager)")
	}
	pid := uint32(os.Getpid())
	for i := 0; i+4 <= len(list.Value); i += 4 {
		win := xproto.Window(xgb.Get32(list.Value[i:]))
		p, err := xproto.GetProperty(conn, false, win, names["_NET_WM_PID"], xproto.AtomCardinal, 0, 1).Reply()
		if err != nil || len(p.Value) < 4 || xgb.Get32(p.Value) != pid {
			continue
		}
		t, err := xproto.GetProperty(conn, false, win, names["_NET_WM_NAME"], names["UTF8_STRING"], 0, 256).Reply()
		if err != nil || string(t.Value) != w.Title() {
			continue
		}
		// _NET_WM_STATE client message: action 1 = add.
		data := xproto.ClientMessageDataUnionData32New([]uint32{1, uint32(names["_NET_WM_STATE_ABOVE"]), 0, 1, 0})
		ev := xproto.ClientMessageEvent{Format: 32, Window: win, Type: names["_NET_WM_STATE"], Data: data}
		mask := uint32(xproto.EventMaskSubstructureRedirect | xproto.EventMaskSubstructureNotify)
		if err := xproto.SendEventChecked(conn, false, root, mask, string(ev.Bytes())).Check(); err != nil {
			return fmt.Errorf("keep above: send _NET_WM_STATE: %w", err)
		}
		return nil
	}
	return fmt.Errorf("keep above: window %q not found", w.Title())
}
