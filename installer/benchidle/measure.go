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
	// a two-core build of another account: the daemon's CPU during it, its
	// length, the compiles done and the machine's execs meanwhile
	build         window
	buildCompiles int
	buildErr      error
	peak          memStatus // at the end: VmHWM is the peak since start
	// startup is the CPU from the start to the first window (the settle:
	// the first account listing, the first store write), kept out of the
	// idle windows and shown on its own row.
	startup, startupDur time.Duration
}

// idle windows: extra processes of the child, and the profile names.
var extras = []int{0, 500, 2000}

// measureTogether runs daemons side by side through the same windows (the
// same machine, the same background): for two builds of kidtimed, where a
// shared machine's noise would swamp a comparison of runs made one after
// the other.
func measureTogether(c *cleanup, o options, ds []daemon, child, other account, ec *execCounter, say func(string, ...any)) []*result {
	rs := make([]*result, len(ds))
	names := make([]string, len(ds))
	for i, d := range ds {
		rs[i] = &result{name: d.name()}
		names[i] = d.name()
	}
	label := strings.Join(names, " + ")
	fail := func(err error) []*result {
		for _, r := range rs {
			if r.err == nil {
				r.err = err
			}
		}
		return rs
	}
	sub := &cleanup{} // these daemons' processes, ended before the next
	defer sub.run()
	started := make([]time.Time, len(ds))
	for i, d := range ds {
		started[i] = time.Now()
		if err := d.start(sub); err != nil {
			rs[i].err = err
			return fail(fmt.Errorf("%s did not start", d.name()))
		}
	}
	phase := func() {
		for _, d := range ds {
			d.phase()
		}
		time.Sleep(300 * time.Millisecond)
	}
	sampleAll := func() ([]sample, error) {
		out := make([]sample, len(ds))
		for i, d := range ds {
			s, err := takeSample(d.pid())
			if err != nil {
				return nil, fmt.Errorf("%s exited: %w", d.name(), err)
			}
			out[i] = s
		}
		return out, nil
	}
	time.Sleep(o.settle)
	settled, err := sampleAll()
	if err != nil {
		return fail(err)
	}
	for i := range ds {
		rs[i].startup, rs[i].startupDur = ticks(settled[i].cpu), settled[i].at.Sub(started[i])
	}
	_, base := countProcs(child.uid)
	var stops []func()
	defer func() {
		for _, s := range stops {
			s()
		}
	}()
	spawned := 0
	for w, extra := range extras {
		if more := extra - spawned; more > 0 {
			phase() // a profile of the intake
			s0, err := sampleAll()
			if err != nil {
				return fail(err)
			}
			stop, err := spawn(sub, child, more)
			if err != nil {
				return fail(err)
			}
			stops = append(stops, stop)
			waitChildProcs(child.uid, base+extra)
			time.Sleep(3 * time.Second)
			s1, err := sampleAll()
			if err != nil {
				return fail(err)
			}
			if spawned == 0 {
				// The first 500: the CPU to take them in (per 500).
				for i := range ds {
					rs[i].taken = ticks(s1[i].cpu-s0[i].cpu) * 500 / time.Duration(more)
				}
			}
			spawned = extra
			time.Sleep(2 * time.Second)
		}
		phase() // the next profile covers this window
		all, _ := countProcs(child.uid)
		say("%s: idle window %d: %d processes, %v", label, w+1, all, o.window)
		a, err := sampleAll()
		if err != nil {
			return fail(err)
		}
		e0 := ec.n()
		time.Sleep(o.window)
		b, err := sampleAll()
		if err != nil {
			return fail(err)
		}
		for i := range ds {
			wd := between(a[i], b[i])
			wd.execs = ec.n() - e0
			if e0 < 0 {
				wd.execs = -1
			}
			rs[i].idle = append(rs[i].idle, wd)
			rs[i].procs = append(rs[i].procs, all)
		}
	}
	for _, s := range stops {
		s()
	}
	stops = nil
	time.Sleep(3 * time.Second)

	// The exec storm: short processes of an account nobody watches.
	phase()
	// What the daemons spend meanwhile without the storm (10 s).
	pre, err := sampleAll()
	if err != nil {
		return fail(err)
	}
	e0 := ec.n()
	time.Sleep(10 * time.Second)
	a, err := sampleAll()
	if err != nil {
		return fail(err)
	}
	for i := range ds {
		rs[i].before = between(pre[i], a[i])
		rs[i].before.execs = ec.n() - e0
	}
	say("%s: storm of %d short processes of %s", label, o.storm, other.name)
	e1 := ec.n()
	storm := asUser(other, "sh", "-c", fmt.Sprintf(`i=0; while [ $i -lt %d ]; do /bin/true; i=$((i+1)); done`, o.storm))
	if out, err := storm.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("storm: %v: %s", err, out))
	}
	time.Sleep(2 * time.Second)
	b, err := sampleAll()
	if err != nil {
		return fail(err)
	}
	for i := range ds {
		r := rs[i]
		r.storm, r.execs = ticks(b[i].cpu-a[i].cpu), o.storm
		r.stormDur = b[i].at.Sub(a[i].at)
		r.stormMachine = ec.n() - e1 - int64(o.storm)
		r.peak = b[i].mem
	}
	if o.build > 0 {
		// A two-core build of the same account: long compiles, a few execs
		// each, the machine's load at 2.
		phase()
		say("%s: a two-core build of %s, %v", label, other.name, o.build)
		c0, err := sampleAll()
		if err != nil {
			return fail(err)
		}
		e2 := ec.n()
		n, berr := otherBuild(other, o.build)
		c1, err := sampleAll()
		if err != nil {
			return fail(err)
		}
		for i := range ds {
			r := rs[i]
			r.build = between(c0[i], c1[i])
			r.build.execs = ec.n() - e2
			r.buildCompiles, r.buildErr = n, berr
			r.peak = c1[i].mem
		}
	}
	for i, d := range ds {
		d.phase()
		if err := d.stop(); err != nil {
			rs[i].err = err
		}
	}
	return rs
}

func printTable(w io.Writer, o options, rs []*result) {
	kid, tk, base := find(rs, "kidtimed"), find(rs, "Timekpr-nExT"), find(rs, baselineName)
	head := fmt.Sprintf("idle, child's session active, %v windows  | %-22s | %-22s | ratio", o.window, "Timekpr-nExT", "kidtimed")
	if base != nil {
		head += fmt.Sprintf("  | %-22s | this/baseline", baselineName)
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, strings.Repeat("-", len(head)+8))
	ratio := func(a, b *result, av, bv float64) string {
		if bv > 0 && av >= 0 && a != nil && a.err == nil && b != nil && b.err == nil {
			return fmt.Sprintf("%.2f×", av/bv)
		}
		return "—"
	}
	row := func(label string, f func(*result) (string, float64)) {
		ts, tv := cell(tk, f)
		ks, kv := cell(kid, f)
		line := fmt.Sprintf("%-43s | %-22s | %-22s | %-6s", label, ts, ks, ratio(kid, tk, kv, tv))
		if base != nil {
			bs, bv := cell(base, f)
			line += fmt.Sprintf(" | %-22s | %s", bs, ratio(kid, base, kv, bv))
		}
		fmt.Fprintln(w, line)
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
		row(fmt.Sprintf("  the same by schedstat, runs/s (+%d)", extras[i]), func(r *result) (string, float64) {
			if i >= len(r.idle) || r.idle[i].dur <= 0 {
				return "—", -1
			}
			wd := r.idle[i]
			return fmt.Sprintf("%.4f %%, %.1f runs/s", wd.runPct(), float64(wd.runs)/wd.dur.Seconds()), wd.runPct()
		})
	}
	for i := range extras {
		row(fmt.Sprintf("  execs on the machine, per s (+%d)", extras[i]), func(r *result) (string, float64) {
			if i >= len(r.idle) || r.idle[i].execs < 0 {
				return "—", -1
			}
			// The machine's background, not the daemon's cost: no ratio.
			v := float64(r.idle[i].execs) / r.idle[i].dur.Seconds()
			return fmt.Sprintf("%.1f /s", v), -1
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
	row(fmt.Sprintf("start-up: CPU in the first %v", o.settle), func(r *result) (string, float64) {
		if r.startupDur <= 0 {
			return "—", -1
		}
		return fmt.Sprintf("%d ms (%.3f %%)", r.startup.Milliseconds(), 100*r.startup.Seconds()/r.startupDur.Seconds()), float64(r.startup)
	})
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
		// The machine's background during the storm: no ratio (it printed
		// 12× between two runs that both rounded to 0 /s).
		return fmt.Sprintf("%.1f /s (%.1f /s before)", v, float64(r.before.execs)/r.before.dur.Seconds()), -1
	})
	row("2-core build of another account, % of core", func(r *result) (string, float64) {
		switch {
		case r.buildErr != nil:
			return "— (" + r.buildErr.Error() + ")", -1
		case r.build.dur <= 0:
			return "—", -1
		}
		return fmt.Sprintf("%.3f %% (%.0f execs/s)", r.build.pct(), float64(r.build.execs)/r.build.dur.Seconds()), r.build.pct()
	})
	row("  the same by schedstat, compiles", func(r *result) (string, float64) {
		if r.buildErr != nil || r.build.dur <= 0 {
			return "—", -1
		}
		return fmt.Sprintf("%.4f %%, %d compiles", r.build.runPct(), r.buildCompiles), r.build.runPct()
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
	names := []string{"start-up", "idle +0", "taking in 500 processes", "idle +500", "taking in 1,500 processes", "idle +2000", "exec storm", "another account's build"}
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
