//go:build linux

package desktop

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"

	"github.com/kidtime/kidtime/internal/xvfbtest"
)

// fakeClient plays the application and the window manager on a display.
type fakeClient struct {
	t    *testing.T
	conn *xgb.Conn
	root xproto.Window
}

func newFakeClient(t *testing.T, display string) *fakeClient {
	t.Helper()
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatalf("connect to %s: %v", display, err)
	}
	t.Cleanup(conn.Close)
	return &fakeClient{t: t, conn: conn, root: xproto.Setup(conn).DefaultScreen(conn).Root}
}

func (c *fakeClient) atom(name string) xproto.Atom {
	c.t.Helper()
	r, err := xproto.InternAtom(c.conn, false, uint16(len(name)), name).Reply()
	if err != nil {
		c.t.Fatalf("intern %s: %v", name, err)
	}
	return r.Atom
}

func (c *fakeClient) set(win xproto.Window, prop, typ xproto.Atom, format byte, data []byte) {
	c.t.Helper()
	unit := int(format / 8)
	if err := xproto.ChangePropertyChecked(c.conn, xproto.PropModeReplace, win, prop, typ, format, uint32(len(data)/unit), data).Check(); err != nil {
		c.t.Fatalf("set property %d on 0x%x: %v", prop, uint32(win), err)
	}
}

func u32(vs ...uint32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		xgb.Put32(b[4*i:], v)
	}
	return b
}

// window creates a mapped top-level window with a WM_CLASS, a title and a
// _NET_WM_PID (0: none).
func (c *fakeClient) window(class, title string, pid uint32) xproto.Window {
	c.t.Helper()
	id, err := xproto.NewWindowId(c.conn)
	if err != nil {
		c.t.Fatal(err)
	}
	screen := xproto.Setup(c.conn).DefaultScreen(c.conn)
	if err := xproto.CreateWindowChecked(c.conn, screen.RootDepth, id, c.root, 0, 0, 200, 100, 0,
		xproto.WindowClassInputOutput, screen.RootVisual, 0, nil).Check(); err != nil {
		c.t.Fatalf("create window: %v", err)
	}
	c.set(id, xproto.AtomWmClass, xproto.AtomString, 8, []byte("inst-"+class+"\x00"+class+"\x00"))
	c.set(id, c.atom("_NET_WM_NAME"), c.atom("UTF8_STRING"), 8, []byte(title))
	if pid != 0 {
		c.set(id, c.atom("_NET_WM_PID"), xproto.AtomCardinal, 32, u32(pid))
	}
	if err := xproto.MapWindowChecked(c.conn, id).Check(); err != nil {
		c.t.Fatalf("map window: %v", err)
	}
	return id
}

func (c *fakeClient) activate(win xproto.Window) {
	c.t.Helper()
	c.set(c.root, c.atom("_NET_ACTIVE_WINDOW"), xproto.AtomWindow, 32, u32(uint32(win)))
}

func TestX11Foreground(t *testing.T) {
	display := xvfbtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := newFakeClient(t, display)
	p, err := Open(display)
	if err != nil {
		t.Fatalf("Open(%q): %v", display, err)
	}
	defer p.Close()
	if !p.(*x11Probe).hasRes {
		t.Log("Xvfb has no X-Resource 1.2: PIDs come from _NET_WM_PID only")
	}

	// With no window manager nothing has set _NET_ACTIVE_WINDOW yet.
	if _, err := p.Foreground(ctx); !errors.Is(err, ErrNoWindow) {
		t.Fatalf("Foreground before any window is active: got %v, want ErrNoWindow", err)
	}

	me := os.Getpid()
	game := c.window("SuperTuxKart", "SuperTuxKart 1.4", uint32(me))
	editor := c.window("Gedit", "notes.txt", uint32(me))
	forged := c.window("Calculator", "calc", 1) // claims to be init
	fullscreen := c.atom("_NET_WM_STATE_FULLSCREEN")

	tests := []struct {
		name   string
		win    xproto.Window
		setup  func()
		want   Window
		wantOK bool
	}{
		{name: "the active game window is reported with its class, title and our pid", win: game,
			want: Window{PID: me, Class: "SuperTuxKart", Title: "SuperTuxKart 1.4"}},
		{name: "switching to another window reports that one", win: editor,
			want: Window{PID: me, Class: "Gedit", Title: "notes.txt"}},
		{name: "a window whose state says fullscreen is reported fullscreen", win: game,
			setup: func() { c.set(game, c.atom("_NET_WM_STATE"), xproto.AtomAtom, 32, u32(uint32(fullscreen))) },
			want:  Window{PID: me, Class: "SuperTuxKart", Title: "SuperTuxKart 1.4", Fullscreen: true}},
		{name: "a forged _NET_WM_PID is overridden by the X server's own record of the owner", win: forged,
			want: Window{PID: me, Class: "Calculator", Title: "calc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			c.activate(tt.win)
			got, err := p.Foreground(ctx)
			if err != nil {
				t.Fatalf("Foreground: %v", err)
			}
			tt.want.Verified = p.(*x11Probe).hasRes
			if !tt.want.Verified && tt.win == forged {
				t.Skip("no X-Resource: a forged _NET_WM_PID cannot be detected")
			}
			if got != tt.want {
				t.Errorf("Foreground = %+v, want %+v", got, tt.want)
			}
		})
	}

	t.Run("a window that was destroyed after being made active gives ErrNoWindow", func(t *testing.T) {
		gone := c.window("Gone", "gone", uint32(me))
		c.activate(gone)
		if err := xproto.DestroyWindowChecked(c.conn, gone).Check(); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Foreground(ctx); !errors.Is(err, ErrNoWindow) {
			t.Fatalf("Foreground on a destroyed window: got %v, want ErrNoWindow", err)
		}
	})
	t.Run("an active window of None gives ErrNoWindow", func(t *testing.T) {
		c.activate(0)
		if _, err := p.Foreground(ctx); !errors.Is(err, ErrNoWindow) {
			t.Fatalf("Foreground with _NET_ACTIVE_WINDOW=None: got %v, want ErrNoWindow", err)
		}
	})
	t.Run("a cancelled context stops the query", func(t *testing.T) {
		cctx, ccancel := context.WithCancel(ctx)
		ccancel()
		if _, err := p.Foreground(cctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Foreground with a cancelled context: got %v, want context.Canceled", err)
		}
	})
}

func TestX11Idle(t *testing.T) {
	display := xvfbtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := newFakeClient(t, display)
	if err := xtest.Init(c.conn); err != nil {
		t.Skipf("Xvfb has no XTEST extension, cannot fake input: %v", err)
	}
	p, err := Open(display)
	if err != nil {
		t.Fatalf("Open(%q): %v", display, err)
	}
	defer p.Close()

	move := func(x int16) {
		t.Helper()
		if err := xtest.FakeInputChecked(c.conn, xproto.MotionNotify, 0, 0, c.root, x, 10, 0).Check(); err != nil {
			t.Fatalf("fake pointer motion: %v", err)
		}
	}

	move(50)
	fresh, err := p.Idle(ctx)
	if err != nil {
		t.Fatalf("Idle: %v", err)
	}
	if fresh > 500*time.Millisecond {
		t.Errorf("Idle right after input = %v, want under 500ms", fresh)
	}
	time.Sleep(600 * time.Millisecond)
	later, err := p.Idle(ctx)
	if err != nil {
		t.Fatalf("Idle: %v", err)
	}
	if later < 500*time.Millisecond || later < fresh {
		t.Errorf("Idle after 600ms without input = %v (was %v), want at least 500ms", later, fresh)
	}
	move(60)
	again, err := p.Idle(ctx)
	if err != nil {
		t.Fatalf("Idle: %v", err)
	}
	if again >= later {
		t.Errorf("Idle after new input = %v, want it reset below %v", again, later)
	}
}

func TestOpenWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	if _, err := Open(""); !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("Open with no $DISPLAY: got %v, want ErrNoDisplay", err)
	}
	// A display number nobody serves fails with the display named.
	dir := t.TempDir()
	_, err := Open(filepath.Join(dir, "nothing") + ":0")
	if err == nil {
		t.Fatal("Open of a display that does not exist succeeded")
	}
}

func TestWMClass(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"the class half of instance and class is used", "navigator\x00firefox\x00", "firefox"},
		{"a lone instance is used when the class is missing", "xterm\x00", "xterm"},
		{"an empty property gives an empty class", "", ""},
	}
	for _, tt := range tests {
		if got := wmClass([]byte(tt.in)); got != tt.want {
			t.Errorf("%s: wmClass(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}
