package monitor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Kinds of counted time.
const (
	KindScreen = "screen"
	KindGame   = "game"
)

// Interval is a piece of usage to store.
type Interval struct {
	Child string
	// App is the app the time was spent in (the zero App: screen time with
	// nothing known in front). The store gives it an id when it is written.
	App     App
	Kind    string
	Session string
	Day     string
	Start   time.Time
	End     time.Time
}

// Sink stores usage (agent/store, merging contiguous intervals).
type Sink interface {
	AddUsage(ctx context.Context, iv Interval) error
}

// BatchSink is a Sink that can store several intervals at once, all or
// none (one transaction for a flush).
type BatchSink interface {
	Sink
	AddUsages(ctx context.Context, ivs []Interval) error
}

// Presence is what the agent knows of one child at a tick.
type Presence struct {
	Child   string
	Session string
	// Active: at the PC (a session unlocked and not idle, or — failing
	// closed — processes running with no session information).
	Active bool
	// Fore is the app in front, when known.
	Fore *App
	// Games are the games that count now (in front where the foreground is
	// known, else every running game of the child).
	Games []App
}

// Totals is one child's counted time today.
type Totals struct {
	Day    string
	Screen time.Duration
	Games  time.Duration
	// PerApp and PerGame are keyed by App.Key(). PerApp is each app's own
	// kind of time (game time for games, time in front for the rest).
	PerApp  map[string]time.Duration
	PerGame map[string]time.Duration
}

func newTotals(day string) *Totals {
	return &Totals{Day: day, PerApp: map[string]time.Duration{}, PerGame: map[string]time.Duration{}}
}

// Clone returns a deep copy.
func (t *Totals) Clone() Totals {
	c := *t
	c.PerApp = maps.Clone(t.PerApp)
	c.PerGame = maps.Clone(t.PerGame)
	if c.PerApp == nil {
		c.PerApp = map[string]time.Duration{}
	}
	if c.PerGame == nil {
		c.PerGame = map[string]time.Duration{}
	}
	return c
}

type segKey struct {
	child, session, kind, app string
}

type segment struct {
	start, end time.Time
	day        string
	app        App
}

// Accountant counts screen and game time per child per day, from ticks of
// the trusted clock. Elapsed time between ticks is capped (MaxStep), so a
// suspended machine or a stalled agent never counts time nobody used.
// Usage is kept in memory and written to the Sink by Flush (the agent calls
// it every few seconds); a restart seeds today's totals back with Seed.
type Accountant struct {
	sink    Sink
	MaxStep time.Duration

	mu      sync.Mutex
	last    time.Time
	totals  map[string]*Totals
	open    map[segKey]*segment
	pending []Interval
}

// NewAccountant builds an accountant.
func NewAccountant(sink Sink) *Accountant {
	return &Accountant{sink: sink, MaxStep: 5 * time.Second,
		totals: map[string]*Totals{}, open: map[segKey]*segment{}}
}

// Seed sets a child's totals for a day (from the store, after a restart).
func (a *Accountant) Seed(child string, t Totals) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := t.Clone()
	a.totals[child] = &c
}

// Totals returns a child's totals for day (zero if the day has changed).
func (a *Accountant) Totals(child, day string) Totals {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.totals[child]
	if !ok || t.Day != day {
		return newTotals(day).Clone()
	}
	return t.Clone()
}

// Read calls f with a child's totals of day under the accountant's lock
// (empty totals when the day has changed), without copying the day's maps:
// the tick's path. f must not keep the maps nor call the accountant.
func (a *Accountant) Read(child, day string, f func(t *Totals)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.totals[child]
	if !ok || t.Day != day {
		f(&Totals{Day: day})
		return
	}
	f(t)
}

// HasDay reports whether a child's totals are loaded for that day.
func (a *Accountant) HasDay(child, day string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.totals[child]
	return ok && t.Day == day
}

// Tick counts the time since the previous tick for every present child.
// now is the trusted time and day its local date.
func (a *Accountant) Tick(now time.Time, day string, ps []Presence) {
	a.mu.Lock()
	step := time.Duration(0)
	if !a.last.IsZero() {
		step = now.Sub(a.last)
	}
	if step < 0 {
		step = 0
	}
	if step > a.MaxStep {
		step = a.MaxStep
	}
	a.last = now
	a.mu.Unlock()
	if step == 0 {
		return
	}
	start := now.Add(-step)
	if dayStart, err := time.ParseInLocation(time.DateOnly, day, now.Location()); err == nil && start.Before(dayStart) {
		// The step crosses into the day being counted: what came before
		// belongs to the closed day before; only this day's part counts.
		start, step = dayStart, now.Sub(dayStart)
		if step <= 0 {
			return
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range ps {
		if !p.Active {
			continue
		}
		t := a.totalsFor(p.Child, day)
		t.Screen += step
		var fore App
		if p.Fore != nil {
			fore = *p.Fore
		}
		foreKey := fore.Key()
		if foreKey != "" && !fore.IsGame() {
			// An app in front counts its own time; a game's own time is its
			// game time, counted below whether it is in front or not.
			t.PerApp[foreKey] += step
		}
		a.extend(segKey{p.Child, p.Session, KindScreen, foreKey}, fore, start, now, day)
		for i, g := range p.Games {
			key := g.Key()
			if seenBefore(p.Games[:i], key) {
				continue // two processes of one game count once
			}
			t.PerGame[key] += step
			t.PerApp[key] += step
			a.extend(segKey{p.Child, p.Session, KindGame, key}, g, start, now, day)
		}
		if len(p.Games) > 0 {
			t.Games += step
		}
	}
	// Segments not extended by this tick are closed.
	for k, s := range a.open {
		if !s.end.Equal(now) {
			a.pending = append(a.pending, Interval{Child: k.child, App: s.app, Kind: k.kind, Session: k.session, Day: s.day, Start: s.start, End: s.end})
			delete(a.open, k)
		}
	}
}

func seenBefore(apps []App, key string) bool {
	for _, x := range apps {
		if x.Key() == key {
			return true
		}
	}
	return false
}

// totalsFor returns the child's totals of day, a new day's when it changed.
// Called with mu held.
func (a *Accountant) totalsFor(child, day string) *Totals {
	t, ok := a.totals[child]
	if !ok || t.Day != day {
		t = newTotals(day)
		a.totals[child] = t
	}
	return t
}

// extend grows the open segment of k to end, or opens one. Called with mu held.
func (a *Accountant) extend(k segKey, app App, start, end time.Time, day string) {
	s, ok := a.open[k]
	if ok && s.day == day && s.end.Equal(start) {
		s.end = end
		return
	}
	if ok {
		a.pending = append(a.pending, Interval{Child: k.child, App: s.app, Kind: k.kind, Session: k.session, Day: s.day, Start: s.start, End: s.end})
	}
	a.open[k] = &segment{start: start, end: end, day: day, app: app}
}

// Unflushed is what the next Flush would write, left in place: the agent
// saves it in a checkpoint between writes to the store. The segments still
// open run on to until (when it is later and of the same day): what a
// checkpoint holds then covers the time until the next one, should the
// daemon be killed meanwhile; zero until leaves them as they are.
func (a *Accountant) Unflushed(until time.Time) []Interval {
	untilDay := until.Format(time.DateOnly)
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Interval, 0, len(a.pending)+len(a.open))
	for _, iv := range a.pending {
		if iv.End.After(iv.Start) {
			out = append(out, iv)
		}
	}
	for k, s := range a.open {
		end := s.end
		if until.After(end) && untilDay == s.day {
			end = until
		}
		if end.After(s.start) {
			out = append(out, Interval{Child: k.child, App: s.app, Kind: k.kind, Session: k.session, Day: s.day, Start: s.start, End: end})
		}
	}
	return out
}

// Flush writes what was counted since the last flush. Open segments are
// written up to now and stay open (the store merges the continuation).
func (a *Accountant) Flush(ctx context.Context) error {
	a.mu.Lock()
	out := a.pending
	a.pending = nil
	for k, s := range a.open {
		if s.end.After(s.start) {
			out = append(out, Interval{Child: k.child, App: s.app, Kind: k.kind, Session: k.session, Day: s.day, Start: s.start, End: s.end})
			s.start = s.end
		}
	}
	a.mu.Unlock()
	// Nothing to write, nothing written (an idle agent touches no file).
	out = slices.DeleteFunc(out, func(iv Interval) bool { return !iv.End.After(iv.Start) })
	if len(out) == 0 {
		return nil
	}
	if bs, ok := a.sink.(BatchSink); ok && len(out) > 1 {
		err := bs.AddUsages(ctx, out)
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, ErrRejected):
			a.mu.Lock()
			a.pending = append(out[:len(out):len(out)], a.pending...)
			a.mu.Unlock()
			return fmt.Errorf("flush usage: %w", err)
		}
		// One of them will never be taken: write them one by one, so the
		// others are kept.
	}
	var errs []error
	for i, iv := range out {
		err := a.sink.AddUsage(ctx, iv)
		if err == nil {
			continue
		}
		if errors.Is(err, ErrRejected) {
			// The store will never take this one: say so and go on.
			errs = append(errs, fmt.Errorf("flush usage of %s: %w", iv.Child, err))
			continue
		}
		// A transient failure (a busy database, a cancelled context):
		// keep what was not written for the next flush.
		a.mu.Lock()
		a.pending = append(out[i:len(out):len(out)], a.pending...)
		a.mu.Unlock()
		return errors.Join(append(errs, fmt.Errorf("flush usage: %w", err))...)
	}
	return errors.Join(errs...)
}

// ErrRejected marks a Sink error for an interval the store will never
// accept (bad data); Flush drops such an interval instead of retrying.
var ErrRejected = errors.New("usage rejected")
