package platform

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// runFilter interprets the few classic BPF instructions procFilter uses.
func runFilter(t *testing.T, prog []unix.SockFilter, pkt []byte) uint32 {
	t.Helper()
	var a, x uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		switch in.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_LEN:
			a = uint32(len(pkt))
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			if int(in.K)+4 > len(pkt) {
				return 0 // the kernel drops a packet read past its end
			}
			a = binary.BigEndian.Uint32(pkt[in.K:])
		case unix.BPF_MISC | unix.BPF_TAX:
			x = a
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K, unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_X:
			var ok bool
			switch in.Code {
			case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K:
				ok = a == in.K
			case unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K:
				ok = a >= in.K
			default:
				ok = a == x
			}
			if ok {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_RET | unix.BPF_K:
			return in.K
		default:
			t.Fatalf("instruction %d: unknown code %#x", pc, in.Code)
		}
	}
	t.Fatal("the filter ran off its end")
	return 0
}

// event builds one proc connector message as the kernel sends it.
func event(what uint32, data ...uint32) []byte {
	b := make([]byte, offData+24) // the union of event data is 24 bytes
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(len(b)))
	ne.PutUint16(b[4:], unix.NLMSG_DONE)
	ne.PutUint32(b[16:], cnIdxProc)
	ne.PutUint32(b[20:], cnValProc)
	ne.PutUint32(b[offWhat:], what)
	for i, d := range data {
		ne.PutUint32(b[offData+4*i:], d)
	}
	return b
}

func TestProcFilter(t *testing.T) {
	execs, forkExit, both := procFilter(true, false), procFilter(false, true), procFilter(true, true)
	for _, tc := range []struct {
		name      string
		pkt       []byte
		exec, f_e bool // kept by the exec socket, by the fork and exit one
	}{
		{"exec", event(procEventExec, 42, 42), true, false},
		{"fork of a process", event(procEventFork, 1, 1, 42, 42), false, true},
		{"fork of a thread", event(procEventFork, 1, 1, 43, 42), false, false},
		{"exit of a process", event(procEventExit, 42, 42, 0, 17), false, true},
		{"exit of a thread", event(procEventExit, 43, 42, 0, 0), false, false},
		{"comm", event(0x00000200, 42, 42), false, false},
		{"uid", event(0x00000004, 42, 42, 1000, 1000), false, false},
		{"acknowledgement", event(0), false, false},
		{"short message", event(procEventExec)[:40], true, false},
	} {
		if got := runFilter(t, execs, tc.pkt) != 0; got != tc.exec {
			t.Errorf("%s: the exec socket keeps it: %v; want %v", tc.name, got, tc.exec)
		}
		if got := runFilter(t, forkExit, tc.pkt) != 0; got != tc.f_e {
			t.Errorf("%s: the fork and exit socket keeps it: %v; want %v", tc.name, got, tc.f_e)
		}
		keep := runFilter(t, both, tc.pkt) != 0
		if keep != (tc.exec || tc.f_e) {
			t.Errorf("%s: one filter for both keeps it: %v; want %v", tc.name, keep, tc.exec || tc.f_e)
		}
		// What the filters drop, the parser would have dropped too.
		if !keep && len(parseProcEvents(tc.pkt)) != 0 {
			t.Errorf("%s: dropped by the filter but the parser keeps it", tc.name)
		}
	}
}

// The kernel takes the filter (a refusal would only cost the saving, so
// WatchProcs ignores it; this test does not).
func TestProcFilterAttaches(t *testing.T) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_CONNECTOR)
	if err != nil {
		t.Skipf("no netlink connector socket: %v", err)
	}
	defer unix.Close(fd)
	if err := attachFilter(fd, procFilter(true, false)); err != nil {
		t.Fatalf("attach: %v", err)
	}
}
