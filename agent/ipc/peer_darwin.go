package ipc

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// osPeerOf returns the identity of the process that connected c, read from the
// kernel with LOCAL_PEERCRED and LOCAL_PEERPID, completed with the account's
// name and groups.
func osPeerOf(c net.Conn) (Peer, error) {
	var (
		cred *unix.Xucred
		pid  int
	)
	err := rawFD(c, func(fd int) error {
		var err error
		cred, err = unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
		if err != nil {
			return err
		}
		pid, err = unix.GetsockoptInt(fd, unix.SOL_LOCAL, unix.LOCAL_PEERPID)
		return err
	})
	if err != nil {
		return Peer{}, fmt.Errorf("ipc peer credentials (LOCAL_PEERCRED): %w", err)
	}
	p := Peer{UID: cred.Uid, PID: pid}
	if cred.Ngroups > 0 {
		p.GID = cred.Groups[0]
	}
	fillAccount(&p)
	return p, nil
}

// osPeerUID is the caller's uid, from the whole identity.
func osPeerUID(c net.Conn) (uint32, error) {
	p, err := osPeerOf(c)
	return p.UID, err
}
