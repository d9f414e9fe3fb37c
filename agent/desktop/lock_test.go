//go:build linux

package desktop

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/kidtime/kidtime/agent/desktop/internal/bustest"
)

// fakeScreenSaver is a minimal org.freedesktop.ScreenSaver or
// org.gnome.ScreenSaver service.
type fakeScreenSaver struct {
	locked chan struct{}
	active bool
}

func (f *fakeScreenSaver) Lock() *dbus.Error {
	close(f.locked)
	return nil
}

func (f *fakeScreenSaver) GetActive() (bool, *dbus.Error) {
	return f.active, nil
}

func TestLockScreen(t *testing.T) {
	t.Run("the freedesktop screen saver on the session bus is asked first", func(t *testing.T) {
		addr := bustest.SessionBus(t)
		t.Setenv("PATH", t.TempDir()) // no loginctl, no xdg-screensaver
		ss := &fakeScreenSaver{locked: make(chan struct{})}
		bustest.Serve(t, addr, "org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", ss)
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
		bustest.SessionBus(t)
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
		bustest.SessionBus(t)
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

func TestScreenLocked(t *testing.T) {
	type saver struct {
		name   string
		path   dbus.ObjectPath
		active bool
	}
	freedesktop := func(active bool) saver {
		return saver{"org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", active}
	}
	gnome := func(active bool) saver { return saver{"org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", active} }
	tests := []struct {
		name       string
		savers     []saver
		want       bool
		wantErrFor []string // services the error must name; nil: no error
	}{
		{name: "a locked freedesktop screen saver says locked", savers: []saver{freedesktop(true)}, want: true},
		{name: "an unlocked freedesktop screen saver says unlocked", savers: []saver{freedesktop(false)}, want: false},
		{name: "GNOME's screen saver answers when the freedesktop one is missing", savers: []saver{gnome(true)}, want: true},
		{name: "the freedesktop screen saver is asked before GNOME's", savers: []saver{freedesktop(false), gnome(true)}, want: false},
		{name: "with no screen saver the error names both services",
			wantErrFor: []string{"org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := bustest.SessionBus(t)
			for _, s := range tt.savers {
				bustest.Serve(t, addr, s.name, s.path, s.name, &fakeScreenSaver{active: s.active})
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got, err := ScreenLocked(ctx)
			if tt.wantErrFor != nil {
				if err == nil {
					t.Fatalf("ScreenLocked = %v, nil; want an error", got)
				}
				for _, name := range tt.wantErrFor {
					if !strings.Contains(err.Error(), name) {
						t.Errorf("error %q does not name %s", err, name)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ScreenLocked: %v", err)
			}
			if got != tt.want {
				t.Errorf("ScreenLocked = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("without a session bus it fails", func(t *testing.T) {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "nobus"))
		if _, err := ScreenLocked(context.Background()); err == nil {
			t.Fatal("ScreenLocked succeeded without a session bus")
		}
	})
}
