package ipc_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"
	"unsafe"

	"github.com/Microsoft/go-winio"
	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/agent/ipc"
	"golang.org/x/sys/windows"
)

func TestAdminPathWindows(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`\\.\pipe\kidtimed`, `\\.\pipe\kidtimed-admin`},
		{`\\.\pipe\other`, `\\.\pipe\other-admin`},
		{"", ""},
	} {
		if got := ipc.AdminPath(c.in); got != c.want {
			t.Errorf("AdminPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func listenAdmin(t *testing.T, path string) net.Listener {
	t.Helper()
	ln, err := ipc.ListenAdmin(ipc.AdminPath(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// acceptOne reports on ch which listener took a connection.
func acceptOne(ln net.Listener, name string, ch chan<- string) {
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_, _ = io.WriteString(c, name+"\n")
		c.Close()
		ch <- name
	}()
}

func needAdmin(t *testing.T) {
	t.Helper()
	if _, admin := me(t); !admin || !windows.GetCurrentProcessToken().IsElevated() {
		t.Skip("needs an elevated administrator: the administrators' pipe admits no one else")
	}
}

// A flood keeps every instance of the shared pipe busy (here: a daemon that
// accepts nothing more on it): a plain Dial waits in vain, while an
// administrator's DialAny reaches the administrators' pipe at once.
func TestAdminPipeDuringFlood(t *testing.T) {
	needAdmin(t)
	path := testPipe()
	listen(t, path) // never accepts: every instance busy
	admin := listenAdmin(t, path)
	got := make(chan string, 1)
	acceptOne(admin, "admin", got)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if c, err := ipc.Dial(ctx, path); err == nil {
		c.Close()
		t.Fatal("Dial reached a shared pipe with no free instance: this test floods nothing")
	}

	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	c, err := ipc.DialAny(ctx, path)
	if err != nil {
		t.Fatalf("an administrator's DialAny during the flood: %v", err)
	}
	defer c.Close()
	select {
	case who := <-got:
		t.Logf("DialAny reached the %s pipe in %v", who, time.Since(start).Round(time.Millisecond))
	case <-ctx.Done():
		t.Fatal("DialAny connected, but the administrators' pipe took no connection")
	}
}

// Without an administrators' pipe (an older daemon), DialAny is Dial.
func TestDialAnyWithoutAdminPipe(t *testing.T) {
	path := testPipe()
	got := make(chan string, 1)
	acceptOne(listen(t, path), "shared", got)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := ipc.DialAny(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case <-got:
	case <-ctx.Done():
		t.Fatal("the shared pipe took no connection")
	}
}

// A caller the administrators' pipe refuses (access denied: here its DACL
// admits LocalSystem alone, as it admits no child) is sent to the shared
// pipe.
func TestDialAnyRefusedFallsBack(t *testing.T) {
	if sid, _ := me(t); sid == "S-1-5-18" {
		t.Skip("runs as LocalSystem, which the pipe admits")
	}
	defer ipc.SetAdminDACL("D:P(A;;GA;;;SY)")()
	path := testPipe()
	shared, admin := listen(t, path), listenAdmin(t, path)
	got := make(chan string, 2)
	acceptOne(shared, "shared", got)
	acceptOne(admin, "admin", got)

	// Does this system check a pipe's DACL at all? (Wine 8's may not.)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	probe, err := windows.UTF16PtrFromString(ipc.AdminPath(path))
	if err != nil {
		t.Fatal(err)
	}
	var h windows.Handle
	for {
		h, err = windows.CreateFile(probe, windows.GENERIC_READ|windows.FILE_WRITE_DATA, 0, nil, windows.OPEN_EXISTING, 0, 0)
		if !errors.Is(err, windows.ERROR_PIPE_BUSY) || ctx.Err() != nil {
			break // busy: the listener's Accept has not made its instance yet
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err == nil {
		windows.CloseHandle(h)
		if w := ostest.Wine(); w != "" {
			t.Skipf("under %s a pipe's DACL is not checked when it is opened: the refusal cannot be tried here", w)
		}
		t.Fatal("a DACL that admits LocalSystem alone let this account open the pipe")
	}
	if !errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		t.Fatalf("opening a pipe that admits LocalSystem alone: %v, want access denied", err)
	}

	c, err := ipc.DialAny(ctx, path)
	if err != nil {
		t.Fatalf("DialAny refused by the administrators' pipe: %v", err)
	}
	defer c.Close()
	select {
	case who := <-got:
		if who != "shared" {
			t.Errorf("DialAny reached the %s pipe, want the shared one", who)
		}
	case <-ctx.Done():
		t.Fatal("no pipe took the connection")
	}
}

// The administrators' pipe admits LocalSystem, Administrators and
// kidtime-admin, and nobody else: its DACL, as the pipe itself reports it.
func TestAdminPipeDACL(t *testing.T) {
	needAdmin(t)
	path := testPipe()
	admin := listenAdmin(t, path)
	go func() {
		if c, err := admin.Accept(); err == nil {
			defer c.Close()
			_, _ = io.Copy(io.Discard, c)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := ipc.Dial(ctx, ipc.AdminPath(path))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h := windows.Handle(c.(interface{ Fd() uintptr }).Fd())
	sd, err := windows.GetSecurityInfo(h, windows.SE_KERNEL_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		t.Fatalf("the administrators' pipe has no DACL (%v): everyone may open it", err)
	}
	allowed := map[string]bool{"S-1-5-18": true, "S-1-5-32-544": true}
	if sid, _, _, err := windows.LookupSID("", ipc.AdminGroup); err == nil {
		allowed[sid.String()] = true
	}
	seen := map[string]bool{}
	for i := range uint32(dacl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			t.Fatal(err)
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart)).String()
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE {
			continue // a deny takes nothing away from this test
		}
		seen[sid] = true
		if !allowed[sid] {
			t.Errorf("the administrators' pipe admits %s (mask %#x): %s", sid, ace.Mask, sd)
		}
	}
	if !seen["S-1-5-18"] || !seen["S-1-5-32-544"] {
		t.Errorf("the administrators' pipe does not admit LocalSystem and Administrators: %s", sd)
	}
	t.Logf("%s", sd)
}

// Which failures to open the administrators' pipe send DialAny to the shared
// pipe: the ones that say "not for you" or "not there", never a deadline.
func TestDialAnyFallsBackOn(t *testing.T) {
	open := func(e error) error { return &os.PathError{Op: "open", Path: `\\.\pipe\x-admin`, Err: e} }
	for _, c := range []struct {
		sentence string
		err      error
		want     bool
	}{
		{"a caller the pipe's DACL refuses goes to the shared pipe", open(windows.ERROR_ACCESS_DENIED), true},
		{"no administrators' pipe (an older daemon) goes to the shared pipe", open(windows.ERROR_FILE_NOT_FOUND), true},
		{"a squatted administrators' pipe goes to the shared pipe", fmt.Errorf("%w: owned by S-1-5-21-1-2-3-1001", ipc.ErrSquatted), true},
		{"any other failure is said, not hidden behind the shared pipe", open(windows.ERROR_INVALID_PARAMETER), false},
		{"a dial that ran out of time does not try again elsewhere", context.DeadlineExceeded, false},
	} {
		if got := ipc.FallBack(c.err); got != c.want {
			t.Errorf("%s: FallBack(%v) = %v", c.sentence, c.err, got)
		}
	}
}

// A pipe at the administrators' default path owned by anyone but
// LocalSystem or Administrators (squatted while the service was stopped)
// gets nothing: DialAny goes to kidtimed's shared pipe.
func TestDefaultAdminPipeSquattedFallsBack(t *testing.T) {
	needDefaultPipeFree(t)
	sid, _ := me(t)
	if sid == "S-1-5-18" {
		t.Skip("runs as LocalSystem: no other owner to try")
	}
	squat, err := winio.ListenPipe(ipc.AdminPath(defaultPipe), &winio.PipeConfig{SecurityDescriptor: "O:" + sid + "D:P(A;;GA;;;WD)"})
	if err != nil {
		t.Fatal(err)
	}
	defer squat.Close()
	got := make(chan string, 4)
	go func() {
		for {
			c, err := squat.Accept()
			if err != nil {
				return
			}
			c.Close()
			got <- "squatter"
		}
	}()
	acceptOne(listen(t, defaultPipe), "shared", got)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := ipc.DialAny(ctx, defaultPipe)
	if err != nil {
		t.Fatalf("DialAny with a squatted administrators' pipe: %v", err)
	}
	defer c.Close()
	line, _ := bufio.NewReader(c).ReadString('\n')
	if line != "shared\n" {
		t.Errorf("DialAny's connection answered %q, want kidtimed's shared pipe", line)
	}
}
