//go:build linux

package main

import (
	"encoding/binary"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// execCounter counts the exec events of the whole machine (the kernel's
// proc connector, as kidtimed gets them), so a window's figures can be read
// against what else ran: on a shared machine "idle" is not idle.
type execCounter struct {
	fd    int
	execs atomic.Int64
}

// countExecs subscribes; nil when the proc connector is unavailable.
func countExecs(c *cleanup) *execCounter {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_CONNECTOR)
	if err != nil {
		return nil
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4<<20)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1}); err != nil {
		unix.Close(fd)
		return nil
	}
	if err := unix.Sendto(fd, listenMsg(), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil
	}
	e := &execCounter{fd: fd}
	c.add(func() { unix.Close(fd) })
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if err == unix.ENOBUFS || err == unix.EINTR {
				continue
			}
			if err != nil {
				return
			}
			e.execs.Add(int64(countExecEvents(buf[:n])))
		}
	}()
	return e
}

func (e *execCounter) n() int64 {
	if e == nil {
		return -1
	}
	return e.execs.Load()
}

// listenMsg is nlmsghdr + cn_msg{idx 1, val 1} + PROC_CN_MCAST_LISTEN.
func listenMsg() []byte {
	b := make([]byte, 16+20+4)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(len(b)))
	ne.PutUint16(b[4:], unix.NLMSG_DONE)
	ne.PutUint32(b[12:], uint32(os.Getpid()))
	ne.PutUint32(b[16:], 1)
	ne.PutUint32(b[20:], 1)
	ne.PutUint16(b[32:], 4)
	ne.PutUint32(b[36:], 1)
	return b
}

// countExecEvents counts PROC_EVENT_EXEC in one datagram.
func countExecEvents(b []byte) int {
	ne := binary.NativeEndian
	n := 0
	for len(b) >= 16 {
		l := int(ne.Uint32(b[0:]))
		if l < 16 || l > len(b) {
			break
		}
		if msg := b[16:l]; len(msg) >= 20+4 && ne.Uint32(msg[20:]) == 2 {
			n++
		}
		l = (l + 3) &^ 3
		if l > len(b) {
			break
		}
		b = b[l:]
	}
	return n
}
