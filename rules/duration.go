package rules

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Unlimited is the budget that never runs out. Arithmetic on budgets
// saturates at Unlimited, so Unlimited plus a grant is still Unlimited.
const Unlimited time.Duration = math.MaxInt64

// MaxDaily is the longest budget, limit or grant a policy may hold: a day.
const MaxDaily = 24 * time.Hour

// Duration is a time.Duration written in policy files as "90s", "45m",
// "1h30m", or "unlimited" for budgets that have no end. Reading also takes
// the forms people write (ParseDuration); writing always gives Go's form.
type Duration time.Duration

// FormatDuration writes d the way policy files do: "1h30m", "45m", "90s" is
// written "1m30s", zero is "0m" and Unlimited is "unlimited".
func FormatDuration(d time.Duration) string {
	switch {
	case d == Unlimited:
		return "unlimited"
	case d == 0:
		return "0m"
	case d < 0:
		return "-" + FormatDuration(-d)
	case d%time.Second != 0:
		return d.String()
	}
	var b strings.Builder
	h, m, s := d/time.Hour, (d%time.Hour)/time.Minute, (d%time.Minute)/time.Second
	if h > 0 {
		b.WriteString(strconv.FormatInt(int64(h), 10) + "h")
	}
	if m > 0 {
		b.WriteString(strconv.FormatInt(int64(m), 10) + "m")
	}
	if s > 0 {
		b.WriteString(strconv.FormatInt(int64(s), 10) + "s")
	}
	return b.String()
}

// String returns the policy-file form of d.
func (d Duration) String() string { return FormatDuration(time.Duration(d)) }

// MarshalText writes the policy-file form of d.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads the policy-file form of a duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// addSat adds two non-negative durations, saturating at Unlimited.
func addSat(a, b time.Duration) time.Duration {
	if a < 0 {
		a = 0
	}
	if b < 0 {
		b = 0
	}
	if a == Unlimited || b == Unlimited || a > Unlimited-b {
		return Unlimited
	}
	return a + b
}

// Clock is a time of day in minutes after local midnight, 0 to 1440 (24:00,
// which may only end a window).
type Clock int

// String writes c as HH:MM.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Window is a span of allowed hours within a day. A window whose end is
// before its start crosses midnight: "20:00-02:00" runs until 02:00 on the
// next day. "00:00-24:00" is the whole day.
type Window struct {
	Start, End Clock
}

// AllDay is the window covering a whole day.
var AllDay = Window{Start: 0, End: 24 * 60}

// ParseWindow reads "HH:MM-HH:MM" (minute precision; 24:00 may end a window).
func ParseWindow(s string) (Window, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Window{}, errors.New("want HH:MM-HH:MM")
	}
	start, err := parseClock(a)
	if err != nil {
		return Window{}, err
	}
	end, err := parseClock(b)
	if err != nil {
		return Window{}, err
	}
	if start == 24*60 {
		return Window{}, errors.New("24:00 can only end a window")
	}
	if start == end {
		return Window{}, errors.New("empty window: start equals end (use 00:00-24:00 for the whole day)")
	}
	return Window{Start: start, End: end}, nil
}

func parseClock(s string) (Clock, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return 0, errors.New("want HH:MM-HH:MM")
	}
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	if hh > 24 {
		return 0, errors.New("hour out of range")
	}
	if mm > 59 {
		return 0, errors.New("minute out of range")
	}
	if hh == 24 && mm != 0 {
		return 0, errors.New("hour out of range")
	}
	return Clock(hh*60 + mm), nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String writes w as HH:MM-HH:MM.
func (w Window) String() string { return w.Start.String() + "-" + w.End.String() }

// MarshalText writes w as HH:MM-HH:MM.
func (w Window) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// UnmarshalText reads HH:MM-HH:MM.
func (w *Window) UnmarshalText(b []byte) error {
	v, err := ParseWindow(string(b))
	if err != nil {
		return err
	}
	*w = v
	return nil
}

// CrossesMidnight reports whether w ends on the next day.
func (w Window) CrossesMidnight() bool { return w.End < w.Start }

// valid reports whether w could have come from ParseWindow.
func (w Window) valid() bool {
	return w.Start >= 0 && w.Start < 24*60 && w.End >= 0 && w.End <= 24*60 && w.Start != w.End
}

// pieces returns w's minutes on a 24-hour dial as half-open [from, to) spans.
func (w Window) pieces() [][2]Clock {
	if w.CrossesMidnight() {
		p := [][2]Clock{{w.Start, 24 * 60}}
		if w.End > 0 {
			p = append(p, [2]Clock{0, w.End})
		}
		return p
	}
	return [][2]Clock{{w.Start, w.End}}
}

// overlaps reports whether two windows share a minute on the 24-hour dial, so
// that, when both apply on consecutive days, one could not tell which counts.
func (w Window) overlaps(o Window) bool {
	for _, a := range w.pieces() {
		for _, b := range o.pieces() {
			if a[0] < b[1] && b[0] < a[1] {
				return true
			}
		}
	}
	return false
}
