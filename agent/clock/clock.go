// Package clock is the agent's trusted clock (DESIGN.md §5).
//
// Elapsed time comes from a clock the child cannot set: CLOCK_BOOTTIME on
// Linux (monotonic, and it keeps counting through suspend), Go's monotonic
// clock elsewhere. The wall clock is trusted once, when the agent starts, and
// only if it is not earlier than the last reading the agent persisted (and,
// within the same boot, if it agrees with the elapsed boot time since that
// reading). After that, "now" is the trusted start plus elapsed time: a wall
// clock changed while the agent runs is noticed and reported as a jump, and
// moves neither the day nor any budget.
package clock

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Source is where the clock reads the OS; tests use a fake.
type Source interface {
	Wall() time.Time
	// Elapsed is a monotonic reading that never goes back and is not set by
	// users (boot time on Linux).
	Elapsed() time.Duration
	// BootID identifies the current boot ("" when unknown).
	BootID() string
}

// Mark is what the agent persists to judge the next start.
type Mark struct {
	Wall    time.Time     `json:"wall"`
	Elapsed time.Duration `json:"elapsed"`
	BootID  string        `json:"bootId"`
}

// Jump is a wall-clock change the trusted clock refused to follow.
type Jump struct {
	Trusted time.Time     // what the trusted clock said
	Wall    time.Time     // what the wall clock said
	Delta   time.Duration // Wall - Trusted
	AtStart bool          // found when the agent started
}

func (j Jump) String() string {
	where := "while running"
	if j.AtStart {
		where = "at start"
	}
	return fmt.Sprintf("wall clock %s is %s away from the trusted time %s (%s)",
		j.Wall.Format(time.RFC3339), j.Delta.Round(time.Second), j.Trusted.Format(time.RFC3339), where)
}

// Tolerance is how far the wall clock may drift from the trusted clock
// before it counts as a jump (NTP corrections stay well under it).
const Tolerance = 90 * time.Second

// Clock is the trusted clock. It is safe for concurrent use.
type Clock struct {
	src       Source
	mu        sync.RWMutex // guards baseWall (Rebase moves it) and reported
	baseWall  time.Time
	baseElaps time.Duration
	reported  time.Duration // wall minus trusted at the last report, to report a jump once
}

// New starts a trusted clock from the last persisted mark (zero if none). It
// returns the jump found at start, if any.
func New(src Source, last Mark) (*Clock, *Jump) {
	wall := src.Wall()
	el := src.Elapsed()
	c := &Clock{src: src, baseWall: wall, baseElaps: el}
	if last.Wall.IsZero() {
		return c, nil
	}
	expected := last.Wall // at least
	sameBoot := last.BootID != "" && last.BootID == src.BootID() && el >= last.Elapsed
	if sameBoot {
		expected = last.Wall.Add(el - last.Elapsed)
	}
	delta := wall.Sub(expected)
	switch {
	case delta < -Tolerance, sameBoot && delta > Tolerance:
		c.baseWall = expected
		j := &Jump{Trusted: expected, Wall: wall, Delta: delta, AtStart: true}
		c.reported = delta
		return c, j
	case delta < 0:
		// Small drift backwards: never let time run backwards.
		c.baseWall = expected
	}
	return c, nil
}

// Now is the trusted time.
func (c *Clock) Now() time.Time {
	c.mu.RLock()
	base := c.baseWall
	c.mu.RUnlock()
	return base.Add(c.src.Elapsed() - c.baseElaps).Round(0)
}

// Rebase takes a reference time from outside (a network time server) when
// the trusted time is more than Tolerance away from it: the trusted time
// becomes the reference, but never earlier than floor (the last persisted
// mark: a day once counted is not counted again). It returns the jump it
// corrected, or nil when the trusted time agreed.
func (c *Clock) Rebase(ref, floor time.Time) *Jump {
	now := c.Now()
	delta := now.Sub(ref)
	if delta > -Tolerance && delta < Tolerance {
		return nil
	}
	target := ref
	if target.Before(floor) {
		target = floor
	}
	c.mu.Lock()
	c.baseWall = c.baseWall.Add(target.Sub(now))
	// The wall clock is now off by this much: Check reports only a change.
	c.reported = c.src.Wall().Sub(target)
	c.mu.Unlock()
	return &Jump{Trusted: target, Wall: now, Delta: delta}
}

// Mark is the reading to persist.
func (c *Clock) Mark() Mark {
	return Mark{Wall: c.Now(), Elapsed: c.src.Elapsed(), BootID: c.src.BootID()}
}

// Check compares the wall clock with the trusted time and reports a jump
// once per change (a wall clock that stays off by the same amount is not
// reported again). The trusted time is not moved.
func (c *Clock) Check() *Jump {
	now := c.Now()
	wall := c.src.Wall()
	delta := wall.Sub(now)
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := delta - c.reported; d > -Tolerance && d < Tolerance {
		return nil
	}
	c.reported = delta
	if delta > -Tolerance && delta < Tolerance {
		return nil // put right again
	}
	return &Jump{Trusted: now, Wall: wall, Delta: delta}
}

// MarshalMark encodes a mark for the store.
func MarshalMark(m Mark) []byte {
	b, _ := json.Marshal(m)
	return b
}

// UnmarshalMark decodes a persisted mark; a bad one is an error (the caller
// logs it and starts with no mark).
func UnmarshalMark(b []byte) (Mark, error) {
	var m Mark
	if err := json.Unmarshal(b, &m); err != nil {
		return Mark{}, fmt.Errorf("decode clock mark: %w", err)
	}
	return m, nil
}
