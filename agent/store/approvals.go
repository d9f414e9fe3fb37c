package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// KindApp is the kind of a request for a program, not for time: a program
// the child obtained waits for a parent's yes. It is never a kind of usage
// or of a grant.
const KindApp Kind = "app"

// RequestApp is the program a request of kind KindApp is for.
type RequestApp struct {
	// Key is the program's identity (monitor.ApprovalKey): one request per
	// program per child, and the answer stays with it.
	Key  string `json:"key"`
	Name string `json:"name"`
	Path string `json:"path"`
}

// ErrTooManyPending: a child already has as many programs waiting for an
// answer as allowed (it wraps ErrConflict).
var ErrTooManyPending = fmt.Errorf("%w: too many requests waiting", ErrConflict)

// AddAppRequest files a request for a program the child obtained, with an
// "app_request" event, in one transaction. A child has one request per
// program: when there is one already (waiting or answered), it is returned
// with created false and nothing is written. At most maxPending of a
// child's program requests may wait; one more gives ErrTooManyPending.
func (s *Store) AddAppRequest(ctx context.Context, child string, app RequestApp, maxPending int) (r Request, created bool, err error) {
	if err := checkText("app.key", app.Key, true, 128); err != nil {
		return Request{}, false, fmt.Errorf("store: add app request: %w", err)
	}
	if err := checkText("app.name", app.Name, false, 256); err != nil {
		return Request{}, false, fmt.Errorf("store: add app request: %w", err)
	}
	if err := checkText("app.path", app.Path, false, 4096); err != nil {
		return Request{}, false, fmt.Errorf("store: add app request: %w", err)
	}
	now := s.now()
	r = Request{Child: child, Kind: KindApp, Status: StatusPending, App: app,
		CreatedAt: now.UTC().Truncate(time.Millisecond), Day: now.Format(time.DateOnly)}
	err = s.write(ctx, "add app request", func(tx *sql.Tx) error {
		cid, err := childID(ctx, tx, child)
		if err != nil {
			return err
		}
		old, err := queryRequests(ctx, tx, "WHERE r.child_id = ? AND r.kind = 'app' AND r.app_key = ?", cid, app.Key)
		if err != nil {
			return err
		}
		if len(old) > 0 {
			r = old[0]
			return nil
		}
		var waiting int
		if err := tx.QueryRowContext(ctx,
			"SELECT count(*) FROM requests WHERE child_id = ? AND kind = 'app' AND status = 'pending'", cid).Scan(&waiting); err != nil {
			return fmt.Errorf("count waiting programs: %w", err)
		}
		if waiting >= maxPending {
			return fmt.Errorf("%w: %d programs of %s wait for an answer", ErrTooManyPending, waiting, child)
		}
		if err := tx.QueryRowContext(ctx,
			`INSERT INTO requests (child_id, kind, amount_ms, created_ms, day, app_key, app_name, app_path)
			 VALUES (?, 'app', 0, ?, ?, ?, ?, ?) RETURNING id`,
			cid, toMs(r.CreatedAt), r.Day, app.Key, app.Name, app.Path).Scan(&r.ID); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		created = true
		_, err = appendEvent(ctx, tx, Event{At: r.CreatedAt, Child: child, Kind: "app_request", Detail: map[string]any{
			"request": r.ID, "app": app.Name, "path": app.Path,
		}}, cid)
		return err
	})
	if err != nil {
		return Request{}, false, fmt.Errorf("store: add app request for %s: %w", child, err)
	}
	return r, created, nil
}

// AppAnswers returns the state of every program request: child name →
// program key → status (pending, approved or denied).
func (s *Store) AppAnswers(ctx context.Context) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	err := s.read(ctx, "app answers", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx,
			`SELECT c.name, r.app_key, r.status FROM requests r JOIN children c ON c.id = r.child_id WHERE r.kind = 'app'`)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var child, key, status string
			if err := rows.Scan(&child, &key, &status); err != nil {
				return fmt.Errorf("scan: %w", err)
			}
			if out[child] == nil {
				out[child] = map[string]string{}
			}
			out[child][key] = status
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// answerEvent is the event of a parent's answer: "answer" for time,
// "app_allowed" or "app_denied" for a program.
func answerEvent(r Request, at time.Time) Event {
	if r.Kind != KindApp {
		return Event{At: at, Child: r.Child, Kind: "answer", Detail: map[string]any{
			"request": r.ID, "status": r.Status, "seconds": r.Granted.Seconds(), "by": r.AnsweredBy,
		}}
	}
	kind := "app_denied"
	if r.Status == StatusApproved {
		kind = "app_allowed"
	}
	return Event{At: at, Child: r.Child, Kind: kind, Detail: map[string]any{
		"request": r.ID, "app": r.App.Name, "path": r.App.Path, "by": r.AnsweredBy,
	}}
}
