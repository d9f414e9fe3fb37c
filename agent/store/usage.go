package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Interval is a stretch of counted time for one child: screen time (AppID
// = the foreground app, 0 when unknown) or game time (AppID = the game).
// Day is the local date the agent attributes it to, from its trusted clock.
type Interval struct {
	Child   string
	AppID   int64 // 0 = no app
	Kind    Kind
	Session string // OS session id; "" when unknown
	Day     string // YYYY-MM-DD
	Start   time.Time
	End     time.Time
}

// maxSpan is the longest one stored interval may grow to.
const maxSpan = 24 * time.Hour

func checkInterval(iv Interval) error {
	if iv.Child == "" {
		return invalid("child", "empty")
	}
	if iv.AppID < 0 {
		return invalid("app_id", "%d is negative", iv.AppID)
	}
	if err := checkKind("kind", iv.Kind); err != nil {
		return err
	}
	if err := checkText("session", iv.Session, false, 128); err != nil {
		return err
	}
	if err := checkDay("day", iv.Day); err != nil {
		return err
	}
	if iv.Start.IsZero() {
		return invalid("start", "zero time")
	}
	if iv.End.IsZero() {
		return invalid("end", "zero time")
	}
	if iv.End.Before(iv.Start) {
		return invalid("end", "%s is before start %s", iv.End.UTC().Format(time.RFC3339Nano), iv.Start.UTC().Format(time.RFC3339Nano))
	}
	if d := iv.End.Sub(iv.Start); d > maxSpan {
		return invalid("end", "interval of %v is longer than 24h", d)
	}
	return nil
}

// AddUsage records an interval like a heartbeat. If the child's last
// interval with the same app, kind, session and day ends no more than the
// merge gap (default 10 s) before iv.Start, or overlaps iv, it is extended;
// otherwise a new interval is inserted. The day's rollup grows, in the same
// transaction, by the seconds of iv not already covered by the interval it
// merges with, so a repeated heartbeat counts once. It rejects an unknown
// child or app, a bad kind or day, End before Start, and more than 24 h.
func (s *Store) AddUsage(ctx context.Context, iv Interval) error {
	if err := checkInterval(iv); err != nil {
		return fmt.Errorf("store: add usage: %w", err)
	}
	return s.addUsages(ctx, []Interval{iv}, false)
}

// AddUsages records several intervals as AddUsage does: what a flush of the
// agent writes every few seconds (the screen and each running game). When
// every interval extends the newest interval of its kind that this Store
// wrote (the usual flush), it is one SQL statement that writes only what
// changed; the rollups follow by trigger (schema.sql). Otherwise it is one
// transaction, and nothing is written unless all are taken; the error names
// the interval at fault.
func (s *Store) AddUsages(ctx context.Context, ivs []Interval) error {
	for i, iv := range ivs {
		if err := checkInterval(iv); err != nil {
			return fmt.Errorf("store: add usage [%d]: %w", i, err)
		}
	}
	return s.addUsages(ctx, ivs, true)
}

// addUsages writes checked intervals; many says whether errors name the
// interval at fault.
func (s *Store) addUsages(ctx context.Context, ivs []Interval, many bool) error {
	rest, err := s.extendTails(ctx, ivs)
	if err != nil {
		return fmt.Errorf("store: add usage: %w", err)
	}
	if len(rest) == 0 {
		return nil
	}
	var seen []tailSeen
	err = s.write(ctx, "add usage", func(tx *sql.Tx) error {
		for i, iv := range rest {
			t, err := s.addUsage(ctx, tx, iv)
			if err != nil && many {
				return fmt.Errorf("[%d]: %w", i, err)
			}
			if err != nil {
				return err
			}
			seen = append(seen, t)
		}
		return nil
	})
	if err == nil {
		s.tails.remember(seen)
	}
	return err
}

// addUsage records one interval in tx (see AddUsage) and returns the newest
// interval of its kind after the write, for the tail cache.
func (s *Store) addUsage(ctx context.Context, tx *sql.Tx, iv Interval) (tailSeen, error) {
	start, end := toMs(iv.Start), toMs(iv.End)
	gap := s.gap.Milliseconds()
	cid, err := childID(ctx, tx, iv.Child)
	if err != nil {
		return tailSeen{}, err
	}
	var id, oStart, oEnd int64
	err = tx.QueryRowContext(ctx,
		`SELECT id, start_ms, end_ms FROM usage
		 WHERE child_id = ? AND app_id = ? AND kind = ? AND session = ? AND day = ?
		   AND end_ms >= ? AND start_ms <= ?
		 ORDER BY end_ms DESC LIMIT 1`,
		cid, iv.AppID, iv.Kind, iv.Session, iv.Day, start-gap, end+gap).Scan(&id, &oStart, &oEnd)
	merge := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return tailSeen{}, fmt.Errorf("find interval to extend: %w", err)
	}
	if merge && max(end, oEnd)-min(start, oStart) > maxSpan.Milliseconds() {
		merge = false
	}
	if merge {
		overlap := max(0, min(end, oEnd)-max(start, oStart))
		added := (end - start) - overlap
		if added != 0 || start < oStart || end > oEnd {
			// The rollup grows by trigger, by what counted_ms grows.
			if _, err := tx.ExecContext(ctx,
				"UPDATE usage SET start_ms = ?, end_ms = ?, counted_ms = counted_ms + ? WHERE id = ?",
				min(start, oStart), max(end, oEnd), added, id); err != nil {
				return tailSeen{}, fmt.Errorf("extend interval: %w", err)
			}
		}
	} else {
		if iv.AppID != 0 {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM apps WHERE id = ?", iv.AppID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return tailSeen{}, &ValidationError{Field: "app_id", Reason: fmt.Sprintf("no app with id %d", iv.AppID), Err: ErrNotFound}
			}
			if err != nil {
				return tailSeen{}, fmt.Errorf("look up app: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO usage (child_id, app_id, kind, session, day, start_ms, end_ms, counted_ms)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			cid, iv.AppID, iv.Kind, iv.Session, iv.Day, start, end, end-start); err != nil {
			return tailSeen{}, fmt.Errorf("insert interval: %w", err)
		}
	}
	// The newest interval of this kind (not always the one just written: a
	// late heartbeat may extend an older one) is what the next flush extends.
	t := tailSeen{key: keyOf(iv), tail: tail{cid: cid}}
	if err := tx.QueryRowContext(ctx,
		`SELECT id, start_ms, end_ms FROM usage
		 WHERE child_id = ? AND app_id = ? AND kind = ? AND session = ? AND day = ?
		 ORDER BY end_ms DESC LIMIT 1`,
		cid, iv.AppID, iv.Kind, iv.Session, iv.Day).Scan(&t.id, &t.start, &t.end); err != nil {
		return tailSeen{}, fmt.Errorf("read newest interval: %w", err)
	}
	return t, nil
}

// DayUsage is one child's day: time used and time granted.
type DayUsage struct {
	Day    string
	Screen time.Duration // all screen time
	Games  time.Duration // all game time (also counted in Screen by the accountant when in front)
	// PerApp is screen time per foreground app (key 0: no known app).
	PerApp map[int64]time.Duration
	// PerGame is game time per game app.
	PerGame       map[int64]time.Duration
	GrantedScreen time.Duration
	GrantedGames  time.Duration
}

// Today returns a child's usage and grants for one day, from the rollups.
func (s *Store) Today(ctx context.Context, child, day string) (DayUsage, error) {
	if err := checkDay("day", day); err != nil {
		return DayUsage{}, fmt.Errorf("store: today: %w", err)
	}
	u := DayUsage{Day: day, PerApp: map[int64]time.Duration{}, PerGame: map[int64]time.Duration{}}
	err := s.read(ctx, "today", func(tx *sql.Tx) error {
		cid, err := childID(ctx, tx, child)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx,
			`SELECT 0, app_id, screen_ms, game_ms FROM rollups WHERE child_id = ?1 AND day = ?2
			 UNION ALL
			 SELECT 1, kind = 'game', sum(ms), 0 FROM grants WHERE child_id = ?1 AND day = ?2 GROUP BY kind`, cid, day)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var grant bool
			var key, screen, game int64
			if err := rows.Scan(&grant, &key, &screen, &game); err != nil {
				return fmt.Errorf("scan: %w", err)
			}
			switch {
			case grant && key == 1:
				u.GrantedGames += durMs(screen)
			case grant:
				u.GrantedScreen += durMs(screen)
			default:
				u.Screen += durMs(screen)
				u.Games += durMs(game)
				if screen > 0 {
					u.PerApp[key] = durMs(screen)
				}
				if game > 0 {
					u.PerGame[key] = durMs(game)
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		return DayUsage{}, err
	}
	return u, nil
}

// Row is one line of a Summary.
type Row struct {
	Key    string // the day, the app's name, or the category ("" = none/unknown)
	AppID  int64  // for by "app": the app (0 = no known app)
	Screen time.Duration
	Games  time.Duration
}

// Summary totals a child's usage over the days from..to (inclusive), by
// "day" (in date order, days without usage left out), "app" or "category"
// (most used first). It reads the daily rollups only.
func (s *Store) Summary(ctx context.Context, child, from, to, by string) ([]Row, error) {
	if err := checkDay("from", from); err != nil {
		return nil, fmt.Errorf("store: summary: %w", err)
	}
	if err := checkDay("to", to); err != nil {
		return nil, fmt.Errorf("store: summary: %w", err)
	}
	if to < from {
		return nil, fmt.Errorf("store: summary: %w", invalid("to", "%s is before from %s", to, from))
	}
	var q string
	switch by {
	case "day":
		q = `SELECT day, 0, sum(screen_ms), sum(game_ms) FROM rollups
		     WHERE child_id = ? AND day BETWEEN ? AND ? GROUP BY day ORDER BY day`
	case "app":
		q = `SELECT a.name, r.app_id, sum(r.screen_ms) AS s, sum(r.game_ms) AS g
		     FROM rollups r JOIN apps a ON a.id = r.app_id
		     WHERE r.child_id = ? AND r.day BETWEEN ? AND ? GROUP BY r.app_id ORDER BY s + g DESC, a.name`
	case "category":
		q = `SELECT a.category, 0, sum(r.screen_ms) AS s, sum(r.game_ms) AS g
		     FROM rollups r JOIN apps a ON a.id = r.app_id
		     WHERE r.child_id = ? AND r.day BETWEEN ? AND ? GROUP BY a.category ORDER BY s + g DESC, a.category`
	default:
		return nil, fmt.Errorf("store: summary: %w", invalid("by", "%q is not \"day\", \"app\" or \"category\"", by))
	}
	var out []Row
	err := s.read(ctx, "summary", func(tx *sql.Tx) error {
		cid, err := childID(ctx, tx, child)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, q, cid, from, to)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r Row
			var screen, game int64
			if err := rows.Scan(&r.Key, &r.AppID, &screen, &game); err != nil {
				return fmt.Errorf("scan: %w", err)
			}
			r.Screen, r.Games = durMs(screen), durMs(game)
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// AddGrant gives a child extra time of one kind for one day, and appends a
// "grant" event, in one transaction.
func (s *Store) AddGrant(ctx context.Context, child, day string, kind Kind, d time.Duration, by string) error {
	if err := checkGrant(day, kind, d, by); err != nil {
		return fmt.Errorf("store: add grant: %w", err)
	}
	return s.write(ctx, "add grant", func(tx *sql.Tx) error {
		cid, err := childID(ctx, tx, child)
		if err != nil {
			return err
		}
		return s.insertGrant(ctx, tx, cid, child, day, kind, d, by, 0)
	})
}

func checkGrant(day string, kind Kind, d time.Duration, by string) error {
	if err := checkDay("day", day); err != nil {
		return err
	}
	if err := checkKind("kind", kind); err != nil {
		return err
	}
	if d%time.Millisecond != 0 {
		d = d.Truncate(time.Millisecond)
	}
	if err := checkDuration("duration", d); err != nil {
		return err
	}
	return checkText("by", by, true, 128)
}

func (s *Store) insertGrant(ctx context.Context, tx *sql.Tx, cid int64, child, day string, kind Kind, d time.Duration, by string, requestID int64) error {
	now := s.now()
	var rid sql.NullInt64
	if requestID != 0 {
		rid = sql.NullInt64{Int64: requestID, Valid: true}
	}
	if _, err := tx.ExecContext(ctx,
		"INSERT INTO grants (child_id, day, kind, ms, by, at_ms, request_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
		cid, day, kind, d.Milliseconds(), by, toMs(now), rid); err != nil {
		return fmt.Errorf("insert grant: %w", err)
	}
	detail := map[string]any{"day": day, "kind": string(kind), "seconds": d.Seconds(), "by": by}
	if requestID != 0 {
		detail["request"] = requestID
	}
	_, err := appendEvent(ctx, tx, Event{At: now, Child: child, Kind: "grant", Detail: detail}, cid)
	return err
}
