package platform

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// The kernel sends the proc connector's events to every listener: thread
// creations and exits (a browser or a game makes them by the hundred),
// comm, uid, sid, ptrace and coredump changes. The watcher uses only
// process forks, execs and process exits; socket filters drop the rest in
// the kernel, so they cost no wake-up, no copy and no system call here, and
// split what is kept between two sockets (execs; forks and exits) so that
// the second can be read lazily (watch_linux.go).
//
// A message is nlmsghdr (16 bytes), cn_msg (20), then proc_event: what at
// 36, and event_data at 52: fork is parent_pid, parent_tgid, child_pid,
// child_tgid; exit is process_pid, process_tgid. Classic BPF loads words
// big-endian while the kernel writes them in its own order, so constants
// are compared as loaded (swapped on little-endian machines); equality of
// two loaded fields needs no swap.
const (
	offWhat        = nlmsgHdrLen + cnMsgLen // 36
	offData        = offWhat + procEventHdr // 52
	offForkChild   = offData + 8            // child_pid
	offForkChildTG = offData + 12           // child_tgid
	offExitPID     = offData                // process_pid
	offExitTGID    = offData + 4            // process_tgid
)

// asLoaded is v as a BPF_LD|BPF_W|BPF_ABS sees it in native byte order.
func asLoaded(v uint32) uint32 {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], v)
	return binary.BigEndian.Uint32(b[:])
}

// procFilter keeps exec events (execs), forks and exits of whole processes
// (forkExit), and messages too short to hold an event (only with execs); it
// drops the rest.
func procFilter(execs, forkExit bool) []unix.SockFilter {
	const (
		ldw  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		ldl  = unix.BPF_LD | unix.BPF_W | unix.BPF_LEN
		jeqk = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		jgek = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
		jeqx = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_X
		tax  = unix.BPF_MISC | unix.BPF_TAX
		ret  = unix.BPF_RET | unix.BPF_K
		all  = 0xffffffff
	)
	keep := func(b bool) uint32 {
		if b {
			return all
		}
		return 0
	}
	return []unix.SockFilter{
		/* 0 */ {Code: ldl},
		/* 1 */ {Code: jgek, K: offData + 16, Jt: 1}, // long enough for a fork or an exit?
		/* 2 */ {Code: ret, K: keep(execs)}, // something else: the parser decides
		/* 3 */ {Code: ldw, K: offWhat},
		/* 4 */ {Code: jeqk, K: asLoaded(procEventExec), Jf: 1}, // not an exec → 6
		/* 5 */ {Code: ret, K: keep(execs)},
		/* 6 */ {Code: jeqk, K: asLoaded(procEventFork), Jf: 4}, // not a fork → 11
		/* 7 */ {Code: ldw, K: offForkChild},
		/* 8 */ {Code: tax},
		/* 9 */ {Code: ldw, K: offForkChildTG},
		/* 10 */ {Code: jeqx, Jt: 5, Jf: 6}, // a process (pid == tgid) → 16, a thread → 17
		/* 11 */ {Code: jeqk, K: asLoaded(procEventExit), Jf: 5}, // not an exit → 17
		/* 12 */ {Code: ldw, K: offExitPID},
		/* 13 */ {Code: tax},
		/* 14 */ {Code: ldw, K: offExitTGID},
		/* 15 */ {Code: jeqx, Jt: 0, Jf: 1},
		/* 16 */ {Code: ret, K: keep(forkExit)},
		/* 17 */ {Code: ret, K: 0},
	}
}

// attachFilter installs a socket filter.
func attachFilter(fd int, f []unix.SockFilter) error {
	prog := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
	return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &prog)
}
