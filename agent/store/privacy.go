package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// ExportFormat names the layout of Export's JSON.
const ExportFormat = "kidtime-export/1"

// ExportDoc is the JSON document Export returns: everything the store holds
// about one child.
type ExportDoc struct {
	Format     string          `json:"format"`
	ExportedAt time.Time       `json:"exported_at"`
	Child      ExportChild     `json:"child"`
	Policies   []ExportPolicy  `json:"policies"`
	Usage      []ExportUsage   `json:"usage"`
	Daily      []ExportDaily   `json:"daily"`
	Grants     []ExportGrant   `json:"grants"`
	Requests   []ExportRequest `json:"requests"`
	Events     []ExportEvent   `json:"events"`
	Apps       []ExportApp     `json:"apps"`
	// Web is the child's blocked-lookup counts (web.go).
	Web []ExportWeb `json:"web"`
}

// ExportChild is the child's record.
type ExportChild struct {
	Name      string    `json:"name"`
	BirthYear int       `json:"birth_year"`
	Accounts  []string  `json:"accounts"`
	CreatedAt time.Time `json:"created_at"`
}

// ExportPolicy is one saved policy version.
type ExportPolicy struct {
	Version int64           `json:"version"`
	Policy  json.RawMessage `json:"policy"`
	By      string          `json:"by"`
	At      time.Time       `json:"at"`
}

// ExportUsage is one detail interval.
type ExportUsage struct {
	AppID          int64     `json:"app_id"`
	Kind           Kind      `json:"kind"`
	Session        string    `json:"session"`
	Day            string    `json:"day"`
	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	CountedSeconds float64   `json:"counted_seconds"`
}

// ExportDaily is one daily rollup row.
type ExportDaily struct {
	Day           string  `json:"day"`
	AppID         int64   `json:"app_id"`
	ScreenSeconds float64 `json:"screen_seconds"`
	GameSeconds   float64 `json:"game_seconds"`
}

// ExportGrant is one grant of extra time.
type ExportGrant struct {
	Day       string    `json:"day"`
	Kind      Kind      `json:"kind"`
	Seconds   float64   `json:"seconds"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	RequestID int64     `json:"request_id,omitempty"`
}

// ExportRequest is one request for time.
type ExportRequest struct {
	ID             int64      `json:"id"`
	Kind           Kind       `json:"kind"`
	AmountSeconds  float64    `json:"amount_seconds"`
	Reason         string     `json:"reason"`
	Status         string     `json:"status"`
	GrantedSeconds float64    `json:"granted_seconds"`
	AnsweredBy     string     `json:"answered_by,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	AnsweredAt     *time.Time `json:"answered_at,omitempty"`
	Day            string     `json:"day"`
	// App is the program a request of kind "app" is for.
	App *RequestApp `json:"app,omitempty"`
}

// ExportEvent is one event about the child.
type ExportEvent struct {
	ID     int64          `json:"id"`
	At     time.Time      `json:"at"`
	Kind   string         `json:"kind"`
	Detail map[string]any `json:"detail,omitempty"`
}

// ExportApp is an app that appears in the child's usage.
type ExportApp struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Path     string `json:"path"`
	SHA256   string `json:"sha256"`
	Category string `json:"category,omitempty"`
	Rating   string `json:"rating,omitempty"`
}

// Export returns, as indented JSON (see type ExportDoc), everything the store
// holds about one child, read from one consistent snapshot.
func (s *Store) Export(ctx context.Context, child string) ([]byte, error) {
	x := ExportDoc{Format: ExportFormat, ExportedAt: s.now().UTC().Truncate(time.Millisecond)}
	err := s.read(ctx, "export", func(tx *sql.Tx) error {
		cid, err := childID(ctx, tx, child)
		if err != nil {
			return err
		}
		cs, err := queryChildren(ctx, tx, "WHERE c.id = ?", cid)
		if err != nil || len(cs) != 1 {
			return fmt.Errorf("read child: %v", err)
		}
		c := cs[0]
		x.Child = ExportChild{Name: c.Name, BirthYear: c.BirthYear, Accounts: c.Accounts, CreatedAt: c.CreatedAt}
		if x.Child.Accounts == nil {
			x.Child.Accounts = []string{}
		}
		ps, err := queryPolicies(ctx, tx, cid, c.Name, -1)
		if err != nil {
			return err
		}
		x.Policies = []ExportPolicy{}
		for i := len(ps) - 1; i >= 0; i-- {
			p := ps[i]
			x.Policies = append(x.Policies, ExportPolicy{Version: p.Version, Policy: json.RawMessage(p.JSON), By: p.By, At: p.At})
		}
		if x.Usage, err = scanAll(ctx, tx, func(r *sql.Rows) (ExportUsage, error) {
			var u ExportUsage
			var start, end, counted int64
			err := r.Scan(&u.AppID, &u.Kind, &u.Session, &u.Day, &start, &end, &counted)
			u.Start, u.End, u.CountedSeconds = fromMs(start), fromMs(end), durMs(counted).Seconds()
			return u, err
		}, `SELECT app_id, kind, session, day, start_ms, end_ms, counted_ms FROM usage WHERE child_id = ? ORDER BY start_ms, id`, cid); err != nil {
			return fmt.Errorf("usage: %w", err)
		}
		if x.Daily, err = scanAll(ctx, tx, func(r *sql.Rows) (ExportDaily, error) {
			var d ExportDaily
			var screen, game int64
			err := r.Scan(&d.Day, &d.AppID, &screen, &game)
			d.ScreenSeconds, d.GameSeconds = durMs(screen).Seconds(), durMs(game).Seconds()
			return d, err
		}, `SELECT day, app_id, screen_ms, game_ms FROM rollups WHERE child_id = ? ORDER BY day, app_id`, cid); err != nil {
			return fmt.Errorf("rollups: %w", err)
		}
		if x.Grants, err = scanAll(ctx, tx, func(r *sql.Rows) (ExportGrant, error) {
			var g ExportGrant
			var ms, at int64
			var rid sql.NullInt64
			err := r.Scan(&g.Day, &g.Kind, &ms, &g.By, &at, &rid)
			g.Seconds, g.At, g.RequestID = durMs(ms).Seconds(), fromMs(at), rid.Int64
			return g, err
		}, `SELECT day, kind, ms, by, at_ms, request_id FROM grants WHERE child_id = ? ORDER BY at_ms, id`, cid); err != nil {
			return fmt.Errorf("grants: %w", err)
		}
		rs, err := queryRequests(ctx, tx, "WHERE r.child_id = ?", cid)
		if err != nil {
			return err
		}
		x.Requests = []ExportRequest{}
		for i := len(rs) - 1; i >= 0; i-- {
			r := rs[i]
			er := ExportRequest{ID: r.ID, Kind: r.Kind, AmountSeconds: r.Amount.Seconds(), Reason: r.Reason, Status: r.Status,
				GrantedSeconds: r.Granted.Seconds(), AnsweredBy: r.AnsweredBy, CreatedAt: r.CreatedAt, Day: r.Day}
			if !r.AnsweredAt.IsZero() {
				at := r.AnsweredAt
				er.AnsweredAt = &at
			}
			if r.Kind == KindApp {
				app := r.App
				er.App = &app
			}
			x.Requests = append(x.Requests, er)
		}
		es, err := queryEvents(ctx, tx, "WHERE e.child_id = ?", cid)
		if err != nil {
			return err
		}
		x.Events = []ExportEvent{}
		for _, e := range es {
			x.Events = append(x.Events, ExportEvent{ID: e.ID, At: e.At, Kind: e.Kind, Detail: e.Detail})
		}
		apps, err := queryApps(ctx, tx,
			`WHERE id != 0 AND (id IN (SELECT app_id FROM usage WHERE child_id = ?1) OR id IN (SELECT app_id FROM rollups WHERE child_id = ?1))`, cid)
		if err != nil {
			return err
		}
		x.Apps = []ExportApp{}
		for _, a := range apps {
			x.Apps = append(x.Apps, ExportApp{ID: a.ID, Name: a.Name, Path: a.Path, SHA256: a.SHA256, Category: a.Category, Rating: a.Rating})
		}
		if x.Web, err = exportWeb(ctx, tx, cid); err != nil {
			return fmt.Errorf("web: %w", err)
		}
		if x.Web == nil {
			x.Web = []ExportWeb{}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("store: export: encode: %w", err)
	}
	return b, nil
}

func scanAll[T any](ctx context.Context, q queryer, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// RemoveChild is Erase.
func (s *Store) RemoveChild(ctx context.Context, name string) error { return s.Erase(ctx, name) }

// Erase removes one child and everything about them: accounts, policies,
// usage, rollups, grants, requests, their events, events without a child
// whose detail names them or one of their accounts, and app paths inside
// their home folders. Deleted rows are overwritten (secure_delete), the WAL
// is checkpointed and truncated, and existing backups are replaced by one
// made after the erase. An "erase" event without personal data records it.
// Files moved aside as corrupt are not touched.
func (s *Store) Erase(ctx context.Context, child string) error {
	err := s.write(ctx, "erase", func(tx *sql.Tx) error {
		cid, err := childID(ctx, tx, child)
		if err != nil {
			return err
		}
		cs, err := queryChildren(ctx, tx, "WHERE c.id = ?", cid)
		if err != nil || len(cs) != 1 {
			return fmt.Errorf("read child: %v", err)
		}
		names := append([]string{cs[0].Name}, cs[0].Accounts...)
		namesJSON, _ := json.Marshal(names)
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM events WHERE child_id IS NULL AND EXISTS (
			   SELECT 1 FROM json_tree(events.detail) t, json_each(?) n
			   WHERE lower(t.atom) = lower(n.value) OR lower(t.key) = lower(n.value))`, string(namesJSON)); err != nil {
			return fmt.Errorf("events naming the child: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM children WHERE id = ?", cid); err != nil {
			return fmt.Errorf("delete child: %w", err)
		}
		for _, a := range cs[0].Accounts {
			match := `id != 0 AND (instr(path, '/' || ?1 || '/') OR instr(path, '\' || ?1 || '\'))`
			if _, err := tx.ExecContext(ctx,
				`DELETE FROM apps WHERE `+match+`
				 AND id NOT IN (SELECT app_id FROM usage) AND id NOT IN (SELECT app_id FROM rollups)`, a); err != nil {
				return fmt.Errorf("apps in the child's folders: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE apps SET path = '' WHERE `+match, a); err != nil {
				return fmt.Errorf("apps in the child's folders: %w", err)
			}
		}
		_, err = appendEvent(ctx, tx, Event{At: s.now(), Kind: "erase"}, 0)
		return err
	})
	if err != nil {
		return err
	}
	s.log.Info("store: erased a child's data")
	if _, err := s.w.ExecContext(ctx, "PRAGMA incremental_vacuum"); err != nil {
		return fmt.Errorf("store: erase: vacuum: %w", err)
	}
	if err := s.checkpoint(ctx); err != nil {
		s.log.Warn("store: erase: WAL not truncated", "err", err)
	}
	if bs, err := s.backups(); err == nil && len(bs) > 0 {
		if _, err := s.backup(ctx, 1); err != nil {
			return fmt.Errorf("store: erase: replace backups: %w", err)
		}
	}
	return nil
}

// pruneBatch is how many rows one Prune transaction deletes: small enough
// that a writer waits a few milliseconds at most.
const pruneBatch = 500

// Prune deletes what is past retention: detail intervals that ended before
// now - detail retention; rollups and grants for days before now - rollup
// retention (in now's location); events and requests older than that,
// except requests for programs (kind "app"), which hold a parent's lasting
// yes or no. It works in small transactions so writers are never held up long,
// then returns freed pages to the file system.
func (s *Store) Prune(ctx context.Context, now time.Time) error {
	detailCut := toMs(now.Add(-time.Duration(s.detail.Load())))
	longCut := now.Add(-time.Duration(s.rollups.Load()))
	dayCut := longCut.Format(time.DateOnly)
	steps := []struct {
		what, query string
		arg         any
	}{
		{"usage", `DELETE FROM usage WHERE id IN (SELECT id FROM usage WHERE end_ms < ? LIMIT ` + fmt.Sprint(pruneBatch) + `)`, detailCut},
		{"rollups", `DELETE FROM rollups WHERE (child_id, day, app_id) IN
		  (SELECT child_id, day, app_id FROM rollups WHERE day < ? LIMIT ` + fmt.Sprint(pruneBatch) + `)`, dayCut},
		{"grants", `DELETE FROM grants WHERE id IN (SELECT id FROM grants WHERE day < ? LIMIT ` + fmt.Sprint(pruneBatch) + `)`, dayCut},
		{"requests", `DELETE FROM requests WHERE id IN
		  (SELECT id FROM requests WHERE created_ms < ? AND kind != 'app' LIMIT ` + fmt.Sprint(pruneBatch) + `)`, toMs(longCut)},
		{"events", `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at_ms < ? LIMIT ` + fmt.Sprint(pruneBatch) + `)`, toMs(longCut)},
		{"web counts", `DELETE FROM web_blocked WHERE (child_id, day, category) IN
		  (SELECT child_id, day, category FROM web_blocked WHERE day < ? LIMIT ` + fmt.Sprint(pruneBatch) + `)`, dayCut},
		{"web names", `DELETE FROM web_blocked_names WHERE (child_id, day, name) IN
		  (SELECT child_id, day, name FROM web_blocked_names WHERE day < ? LIMIT ` + fmt.Sprint(pruneBatch) + `)`, now.Add(-time.Duration(s.detail.Load())).Format(time.DateOnly)},
	}
	total := map[string]int64{}
	for _, st := range steps {
		for {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("store: prune: %w", err)
			}
			var n int64
			err := s.write(ctx, "prune "+st.what, func(tx *sql.Tx) error {
				res, err := tx.ExecContext(ctx, st.query, st.arg)
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return err
			}
			total[st.what] += n
			if n < pruneBatch {
				break
			}
		}
	}
	for {
		var free int64
		if err := s.w.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&free); err != nil {
			return fmt.Errorf("store: prune: freelist: %w", err)
		}
		if free == 0 {
			break
		}
		if _, err := s.w.ExecContext(ctx, "PRAGMA incremental_vacuum(256)"); err != nil {
			return fmt.Errorf("store: prune: vacuum: %w", err)
		}
		var after int64
		if err := s.w.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&after); err != nil {
			return fmt.Errorf("store: prune: freelist: %w", err)
		}
		if after >= free { // auto_vacuum is off (a database made before it was set)
			break
		}
	}
	s.log.Debug("store: pruned", "usage", total["usage"], "rollups", total["rollups"], "grants", total["grants"],
		"requests", total["requests"], "events", total["events"])
	return nil
}
