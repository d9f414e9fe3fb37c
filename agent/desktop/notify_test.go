//go:build linux

package desktop

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// startSessionBus starts a private dbus-daemon and points
// DBUS_SESSION_BUS_ADDRESS at it for the rest of the test.
func startSessionBus(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon is not installed; notifications need a real bus to be tested")
	}
	cmd := exec.Command(bin, "--session", "--print-address", "--nofork")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read the bus address from dbus-daemon: %v", err)
	}
	addr := strings.TrimSpace(line)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr
}

// serve exports v at path on a new connection to the bus that owns name.
func serve(t *testing.T, addr, name string, path dbus.ObjectPath, iface string, v any) {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect the fake %s: %v", name, err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Export(v, path, iface); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: reply %v, %v", name, reply, err)
	}
}

type notification struct {
	app      string
	replaces uint32
	title    string
	body     string
	urgency  byte
}

// fakeNotifications is a minimal org.freedesktop.Notifications server.
type fakeNotifications struct {
	mu     sync.Mutex
	got    []notification
	closed []uint32
}

func (f *fakeNotifications) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "fake", "kidtime tests", "1", "1.2", nil
}

func (f *fakeNotifications) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var urgency byte = 255
	if v, ok := hints["urgency"]; ok {
		urgency, _ = v.Value().(byte)
	}
	f.got = append(f.got, notification{app, replaces, summary, body, urgency})
	if replaces != 0 {
		return replaces, nil
	}
	return uint32(len(f.got)), nil
}

func (f *fakeNotifications) CloseNotification(id uint32) *dbus.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = append(f.closed, id)
	return nil
}

func TestNotifier(t *testing.T) {
	addr := startSessionBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if _, err := NewNotifier(ctx); err == nil {
		t.Fatal("NewNotifier succeeded with no notification server on the bus")
	}

	srv := &fakeNotifications{}
	serve(t, addr, notifyName, notifyPath, notifyIface, srv)
	n, err := NewNotifier(ctx)
	if err != nil {
		t.Fatalf("NewNotifier: %v", err)
	}
	defer n.Close()

	id, err := n.Notify(ctx, "5 phút nữa", "Hãy lưu trò chơi của bạn.", UrgencyNormal)
	if err != nil {
		t.Fatalf("Notify: %v", err)
	}
	id2, err := n.Update(ctx, id, "1 phút nữa", "Sắp hết giờ.", UrgencyCritical)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if id2 != id {
		t.Errorf("Update returned id %d, want the replaced id %d", id2, id)
	}
	if err := n.Dismiss(ctx, id); err != nil {
		t.Fatalf("Dismiss: %v", err)
	}

	want := []notification{
		{app: "kidtime", title: "5 phút nữa", body: "Hãy lưu trò chơi của bạn.", urgency: 1},
		{app: "kidtime", replaces: id, title: "1 phút nữa", body: "Sắp hết giờ.", urgency: 2},
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.got) != len(want) {
		t.Fatalf("server received %d notifications, want %d: %+v", len(srv.got), len(want), srv.got)
	}
	for i := range want {
		if srv.got[i] != want[i] {
			t.Errorf("notification %d = %+v, want %+v", i, srv.got[i], want[i])
		}
	}
	if len(srv.closed) != 1 || srv.closed[0] != id {
		t.Errorf("closed notifications = %v, want [%d]", srv.closed, id)
	}
}

type fakeScreenSaver struct{ locked chan struct{} }

func (f *fakeScreenSaver) Lock() *dbus.Error {
	close(f.locked)
	return nil
}

func TestLockScreen(t *testing.T) {
	t.Run("the freedesktop screen saver on the session bus is asked first", func(t *testing.T) {
		addr := startSessionBus(t)
		t.Setenv("PATH", t.TempDir()) // no loginctl, no xdg-screensaver
		ss := &fakeScreenSaver{locked: make(chan struct{})}
		serve(t, addr, "org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", ss)
		if err := LockScreen(context.Background()); err != nil {
			t.Fatalf("LockScreen: %v", err)
		}
		select {
		case <-ss.locked:
		default:
			t.Fatal("LockScreen returned nil but the screen saver's Lock was not called")
		}
	})
	t.Run("without a screen saver service, loginctl lock-session is run", func(t *testing.T) {
		startSessionBus(t)
		bin := t.TempDir()
		marker := filepath.Join(bin, "called")
		script := "#!/bin/sh\necho \"$@\" > " + marker + "\n"
		if err := os.WriteFile(filepath.Join(bin, "loginctl"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", bin)
		if err := LockScreen(context.Background()); err != nil {
			t.Fatalf("LockScreen: %v", err)
		}
		args, err := os.ReadFile(marker)
		if err != nil {
			t.Fatalf("loginctl was not run: %v", err)
		}
		if got := strings.TrimSpace(string(args)); got != "lock-session" {
			t.Errorf("loginctl ran with %q, want lock-session", got)
		}
	})
	t.Run("when nothing works the error names every method tried", func(t *testing.T) {
		startSessionBus(t)
		t.Setenv("PATH", t.TempDir())
		err := LockScreen(context.Background())
		if err == nil {
			t.Fatal("LockScreen succeeded with no way to lock")
		}
		for _, m := range []string{"org.freedesktop.ScreenSaver.Lock", "org.gnome.ScreenSaver.Lock", "loginctl lock-session", "xdg-screensaver lock"} {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("error %q does not mention %s", err, m)
			}
		}
		if !errors.Is(err, exec.ErrNotFound) {
			t.Errorf("error %q does not wrap exec.ErrNotFound for the missing commands", err)
		}
	})
}
