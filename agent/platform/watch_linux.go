package platform

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Netlink proc connector constants (linux/connector.h, linux/cn_proc.h).
const (
	cnIdxProc         = 1
	cnValProc         = 1
	procCnMcastListen = 1

	procEventFork = 0x00000001
	procEventExec = 0x00000002
	procEventExit = 0x80000000

	nlmsgHdrLen = 16 // struct nlmsghdr
	cnMsgLen    = 20 // struct cn_msg without data
	// struct proc_event: what(4) cpu(4) timestamp_ns(8) event_data(...).
	procEventHdr = 16
)

// watchBuffer is the capacity of the event channel; the socket's receive
// buffer behind it holds many more.
const watchBuffer = 1024

// WatchProcs subscribes to the kernel's process events (netlink proc
// connector) and sends Exec, Fork and Exit events for processes (thread
// events are dropped). The channel is closed when ctx ends or the socket
// fails. When the kernel drops events because the reader fell behind, an
// Overrun event is sent: the caller must rescan with [ScanProcs].
//
// It needs CAP_NET_ADMIN and the initial PID and user namespaces: the kernel
// silently ignores subscriptions from inside a container, so WatchProcs
// checks this first and returns an error wrapping [ErrUnsupported] there
// (the caller then polls [ScanProcs]).
func WatchProcs(ctx context.Context) (<-chan ProcEvent, error) {
	if err := checkInitNamespaces(); err != nil {
		return nil, err
	}
	return watchProcs(ctx, 4<<20, watchBuffer)
}

// Inode numbers of the initial namespaces, fixed by the kernel
// (PROC_PID_INIT_INO and PROC_USER_INIT_INO in include/linux/proc_ns.h).
const (
	initPIDNamespace  = "pid:[4026531836]"
	initUserNamespace = "user:[4026531837]"
)

// checkInitNamespaces reports an error when this process is not in the
// initial PID or user namespace. Kernels without namespace links pass.
func checkInitNamespaces() error {
	for _, ns := range []struct{ link, want string }{
		{"/self/ns/pid", initPIDNamespace},
		{"/self/ns/user", initUserNamespace},
	} {
		got, err := os.Readlink(procRoot + ns.link)
		if err != nil {
			continue
		}
		if got != ns.want {
			return fmt.Errorf("platform: watch processes: in a container (%s, not the initial %s) the proc connector sends nothing: %w", got, ns.want, errors.ErrUnsupported)
		}
	}
	return nil
}

// lazyForkExit is how long fork and exit events may wait in their socket
// when no exec comes to fetch them: a burst of short processes then costs
// one wake-up per exec and a few per second for the rest, not three per
// process.
const lazyForkExit = 25 * time.Millisecond

// watchProcs is WatchProcs with the socket buffer and channel capacity as
// parameters (tests shrink them to provoke an overrun).
//
// Exec events, the ones a decision waits for, come on a socket of their own
// and are read at once. Forks and exits come on a second socket, read when
// an exec arrives (first, so that they keep their order with it) or at most
// lazyForkExit after the first of them: a process that starts and ends
// costs one wake-up instead of three. Events of both are delivered in the
// kernel's order (by its timestamps). A kernel that refuses the socket
// filters gets one socket with everything, read at once.
func watchProcs(ctx context.Context, rcvbuf, chanCap int) (<-chan ProcEvent, error) {
	execs, err := openProcSocket(rcvbuf, procFilter(true, false))
	if err != nil {
		return nil, err
	}
	w := &procWatcher{ch: make(chan ProcEvent, chanCap), buf: make([]byte, 64<<10), socks: []*procSocket{execs}}
	if execs.filtered {
		if rest, err := openProcSocket(rcvbuf, procFilter(false, true)); err == nil && rest.filtered {
			w.socks = append(w.socks, rest)
		} else {
			if err == nil {
				rest.f.Close()
			}
			// No second socket: the first takes everything.
			execs.f.Close()
			if execs, err = openProcSocket(rcvbuf, nil); err != nil {
				return nil, err
			}
			w.socks = []*procSocket{execs}
		}
	}
	ctx, w.stop = context.WithCancel(ctx)
	go func() {
		<-ctx.Done()
		for _, s := range w.socks {
			s.f.Close()
		}
	}()
	var wg sync.WaitGroup
	for i, s := range w.socks {
		lazy := time.Duration(0)
		if i > 0 {
			lazy = lazyForkExit
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.stop() // one reader failing stops both
			w.follow(ctx, s, lazy)
		}()
	}
	go func() {
		wg.Wait()
		close(w.ch)
	}()
	return w.ch, nil
}

// procSocket is one subscription to the proc connector.
type procSocket struct {
	f        *os.File
	rc       syscall.RawConn
	filtered bool // the kernel took the filter
}

// openProcSocket subscribes a non-blocking netlink socket; filter nil
// keeps every event.
func openProcSocket(rcvbuf int, filter []unix.SockFilter) (*procSocket, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.NETLINK_CONNECTOR)
	if err != nil {
		return nil, fmt.Errorf("platform: watch processes: netlink socket: %w", err)
	}
	// A large buffer rides out bursts (a build starting hundreds of
	// processes). SO_RCVBUFFORCE needs CAP_NET_ADMIN, which we need anyway.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvbuf); err != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvbuf)
	}
	// Events nobody uses are dropped in the kernel (watch_filter_linux.go).
	filtered := filter != nil && attachFilter(fd, filter) == nil
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("platform: watch processes: bind proc connector: %w", err)
	}
	if err := unix.Sendto(fd, mcastMsg(procCnMcastListen), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("platform: watch processes: subscribe: %w", err)
	}
	// A non-blocking fd in an os.File is driven by the runtime poller:
	// waiting parks the goroutine (no wake-ups while idle) and Close wakes it.
	f := os.NewFile(uintptr(fd), "netlink-proc-connector")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("platform: watch processes: %w", err)
	}
	return &procSocket{f: f, rc: rc, filtered: filtered}, nil
}

// procWatcher reads the sockets and delivers their events in order.
type procWatcher struct {
	ch    chan ProcEvent
	socks []*procSocket
	stop  context.CancelFunc

	mu  sync.Mutex // one drain at a time: the order of delivery
	buf []byte
	evs []rawEvent
}

// follow waits until s has an event, waits lazy more, then drains every
// socket; until ctx ends or a socket fails.
func (w *procWatcher) follow(ctx context.Context, s *procSocket, lazy time.Duration) {
	var peek [1]byte
	for {
		var perr error
		err := s.rc.Read(func(fd uintptr) bool {
			_, _, perr = unix.Recvfrom(int(fd), peek[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
			return perr != unix.EAGAIN
		})
		if ctx.Err() != nil || err != nil {
			return
		}
		if lazy > 0 {
			t := time.NewTimer(lazy)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		if !w.drain(ctx) {
			return
		}
	}
}

// drain reads what every socket holds and sends it in the kernel's order,
// then an Overrun event if the kernel dropped some. It reports whether the
// watcher goes on.
func (w *procWatcher) drain(ctx context.Context) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.evs = w.evs[:0]
	overrun := false
	for _, s := range w.socks {
		for {
			var n int
			var rerr error
			// read(2), not recvfrom: no sender address to allocate per
			// datagram (the socket is non-blocking).
			err := s.rc.Control(func(fd uintptr) {
				n, rerr = unix.Read(int(fd), w.buf)
			})
			if err == nil {
				err = rerr
			}
			if err == unix.EAGAIN {
				break
			}
			if errors.Is(err, unix.ENOBUFS) {
				overrun = true
				continue
			}
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil {
				if ctx.Err() == nil {
					slog.Error("process events stopped", "err", err)
				}
				return false
			}
			w.evs = append(w.evs, parseProcEvents(w.buf[:n])...)
		}
	}
	if len(w.socks) > 1 {
		slices.SortStableFunc(w.evs, func(a, b rawEvent) int { return cmp.Compare(a.mono, b.mono) })
	}
	now := time.Now()
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	mono := uint64(ts.Nano())
	for _, ev := range w.evs {
		ev.Time = now
		if ev.mono > 0 && ev.mono <= mono {
			ev.Time = now.Add(-time.Duration(mono - ev.mono))
		}
		if !send(ctx, w.ch, ev.ProcEvent) {
			return false
		}
	}
	if overrun && !send(ctx, w.ch, ProcEvent{Kind: Overrun, Time: now}) {
		return false
	}
	return true
}

func send(ctx context.Context, ch chan<- ProcEvent, ev ProcEvent) bool {
	select {
	case ch <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// mcastMsg builds nlmsghdr + cn_msg + the multicast op.
func mcastMsg(op uint32) []byte {
	b := make([]byte, nlmsgHdrLen+cnMsgLen+4)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(len(b)))        // nlmsg_len
	ne.PutUint16(b[4:], unix.NLMSG_DONE)       // nlmsg_type
	ne.PutUint32(b[12:], uint32(os.Getpid()))  // nlmsg_pid (informational)
	ne.PutUint32(b[16:], cnIdxProc)            // cn_msg.id.idx
	ne.PutUint32(b[20:], cnValProc)            // cn_msg.id.val
	ne.PutUint16(b[32:], 4)                    // cn_msg.len
	ne.PutUint32(b[nlmsgHdrLen+cnMsgLen:], op) // data
	return b
}

type rawEvent struct {
	ProcEvent
	mono uint64 // kernel CLOCK_MONOTONIC timestamp in ns
}

// parseProcEvents decodes one datagram, which may hold several netlink
// messages. Thread events and unknown kinds are dropped.
func parseProcEvents(b []byte) []rawEvent {
	ne := binary.NativeEndian
	var out []rawEvent
	for len(b) >= nlmsgHdrLen {
		l := int(ne.Uint32(b[0:]))
		typ := ne.Uint16(b[4:])
		if l < nlmsgHdrLen || l > len(b) {
			break
		}
		msg := b[nlmsgHdrLen:l]
		if typ == unix.NLMSG_DONE && len(msg) >= cnMsgLen+procEventHdr+8 &&
			ne.Uint32(msg[0:]) == cnIdxProc && ne.Uint32(msg[4:]) == cnValProc {
			ev := msg[cnMsgLen:]
			what := ne.Uint32(ev[0:])
			mono := ne.Uint64(ev[8:])
			d := ev[procEventHdr:]
			switch what {
			case procEventExec:
				// process_pid, process_tgid
				out = append(out, rawEvent{ProcEvent{Kind: Exec, PID: int(ne.Uint32(d[4:]))}, mono})
			case procEventFork:
				// parent_pid, parent_tgid, child_pid, child_tgid
				if len(d) >= 16 && ne.Uint32(d[8:]) == ne.Uint32(d[12:]) {
					out = append(out, rawEvent{ProcEvent{Kind: Fork, PID: int(ne.Uint32(d[12:])), PPID: int(ne.Uint32(d[4:]))}, mono})
				}
			case procEventExit:
				// process_pid, process_tgid, exit_code, exit_signal
				if len(d) >= 12 && ne.Uint32(d[0:]) == ne.Uint32(d[4:]) {
					out = append(out, rawEvent{ProcEvent{Kind: Exit, PID: int(ne.Uint32(d[4:])), ExitCode: int(ne.Uint32(d[8:]))}, mono})
				}
			}
		}
		l = (l + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
		if l > len(b) {
			break
		}
		b = b[l:]
	}
	return out
}
