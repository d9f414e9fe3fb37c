// Package xvfbtest starts a private X server (Xvfb) for tests that need a
// real display: the X11 probe, and the app's real windows.
package xvfbtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Start starts a private Xvfb server on a free display number and returns
// its display name; the server is killed when the test ends. Without Xvfb
// the test is skipped, saying why.
func Start(t testing.TB) string {
	t.Helper()
	return StartSize(t, 800, 600)
}

// StartSize is Start with a screen of width×height pixels.
func StartSize(t testing.TB, width, height int) string {
	t.Helper()
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Skip("Xvfb is not installed; this test needs a real X server")
	}
	for n := 90 + os.Getpid()%50; n < 400; n++ {
		sock := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		if _, err := os.Stat(sock); err == nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		display := fmt.Sprintf(":%d", n)
		cmd := exec.Command(bin, display, "-screen", "0", fmt.Sprintf("%dx%dx24", width, height), "-nolisten", "tcp")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("start Xvfb: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				// Lost a race for this display number; try the next.
				goto next
			default:
			}
			if _, err := os.Stat(sock); err == nil {
				t.Cleanup(func() {
					cmd.Process.Kill()
					<-exited
				})
				return display
			}
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Kill()
		<-exited
		t.Fatalf("Xvfb %s did not create %s within 10 s: %s", display, sock, stderr.String())
	next:
	}
	t.Fatal("no free X display number")
	return ""
}
