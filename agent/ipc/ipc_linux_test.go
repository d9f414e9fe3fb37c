package ipc_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/agent/ipc"
)

// The test binary re-executes itself as another user to connect with that
// user's credentials: a goroutine cannot change its uid.
const helperEnv = "KT_IPC_HELPER_SOCKET"

// helperAnyEnv makes the helper dial with DialAny.
const helperAnyEnv = "KT_IPC_HELPER_ANY"

func TestMain(m *testing.M) {
	if path := os.Getenv(helperEnv); path != "" {
		os.Exit(helperDial(path))
	}
	os.Exit(m.Run())
}

// helperDial connects to path, waits for the server's one-line answer and
// prints it.
func helperDial(path string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dial := ipc.Dial
	if os.Getenv(helperAnyEnv) != "" {
		dial = ipc.DialAny
	}
	c, err := dial(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "read answer:", err)
		return 1
	}
	fmt.Print(line)
	return 0
}

// addUser creates a throwaway account in the given extra groups and
// removes it when the test ends.
func addUser(t *testing.T, groups ...string) ostest.User {
	t.Helper()
	return ostest.AddUser(t, ostest.UniqueName("kt-ipc-"), groups...)
}

// peerOfHelper runs the test binary as u, lets it connect to ln, and returns
// what PeerOf says about that connection, plus the helper's pid.
func peerOfHelper(t *testing.T, ln net.Listener, bin string, u ostest.User, extraEnv ...string) (ipc.Peer, int) {
	t.Helper()
	cmd := ostest.Command(u.UID, u.GID, bin, "-test.run=^$")
	cmd.Env = append([]string{helperEnv + "=" + ln.Addr().String()}, extraEnv...)
	var stdout, stderr fmtBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	peer, err := acceptPeer(ln)
	werr := cmd.Wait()
	if err != nil {
		t.Fatalf("accept from helper: %v (helper: %v, %s)", err, werr, stderr.String())
	}
	if werr != nil {
		t.Fatalf("helper as %s: %v\n%s", u.Name, werr, stderr.String())
	}
	if got := stdout.String(); got != "ok\n" {
		t.Fatalf("helper printed %q, want the server's answer", got)
	}
	return peer, cmd.Process.Pid
}

type fmtBuffer struct{ b []byte }

func (f *fmtBuffer) Write(p []byte) (int, error) { f.b = append(f.b, p...); return len(p), nil }
func (f *fmtBuffer) String() string              { return string(f.b) }

// acceptPeer accepts one connection, reads its peer and answers "ok".
func acceptPeer(ln net.Listener) (ipc.Peer, error) {
	if d, ok := ln.(interface{ SetDeadline(time.Time) error }); ok {
		d.SetDeadline(time.Now().Add(15 * time.Second))
	}
	c, err := ln.Accept()
	if err != nil {
		return ipc.Peer{}, err
	}
	defer c.Close()
	p, err := ipc.PeerOf(c)
	if err != nil {
		return ipc.Peer{}, err
	}
	_, err = io.WriteString(c, "ok\n")
	return p, err
}

func listen(t *testing.T, path string) net.Listener {
	t.Helper()
	ln, err := ipc.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func TestPeerRoot(t *testing.T) {
	ostest.NeedRoot(t)
	ln := listen(t, filepath.Join(t.TempDir(), "kidtimed.sock"))
	errc := make(chan error, 1)
	go func() {
		c, err := ipc.Dial(context.Background(), ln.Addr().String())
		if err == nil {
			_, err = bufio.NewReader(c).ReadString('\n')
			c.Close()
		}
		errc <- err
	}()
	p, err := acceptPeer(ln)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if p.UID != 0 || p.GID != 0 || !p.IsAdmin || p.Username != "root" || !p.InGroup("root") {
		t.Errorf("root client: got %+v, want uid 0, gid 0, root, admin", p)
	}
	if p.PID != os.Getpid() {
		t.Errorf("root client: pid %d, want this process %d", p.PID, os.Getpid())
	}
}

func TestPeerOtherUsers(t *testing.T) {
	ostest.NeedRoot(t)
	ostest.EnsureGroup(t, ipc.AdminGroup)
	dir := ostest.WorldDir(t)
	bin := ostest.HelperBinary(t, dir)
	ln := listen(t, filepath.Join(dir, "kidtimed.sock"))

	tests := []struct {
		name      string
		groups    []string
		wantAdmin bool
	}{
		{"A plain account, like a child's, is identified by its own uid and is not an administrator.", nil, false},
		{"A member of kidtime-admin is an administrator.", []string{ipc.AdminGroup}, true},
		{"A member of sudo administers the machine, so kidtime too.", []string{"sudo"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := addUser(t, tt.groups...)
			p, pid := peerOfHelper(t, ln, bin, u)
			if p.UID != u.UID || p.GID != u.GID {
				t.Errorf("uid/gid %d/%d, want %d/%d", p.UID, p.GID, u.UID, u.GID)
			}
			if p.Username != u.Name {
				t.Errorf("username %q, want %q", p.Username, u.Name)
			}
			if p.PID != pid {
				t.Errorf("pid %d, want the helper's %d", p.PID, pid)
			}
			for _, g := range tt.groups {
				if !p.InGroup(g) {
					t.Errorf("groups %v lack %q", p.Groups, g)
				}
			}
			if p.IsAdmin != tt.wantAdmin {
				t.Errorf("IsAdmin = %v, want %v (groups %v)", p.IsAdmin, tt.wantAdmin, p.Groups)
			}
		})
	}
}

func TestListenSocketFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "kidtime", "kidtimed.sock")
	ln := listen(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o666 {
		t.Errorf("socket mode %v, want a socket with 0666", fi.Mode())
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm()&0o755 != 0o755 || di.Mode().Perm()&0o022 != 0 {
		t.Errorf("socket directory mode %v, want 0755", di.Mode().Perm())
	}
	ln.Close()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket file after Close: %v, want it removed", err)
	}
}

func TestListenExisting(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		wantErr bool
	}{
		{"A socket left behind by a dead server is replaced.", func(t *testing.T, path string) {
			ln, err := net.Listen("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			ln.(*net.UnixListener).SetUnlinkOnClose(false)
			ln.Close()
			if _, err := os.Lstat(path); err != nil {
				t.Fatalf("stale socket not left behind: %v", err)
			}
		}, false},
		{"A socket where a server answers is not stolen.", func(t *testing.T, path string) {
			ln, err := net.Listen("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
		}, true},
		{"A regular file at the path is not deleted.", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("data"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kidtimed.sock")
			tt.prepare(t, path)
			before, _ := os.Lstat(path)
			ln, err := ipc.Listen(path)
			if tt.wantErr {
				if err == nil {
					ln.Close()
					t.Fatal("Listen succeeded, want an error")
				}
				after, serr := os.Lstat(path)
				if serr != nil || !os.SameFile(before, after) {
					t.Errorf("the existing file was replaced (%v)", serr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				if c, err := ln.Accept(); err == nil {
					c.Close()
				}
			}()
			c, err := ipc.Dial(context.Background(), path)
			if err != nil {
				t.Fatalf("dial the new listener: %v", err)
			}
			c.Close()
		})
	}
}

func TestListenInUseError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kidtimed.sock")
	listen(t, path)
	_, err := ipc.Listen(path)
	if !errors.Is(err, ipc.ErrInUse) {
		t.Fatalf("second Listen: %v, want ErrInUse", err)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv(ipc.EnvSocket, "")
	if got := ipc.DefaultPath(); got != "/run/kidtime/kidtimed.sock" {
		t.Errorf("DefaultPath() = %q without override", got)
	}
	t.Setenv(ipc.EnvSocket, "/tmp/x.sock")
	if got := ipc.DefaultPath(); got != "/tmp/x.sock" {
		t.Errorf("DefaultPath() = %q, want the %s override", got, ipc.EnvSocket)
	}
}

func TestDialNoServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if c, err := ipc.Dial(ctx, filepath.Join(t.TempDir(), "none.sock")); err == nil {
		c.Close()
		t.Fatal("Dial to a missing socket succeeded")
	}
}
