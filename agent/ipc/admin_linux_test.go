package ipc_test

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/agent/ipc"
)

func TestAdminPath(t *testing.T) {
	cases := []struct{ in, want string }{
		{"/run/kidtime/kidtimed.sock", "/run/kidtime/kidtimed-admin.sock"},
		{"/tmp/x/s-001.sock", "/tmp/x/s-001-admin.sock"},
		{"/tmp/plain", "/tmp/plain-admin.sock"},
		{"", ""},
	}
	for _, c := range cases {
		if got := ipc.AdminPath(c.in); got != c.want {
			t.Errorf("AdminPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The administrators' socket takes root and kidtime-admin, and nobody else:
// a plain account's DialAny lands on the shared socket, root's on the
// administrators' one.
func TestAdminSocket(t *testing.T) {
	ostest.NeedRoot(t)
	ostest.EnsureGroup(t, ipc.AdminGroup)
	dir := ostest.WorldDir(t)
	bin := ostest.HelperBinary(t, dir)
	path := filepath.Join(dir, "kidtimed.sock")
	shared := listen(t, path)
	admin, err := ipc.ListenAdmin(ipc.AdminPath(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	fi, err := os.Stat(ipc.AdminPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o660 {
		t.Errorf("administrators' socket mode %v, want 0660 (root and kidtime-admin)", fi.Mode().Perm())
	}

	// A plain account may not connect to it, and falls back.
	u := addUser(t)
	if p, _ := peerOfHelper(t, shared, bin, u, helperAnyEnv+"=1"); p.UID != u.UID {
		t.Errorf("the shared socket got uid %d, want the plain account's %d", p.UID, u.UID)
	}

	// Root reaches the administrators' socket.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got := make(chan net.Conn, 1)
	go func() {
		if c, err := admin.Accept(); err == nil {
			got <- c
		}
	}()
	c, err := ipc.DialAny(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case sc := <-got:
		sc.Close()
		if _, err := io.ReadAll(c); err != nil {
			t.Logf("read after close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("root's DialAny did not reach the administrators' socket")
	}
}
