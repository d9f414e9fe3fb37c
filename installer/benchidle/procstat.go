//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat
// (100 on every Linux the benchmark runs on).
const clockTicks = 100

// parseStatCPU returns utime+stime, in clock ticks, from the text of
// /proc/PID/stat or /proc/PID/task/TID/stat. The command name (field 2) may
// hold spaces and parentheses, so fields are counted after its last ")".
func parseStatCPU(b []byte) (uint64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("stat: no \")\" in %q", b)
	}
	// After ")": state(3) ppid(4) ... utime(14) stime(15).
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: %d fields after the name, want at least 13", len(f))
	}
	ut, err := strconv.ParseUint(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stat: utime %q: %w", f[11], err)
	}
	st, err := strconv.ParseUint(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stat: stime %q: %w", f[12], err)
	}
	return ut + st, nil
}

// memStatus is what the benchmark reads from /proc/PID/status.
type memStatus struct {
	RSS, HWM uint64 // bytes
	Threads  int
}

// parseStatus reads VmRSS, VmHWM (kB) and Threads from /proc/PID/status.
func parseStatus(b []byte) (memStatus, error) {
	var m memStatus
	seen := 0
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			m.RSS, seen = n*1024, seen+1
		case "VmHWM":
			m.HWM, seen = n*1024, seen+1
		case "Threads":
			m.Threads, seen = int(n), seen+1
		}
	}
	if seen < 3 {
		return m, fmt.Errorf("status: VmRSS, VmHWM or Threads missing")
	}
	return m, nil
}

// parseSchedstat reads /proc/PID/task/TID/schedstat: nanoseconds on a CPU,
// nanoseconds waiting for one, and how many times the task ran (each a
// wake-up or a preemption).
func parseSchedstat(b []byte) (runNs, runs uint64, err error) {
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return 0, 0, fmt.Errorf("schedstat: %d fields, want 3", len(f))
	}
	if runNs, err = strconv.ParseUint(f[0], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("schedstat: run time %q: %w", f[0], err)
	}
	if runs, err = strconv.ParseUint(f[2], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("schedstat: runs %q: %w", f[2], err)
	}
	return runNs, runs, nil
}

// sample is one look at a process.
type sample struct {
	at      time.Time
	cpu     uint64            // ticks, the whole process
	threads map[string]uint64 // tid → ticks
	mem     memStatus
	// runNs and runs are the sums of the live threads' schedstat: CPU time
	// to the nanosecond, and times a thread was put on a CPU.
	runNs, runs uint64
}

func takeSample(pid int) (sample, error) {
	s := sample{at: time.Now(), threads: map[string]uint64{}}
	dir := filepath.Join("/proc", strconv.Itoa(pid))
	b, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return s, err
	}
	if s.cpu, err = parseStatCPU(b); err != nil {
		return s, err
	}
	if b, err = os.ReadFile(filepath.Join(dir, "status")); err != nil {
		return s, err
	}
	if s.mem, err = parseStatus(b); err != nil {
		return s, err
	}
	tasks, _ := os.ReadDir(filepath.Join(dir, "task"))
	for _, t := range tasks {
		if b, err := os.ReadFile(filepath.Join(dir, "task", t.Name(), "stat")); err == nil {
			if c, err := parseStatCPU(b); err == nil {
				s.threads[t.Name()] = c
			}
		}
		if b, err := os.ReadFile(filepath.Join(dir, "task", t.Name(), "schedstat")); err == nil {
			if ns, n, err := parseSchedstat(b); err == nil {
				s.runNs += ns
				s.runs += n
			}
		}
	}
	return s, nil
}

// window is what happened between two samples.
type window struct {
	dur  time.Duration
	cpu  time.Duration // utime+stime spent
	busy int           // threads that spent any CPU (or were born) in it
	end  memStatus
	// exec events on the whole machine in the window (-1: unknown)
	execs int64
	// run is the CPU time by schedstat (to the nanosecond; threads that
	// ended in the window are not in it), runs how many times a thread ran.
	run  time.Duration
	runs uint64
}

func between(a, b sample) window {
	w := window{dur: b.at.Sub(a.at), cpu: ticks(b.cpu - a.cpu), end: b.mem}
	if b.runNs >= a.runNs && b.runs >= a.runs {
		w.run, w.runs = time.Duration(b.runNs-a.runNs), b.runs-a.runs
	}
	for tid, c := range b.threads {
		if old, ok := a.threads[tid]; !ok || c > old {
			w.busy++
		}
	}
	return w
}

func ticks(n uint64) time.Duration { return time.Duration(n) * time.Second / clockTicks }

// pct is CPU in % of one core over the window.
func (w window) pct() float64 {
	if w.dur <= 0 {
		return 0
	}
	return 100 * w.cpu.Seconds() / w.dur.Seconds()
}

// runPct is the schedstat CPU in % of one core over the window.
func (w window) runPct() float64 {
	if w.dur <= 0 {
		return 0
	}
	return 100 * w.run.Seconds() / w.dur.Seconds()
}

// countProcs counts the processes on the machine, and those of uid.
func countProcs(uid uint32) (all, of int) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		all++
		if fi, err := os.Stat(filepath.Join("/proc", e.Name())); err == nil {
			if st, ok := statUID(fi); ok && st == uid {
				of++
			}
		}
	}
	return all, of
}

func statUID(fi os.FileInfo) (uint32, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Uid, true
}
