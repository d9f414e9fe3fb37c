//go:build linux

package desktop

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/kidtime/kidtime/internal/xvfbtest"
)

// redirect makes c the window manager: it selects substructure redirection
// on the root window, so that _NET_WM_STATE requests sent to the root come
// to it as events.
func (c *fakeClient) redirect() {
	c.t.Helper()
	mask := uint32(xproto.EventMaskSubstructureRedirect | xproto.EventMaskSubstructureNotify)
	if err := xproto.ChangeWindowAttributesChecked(c.conn, c.root, xproto.CwEventMask, []uint32{mask}).Check(); err != nil {
		c.t.Fatalf("select substructure redirection on the root: %v", err)
	}
}

// clientMessage waits up to 5 s for a client message, skipping other events.
func (c *fakeClient) clientMessage() (xproto.ClientMessageEvent, bool) {
	c.t.Helper()
	got := make(chan xproto.ClientMessageEvent, 1)
	go func() {
		for {
			ev, err := c.conn.WaitForEvent()
			if ev == nil && err == nil {
				return // connection closed
			}
			if m, ok := ev.(xproto.ClientMessageEvent); ok {
				got <- m
				return
			}
		}
	}()
	select {
	case m := <-got:
		return m, true
	case <-time.After(5 * time.Second):
		return xproto.ClientMessageEvent{}, false
	}
}

func TestKeepAbove(t *testing.T) {
	display := xvfbtest.Start(t)
	t.Setenv("DISPLAY", display)
	wm := newFakeClient(t, display)
	me := uint32(os.Getpid())

	if err := KeepAbove("kidtime"); err == nil || !strings.Contains(err.Error(), "_NET_CLIENT_LIST") {
		t.Fatalf("KeepAbove with no window manager: got %v, want an error naming _NET_CLIENT_LIST", err)
	}

	other := wm.window("Other", "kidtime", me+1) // the right title, another process
	mine := wm.window("Kidtime", "notes", me)    // this process, another title
	countdown := wm.window("Kidtime", "kidtime", me)
	wm.set(wm.root, wm.atom("_NET_CLIENT_LIST"), xproto.AtomWindow, 32, u32(uint32(other), uint32(mine), uint32(countdown)))
	wm.redirect()

	t.Run("the window of this process with the title is asked to stay above", func(t *testing.T) {
		if err := KeepAbove("kidtime"); err != nil {
			t.Fatalf("KeepAbove: %v", err)
		}
		m, ok := wm.clientMessage()
		if !ok {
			t.Fatal("the window manager received no client message")
		}
		if m.Window != countdown || m.Type != wm.atom("_NET_WM_STATE") || m.Format != 32 {
			t.Fatalf("client message for window 0x%x type %d format %d, want 0x%x, _NET_WM_STATE, 32",
				uint32(m.Window), m.Type, m.Format, uint32(countdown))
		}
		want := []uint32{1, uint32(wm.atom("_NET_WM_STATE_ABOVE")), 0, 1, 0} // add, ABOVE, -, from an application, -
		for i, v := range want {
			if m.Data.Data32[i] != v {
				t.Errorf("_NET_WM_STATE data = %v, want %v", m.Data.Data32, want)
				break
			}
		}
	})
	t.Run("no window of this process with the title is an error naming the title", func(t *testing.T) {
		err := KeepAbove("gone")
		if err == nil || !strings.Contains(err.Error(), `"gone" not found`) {
			t.Fatalf("KeepAbove of a missing window: got %v, want window \"gone\" not found", err)
		}
	})
	t.Run("without a display it fails with ErrNoDisplay", func(t *testing.T) {
		t.Setenv("DISPLAY", "")
		if err := KeepAbove("kidtime"); !errors.Is(err, ErrNoDisplay) {
			t.Fatalf("KeepAbove with no $DISPLAY: got %v, want ErrNoDisplay", err)
		}
	})
}
