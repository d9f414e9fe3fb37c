//go:build !linux && !darwin && !windows

package ipc

import (
	"errors"
	"net"
)

// PeerOf is not implemented on this system: without a caller's identity the
// API must treat every caller as unknown.
func PeerOf(c net.Conn) (Peer, error) {
	return Peer{}, errors.New("ipc peer credentials: not supported on this operating system")
}
