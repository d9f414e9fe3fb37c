//go:build !windows

package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

const defaultPath = "/run/kidtime/kidtimed.sock"

// staleProbeTimeout bounds how long Listen waits for an existing socket to
// answer before deciding whether it is stale.
const staleProbeTimeout = 500 * time.Millisecond

// ErrInUse is returned by Listen when a live server already answers on the
// path; Listen never steals a socket from a running daemon.
var ErrInUse = errors.New("socket in use by a running server")

// Listen creates a Unix stream socket at path, creating its parent directory
// (0755) if needed. A socket file left behind by a dead server is removed
// first; a socket where a server still answers is not touched (ErrInUse),
// nor is anything at path that is not a socket. The socket's mode is 0666:
// every local user may connect, and the API checks each caller with PeerOf.
func Listen(path string) (net.Listener, error) {
	if path == "" {
		return nil, errors.New("ipc listen: empty socket path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("ipc listen: create socket directory: %w", err)
	}
	if err := removeStale(path); err != nil {
		return nil, fmt.Errorf("ipc listen on %s: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("ipc listen: %w", err)
	}
	// Close must remove the file, as it does by default for a listener that
	// created its socket.
	ln.(*net.UnixListener).SetUnlinkOnClose(true)
	if err := os.Chmod(path, 0o666); err != nil {
		ln.Close()
		return nil, fmt.Errorf("ipc listen: make socket connectable by all users: %w", err)
	}
	return ln, nil
}

// removeStale removes path if it is a socket on which nobody listens.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspect existing file: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("refusing to replace %v that is not a socket", fi.Mode().Type())
	}
	c, err := net.DialTimeout("unix", path, staleProbeTimeout)
	if err == nil {
		c.Close()
		return ErrInUse
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		// A timeout means a live server with a full backlog; anything else
		// is not proof of staleness either.
		return fmt.Errorf("probe existing socket: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale socket: %w", err)
	}
	return nil
}

// Dial connects to the server listening at path.
func Dial(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	wait := 100 * time.Microsecond
	for {
		c, err := d.DialContext(ctx, "unix", path)
		if err == nil {
			return c, nil
		}
		// A full listen queue (EAGAIN: someone floods the socket) is
		// worth another try until ctx ends; the daemon drains it fast.
		if !errors.Is(err, syscall.EAGAIN) {
			return nil, fmt.Errorf("ipc dial: %w", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("ipc dial: %w (%w)", err, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, 5*time.Millisecond)
	}
}

// rawFD runs f with the connection's file descriptor.
func rawFD(c net.Conn, f func(fd int) error) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return fmt.Errorf("connection %T has no file descriptor", c)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return fmt.Errorf("raw connection: %w", err)
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return fmt.Errorf("raw connection control: %w", err)
	}
	return ferr
}
