//go:build !linux && !darwin && !windows

package ipc

import (
	"errors"
	"net"
)

// osPeerOf is not implemented on this system: without a caller's identity the
// API must treat every caller as unknown.
func osPeerOf(c net.Conn) (Peer, error) {
	return Peer{}, errors.New("ipc peer credentials: not supported on this operating system")
}

// osPeerUID is the caller's uid, from the whole identity.
func osPeerUID(c net.Conn) (uint32, error) {
	p, err := osPeerOf(c)
	return p.UID, err
}
