package desktop

import (
	"context"
	"errors"
	"os"
	"runtime"
	"testing"
	"time"
)

// The companion's probe with real user32 calls: a window of this process
// brought to the front is the foreground window, with its title and this
// process's id, not fullscreen; a borderless one over the whole screen is
// fullscreen; the input idle time is read. Under Wine, on the prefix's
// Xvfb; without a display the test skips, saying so.
func TestProbeForegroundAndIdle(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p, err := Open("")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer p.Close()

	idle, err := p.Idle(context.Background())
	if err != nil {
		t.Fatalf("Idle: %v", err)
	}
	t.Logf("idle %v", idle)
	if idle < 0 || idle > 49*24*time.Hour {
		t.Errorf("idle %v: not a tick difference", idle)
	}

	const title = "kidtime probe (test)"
	h, err := makeWindow(title)
	if err != nil {
		t.Skipf("no window could be made here (%v): Foreground is not tested (under Wine: an X server, installer/wine/prefix.sh)", err)
	}
	defer user32.NewProc("DestroyWindow").Call(uintptr(h))
	user32.NewProc("SetForegroundWindow").Call(uintptr(h))
	var w Window
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		w, err = p.Foreground(context.Background())
		if err == nil && w.PID == os.Getpid() || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("foreground: %+v, %v", w, err)
	if err != nil {
		t.Fatalf("Foreground: %v", err)
	}
	if w.PID != os.Getpid() || w.Title != title || w.Class != "ktcountdowntest" || !w.Verified {
		t.Errorf("foreground %+v, want this process's window %q", w, title)
	}
	if w.Fullscreen {
		t.Error("a 200×100 window is said to be fullscreen")
	}

	// A borderless window over the whole screen (a game or a video in
	// fullscreen) is said to be fullscreen.
	cx, _, _ := user32.NewProc("GetSystemMetrics").Call(0) // SM_CXSCREEN
	cy, _, _ := user32.NewProc("GetSystemMetrics").Call(1) // SM_CYSCREEN
	const wsPopup, wsVisible = 0x80000000, 0x10000000
	full, err := makeWindowAt("kidtime fullscreen (test)", wsPopup|wsVisible, 0, 0, int32(cx), int32(cy))
	if err != nil {
		t.Fatalf("a fullscreen window: %v", err)
	}
	defer user32.NewProc("DestroyWindow").Call(uintptr(full))
	user32.NewProc("SetForegroundWindow").Call(uintptr(full))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		w, err = p.Foreground(context.Background())
		if err == nil && w.Title == "kidtime fullscreen (test)" || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("foreground over %d×%d: %+v, %v", cx, cy, w, err)
	if err != nil || w.Title != "kidtime fullscreen (test)" || !w.Fullscreen {
		t.Errorf("a window over the whole %d×%d screen: %+v, %v; want it in front and fullscreen", cx, cy, w, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Foreground(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Foreground with a cancelled context: %v", err)
	}
}
