package ipc

import (
	"context"
	"errors"
	"net"
)

// AdminPath is "" on Windows: there is one pipe for everyone (an
// administrators' pipe is not made yet).
func AdminPath(string) string { return "" }

// ListenAdmin is not available on Windows (see AdminPath).
func ListenAdmin(path string) (net.Listener, error) {
	return nil, errors.New("ipc listen: no administrators' pipe on Windows yet")
}

// DialAny is Dial on Windows (see AdminPath).
func DialAny(ctx context.Context, path string) (net.Conn, error) { return Dial(ctx, path) }
