package platform

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The process poller's intervals: Windows has no exec events without a
// driver, so [WatchProcs] takes one snapshot of the process table this
// often and reports what changed.
const (
	// PollFast is the interval while a child is logged in ([SetWatchPace]):
	// a spent game is seen at most this long after it starts.
	PollFast = 250 * time.Millisecond
	// PollSlow is the interval otherwise: a child's first program still
	// wakes the agent within it.
	PollSlow = 3 * time.Second
)

// watchFast is the pace [SetWatchPace] set last; the poller reads it after
// each snapshot.
var watchFast atomic.Bool

// SetWatchPace tells the Windows process poller whether a child is logged
// in (snapshots every [PollFast]) or not (every [PollSlow]). It is cheap
// (one atomic store) and does nothing on other systems' event watchers.
func SetWatchPace(childPresent bool) {
	if watchFast.Swap(childPresent) != childPresent && childPresent {
		select {
		case watchWake <- struct{}{}:
		default:
		}
	}
}

// watchWake cuts a slow poller's sleep short when a child logs in.
var watchWake = make(chan struct{}, 1)

// WatchProcs polls the process table, one
// NtQuerySystemInformation(SystemProcessInformation) call per snapshot (no
// process is opened), and reports the differences between two snapshots as
// the events the Linux watcher produces: Exec for a process that appeared
// (its Time is the process's creation time, or when it was seen if the
// snapshot has none yet), Exit for one that is gone. A process is known by
// its pid and creation time, so a pid reused between two snapshots gives
// Exit then Exec. A creation time not known yet (Wine, a process still being
// created) is decided later: a pid first seen so gives Exec, and Exec again
// once its time is known (it may be another process under a reused pid);
// a known pid whose time is momentarily unknown keeps its known time until
// the next snapshot. The first snapshot is the baseline
// (no events: the agent scans the table itself at start). Windows has no
// fork: no Fork events. Sends block (the events of one snapshot are all
// delivered, in order). The wait between two snapshots is the pace
// ([SetWatchPace]) but at least four times what the last snapshot took.
// The channel closes when ctx ends or a snapshot fails, after which the
// agent polls [ScanProcs].
func WatchProcs(ctx context.Context) (<-chan ProcEvent, error) {
	var s snapshotter
	prev, err := s.snapshot(nil)
	if err != nil {
		return nil, fmt.Errorf("platform: watch processes: %w", err)
	}
	ch := make(chan ProcEvent, 64)
	go func() {
		defer close(ch)
		cur := make(map[uint32]int64, len(prev))
		t := time.NewTimer(pace())
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-watchWake:
				t.Stop() // Go 1.23+: no stale tick after Stop
			}
			now := time.Now()
			if cur, err = s.snapshot(cur); err != nil {
				return
			}
			took := time.Since(now)
			if !changes(prev, cur, now, func(ev ProcEvent) bool { return send(ctx, ch, ev) }) {
				return
			}
			prev, cur = cur, prev
			// Never more than a fifth of a core: where one snapshot is slow
			// (Wine: 300 ms at 1,000 processes) the poller waits longer.
			t.Reset(max(pace(), 4*took))
		}
	}()
	return ch, nil
}

// changes reports, through emit, what differs between two snapshots (see
// WatchProcs): Exit for each process of prev that is gone, then Exec for
// each new one. A pid of cur whose creation time is not known yet keeps
// prev's (cur is changed). It stops, returning false, when emit does.
func changes(prev, cur map[uint32]int64, now time.Time, emit func(ProcEvent) bool) bool {
	for pid, created := range prev {
		if c, ok := cur[pid]; !ok || (c != 0 && created != 0 && c != created) {
			if !emit(ProcEvent{Kind: Exit, PID: int(pid), Time: now}) {
				return false
			}
		}
	}
	for pid, created := range cur {
		c, ok := prev[pid]
		if ok && created == 0 {
			// Not known yet (still being created): keep what was known
			// of this pid; a new process under it shows when its time is
			// known, one snapshot later.
			cur[pid] = c
			continue
		}
		if ok && c == created {
			continue // the same process
		}
		// New, or reused pid, or a pid whose time was never known and now
		// is: the agent reads it (again), which for the same process
		// changes nothing.
		at := now
		if created != 0 {
			at = filetimeToTime(created)
		}
		if !emit(ProcEvent{Kind: Exec, PID: int(pid), Time: at}) {
			return false
		}
	}
	return true
}

func pace() time.Duration {
	if watchFast.Load() {
		return PollFast
	}
	return PollSlow
}

func send(ctx context.Context, ch chan<- ProcEvent, ev ProcEvent) bool {
	select {
	case ch <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// filetimeToTime converts a FILETIME count (100 ns since 1601) to a time.
func filetimeToTime(ft int64) time.Time {
	f := windows.Filetime{LowDateTime: uint32(ft), HighDateTime: uint32(ft >> 32)}
	return time.Unix(0, f.Nanoseconds())
}

// snapshotter takes process table snapshots, keeping its buffer between
// calls (at 1,000 processes the answer is some hundreds of kB).
type snapshotter struct{ buf []byte }

// snapshot fills into (cleared first; a new map when nil) with every
// process's pid and creation time (FILETIME; 0 when the answer is not a
// plausible time), leaving out the idle process (pid 0), and returns it.
func (s *snapshotter) snapshot(into map[uint32]int64) (map[uint32]int64, error) {
	if err := s.query(); err != nil {
		return into, err
	}
	return s.fill(into), nil
}

// fill is snapshot's own work on the answer in s.buf.
func (s *snapshotter) fill(into map[uint32]int64) map[uint32]int64 {
	if into == nil {
		into = make(map[uint32]int64, 256)
	}
	clear(into)
	latest := timeToFiletime(time.Now().Add(time.Hour))
	s.walk(func(p *windows.SYSTEM_PROCESS_INFORMATION) {
		if p.UniqueProcessID != 0 {
			c := p.CreateTime
			if c < earliestStart || c > latest {
				// Not yet known: Wine answers 0x5555555555555555 (its
				// fill for memory not yet set) for a process still
				// being created.
				c = 0
			}
			into[uint32(p.UniqueProcessID)] = c
		}
	})
	return into
}

// earliestStart is 2000-01-01 as a FILETIME: no process started before.
var earliestStart = timeToFiletime(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))

func timeToFiletime(t time.Time) int64 {
	f := windows.NsecToFiletime(t.UnixNano())
	return int64(f.HighDateTime)<<32 | int64(f.LowDateTime)
}

// query takes one SystemProcessInformation snapshot into s.buf: the system's
// part of a snapshot (walk is ours).
func (s *snapshotter) query() error {
	if len(s.buf) == 0 {
		s.buf = make([]byte, 256<<10)
	}
	for range 8 {
		var need uint32
		err := windows.NtQuerySystemInformation(windows.SystemProcessInformation, unsafe.Pointer(&s.buf[0]), uint32(len(s.buf)), &need)
		if errors.Is(err, windows.STATUS_INFO_LENGTH_MISMATCH) || errors.Is(err, windows.STATUS_BUFFER_TOO_SMALL) {
			// Processes may start meanwhile: some room to spare.
			s.buf = make([]byte, max(int(need), len(s.buf))*5/4)
			continue
		}
		if err != nil {
			return fmt.Errorf("NtQuerySystemInformation(SystemProcessInformation): %w", err)
		}
		return nil
	}
	return errors.New("NtQuerySystemInformation(SystemProcessInformation): the table keeps growing")
}

// walk calls f for every entry of the snapshot in s.buf.
func (s *snapshotter) walk(f func(*windows.SYSTEM_PROCESS_INFORMATION)) {
	for off := 0; off+int(unsafe.Sizeof(windows.SYSTEM_PROCESS_INFORMATION{})) <= len(s.buf); {
		p := (*windows.SYSTEM_PROCESS_INFORMATION)(unsafe.Pointer(&s.buf[off]))
		f(p)
		if p.NextEntryOffset == 0 {
			break
		}
		off += int(p.NextEntryOffset)
	}
}

// CountProcs takes one snapshot as the poller does and returns how many
// processes it holds (0 on error): for benchmarks and diagnostics. Its
// buffer and map are kept between calls, as the poller's are.
func CountProcs() int {
	countMu.Lock()
	defer countMu.Unlock()
	m, err := countSnap.snapshot(countMap)
	if err != nil {
		return 0
	}
	countMap = m
	return len(m)
}

var (
	countMu   sync.Mutex
	countSnap snapshotter
	countMap  map[uint32]int64
)
