package hub_test

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/hubsync"
)

// A school year of a school's rollups, written by enrolled PCs through the
// real client (hubsync, TLS, JetStream with its message ids) into the hub's
// KT_USAGE stream; then the report over it. KIDTIME_REPORT_PCS sets the
// number of PCs (default 200); each has two children's accounts (a
// morning and an afternoon class) used on the school days (weekdays, 1
// September to 31 May).
//
//	go test -run '^$' -bench BenchmarkSchoolYearReport -benchtime 5x ./agent/hub

// schoolNow is the hub's clock while it reports: June, after the year.
var schoolNow = time.Date(2027, 6, 15, 10, 0, 0, 0, time.UTC)

func schoolDays() []string {
	var days []string
	for d := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC); d.Before(time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			days = append(days, d.Format(time.DateOnly))
		}
	}
	return days
}

// schoolRollup is child k of PC p on a day: figures drawn from rng.
func schoolRollup(rng *rand.Rand, p, k int, day string) wire.Rollup {
	age := 6 + (p+k*5)%10
	screen := int64(20*60 + rng.IntN(140*60))
	games := int64(rng.IntN(int(screen/2) + 1))
	r := wire.Rollup{Child: wire.ChildKey(fmt.Sprintf("pc%03d-%d", p, k)), Age: age, Day: day, ScreenSec: screen, GamesSec: games,
		Category: map[string]int64{"game": games, "education": screen - games}, At: schoolNow}
	if rng.IntN(20) == 0 {
		r.LateSec = int64(rng.IntN(3600))
	}
	if rng.IntN(10) == 0 {
		r.Blocked = map[string]int{[]string{"game", "unknown", "browser"}[rng.IntN(3)]: 1 + rng.IntN(3)}
	}
	if rng.IntN(8) == 0 {
		r.Requests, r.Answered = 1, 1
		if rng.IntN(2) == 0 {
			r.Granted = 1
		}
	}
	if rng.IntN(50) == 0 {
		r.HelpOpened = 1
	}
	if rng.IntN(100) == 0 {
		r.Tamper = map[string]int{"clock_jump": 1}
	}
	return r
}

// loadSchoolYear starts a hub in dir and fills it; it returns the hub and
// how many rollups it holds.
func loadSchoolYear(b *testing.B, dir string, pcs int) (*running, int) {
	var fixed atomic.Bool
	clock := func() time.Time {
		if fixed.Load() {
			return schoolNow
		}
		return time.Now()
	}
	r := startHub(b, dir, clock)
	b.Cleanup(r.stop)
	days := schoolDays()
	var wg sync.WaitGroup
	var sent atomic.Int64
	errs := make(chan error, pcs)
	sem := make(chan struct{}, 16)
	start := time.Now()
	for p := range pcs {
		tok, err := r.Invite("", time.Hour, r.Addr())
		if err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			creds, err := hubsync.Enrol(context.Background(), tok.String(), "lab-"+strconv.Itoa(p), "linux", "bench")
			if err != nil {
				errs <- err
				return
			}
			cl, err := hubsync.Connect(creds, hubsync.Options{Logger: quiet})
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			for end := time.Now().Add(20 * time.Second); !cl.Connected() && time.Now().Before(end); {
				time.Sleep(10 * time.Millisecond)
			}
			rng := rand.New(rand.NewPCG(uint64(p), 13))
			for _, day := range days {
				for k := range 2 {
					roll := schoolRollup(rng, p, k, day)
					roll.Rev = 1
					if err := cl.PublishRollup(context.Background(), roll); err != nil {
						errs <- err
						return
					}
					sent.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	n := int(sent.Load())
	for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if countRollups(r, days) == n {
			break
		}
	}
	if got := countRollups(r, days); got != n {
		b.Fatalf("the hub indexed %d rollups of %d", got, n)
	}
	fixed.Store(true)
	var disk int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				disk += fi.Size()
			}
		}
		return nil
	})
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.Logf("%d PCs wrote %d rollups (%d school days) in %v; the hub's folder holds %d MiB (%d bytes a rollup); Go heap in use %d MiB (the hub's index, the server)",
		pcs, n, len(days), time.Since(start).Round(time.Millisecond), disk>>20, disk/int64(max(n, 1)), ms.HeapInuse>>20)
	return r, n
}

func countRollups(r *running, days []string) int {
	n := 0
	for _, d := range days {
		n += len(r.Rollups(d))
	}
	return n
}

func BenchmarkSchoolYearReport(b *testing.B) {
	pcs := 200
	if v, err := strconv.Atoi(os.Getenv("KIDTIME_REPORT_PCS")); err == nil && v > 0 {
		pcs = v
	}
	dir := b.TempDir()
	r, n := loadSchoolYear(b, dir, pcs)
	for _, by := range []string{"age", "pc", "child", "day"} {
		b.Run("by="+by, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				rep, err := r.Report(context.Background(), "", "", by)
				if err != nil {
					b.Fatal(err)
				}
				if rep.PCs != pcs || rep.Children != 2*pcs {
					b.Fatalf("the report covers %d PCs and %d children; want %d and %d", rep.PCs, rep.Children, pcs, 2*pcs)
				}
			}
			b.ReportMetric(float64(n), "rollups")
			// The process's CPU time per report: on a machine shared with
			// other work, wall time measures the others too.
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
	// A hub that restarts: with the snapshot of its usage index that its
	// clean stop wrote (index.go), and without (the whole stream read
	// again, as before the snapshot), in the same run; both reports must
	// be the same.
	r.stop()
	snap := filepath.Join(dir, "usage-index.gob")
	b.Run("restart", func(b *testing.B) {
		for b.Loop() {
			withRep, withReady, withReport := restartAndReport(b, dir)
			if err := os.Remove(snap); err != nil {
				b.Fatalf("no snapshot after a clean stop: %v", err)
			}
			noRep, noReady, noReport := restartAndReport(b, dir) // its stop writes the snapshot again
			if !reflect.DeepEqual(withRep, noRep) {
				b.Fatalf("the first report after a restart differs with the snapshot:\n%+v\nwithout:\n%+v", withRep.Total, noRep.Total)
			}
			if withRep.Total.ChildDays != n {
				b.Fatalf("the first report after a start counts %d child-days; want %d", withRep.Total.ChildDays, n)
			}
			with, without := withReady+withReport, noReady+noReport
			b.Logf("restart to the first report, %d rollups: with the snapshot %v (ready %v + report %v); without %v (ready %v + report %v): %.1f× faster",
				n, with.Round(time.Millisecond), withReady.Round(time.Millisecond), withReport.Round(time.Millisecond),
				without.Round(time.Millisecond), noReady.Round(time.Millisecond), noReport.Round(time.Millisecond), float64(without)/float64(with))
			b.ReportMetric(float64(with.Milliseconds()), "ms-start-to-report")
			b.ReportMetric(float64(without.Milliseconds()), "ms-start-to-report-nosnapshot")
			if with > 2*time.Second {
				if load, busy := loadAvg(); busy {
					b.Logf("over the 2 s target, on a machine with load %.1f: not judged", load)
				} else {
					b.Errorf("the first report after a restart took %v with the snapshot; the target is under 2 s", with)
				}
			}
		}
	})
}

// restartAndReport opens the hub in dir again and makes its first report;
// it returns the report, the time to ready (the snapshot read, or not) and
// the report's own (it waits until the stream is read).
func restartAndReport(b *testing.B, dir string) (apitype.HubReport, time.Duration, time.Duration) {
	runtime.GC()
	cpu0 := cpuTime()
	start := time.Now()
	h := startHub(b, dir, func() time.Time { return schoolNow })
	ready := time.Since(start)
	start = time.Now()
	rep, err := h.Report(context.Background(), "", "", "age")
	if err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	b.Logf("  the process's CPU time from Open to the report: %v", (cpuTime() - cpu0).Round(time.Millisecond))
	h.stop()
	return rep, ready, took
}

// loadAvg is the machine's load average over a minute, and whether it
// is above its number of CPUs (a figure of time then measures the others
// too).
func loadAvg() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	var l float64
	if _, err := fmt.Sscan(string(b), &l); err != nil {
		return 0, false
	}
	return l, l > float64(runtime.NumCPU())
}
