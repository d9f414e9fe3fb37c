//go:build !windows

package ipc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// AdminPath is the administrators' socket beside the socket at path
// (/run/kidtime/kidtimed-admin.sock beside kidtimed.sock). Only root and one
// administrators' group may connect to it, so that no flood of connections
// from another account (which fills the shared socket's listen queue) keeps
// an administrator from the daemon.
func AdminPath(path string) string {
	if path == "" {
		return ""
	}
	dir, base := filepath.Split(path)
	return filepath.Join(dir, strings.TrimSuffix(base, ".sock")+"-admin.sock")
}

// adminSocketGroups are tried in order for the administrators' socket's
// group: kidtime's own, then the distribution's usual one.
var adminSocketGroups = []string{AdminGroup, "sudo", "wheel", "admin"}

// ListenAdmin listens on the administrators' socket at path: owned by root
// and the first of kidtime-admin, sudo, wheel and admin that exists, mode
// 0660 (0600 when none does, or when not run as root). Administrators of the
// other groups use the shared socket.
func ListenAdmin(path string) (net.Listener, error) {
	ln, err := Listen(path)
	if err != nil {
		return nil, err
	}
	mode, gid := os.FileMode(0o600), -1
	for _, name := range adminSocketGroups {
		if os.Geteuid() != 0 {
			break // a daemon run by hand keeps it to its own account
		}
		if g, err := user.LookupGroup(name); err == nil {
			if n, err := strconv.Atoi(g.Gid); err == nil {
				mode, gid = 0o660, n
				break
			}
		}
	}
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("ipc listen: restrict the administrators' socket: %w", err)
	}
	if err := os.Lchown(path, os.Geteuid(), gid); err != nil {
		ln.Close()
		return nil, fmt.Errorf("ipc listen: give the administrators' socket its group: %w", err)
	}
	return ln, nil
}

// DialAny connects to the administrators' socket beside path when the
// caller may (root, an administrator), else to path itself. The first try
// costs one failed connect for everyone else.
func DialAny(ctx context.Context, path string) (net.Conn, error) {
	if admin := AdminPath(path); admin != "" {
		var d net.Dialer
		c, err := d.DialContext(ctx, "unix", admin)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, syscall.EACCES) && !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, syscall.EAGAIN) {
			return nil, fmt.Errorf("ipc dial: %w", err)
		}
	}
	return Dial(ctx, path)
}
