// Package bustest starts a private session D-Bus for the tests of the
// desktop packages and serves fake desktop services on it.
package bustest

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// SessionBus starts a private dbus-daemon and points DBUS_SESSION_BUS_ADDRESS
// at it for the rest of the test; it returns the bus address. The test is
// skipped when dbus-daemon is not installed.
func SessionBus(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon is not installed; this needs a real bus to be tested")
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

// Serve exports v at path under iface on a new connection to the bus at
// addr that owns name; the connection closes when the test ends.
func Serve(t *testing.T, addr, name string, path dbus.ObjectPath, iface string, v any) {
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
