package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/internal/xvfbtest"
)

// smokeEnv, set, makes the test binary the real companion (Fyne's GLFW
// driver on a real X display) against a daemon that is not there, which
// quits by itself after a moment.
const smokeEnv = "KIDTIME_APP_SMOKE_COMPANION"

func runSmokeCompanion() int {
	a := app.NewWithID("org.kidtime.smoke")
	go func() {
		time.Sleep(2 * time.Second)
		fyne.Do(a.Quit)
	}()
	b := &client.Client{Socket: filepath.Join(os.TempDir(), "no-kidtimed-here.sock"), Timeout: time.Second}
	if err := runCompanion(context.Background(), a, b); err != nil {
		os.Stderr.WriteString("companion: " + err.Error() + "\n")
		return 1
	}
	os.Stdout.WriteString("companion ended\n")
	return 0
}

// A missing desktop service degrades, never crashes (issue 11, class 9):
// the real companion, on a real X display, with no session D-Bus (and so no
// tray, notifications or screensaver), and with a session D-Bus that has no
// system tray, starts, shows its window and quits cleanly. Fyne's tray code
// dereferenced a nil bus connection in the first case.
func TestCompanionWithoutDesktopServices(t *testing.T) {
	display := xvfbtest.Start(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		sentence string
		bus      func(t *testing.T) string // DBUS_SESSION_BUS_ADDRESS
	}{
		{"no session D-Bus at all", func(t *testing.T) string { return "unix:path=" + filepath.Join(t.TempDir(), "no-bus") }},
		{"a session D-Bus without a system tray", sessionBus},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			cmd := exec.Command(self, "-test.run=^$")
			cmd.Env = []string{smokeEnv + "=1", "DISPLAY=" + display, "DBUS_SESSION_BUS_ADDRESS=" + c.bus(t),
				"HOME=" + t.TempDir(), "XDG_RUNTIME_DIR=" + t.TempDir(), "PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("the companion did not quit within 60 s\n%s", errb.String())
			}
			if err != nil || strings.Contains(errb.String(), "panic") || !strings.Contains(out.String(), "companion ended") {
				t.Fatalf("the companion without desktop services: %v\nstdout: %s\nstderr: %s", err, out.String(), errb.String())
			}
			if !strings.Contains(errb.String(), "no system tray") {
				t.Errorf("the companion should say it goes on without a tray:\n%s", errb.String())
			}
		})
	}
}

// sessionBus starts a private session D-Bus (dbus-daemon) for the test and
// returns its address; the test is skipped without dbus-daemon.
func sessionBus(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon is not installed")
	}
	sock := filepath.Join(t.TempDir(), "bus")
	cmd := exec.Command(bin, "--session", "--nofork", "--address=unix:path="+sock)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			return "unix:path=" + sock
		}
	}
	t.Fatal("dbus-daemon made no socket within 10 s")
	return ""
}
