package platform_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/kidtime/kidtime/agent/platform"
	"golang.org/x/sys/windows"
)

// windowHelperEnv makes the test binary a windowed "game": it shows one
// top-level window, says "ready", and on WM_CLOSE exits with code 7 (a save
// and a clean exit), which TerminateProcess (exit code 1) cannot give. Under
// Wine a window needs an X server: installer/wine/prefix.sh starts an Xvfb
// and exec.sh sets DISPLAY; without one the test skips, saying so.
const windowHelperEnv = "KT_PLATFORM_WINDOW_HELPER"

func init() {
	if os.Getenv(windowHelperEnv) != "" {
		os.Exit(windowHelper())
	}
}

func windowHelper() int {
	runtime.LockOSThread()
	user32 := windows.NewLazySystemDLL("user32.dll")
	kernel32 := windows.NewLazySystemDLL("kernel32.dll")
	registerClass := user32.NewProc("RegisterClassExW")
	createWindow := user32.NewProc("CreateWindowExW")
	showWindow := user32.NewProc("ShowWindow")
	getMessage := user32.NewProc("GetMessageW")
	dispatch := user32.NewProc("DispatchMessageW")
	defProc := user32.NewProc("DefWindowProcW")
	getModule := kernel32.NewProc("GetModuleHandleW")

	const wmClose = 0x0010
	wndProc := syscall.NewCallback(func(hwnd, msg, wp, lp uintptr) uintptr {
		if msg == wmClose {
			os.Exit(7)
		}
		r, _, _ := defProc.Call(hwnd, msg, wp, lp)
		return r
	})
	inst, _, _ := getModule.Call(0)
	name, _ := windows.UTF16PtrFromString("ktgame")
	type wndClassEx struct {
		size, style                uint32
		wndProc                    uintptr
		clsExtra, wndExtra         int32
		instance, icon, cursor, bg uintptr
		menuName, className        *uint16
		iconSm                     uintptr
	}
	wc := wndClassEx{wndProc: wndProc, instance: inst, className: name}
	wc.size = uint32(unsafe.Sizeof(wc))
	if r, _, err := registerClass.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
		os.Stdout.WriteString("RegisterClassExW: " + err.Error() + "\n")
		return 2
	}
	const wsOverlappedWindow = 0x00CF0000
	hwnd, _, err := createWindow.Call(0, uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(name)), wsOverlappedWindow,
		0, 0, 200, 100, 0, 0, inst, 0)
	if hwnd == 0 {
		os.Stdout.WriteString("CreateWindowExW: " + err.Error() + "\n")
		return 2
	}
	showWindow.Call(hwnd, 5) // SW_SHOW
	os.Stdout.WriteString("ready\n")
	var msg [64]byte
	for {
		r, _, _ := getMessage.Call(uintptr(unsafe.Pointer(&msg[0])), 0, 0, 0)
		if int32(r) <= 0 {
			return 3
		}
		dispatch.Call(uintptr(unsafe.Pointer(&msg[0])))
	}
}

// Terminate with a grace asks a windowed program to close (WM_CLOSE) and
// lets it exit on its own; it is not ended by TerminateProcess.
func TestTerminateClosesWindowsFirst(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), windowHelperEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Skipf("no window could be made here (%q, %v): the WM_CLOSE step is not tested", line, err)
	}
	pid := cmd.Process.Pid
	if n := platform.CloseWindows(-1); n != 0 {
		t.Errorf("CloseWindows of no process asked %d windows", n)
	}
	start := time.Now()
	if err := platform.Terminate(context.Background(), pid, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 7 {
		t.Errorf("exit code %d, want 7: the program was ended, not closed by WM_CLOSE", code)
	}
	t.Logf("closed by WM_CLOSE in %v", took.Round(time.Millisecond))
}
