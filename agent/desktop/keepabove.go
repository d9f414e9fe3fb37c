//go:build !windows

package desktop

import (
	"errors"
	"fmt"
	"os"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// KeepAbove asks the X11 window manager ($DISPLAY) to keep a window of this
// process above other windows, fullscreen ones included (EWMH
// _NET_WM_STATE_ABOVE): toolkits such as Fyne have no always-on-top call.
// The window is the top-level window in _NET_CLIENT_LIST whose _NET_WM_PID
// is this process and whose _NET_WM_NAME is title. Wayland compositors do
// not let a client do this; there (and without a window manager) it returns
// an error, and the caller falls back to raising the window now and then.
func KeepAbove(title string) error {
	conn, _, err := dial("")
	if err != nil {
		return fmt.Errorf("keep above: %w", err)
	}
	defer conn.Close()
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	var clientList, wmPID, wmName, wmState, wmStateAbove, utf8String xproto.Atom
	err = internAtoms(conn, []atomName{
		{"_NET_CLIENT_LIST", &clientList},
		{"_NET_WM_PID", &wmPID},
		{"_NET_WM_NAME", &wmName},
		{"_NET_WM_STATE", &wmState},
		{"_NET_WM_STATE_ABOVE", &wmStateAbove},
		{"UTF8_STRING", &utf8String},
	})
	if err != nil {
		return fmt.Errorf("keep above: %w", err)
	}
	list, err := xproto.GetProperty(conn, false, root, clientList, xproto.AtomWindow, 0, 4096).Reply()
	if err != nil || list.Format != 32 {
		return errors.New("keep above: no _NET_CLIENT_LIST (no EWMH window manager)")
	}
	pid := uint32(os.Getpid())
	for i := 0; i+4 <= len(list.Value); i += 4 {
		win := xproto.Window(xgb.Get32(list.Value[i:]))
		p, err := xproto.GetProperty(conn, false, win, wmPID, xproto.AtomCardinal, 0, 1).Reply()
		if err != nil || len(p.Value) < 4 || xgb.Get32(p.Value) != pid {
			continue
		}
		t, err := xproto.GetProperty(conn, false, win, wmName, utf8String, 0, 256).Reply()
		if err != nil || string(t.Value) != title {
			continue
		}
		// _NET_WM_STATE client message: action 1 = add.
		data := xproto.ClientMessageDataUnionData32New([]uint32{1, uint32(wmStateAbove), 0, 1, 0})
		ev := xproto.ClientMessageEvent{Format: 32, Window: win, Type: wmState, Data: data}
		mask := uint32(xproto.EventMaskSubstructureRedirect | xproto.EventMaskSubstructureNotify)
		if err := xproto.SendEventChecked(conn, false, root, mask, string(ev.Bytes())).Check(); err != nil {
			return fmt.Errorf("keep above: send _NET_WM_STATE: %w", err)
		}
		return nil
	}
	return fmt.Errorf("keep above: window %q not found", title)
}
