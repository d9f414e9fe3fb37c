//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// result is one daemon's column.
type result struct {
	name  string
	err   error // why the column is empty
	idle  []window
	procs []int         // processes on the machine in each idle window
	taken time.Duration // CPU to take in 500 new processes of the child
	storm time.Duration // CPU during the exec storm
	execs int
	// the same daemon's CPU just before the storm, and the machine's
	// other execs then and during it: the storm's own cost is the excess
	before       window
	stormDur     time.Duration
	stormMachine int64
	peak         memStatus // at the end: VmHWM is the peak since start
}

// idle windows: extra processes of the child, and the profile names.
var extras = []int{0, 500, 2000}

func measure(c *cleanup, o options, d daemon, child, other account, ec *execCounter, say func(string, ...any)) *result {
	r := &result{name: d.name()}
	sub := &cleanup{} // this daemon's processes, ended before the next daemon
	defer sub.run()
	if err := d.start(sub); err != nil {
		r.err = err
		return r
	}
	pid := d.pid()
	time.Sleep(o.settle)
	_, base := countProcs(child.uid)
	var stops []func()
	defer func() {
		for _, s := range stops {
			s()
		}
	}()
	spawned := 0
	for i, extra := range extras {
		if more := extra - spawned; more > 0 {
			d.phase() // a profile of the intake
			time.Sleep(300 * time.Millisecond)
			s0, err := takeSample(pid)
			if err != nil {
				r.err = fmt.Errorf("%s exited: %w", d.name(), err)
				return r
			}
			stop, err := spawn(sub, child, more)
			if err != nil {
				r.err = err
				return r
			}
			stops = append(stops, stop)
			waitChildProcs(child.uid, base+extra)
			time.Sleep(3 * time.Second)
			s1, err := takeSample(pid)
			if err != nil {
				r.err = fmt.Errorf("%s exited: %w", d.name(), err)
				return r
			}
			if spawned == 0 {
				// The first 500: the CPU to take them in (per 500).
				r.taken = ticks(s1.cpu-s0.cpu) * 500 / time.Duration(more)
			}
			spawned = extra
			time.Sleep(2 * time.Second)
		}
		d.phase() // profile NN+1 covers this window
		time.Sleep(300 * time.Millisecond)
		all, _ := countProcs(child.uid)
		say("%s: idle window %d: %d processes, %v", d.name(), i+1, all, o.window)
		a, err := takeSample(pid)
		if err != nil {
			r.err = fmt.Errorf("%s exited: %w", d.name(), err)
			return r
		}
		e0 := ec.n()
		time.Sleep(o.window)
		b, err := takeSample(pid)
		if err != nil {
			r.err = fmt.Errorf("%s exited: %w", d.name(), err)
			return r
		}
		wd := between(a, b)
		wd.execs = ec.n() - e0
		if e0 < 0 {
			wd.execs = -1
		}
		r.idle = append(r.idle, wd)
		r.procs = append(r.procs, all)
	}
	for _, s := range stops {
		s()
	}
	stops = nil
	time.Sleep(3 * time.Second)

	// The exec storm: short processes of an account nobody watches.
	d.phase()
	time.Sleep(300 * time.Millisecond)
	// What the daemon spends meanwhile without the storm (10 s).
	pre, err := takeSample(pid)
	e0 := ec.n()
	time.Sleep(10 * time.Second)
	a, err2 := takeSample(pid)
	if err == nil && err2 == nil {
		r.before = between(pre, a)
		r.before.execs = ec.n() - e0
	}
	say("%s: storm of %d short processes of %s", d.name(), o.storm, other.name)
	if err2 == nil {
		e1 := ec.n()
		storm := asUser(other, "sh", "-c", fmt.Sprintf(`i=0; while [ $i -lt %d ]; do /bin/true; i=$((i+1)); done`, o.storm))
		if out, err := storm.CombinedOutput(); err != nil {
			r.err = fmt.Errorf("storm: %v: %s", err, out)
			return r
		}
		time.Sleep(2 * time.Second)
		if b, err := takeSample(pid); err == nil {
			r.storm, r.execs = ticks(b.cpu-a.cpu), o.storm
			r.stormDur = b.at.Sub(a.at)
			r.stormMachine = ec.n() - e1 - int64(o.storm)
			r.peak = b.mem
		}
	}
	d.phase()
	if err := d.stop(); err != nil {
		r.err = err
	}
	return r
}

func printTable(w io.Writer, o options, rs []*result) {
	kid, tk := find(rs, "kidtimed"), find(rs, "Timekpr-nExT")
	fmt.Fprintf(w, "idle, child's session active, %v windows  | %-22s | %-22s | ratio\n", o.window, "Timekpr-nExT", "kidtimed")
	fmt.Fprintln(w, strings.Repeat("-", 100))
	row := func(label string, f func(*result) (string, float64)) {
		ts, tv := cell(tk, f)
		ks, kv := cell(kid, f)
		ratio := "—"
		if tv > 0 && kv >= 0 && tk != nil && tk.err == nil && kid != nil && kid.err == nil {
			ratio = fmt.Sprintf("%.2f×", kv/tv)
		}
		fmt.Fprintf(w, "%-43s | %-22s | %-22s | %s\n", label, ts, ks, ratio)
	}
	for i, extra := range extras {
		label := fmt.Sprintf("CPU, %% of a core (+%d processes)", extra)
		row(label, func(r *result) (string, float64) {
			if i >= len(r.idle) {
				return "—", -1
			}
			wd := r.idle[i]
			return fmt.Sprintf("%.3f %% at %d procs", wd.pct(), r.procs[i]), wd.pct()
		})
	}
	for i := range extras {
		row(fmt.Sprintf("  execs on the machine, per s (+%d)", extras[i]), func(r *result) (string, float64) {
			if i >= len(r.idle) || r.idle[i].execs < 0 {
				return "—", -1
			}
			v := float64(r.idle[i].execs) / r.idle[i].dur.Seconds()
			return fmt.Sprintf("%.1f /s", v), v
		})
	}
	for i := range extras {
		row(fmt.Sprintf("  busy threads / RSS (+%d)", extras[i]), func(r *result) (string, float64) {
			if i >= len(r.idle) {
				return "—", -1
			}
			wd := r.idle[i]
			return fmt.Sprintf("%d / %.1f MB", wd.busy, mb(wd.end.RSS)), mb(wd.end.RSS)
		})
	}
	row("CPU to take in 500 new processes", func(r *result) (string, float64) {
		return fmt.Sprintf("%d ms", r.taken.Milliseconds()), float64(r.taken)
	})
	row("exec storm of another account, CPU per exec", func(r *result) (string, float64) {
		if r.execs == 0 {
			return "—", -1
		}
		us := float64(r.storm.Microseconds()) / float64(r.execs)
		return fmt.Sprintf("%.1f µs (%d ms / %d)", us, r.storm.Milliseconds(), r.execs), us
	})
	row("  the same, less the CPU of the 10 s before", func(r *result) (string, float64) {
		if r.execs == 0 || r.before.dur <= 0 {
			return "—", -1
		}
		bg := time.Duration(float64(r.before.cpu) * float64(r.stormDur) / float64(r.before.dur))
		us := float64((r.storm - bg).Microseconds()) / float64(r.execs)
		return fmt.Sprintf("%.1f µs", us), us
	})
	row("other execs on the machine, per s (storm)", func(r *result) (string, float64) {
		if r.stormDur <= 0 || r.stormMachine < 0 {
			return "—", -1
		}
		v := float64(r.stormMachine) / r.stormDur.Seconds()
		return fmt.Sprintf("%.0f /s (%.0f /s before)", v, float64(r.before.execs)/r.before.dur.Seconds()), v
	})
	row("VmHWM (peak RSS since start)", func(r *result) (string, float64) {
		return fmt.Sprintf("%.1f MB", mb(r.peak.HWM)), mb(r.peak.HWM)
	})
	row("threads", func(r *result) (string, float64) {
		return fmt.Sprintf("%d", r.peak.Threads), float64(r.peak.Threads)
	})
	for _, r := range rs {
		if r.err != nil {
			fmt.Fprintf(w, "%s: — %v\n", r.name, r.err)
		}
	}
	fmt.Fprintf(w, "(CPU: utime+stime of /proc/PID/stat, %d Hz ticks; busy threads: tasks whose CPU grew in the window)\n", clockTicks)
}

func find(rs []*result, name string) *result {
	for _, r := range rs {
		if r.name == name {
			return r
		}
	}
	return nil
}

func cell(r *result, f func(*result) (string, float64)) (string, float64) {
	if r == nil {
		return "— (not measured)", -1
	}
	if r.err != nil && len(r.idle) == 0 {
		return "— (see below)", -1
	}
	return f(r)
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// printProfiles prints the top 15 of kidtimed's CPU profile of each window
// and of its allocations over the run.
func printProfiles(w io.Writer, bin, dir string) {
	names := []string{"start-up", "idle +0", "taking in 500 processes", "idle +500", "taking in 1,500 processes", "idle +2000", "exec storm"}
	cpus, _ := filepath.Glob(filepath.Join(dir, "cpu-*.pprof"))
	sort.Strings(cpus)
	for i, p := range cpus {
		label := filepath.Base(p)
		if i < len(names) {
			label = names[i]
		}
		top(w, "CPU, "+label, bin, p)
	}
	heaps, _ := filepath.Glob(filepath.Join(dir, "heap-*.pprof"))
	if len(heaps) > 0 {
		sort.Strings(heaps)
		last := heaps[len(heaps)-1]
		top(w, "allocations since start (alloc_space)", bin, last, "-sample_index=alloc_space")
		top(w, "heap in use at the end (inuse_space)", bin, last, "-sample_index=inuse_space")
	}
}

func top(w io.Writer, title, bin, prof string, extra ...string) {
	args := append([]string{"tool", "pprof", "-top", "-nodecount=15"}, extra...)
	args = append(args, bin, prof)
	out, err := exec.Command("go", args...).CombinedOutput()
	fmt.Fprintf(w, "\n## kidtimed profile: %s (%s)\n", title, filepath.Base(prof))
	if err != nil {
		fmt.Fprintf(w, "go tool pprof: %v\n", err)
	}
	_, _ = w.Write(out)
	_ = os.Stdout.Sync()
}
