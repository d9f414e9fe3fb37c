package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Session is one stretch of a child's screen use: screen intervals less
// than the asked gap apart, joined.
type Session struct {
	Day   string    // the local day of its first interval, as the agent attributed it
	Start time.Time // UTC
	End   time.Time // UTC
	// Screen is the screen time inside the session (the gaps left out);
	// Games the game time inside [Start, End).
	Screen time.Duration
	Games  time.Duration
	// LateNight is set when any of its screen time falls between 21:00 and
	// 06:00 local time.
	LateNight bool
}

// Late night, in local hours: from LateNightFrom until LateNightTo the next
// morning.
const (
	LateNightFrom = 21
	LateNightTo   = 6
)

// maxSessionGap is the largest gap Sessions accepts.
const maxSessionGap = 24 * time.Hour

// Sessions is SessionsIn with the local time zone of the machine
// (time.Local), which is where the agent's days are.
func (s *Store) Sessions(ctx context.Context, child, from, to string, gap time.Duration) ([]Session, error) {
	return s.SessionsIn(ctx, child, from, to, gap, time.Local)
}

// SessionsIn joins a child's screen intervals of the days from..to
// (inclusive; an interval belongs to the day the agent attributed it to)
// into sessions, sorted by start: intervals that overlap, touch, or are less
// than gap apart are one session. It reads the detail intervals only, and
// of them only those within the detail retention (so the answer does not
// depend on when Prune last ran). loc says where 21:00–06:00 is for
// LateNight (nil: time.Local). It rejects bad days, to before from, a
// negative gap or one over 24 h, and an unknown child.
func (s *Store) SessionsIn(ctx context.Context, child, from, to string, gap time.Duration, loc *time.Location) ([]Session, error) {
	if err := checkSessionsArgs(from, to, gap); err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	if loc == nil {
		loc = time.Local
	}
	cut := toMs(s.now().Add(-time.Duration(s.detail.Load())))
	var screen, games []span
	err := s.read(ctx, "sessions", func(tx *sql.Tx) error {
		cid, err := childID(ctx, tx, child)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx,
			`SELECT kind = 'game', day, start_ms, end_ms FROM usage
			 WHERE child_id = ? AND day BETWEEN ? AND ? AND end_ms >= ?`, cid, from, to, cut)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var game bool
			var sp span
			if err := rows.Scan(&game, &sp.day, &sp.start, &sp.end); err != nil {
				return fmt.Errorf("scan: %w", err)
			}
			if game {
				games = append(games, sp)
			} else {
				screen = append(screen, sp)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// Sorting here is cheaper than SQLite's sorter.
	bySpan := func(a, b span) int { return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end)) }
	slices.SortFunc(screen, bySpan)
	slices.SortFunc(games, bySpan)
	return joinSessions(screen, games, gap, loc), nil
}

func checkSessionsArgs(from, to string, gap time.Duration) error {
	if err := checkDay("from", from); err != nil {
		return err
	}
	if err := checkDay("to", to); err != nil {
		return err
	}
	if to < from {
		return invalid("to", "%s is before from %s", to, from)
	}
	if gap < 0 {
		return invalid("gap", "%v is negative", gap)
	}
	if gap > maxSessionGap {
		return invalid("gap", "%v is more than 24h", gap)
	}
	return nil
}

// span is one stored interval, in UTC milliseconds.
type span struct {
	day        string
	start, end int64
}

// joinSessions builds the sessions from screen spans sorted by start, and
// gives each the game time (the union of the game spans) inside it.
func joinSessions(screen, games []span, gap time.Duration, loc *time.Location) []Session {
	type acc struct {
		day              string
		start, end, used int64
		late             bool
	}
	gapMs := gap.Milliseconds()
	var out []acc
	for _, sp := range screen {
		if n := len(out); n > 0 && (sp.start <= out[n-1].end || sp.start-out[n-1].end < gapMs) {
			cur := &out[n-1]
			cur.used += max(0, sp.end-max(sp.start, cur.end)) // the union: overlaps count once
			cur.end = max(cur.end, sp.end)
			cur.late = cur.late || lateNight(sp.start, sp.end, loc)
			continue
		}
		out = append(out, acc{day: sp.day, start: sp.start, end: sp.end, used: sp.end - sp.start, late: lateNight(sp.start, sp.end, loc)})
	}
	g := union(games)
	sessions := make([]Session, len(out))
	j := 0
	for i, a := range out {
		for j < len(g) && g[j].end <= a.start {
			j++
		}
		var played int64
		for k := j; k < len(g) && g[k].start < a.end; k++ {
			played += max(0, min(g[k].end, a.end)-max(g[k].start, a.start))
		}
		sessions[i] = Session{Day: a.day, Start: fromMs(a.start), End: fromMs(a.end),
			Screen: durMs(a.used), Games: durMs(played), LateNight: a.late}
	}
	return sessions
}

// union merges spans sorted by start into disjoint spans.
func union(in []span) []span {
	var out []span
	for _, sp := range in {
		if n := len(out); n > 0 && sp.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, sp.end)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// lateNight reports whether [start, end) (UTC ms) meets 21:00–06:00 in loc
// on any night: the nights that begin the day before start's local day up
// to end's local day.
func lateNight(start, end int64, loc *time.Location) bool {
	if end <= start {
		return false // no use at all
	}
	a, b := time.UnixMilli(start).In(loc), time.UnixMilli(end).In(loc)
	y, m, d := a.Date()
	for night := time.Date(y, m, d-1, 0, 0, 0, 0, loc); !night.After(b); night = night.AddDate(0, 0, 1) {
		ny, nm, nd := night.Date()
		from := time.Date(ny, nm, nd, LateNightFrom, 0, 0, 0, loc)
		until := time.Date(ny, nm, nd+1, LateNightTo, 0, 0, 0, loc)
		if a.Before(until) && b.After(from) {
			return true
		}
	}
	return false
}
