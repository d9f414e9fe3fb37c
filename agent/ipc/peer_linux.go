package ipc

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// osPeerOf returns the identity of the process that connected c, read from the
// kernel with SO_PEERCRED (recorded at connect time), completed with the
// account's name and groups.
func osPeerOf(c net.Conn) (Peer, error) {
	var cred *unix.Ucred
	err := rawFD(c, func(fd int) error {
		var err error
		cred, err = unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
		return err
	})
	if err != nil {
		return Peer{}, fmt.Errorf("ipc peer credentials (SO_PEERCRED): %w", err)
	}
	p := Peer{UID: cred.Uid, GID: cred.Gid, PID: int(cred.Pid)}
	fillAccount(&p)
	return p, nil
}

// osPeerUID reads the caller's uid alone (SO_PEERCRED).
func osPeerUID(c net.Conn) (uint32, error) {
	var cred *unix.Ucred
	err := rawFD(c, func(fd int) error {
		var err error
		cred, err = unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("ipc peer credentials (SO_PEERCRED): %w", err)
	}
	return cred.Uid, nil
}
