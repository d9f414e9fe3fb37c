package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Event is one entry of the append-only log: warnings shown, apps closed,
// locks, logouts, grants, requests and answers, PIN failures, clock jumps,
// agent start/stop, a missing companion, a restore from backup...
type Event struct {
	ID     int64
	At     time.Time
	Child  string // "" = not about one child
	Kind   string // lowercase: "warning", "app_closed", "lock", "grant", ...
	Detail map[string]any
}

// AppendEvent adds an event (At defaults to now) and returns it with its ID.
// Events are never changed; Prune and Erase are the only ways they go.
func (s *Store) AppendEvent(ctx context.Context, e Event) (Event, error) {
	if err := checkEvent(e); err != nil {
		return Event{}, fmt.Errorf("store: append event: %w", err)
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	err := s.write(ctx, "append event", func(tx *sql.Tx) error {
		var cid int64
		if e.Child != "" {
			var err error
			if cid, err = childID(ctx, tx, e.Child); err != nil {
				return err
			}
		}
		var err error
		e, err = appendEvent(ctx, tx, e, cid)
		return err
	})
	if err != nil {
		return Event{}, err
	}
	return e, nil
}

func checkEvent(e Event) error {
	if !eventKindRe.MatchString(e.Kind) {
		return invalid("kind", "%q must be 1-64 characters a-z 0-9 _ . - starting with a letter", e.Kind)
	}
	if _, err := json.Marshal(e.Detail); err != nil {
		return invalid("detail", "cannot be encoded as JSON: %v", err)
	}
	return nil
}

// appendEvent inserts e inside tx; cid is the child's id (0 = none).
func appendEvent(ctx context.Context, tx *sql.Tx, e Event, cid int64) (Event, error) {
	detail := []byte("{}")
	if len(e.Detail) > 0 {
		var err error
		if detail, err = json.Marshal(e.Detail); err != nil {
			return Event{}, &ValidationError{Field: "detail", Reason: "cannot be encoded as JSON", Err: err}
		}
	}
	var child sql.NullInt64
	if cid != 0 {
		child = sql.NullInt64{Int64: cid, Valid: true}
	}
	e.At = e.At.UTC().Truncate(time.Millisecond)
	if err := tx.QueryRowContext(ctx,
		"INSERT INTO events (at_ms, child_id, kind, detail) VALUES (?, ?, ?, ?) RETURNING id",
		toMs(e.At), child, e.Kind, string(detail)).Scan(&e.ID); err != nil {
		return Event{}, fmt.Errorf("insert event: %w", err)
	}
	return e, nil
}

// Events returns the events at or after since, oldest first; child ""
// returns everyone's.
func (s *Store) Events(ctx context.Context, since time.Time, child string) ([]Event, error) {
	var out []Event
	err := s.read(ctx, "events", func(tx *sql.Tx) error {
		where, args := "WHERE e.at_ms >= ?", []any{toMs(since)}
		if child != "" {
			cid, err := childID(ctx, tx, child)
			if err != nil {
				return err
			}
			where += " AND e.child_id = ?"
			args = append(args, cid)
		}
		var err error
		out, err = queryEvents(ctx, tx, where, args...)
		return err
	})
	return out, err
}

func queryEvents(ctx context.Context, q queryer, where string, args ...any) ([]Event, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT e.id, e.at_ms, ifnull(c.name, ''), e.kind, e.detail
		 FROM events e LEFT JOIN children c ON c.id = e.child_id `+where+` ORDER BY e.at_ms, e.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("query events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var detail string
		if err := rows.Scan(&e.ID, &at, &e.Child, &e.Kind, &detail); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		e.At = fromMs(at)
		if detail != "{}" {
			if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
				return nil, fmt.Errorf("decode event %d: %w", e.ID, err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Request is a child's ask for more time.
type Request struct {
	ID         int64
	Child      string
	Kind       Kind
	Amount     time.Duration
	Reason     string
	Status     string // "pending", "approved" or "denied"
	Granted    time.Duration
	AnsweredBy string
	CreatedAt  time.Time
	AnsweredAt time.Time
	Day        string // the local day the time is for
	// App is the program a request of kind KindApp is for (approvals.go).
	App RequestApp
}

// Request statuses.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusDenied   = "denied"
)

// AddRequest stores a new pending request (CreatedAt defaults to now) and
// appends a "request" event, in one transaction.
func (s *Store) AddRequest(ctx context.Context, r Request) (Request, error) {
	if err := checkKind("kind", r.Kind); err != nil {
		return Request{}, fmt.Errorf("store: add request: %w", err)
	}
	if err := checkDuration("amount", r.Amount); err != nil {
		return Request{}, fmt.Errorf("store: add request: %w", err)
	}
	if err := checkText("reason", r.Reason, false, 500); err != nil {
		return Request{}, fmt.Errorf("store: add request: %w", err)
	}
	if err := checkDay("day", r.Day); err != nil {
		return Request{}, fmt.Errorf("store: add request: %w", err)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now()
	}
	r.CreatedAt = r.CreatedAt.UTC().Truncate(time.Millisecond)
	r.Amount = r.Amount.Truncate(time.Millisecond)
	r.Status, r.Granted, r.AnsweredBy, r.AnsweredAt = StatusPending, 0, "", time.Time{}
	err := s.write(ctx, "add request", func(tx *sql.Tx) error {
		cid, err := childID(ctx, tx, r.Child)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx,
			`INSERT INTO requests (child_id, kind, amount_ms, reason, created_ms, day)
			 VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			cid, r.Kind, r.Amount.Milliseconds(), r.Reason, toMs(r.CreatedAt), r.Day).Scan(&r.ID); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		_, err = appendEvent(ctx, tx, Event{At: r.CreatedAt, Child: r.Child, Kind: "request", Detail: map[string]any{
			"request": r.ID, "kind": string(r.Kind), "seconds": r.Amount.Seconds(), "reason": r.Reason, "day": r.Day,
		}}, cid)
		return err
	})
	if err != nil {
		return Request{}, err
	}
	return r, nil
}

// Requests lists requests, newest first; child "" and status "" match all.
func (s *Store) Requests(ctx context.Context, child, status string) ([]Request, error) {
	switch status {
	case "", StatusPending, StatusApproved, StatusDenied:
	default:
		return nil, fmt.Errorf("store: requests: %w", invalid("status", "%q is not pending, approved or denied", status))
	}
	var out []Request
	err := s.read(ctx, "requests", func(tx *sql.Tx) error {
		where, args := "WHERE 1", []any{}
		if child != "" {
			cid, err := childID(ctx, tx, child)
			if err != nil {
				return err
			}
			where += " AND r.child_id = ?"
			args = append(args, cid)
		}
		if status != "" {
			where += " AND r.status = ?"
			args = append(args, status)
		}
		var err error
		out, err = queryRequests(ctx, tx, where, args...)
		return err
	})
	return out, err
}

// Request returns one request, or an error wrapping ErrNotFound.
func (s *Store) Request(ctx context.Context, id int64) (Request, error) {
	var out []Request
	err := s.read(ctx, "request", func(tx *sql.Tx) error {
		var err error
		out, err = queryRequests(ctx, tx, "WHERE r.id = ?", id)
		return err
	})
	if err != nil {
		return Request{}, err
	}
	if len(out) == 0 {
		return Request{}, fmt.Errorf("store: request %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

func queryRequests(ctx context.Context, q queryer, where string, args ...any) ([]Request, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT r.id, c.name, r.kind, r.amount_ms, r.reason, r.status, r.granted_ms, r.answered_by,
		        r.created_ms, r.answered_ms, r.day, r.app_key, r.app_name, r.app_path
		 FROM requests r JOIN children c ON c.id = r.child_id `+where+` ORDER BY r.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("query requests: %w", err)
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		var r Request
		var amount, granted, created, answered int64
		if err := rows.Scan(&r.ID, &r.Child, &r.Kind, &amount, &r.Reason, &r.Status, &granted, &r.AnsweredBy,
			&created, &answered, &r.Day, &r.App.Key, &r.App.Name, &r.App.Path); err != nil {
			return nil, fmt.Errorf("scan request: %w", err)
		}
		r.Amount, r.Granted = durMs(amount), durMs(granted)
		r.CreatedAt, r.AnsweredAt = fromMs(created), fromMs(answered)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Answer approves or denies a pending request. Approving grants `granted`
// (0 = the amount asked for) for the request's day and kind, in the same
// transaction, with a "grant" event; every answer appends an "answer" event.
// A request that is no longer pending gives ErrAlreadyAnswered.
func (s *Store) Answer(ctx context.Context, id int64, approve bool, granted time.Duration, by string) (Request, error) {
	if err := checkText("by", by, true, 128); err != nil {
		return Request{}, fmt.Errorf("store: answer: %w", err)
	}
	if granted < 0 || granted > 24*time.Hour {
		return Request{}, fmt.Errorf("store: answer: %w", invalid("granted", "%v, must be between 0 and 24h", granted))
	}
	granted = granted.Truncate(time.Millisecond)
	var out Request
	err := s.write(ctx, "answer", func(tx *sql.Tx) error {
		rs, err := queryRequests(ctx, tx, "WHERE r.id = ?", id)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return fmt.Errorf("request %d: %w", id, ErrNotFound)
		}
		r := rs[0]
		if r.Status != StatusPending {
			return fmt.Errorf("%w: request %d was %s by %s at %s", ErrAlreadyAnswered, id, r.Status, r.AnsweredBy,
				r.AnsweredAt.Format(time.RFC3339))
		}
		r.Status, r.Granted = StatusDenied, 0
		if approve && r.Kind == KindApp {
			r.Status = StatusApproved // a program is allowed: no time is given
		} else if approve {
			r.Status, r.Granted = StatusApproved, granted
			if r.Granted == 0 {
				r.Granted = r.Amount
			}
			if r.Granted == 0 {
				return invalid("granted", "zero, and the request asked for nothing")
			}
		}
		now := s.now()
		r.AnsweredBy, r.AnsweredAt = by, now.UTC().Truncate(time.Millisecond)
		res, err := tx.ExecContext(ctx,
			`UPDATE requests SET status = ?, granted_ms = ?, answered_by = ?, answered_ms = ?
			 WHERE id = ? AND status = 'pending'`,
			r.Status, r.Granted.Milliseconds(), by, toMs(r.AnsweredAt), id)
		if err != nil {
			return fmt.Errorf("update request: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("%w: request %d", ErrAlreadyAnswered, id)
		}
		cid, err := childID(ctx, tx, r.Child)
		if err != nil {
			return err
		}
		if approve && r.Kind != KindApp {
			if err := s.insertGrant(ctx, tx, cid, r.Child, r.Day, r.Kind, r.Granted, by, id); err != nil {
				return err
			}
		}
		if _, err := appendEvent(ctx, tx, answerEvent(r, now), cid); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return Request{}, err
	}
	return out, nil
}

// Setting returns a stored setting (PIN hash, TOTP secret, last trusted
// clock reading...), or an error wrapping ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.r.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: setting %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: setting %q: %w", key, err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// SetSetting stores a setting, replacing any earlier value. A nil value is
// stored as empty.
func (s *Store) SetSetting(ctx context.Context, key string, v []byte) error {
	if err := checkText("key", key, true, 128); err != nil {
		return fmt.Errorf("store: set setting: %w", err)
	}
	if v == nil {
		v = []byte{}
	}
	return s.write(ctx, "set setting", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO settings (key, value, updated_ms) VALUES (?, ?, ?)
			 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms`,
			key, v, toMs(s.now()))
		return err
	})
}

// DayMarks rebuilds, from a child's events since midnight, the warnings
// already given and whether games are paused (so a restart does not warn
// twice nor forget a pause).
func (s *Store) DayMarks(ctx context.Context, child string, midnight time.Time) (warned []string, gamesPaused bool, err error) {
	evs, err := s.Events(ctx, midnight, child)
	if err != nil {
		return nil, false, fmt.Errorf("store: today's events: %w", err)
	}
	for _, e := range evs {
		switch e.Kind {
		case "warning":
			if k, ok := e.Detail["key"].(string); ok {
				warned = append(warned, k)
			}
		case "games_paused":
			gamesPaused = true
		case "games_resumed":
			gamesPaused = false
		}
	}
	return warned, gamesPaused, nil
}
