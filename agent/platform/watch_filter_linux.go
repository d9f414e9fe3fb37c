package platform

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// The kernel sends the proc connector's events to every listener: thread
// creations and exits (a browser or a game makes them by the hundred),
// comm, uid, sid, ptrace and coredump changes. The watcher uses only
// process forks, execs and process exits; a socket filter drops the rest in
// the kernel, so they cost no wake-up, no copy and no system call here.
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

// procFilter keeps exec events, forks and exits of whole processes, and
// messages too short to hold an event (acknowledgements); it drops the
// rest.
func procFilter() []unix.SockFilter {
	const (
		ldw  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		ldl  = unix.BPF_LD | unix.BPF_W | unix.BPF_LEN
		jeqk = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		jgek = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
		jeqx = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_X
		tax  = unix.BPF_MISC | unix.BPF_TAX
		ret  = unix.BPF_RET | unix.BPF_K
		keep = 0xffffffff
	)
	return []unix.SockFilter{
		/* 0 */ {Code: ldl},
		/* 1 */ {Code: jgek, K: offData + 16, Jt: 1}, // long enough for a fork or an exit?
		/* 2 */ {Code: ret, K: keep}, // something else: keep, the parser decides
		/* 3 */ {Code: ldw, K: offWhat},
		/* 4 */ {Code: jeqk, K: asLoaded(procEventExec), Jt: 10}, // exec → 15
		/* 5 */ {Code: jeqk, K: asLoaded(procEventFork), Jf: 4}, // not a fork → 10
		/* 6 */ {Code: ldw, K: offForkChild},
		/* 7 */ {Code: tax},
		/* 8 */ {Code: ldw, K: offForkChildTG},
		/* 9 */ {Code: jeqx, Jt: 5, Jf: 6}, // a process (pid == tgid) → 15, a thread → 16
		/* 10 */ {Code: jeqk, K: asLoaded(procEventExit), Jf: 5}, // not an exit → 16
		/* 11 */ {Code: ldw, K: offExitPID},
		/* 12 */ {Code: tax},
		/* 13 */ {Code: ldw, K: offExitTGID},
		/* 14 */ {Code: jeqx, Jt: 0, Jf: 1},
		/* 15 */ {Code: ret, K: keep},
		/* 16 */ {Code: ret, K: 0},
	}
}

// attachProcFilter installs procFilter on the netlink socket. A kernel that
// refuses it loses nothing but the saving: the parser drops the same events.
func attachProcFilter(fd int) error {
	f := procFilter()
	prog := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
	return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &prog)
}
