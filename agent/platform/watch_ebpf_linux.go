package platform

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"
)

// The kernel-side filter: three small eBPF programs on the scheduler's raw
// tracepoints (sched_process_exec, sched_process_fork, sched_process_exit)
// pass on an event only when the task's real uid is one of the watched
// accounts (a hash map the daemon keeps equal to the children's uids). A
// process of anyone else — a build, a service, root — then costs the
// daemon nothing at all: no wake-up, no read, no stat. The proc connector
// (watch_linux.go) stays the fallback where eBPF cannot be loaded (an old
// kernel, no BTF, a container, KIDTIMED_NO_EBPF set).
//
// The programs are built here with cilium/ebpf's assembler (a few dozen
// instructions each), so no C compiler or object file is needed to build
// kidtimed; they are checked by the kernel's verifier when loaded.

// ebpfRecord is what the programs write to the ring buffer: the kernel's
// CLOCK_MONOTONIC time, the kind, the process id and (forks) the parent's.
const (
	ebpfRecordSize = 24
	ebpfExec       = 1
	ebpfFork       = 2
	ebpfExit       = 3
)

// ebpfMaxUIDs bounds the watched accounts the kernel map holds.
const ebpfMaxUIDs = 4096

// ebpfRing is the ring buffer's size: about 3,000 records before the
// reader must catch up (a lost record becomes an Overrun event, and a scan
// of the process table). It is mapped twice into the daemon, and all of it
// counts in its memory: 256 KB cost 0.5 MB of RSS.
const ebpfRing = 128 << 10

// ProcFilter is the set of accounts whose process events the daemon needs.
// Where the kernel can filter (eBPF), events of other accounts are never
// delivered; elsewhere Set only records the set, and the caller filters.
type ProcFilter struct {
	mu   sync.Mutex
	uids map[uint32]bool
	m    *ebpf.Map // the kernel's copy, while an eBPF watcher runs
	fail func(error)
}

// NewProcFilter returns an empty filter (no account watched).
func NewProcFilter() *ProcFilter { return &ProcFilter{uids: map[uint32]bool{}} }

// Set makes uids the watched accounts. When the kernel's copy cannot be
// updated, the eBPF watcher stops (its channel closes): the caller then
// polls, rather than miss a child's process.
func (f *ProcFilter) Set(uids []uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	next := make(map[uint32]bool, len(uids))
	for _, u := range uids {
		next[u] = true
	}
	if f.m != nil {
		if err := syncUIDs(f.m, f.uids, next); err != nil && f.fail != nil {
			f.fail(err)
		}
	}
	f.uids = next
}

// attach makes m the kernel's copy and fills it; fail is called when a
// later update fails.
func (f *ProcFilter) attach(m *ebpf.Map, fail func(error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := syncUIDs(m, nil, f.uids); err != nil {
		return err
	}
	f.m, f.fail = m, fail
	return nil
}

// InKernel reports whether the kernel filters the events now: they are
// then complete for the watched accounts and cost nothing for the others,
// so periodic scans of the process table are only a safety net.
func (f *ProcFilter) InKernel() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.m != nil
}

func (f *ProcFilter) detach() {
	f.mu.Lock()
	f.m, f.fail = nil, nil
	f.mu.Unlock()
}

// syncUIDs turns the map's keys from old into next: additions first, so
// that no watched account is ever missing, even for a moment.
func syncUIDs(m *ebpf.Map, old, next map[uint32]bool) error {
	one := uint8(1)
	for u := range next {
		if !old[u] {
			if err := m.Put(u, one); err != nil {
				return fmt.Errorf("platform: watch uid %d in the kernel filter: %w", u, err)
			}
		}
	}
	for u := range old {
		if !next[u] {
			if err := m.Delete(u); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
				return fmt.Errorf("platform: unwatch uid %d in the kernel filter: %w", u, err)
			}
		}
	}
	return nil
}

// WatchProcsFor is WatchProcs narrowed to f's accounts in the kernel where
// eBPF can be loaded, and the proc connector (every account's events)
// where it cannot. Either way the events of f's accounts all come.
func WatchProcsFor(ctx context.Context, f *ProcFilter) (<-chan ProcEvent, error) {
	if err := checkInitNamespaces(); err != nil {
		return nil, err
	}
	if os.Getenv("KIDTIMED_NO_EBPF") == "" {
		ch, err := watchEBPF(ctx, f, ebpfRing, watchBuffer)
		if err == nil {
			slog.Info("platform: process events come filtered by account in the kernel (eBPF)")
			return ch, nil
		}
		slog.Info("platform: no kernel filter for process events (eBPF); every account's events come through the proc connector", "err", err)
	}
	return watchProcs(ctx, 4<<20, watchBuffer)
}

// ebpfWatcher holds what watchEBPF loaded; close releases it all (the
// kernel frees it too when the daemon dies: nothing is pinned).
type ebpfWatcher struct {
	uids, events, lost *ebpf.Map
	lostMem            *ebpf.Memory // lost, mapped; nil: read with a system call
	progs              []*ebpf.Program
	links              []link.Link
	rd                 *ringbuf.Reader
	// ready is the ring's file descriptor again (a duplicate), in Go's
	// own poller: the reader waits there for records, parked like a
	// socket's, instead of in a blocking epoll_wait of its own. A thread
	// blocked in a system call holds a P that the runtime's monitor takes
	// back after 20 µs, and keeps it polling every 20 µs while events
	// flow: that was 40 % of the CPU the daemon spent to take in 500 new
	// processes (issue 9). nil: the library's own wait.
	ready *os.File
}

func (w *ebpfWatcher) close() {
	if w.ready != nil {
		w.ready.Close()
	}
	if w.rd != nil {
		w.rd.Close()
	}
	for _, l := range w.links {
		l.Close()
	}
	for _, p := range w.progs {
		p.Close()
	}
	for _, m := range []*ebpf.Map{w.uids, w.events, w.lost} {
		if m != nil {
			m.Close()
		}
	}
}

// watchEBPF loads and attaches the programs, then delivers their records
// until ctx ends or the ring fails.
func watchEBPF(ctx context.Context, f *ProcFilter, ring, chanCap int) (<-chan ProcEvent, error) {
	_ = rlimit.RemoveMemlock() // kernels before 5.11 count BPF memory against RLIMIT_MEMLOCK
	offs, err := taskOffsets()
	if err != nil {
		return nil, err
	}
	w := &ebpfWatcher{}
	ok := false
	defer func() {
		if !ok {
			w.close()
		}
	}()
	if w.uids, err = ebpf.NewMap(&ebpf.MapSpec{Name: "kt_uids", Type: ebpf.Hash, KeySize: 4, ValueSize: 1, MaxEntries: ebpfMaxUIDs}); err != nil {
		return nil, fmt.Errorf("platform: eBPF uid map: %w", err)
	}
	if w.events, err = ebpf.NewMap(&ebpf.MapSpec{Name: "kt_procs", Type: ebpf.RingBuf, MaxEntries: uint32(ring)}); err != nil {
		return nil, fmt.Errorf("platform: eBPF ring buffer: %w", err)
	}
	// The lost counter is mapped into our memory where the kernel allows
	// it (5.5 and later): reading it then costs no system call.
	if w.lost, err = ebpf.NewMap(&ebpf.MapSpec{Name: "kt_lost", Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1, Flags: unix.BPF_F_MMAPABLE}); err != nil {
		if w.lost, err = ebpf.NewMap(&ebpf.MapSpec{Name: "kt_lost", Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1}); err != nil {
			return nil, fmt.Errorf("platform: eBPF lost counter: %w", err)
		}
	}
	if mem, err := w.lost.Memory(); err == nil {
		w.lostMem = mem
	}
	fds := ebpfFDs{uids: w.uids.FD(), events: w.events.FD(), lost: w.lost.FD()}
	for _, p := range []struct {
		tracepoint string
		insns      func(ebpfFDs, taskOffs) asm.Instructions
	}{
		{"sched_process_exec", execProgram},
		{"sched_process_fork", forkProgram},
		{"sched_process_exit", exitProgram},
	} {
		prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
			Name: "kt_" + p.tracepoint[len("sched_process_"):], Type: ebpf.RawTracepoint,
			License: "Dual BSD/GPL", Instructions: p.insns(fds, offs),
		})
		if err != nil {
			return nil, fmt.Errorf("platform: load the %s filter: %w", p.tracepoint, err)
		}
		w.progs = append(w.progs, prog)
	}
	// The uids go in before the programs run, so that the first events
	// of a watched account are not filtered out.
	ch := make(chan ProcEvent, chanCap)
	ctx, stop := context.WithCancel(ctx)
	if err := f.attach(w.uids, func(err error) {
		slog.Error("process events stopped: the kernel filter could not follow the watched accounts", "err", err)
		stop()
	}); err != nil {
		stop()
		return nil, err
	}
	for i, tp := range []string{"sched_process_exec", "sched_process_fork", "sched_process_exit"} {
		l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: tp, Program: w.progs[i]})
		if err != nil {
			f.detach()
			stop()
			return nil, fmt.Errorf("platform: attach to %s: %w", tp, err)
		}
		w.links = append(w.links, l)
	}
	if w.rd, err = ringbuf.NewReader(w.events); err != nil {
		f.detach()
		stop()
		return nil, fmt.Errorf("platform: read the eBPF ring buffer: %w", err)
	}
	w.ready = pollable(w.events.FD())
	ok = true
	go func() {
		<-ctx.Done()
		if w.ready != nil {
			// Wakes the reader's wait; the reader closes the ring itself
			// (the library's AvailableBytes may not race its Close).
			w.ready.Close()
			return
		}
		w.rd.Close() // wakes the reader
	}()
	go func() {
		defer close(ch)
		defer w.close()
		defer f.detach()
		defer stop()
		w.follow(ctx, ch)
	}()
	return ch, nil
}

// follow delivers the ring's records in the kernel's order, and an Overrun
// when the programs could not write some (the ring full): the caller then
// rescans.
func (w *ebpfWatcher) follow(ctx context.Context, ch chan<- ProcEvent) {
	var rec ringbuf.Record
	var lostSeen uint64
	var clock monoClock
	var raw syscall.RawConn
	if w.ready != nil {
		raw, _ = w.ready.SyscallConn()
	}
	for {
		if raw != nil {
			// Parked in Go's poller until the ring has a record; the
			// kernel wakes a consumer that has read everything (below,
			// the batch is read to its end first), so no record waits.
			if err := raw.Read(func(uintptr) bool { return w.rd.AvailableBytes() > 0 }); err != nil {
				if ctx.Err() == nil {
					slog.Error("process events stopped", "err", err)
				}
				return
			}
		}
		if err := w.rd.ReadInto(&rec); err != nil {
			if ctx.Err() == nil && !errors.Is(err, ringbuf.ErrClosed) {
				slog.Error("process events stopped", "err", err)
			}
			return
		}
		if ev, ok := parseEBPFRecord(rec.RawSample, &clock); ok {
			if !send(ctx, ch, ev) {
				return
			}
		}
		if w.rd.AvailableBytes() > 0 {
			continue
		}
		// The end of a batch: did the ring overflow meanwhile?
		if lost, err := w.lostCount(); err == nil && lost != lostSeen {
			lostSeen = lost
			if !send(ctx, ch, ProcEvent{Kind: Overrun, Time: time.Now()}) {
				return
			}
		}
	}
}

// pollable returns a non-blocking duplicate of fd in Go's poller, or nil
// when the kernel does not let it be polled (then the ring's reader waits
// by itself).
func pollable(fd int) *os.File {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	if err := unix.SetNonblock(dup, true); err != nil {
		unix.Close(dup)
		return nil
	}
	f := os.NewFile(uintptr(dup), "kt_procs ring")
	// A file the poller refused has no deadlines: its wait would fail.
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		f.Close()
		return nil
	}
	return f
}

// lostCount is how many records the programs could not write so far.
func (w *ebpfWatcher) lostCount() (uint64, error) {
	if w.lostMem != nil {
		var b [8]byte
		if _, err := w.lostMem.ReadAt(b[:], 0); err != nil {
			return 0, err
		}
		return binary.NativeEndian.Uint64(b[:]), nil
	}
	var lost uint64
	err := w.lost.Lookup(uint32(0), &lost)
	return lost, err
}

// parseEBPFRecord decodes one record written by the programs.
func parseEBPFRecord(b []byte, clock *monoClock) (ProcEvent, bool) {
	if len(b) < ebpfRecordSize {
		return ProcEvent{}, false
	}
	ne := binary.NativeEndian
	mono := ne.Uint64(b[0:])
	ev := ProcEvent{PID: int(ne.Uint32(b[12:])), Time: clock.toTime(mono)}
	switch ne.Uint32(b[8:]) {
	case ebpfExec:
		ev.Kind = Exec
	case ebpfFork:
		ev.Kind, ev.PPID = Fork, int(ne.Uint32(b[16:]))
	case ebpfExit:
		ev.Kind = Exit
	default:
		return ProcEvent{}, false
	}
	return ev, true
}

// monoClock turns the kernel's CLOCK_MONOTONIC times (bpf_ktime_get_ns)
// into time.Time. It reads the kernel's clock (a system call: x/sys/unix
// has no vDSO path) at most once a second, as an anchor, instead of once a
// record: that read, and the runtime's monitor it woke, were 6 % of the CPU
// of taking in 500 new processes. The times carry Go's monotonic reading
// from the anchor, so comparing them with time.Now is exact; their wall
// reading follows a change of the clock within a second. The zero value is
// ready; it is not safe for concurrent use.
type monoClock struct {
	wall time.Time // time.Now() at the anchor
	mono uint64    // CLOCK_MONOTONIC at the anchor, in ns
}

func (c *monoClock) toTime(mono uint64) time.Time {
	now := time.Now()
	if c.wall.IsZero() || now.Sub(c.wall) > time.Second {
		var ts unix.Timespec
		if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) != nil {
			return now
		}
		c.wall, c.mono = time.Now(), uint64(ts.Nano())
	}
	if mono == 0 {
		return now
	}
	// Before the anchor the difference is negative, as it should be.
	t := c.wall.Add(time.Duration(int64(mono - c.mono)))
	if t.After(now) {
		return now // the two readings of the anchor are a few µs apart
	}
	return t
}
