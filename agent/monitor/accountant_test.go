package monitor_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/monitor"
)

// sink records the intervals written; fail makes the next writes fail.
type sink struct {
	mu   sync.Mutex
	ivs  []monitor.Interval
	fail int
}

func (s *sink) AddUsage(_ context.Context, iv monitor.Interval) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return errors.New("database is locked")
	}
	s.ivs = append(s.ivs, iv)
	return nil
}

func (s *sink) written() []monitor.Interval {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]monitor.Interval(nil), s.ivs...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind > out[j].Kind // screen before game
		}
		if out[i].App.Key() != out[j].App.Key() {
			return out[i].App.Key() < out[j].App.Key()
		}
		return out[i].Start.Before(out[j].Start)
	})
	return out
}

// total sums what was written of a kind for a child (and app, when not "").
func (s *sink) total(child, kind string, app string) time.Duration {
	var d time.Duration
	for _, iv := range s.written() {
		if iv.Child == child && iv.Kind == kind && (app == "" || iv.App.Key() == app) {
			d += iv.End.Sub(iv.Start)
		}
	}
	return d
}

var (
	t0      = time.Date(2025, 3, 1, 16, 0, 0, 0, time.UTC)
	day1    = "2025-03-01"
	tux     = monitor.App{Path: "/usr/games/supertux", SHA256: "tux", Category: "game"}
	kart    = monitor.App{Path: "/usr/games/supertuxkart", SHA256: "kart", Category: "game"}
	browser = monitor.App{Path: "/usr/bin/firefox", SHA256: "ff", Category: "browser"}
)

// run ticks every second from t0 for n seconds with the same presence.
func run(t *testing.T, a *monitor.Accountant, from time.Time, n int, day string, ps ...monitor.Presence) time.Time {
	t.Helper()
	now := from
	for i := 0; i <= n; i++ {
		now = from.Add(time.Duration(i) * time.Second)
		a.Tick(now, day, ps)
	}
	return now
}

func TestAccountantCounts(t *testing.T) {
	fore := browser
	cases := []struct {
		sentence             string
		p                    monitor.Presence
		screen, games        time.Duration
		perGameTux, perGameK time.Duration
	}{
		{"screen time counts while the child is active",
			monitor.Presence{Child: "an", Session: "s1", Active: true}, 10 * time.Second, 0, 0, 0},
		{"nothing counts while the child is away or locked, even with a game running",
			monitor.Presence{Child: "an", Session: "s1", Active: false, Games: []monitor.App{tux}}, 0, 0, 0, 0},
		{"a game counts as game time and as screen time",
			monitor.Presence{Child: "an", Session: "s1", Active: true, Games: []monitor.App{tux}}, 10 * time.Second, 10 * time.Second, 10 * time.Second, 0},
		{"two games at once count for each game but once for the day",
			monitor.Presence{Child: "an", Session: "s1", Active: true, Games: []monitor.App{tux, kart}}, 10 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second},
		{"two processes of one game count once",
			monitor.Presence{Child: "an", Session: "s1", Active: true, Games: []monitor.App{tux, tux}}, 10 * time.Second, 10 * time.Second, 10 * time.Second, 0},
		{"an app in front counts as its own screen time",
			monitor.Presence{Child: "an", Session: "s1", Active: true, Fore: &fore}, 10 * time.Second, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			a := monitor.NewAccountant(&sink{})
			run(t, a, t0, 10, day1, tc.p)
			got := a.Totals("an", day1)
			if got.Screen != tc.screen || got.Games != tc.games {
				t.Errorf("screen %v games %v; want %v and %v", got.Screen, got.Games, tc.screen, tc.games)
			}
			tuxID, kartID := tux.Key(), kart.Key()
			if got.PerGame[tuxID] != tc.perGameTux || got.PerGame[kartID] != tc.perGameK {
				t.Errorf("per game: tux %v kart %v; want %v and %v", got.PerGame[tuxID], got.PerGame[kartID], tc.perGameTux, tc.perGameK)
			}
			if tc.p.Fore != nil {
				id := tc.p.Fore.Key()
				if got.PerApp[id] != tc.screen {
					t.Errorf("the app in front has %v; want %v", got.PerApp[id], tc.screen)
				}
			}
		})
	}
}

func TestAccountantOnlyActiveChildCounts(t *testing.T) {
	a := monitor.NewAccountant(&sink{})
	run(t, a, t0, 5, day1,
		monitor.Presence{Child: "an", Active: true},
		monitor.Presence{Child: "binh", Active: false})
	if got := a.Totals("an", day1).Screen; got != 5*time.Second {
		t.Errorf("the active child has %v; want 5s", got)
	}
	if got := a.Totals("binh", day1).Screen; got != 0 {
		t.Errorf("the absent child has %v; want 0", got)
	}
}

func TestAccountantSteps(t *testing.T) {
	p := monitor.Presence{Child: "an", Session: "s1", Active: true}
	cases := []struct {
		sentence string
		second   time.Time
		want     time.Duration
	}{
		{"a normal step counts in full", t0.Add(2 * time.Second), 2 * time.Second},
		{"a long gap (suspend, a stalled agent) counts at most MaxStep", t0.Add(2 * time.Hour), 5 * time.Second},
		{"time going backwards counts nothing", t0.Add(-time.Minute), 0},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			a := monitor.NewAccountant(&sink{})
			a.Tick(t0, day1, []monitor.Presence{p})
			if got := a.Totals("an", day1).Screen; got != 0 {
				t.Fatalf("the first tick counted %v; it has nothing to measure from", got)
			}
			a.Tick(tc.second, day1, []monitor.Presence{p})
			if got := a.Totals("an", day1).Screen; got != tc.want {
				t.Errorf("counted %v; want %v", got, tc.want)
			}
		})
	}
}

func TestAccountantDayChange(t *testing.T) {
	s := &sink{}
	a := monitor.NewAccountant(s)
	p := monitor.Presence{Child: "an", Session: "s1", Active: true}
	late := time.Date(2025, 3, 1, 23, 59, 50, 0, time.UTC)
	end := run(t, a, late, 10, day1, p) // 23:59:50 → 00:00:00
	run(t, a, end.Add(time.Second), 4, "2025-03-02", p)
	if got := a.Totals("an", "2025-03-02").Screen; got != 5*time.Second {
		t.Errorf("the new day has %v; want the 5 s counted since midnight", got)
	}
	if a.HasDay("an", day1) {
		t.Error("the old day's totals are still the current ones")
	}
	if got := a.Totals("an", day1); got.Screen != 0 || got.Day != day1 {
		t.Errorf("Totals of an old day = %+v; want zero for that day", got)
	}
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	perDay := map[string]time.Duration{}
	for _, iv := range s.written() {
		perDay[iv.Day] += iv.End.Sub(iv.Start)
	}
	if perDay[day1] != 10*time.Second || perDay["2025-03-02"] != 5*time.Second {
		t.Errorf("written per day: %v; want 10s on the 1st and 5s on the 2nd", perDay)
	}
}

func TestAccountantFlush(t *testing.T) {
	s := &sink{}
	a := monitor.NewAccountant(s)
	ctx := context.Background()
	playing := monitor.Presence{Child: "an", Session: "s1", Active: true, Games: []monitor.App{tux}}
	end := run(t, a, t0, 4, day1, playing)
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	first := s.written()
	if len(first) != 2 {
		t.Fatalf("first flush wrote %d intervals; want 2 merged ones (screen, game): %+v", len(first), first)
	}
	for _, iv := range first {
		if !iv.Start.Equal(t0) || !iv.End.Equal(end) || iv.Day != day1 || iv.Session != "s1" {
			t.Errorf("interval %+v; want one contiguous piece from %v to %v", iv, t0, end)
		}
	}
	// The segments stay open: the next flush continues where this one ended.
	end2 := run(t, a, end.Add(time.Second), 2, day1, playing)
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	all := s.written()
	if len(all) != 4 {
		t.Fatalf("after the second flush %d intervals; want 4: %+v", len(all), all)
	}
	tuxID := tux.Key()
	if got := s.total("an", monitor.KindGame, tuxID); got != end2.Sub(t0) {
		t.Errorf("game time written %v; want %v (no gap, no overlap)", got, end2.Sub(t0))
	}
	if got := s.total("an", monitor.KindScreen, ""); got != end2.Sub(t0) {
		t.Errorf("screen time written %v; want %v", got, end2.Sub(t0))
	}
	// Nothing new: nothing written.
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(s.written()); n != 4 {
		t.Errorf("an idle flush wrote %d more intervals", n-4)
	}

	// The game stops: its segment closes; screen time goes on.
	run(t, a, end2.Add(time.Second), 2, day1, monitor.Presence{Child: "an", Session: "s1", Active: true})
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.total("an", monitor.KindGame, tuxID); got != end2.Sub(t0) {
		t.Errorf("game time after it stopped: %v; want %v", got, end2.Sub(t0))
	}
	if got, want := s.total("an", monitor.KindScreen, ""), a.Totals("an", day1).Screen; got != want {
		t.Errorf("screen time written %v; counted %v", got, want)
	}
}

// A failed write is kept for the next flush: usage is lost only by a crash,
// never by a transient store error (DESIGN.md §5).
func TestAccountantFlushRetriesFailedWrites(t *testing.T) {
	s := &sink{}
	a := monitor.NewAccountant(s)
	ctx := context.Background()
	run(t, a, t0, 4, day1, monitor.Presence{Child: "an", Active: true})
	s.fail = 1
	if err := a.Flush(ctx); err == nil {
		t.Fatal("a failed write was not reported")
	}
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := s.total("an", monitor.KindScreen, ""), a.Totals("an", day1).Screen; got != want {
		t.Errorf("written %v of %v counted: a transient store error lost usage for good", got, want)
	}
}

func TestAccountantSeed(t *testing.T) {
	a := monitor.NewAccountant(&sink{})
	seed := monitor.Totals{Day: day1, Screen: time.Hour, Games: 20 * time.Minute,
		PerApp: map[string]time.Duration{tux.Key(): 20 * time.Minute}, PerGame: map[string]time.Duration{tux.Key(): 20 * time.Minute}}
	a.Seed("an", seed)
	seed.PerGame[tux.Key()] = 0 // the accountant keeps its own copy
	if !a.HasDay("an", day1) {
		t.Fatal("a seeded day is not loaded")
	}
	run(t, a, t0, 3, day1, monitor.Presence{Child: "an", Active: true, Games: []monitor.App{tux}})
	got := a.Totals("an", day1)
	if got.Screen != time.Hour+3*time.Second || got.Games != 20*time.Minute+3*time.Second || got.PerGame[tux.Key()] != 20*time.Minute+3*time.Second {
		t.Errorf("totals after seed and 3 s of play: %+v; want them continued", got)
	}
	got.PerGame[tux.Key()] = 0
	if a.Totals("an", day1).PerGame[tux.Key()] == 0 {
		t.Error("Totals returned the accountant's own map")
	}
}

// busySink is a store that must not be touched: the tick path never waits
// on the database (a backup or a busy writer would delay every decision).
type busySink struct{ calls int }

func (b *busySink) AddUsage(context.Context, monitor.Interval) error {
	b.calls++
	return errors.New("database is locked")
}

// Counting never touches the store: only Flush writes, and what it cannot
// write is kept.
func TestAccountantTickNeverTouchesTheStore(t *testing.T) {
	b := &busySink{}
	a := monitor.NewAccountant(b)
	run(t, a, t0, 5, day1, monitor.Presence{Child: "an", Active: true, Fore: &browser, Games: []monitor.App{tux}})
	if b.calls != 0 {
		t.Fatalf("the ticks called the store %d times", b.calls)
	}
	if got := a.Totals("an", day1); got.Games != 5*time.Second || got.PerGame[tux.Key()] != 5*time.Second || got.PerApp[browser.Key()] != 5*time.Second {
		t.Errorf("totals %+v; want 5 s of the game and of the browser in front", got)
	}
	if err := a.Flush(context.Background()); err == nil || b.calls != 1 {
		t.Errorf("flush to a busy store: err %v after %d calls; want the error after one try", err, b.calls)
	}
}

// An Android emulator is a game (its games are invisible to the host). In
// front, it is both the foreground app and a running game: its own time must
// still be counted once, or its per-game cap is reached twice as fast.
func TestAccountantEmulatorInFrontCountsOnce(t *testing.T) {
	emu := monitor.App{Path: "/opt/bluestacks/HD-Player", SHA256: "emu", Category: "emulator"}
	a := monitor.NewAccountant(&sink{})
	run(t, a, t0, 10, day1, monitor.Presence{Child: "an", Session: "s1", Active: true, Fore: &emu, Games: []monitor.App{emu}})
	got := a.Totals("an", day1)
	id := emu.Key()
	if got.PerApp[id] != 10*time.Second || got.Games != 10*time.Second || got.Screen != 10*time.Second {
		t.Errorf("after 10 s in front: per-app %v, games %v, screen %v; want 10 s each", got.PerApp[id], got.Games, got.Screen)
	}
}

// batchSink records the flushes it takes at once; reject makes a batch
// holding that child's interval rejected (as the store rejects bad data).
type batchSink struct {
	sink
	batches int
	reject  string
}

func (b *batchSink) AddUsages(ctx context.Context, ivs []monitor.Interval) error {
	for _, iv := range ivs {
		if iv.Child == b.reject {
			return fmt.Errorf("%w: child %s unknown", monitor.ErrRejected, iv.Child)
		}
	}
	b.batches++
	for _, iv := range ivs {
		if err := b.sink.AddUsage(ctx, iv); err != nil {
			return err
		}
	}
	return nil
}

func (b *batchSink) AddUsage(ctx context.Context, iv monitor.Interval) error {
	if iv.Child == b.reject {
		return fmt.Errorf("%w: child %s unknown", monitor.ErrRejected, iv.Child)
	}
	return b.sink.AddUsage(ctx, iv)
}

// A flush is written at once when the sink can; an interval the store will
// never take does not cost the others.
func TestAccountantFlushInOneBatch(t *testing.T) {
	b := &batchSink{}
	a := monitor.NewAccountant(b)
	run(t, a, t0, 4, day1, monitor.Presence{Child: "an", Session: "s1", Active: true, Games: []monitor.App{tux}})
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b.batches != 1 || len(b.written()) != 2 {
		t.Errorf("%d batches, %d intervals; want the screen and the game in one batch", b.batches, len(b.written()))
	}
	if err := a.Flush(context.Background()); err != nil || b.batches != 1 {
		t.Errorf("an idle flush: %v, %d batches; want nothing written", err, b.batches)
	}
	b2 := &batchSink{reject: "ghost"}
	a2 := monitor.NewAccountant(b2)
	run(t, a2, t0, 4, day1, monitor.Presence{Child: "an", Active: true}, monitor.Presence{Child: "ghost", Active: true})
	if err := a2.Flush(context.Background()); !errors.Is(err, monitor.ErrRejected) {
		t.Errorf("flush with a rejected interval: %v; want it reported", err)
	}
	if got := b2.total("an", monitor.KindScreen, ""); got != 4*time.Second {
		t.Errorf("the good child's time written: %v; want 4s", got)
	}
}

// Unflushed is what the next flush writes, and leaves it in place: a
// checkpoint taken from it holds exactly what a kill -9 would lose.
func TestAccountantUnflushed(t *testing.T) {
	playing := monitor.Presence{Child: "an", Session: "s1", Active: true, Games: []monitor.App{tux}}
	screen := monitor.Presence{Child: "an", Session: "s1", Active: true}
	for _, tc := range []struct {
		name  string
		steps func(a *monitor.Accountant) time.Time // returns the last tick
		flush bool                                  // flush once after the steps
	}{
		{"playing, nothing flushed", func(a *monitor.Accountant) time.Time { return run(t, a, t0, 4, day1, playing) }, false},
		{"a game that stopped (a closed segment)", func(a *monitor.Accountant) time.Time {
			end := run(t, a, t0, 3, day1, playing)
			return run(t, a, end.Add(time.Second), 2, day1, screen)
		}, false},
		{"everything flushed", func(a *monitor.Accountant) time.Time { return run(t, a, t0, 4, day1, playing) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &sink{}
			a := monitor.NewAccountant(s)
			tc.steps(a)
			if tc.flush {
				if err := a.Flush(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			before := len(s.written())
			got := a.Unflushed(time.Time{})
			if again := a.Unflushed(time.Time{}); len(again) != len(got) {
				t.Errorf("a second Unflushed gave %d intervals, the first %d: it took them", len(again), len(got))
			}
			if err := a.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			flushed := s.written()[before:]
			if len(got) != len(flushed) {
				t.Fatalf("Unflushed gave %d intervals, the flush wrote %d: %+v vs %+v", len(got), len(flushed), got, flushed)
			}
			sum := func(ivs []monitor.Interval) (d time.Duration) {
				for _, iv := range ivs {
					d += iv.End.Sub(iv.Start)
				}
				return d
			}
			if sum(got) != sum(flushed) {
				t.Errorf("Unflushed holds %v, the flush wrote %v", sum(got), sum(flushed))
			}
		})
	}
	t.Run("open segments run on to until, closed ones do not", func(t *testing.T) {
		a := monitor.NewAccountant(&sink{})
		end := run(t, a, t0, 3, day1, playing)
		end = run(t, a, end.Add(time.Second), 2, day1, screen) // the game's segment closed
		lease := end.Add(2 * time.Second)
		for _, iv := range a.Unflushed(lease) {
			open := iv.Kind == monitor.KindScreen
			if open && !iv.End.Equal(lease) || !open && iv.End.After(end) {
				t.Errorf("%s interval ends %v; want %v", iv.Kind, iv.End, map[bool]time.Time{true: lease, false: end}[open])
			}
		}
		// A lease into the next day is not taken: the day's segment ends
		// where it was counted.
		for _, iv := range a.Unflushed(end.Add(48 * time.Hour)) {
			if iv.End.After(end) {
				t.Errorf("an interval of %s runs on to %v", iv.Day, iv.End)
			}
		}
	})
}
