package desktop

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// otherWindowEnv makes the test binary another program with a window of the
// countdown's title: KeepAbove must leave it alone.
const otherWindowEnv = "KT_DESKTOP_OTHER_WINDOW"

const countdownTitle = "kidtime countdown (test)"

func init() {
	if t := os.Getenv(otherWindowEnv); t != "" {
		runtime.LockOSThread()
		if _, err := makeWindow(t); err != nil {
			os.Stdout.WriteString(err.Error() + "\n")
			os.Exit(2)
		}
		os.Stdout.WriteString("ready\n")
		time.Sleep(time.Minute) // ended by the test
		os.Exit(0)
	}
}

// makeWindow makes a visible 200×100 top-level window titled title on this
// thread (the caller locks it), with DefWindowProc for its messages.
func makeWindow(title string) (windows.HWND, error) {
	const wsOverlappedWindow = 0x00CF0000
	return makeWindowAt(title, wsOverlappedWindow, 0, 0, 200, 100)
}

// makeWindowAt is makeWindow with a style and a rectangle.
func makeWindowAt(title string, style uint32, x, y, w, h int32) (windows.HWND, error) {
	k32 := windows.NewLazySystemDLL("kernel32.dll")
	inst, _, _ := k32.NewProc("GetModuleHandleW").Call(0)
	class, _ := windows.UTF16PtrFromString("ktcountdowntest")
	name, _ := windows.UTF16PtrFromString(title)
	type wndClassEx struct {
		size, style                uint32
		wndProc                    uintptr
		clsExtra, wndExtra         int32
		instance, icon, cursor, bg uintptr
		menuName, className        *uint16
		iconSm                     uintptr
	}
	wc := wndClassEx{wndProc: user32.NewProc("DefWindowProcW").Addr(), instance: inst, className: class}
	wc.size = uint32(unsafe.Sizeof(wc))
	// A second window of the same class in one process: the class is there.
	if r, _, err := user32.NewProc("RegisterClassExW").Call(uintptr(unsafe.Pointer(&wc))); r == 0 && !errors.Is(err, windows.ERROR_CLASS_ALREADY_EXISTS) {
		return 0, errors.New("RegisterClassExW: " + err.Error())
	}
	hw, _, err := user32.NewProc("CreateWindowExW").Call(0, uintptr(unsafe.Pointer(class)), uintptr(unsafe.Pointer(name)),
		uintptr(style), uintptr(x), uintptr(y), uintptr(w), uintptr(h), 0, 0, inst, 0)
	if hw == 0 {
		return 0, errors.New("CreateWindowExW: " + err.Error())
	}
	user32.NewProc("ShowWindow").Call(hw, 5) // SW_SHOW
	return windows.HWND(hw), nil
}

// The countdown is made topmost by SetWindowPos HWND_TOPMOST on its own
// window, found by title and process: another program's window of the same
// title stays as it was, and no window at all is a clear error (the
// companion then raises the countdown now and then). Real user32 calls; under
// Wine, on the prefix's Xvfb (installer/wine/prefix.sh).
func TestKeepAboveMakesOwnWindowTopmost(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	if err := KeepAbove(countdownTitle); !errors.Is(err, errNoOwnWindow) {
		t.Errorf("KeepAbove with no window: %v, want errNoOwnWindow", err)
	}

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	other := exec.Command(self, "-test.run=^$")
	other.Env = append(os.Environ(), otherWindowEnv+"="+countdownTitle)
	out, err := other.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Process.Kill(); _ = other.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		t.Skipf("no window could be made here (%q, %v): KeepAbove is not tested (under Wine: an X server, installer/wine/prefix.sh)", line, err)
	}
	if err := KeepAbove(countdownTitle); !errors.Is(err, errNoOwnWindow) {
		t.Errorf("KeepAbove with only another program's window of that title: %v, want errNoOwnWindow", err)
	}

	own, err := makeWindow(countdownTitle)
	if err != nil {
		t.Fatalf("this process's window: %v", err)
	}
	defer user32.NewProc("DestroyWindow").Call(uintptr(own))
	if isTopmost(own) {
		t.Fatal("a new window is topmost already: the test proves nothing")
	}
	if err := KeepAbove(countdownTitle); err != nil {
		t.Fatalf("KeepAbove: %v", err)
	}
	if !isTopmost(own) {
		t.Error("the countdown's window has no WS_EX_TOPMOST after KeepAbove")
	}
	if h, err := findOther(countdownTitle, own); err != nil {
		t.Errorf("the other program's window: %v", err)
	} else if isTopmost(h) {
		t.Error("KeepAbove made another program's window of the same title topmost")
	}
}

// findOther is the window titled title that is not own.
func findOther(title string, own windows.HWND) (windows.HWND, error) {
	p, _ := windows.UTF16PtrFromString(title)
	var after uintptr
	for range maxOwnWindows {
		h, _, _ := procFindWindowExW.Call(0, after, 0, uintptr(unsafe.Pointer(p)))
		if h == 0 {
			break
		}
		if windows.HWND(h) != own {
			return windows.HWND(h), nil
		}
		after = h
	}
	return 0, errors.New("not found")
}
