package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
)

// The agent flushes usage every few seconds, and almost every flush only
// moves the end of the intervals it wrote last (the screen's, a running
// game's). The Store remembers the newest interval of each kind it wrote
// (its tail) so that such a flush is one UPDATE of just those rows, with
// no lookup: the rollups follow by trigger. Anything the cache cannot
// vouch for goes the long way (addUsage in a transaction), which also
// refreshes the cache.

// tailKey is what makes intervals mergeable: child, app, kind, session, day.
type tailKey struct {
	child   string
	app     int64
	kind    Kind
	session string
	day     string
}

func keyOf(iv Interval) tailKey {
	return tailKey{child: iv.Child, app: iv.AppID, kind: iv.Kind, session: iv.Session, day: iv.Day}
}

// tail is the newest stored interval of one key.
type tail struct {
	id, cid    int64
	start, end int64 // ms
}

type tailSeen struct {
	key tailKey
	tail
}

// tailCache holds the tails, and the prepared UPDATE per number of rows.
type tailCache struct {
	mu    sync.Mutex
	tails map[tailKey]tail
	stmts map[int]*sql.Stmt
	hits  int // flushes written as one statement (tests)
}

// maxTails bounds the cache (a day has a handful of keys per child).
const maxTails = 256

func (c *tailCache) remember(seen []tailSeen) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tails == nil || len(c.tails)+len(seen) > maxTails {
		c.tails = map[tailKey]tail{}
	}
	for _, t := range seen {
		c.tails[t.key] = t.tail
	}
}

// reset forgets everything: the pools closed, or the file was replaced.
func (c *tailCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tails = nil
	for _, st := range c.stmts {
		_ = st.Close()
	}
	c.stmts = nil
}

// extension is one interval the cache can write in place.
type extension struct {
	key              tailKey
	t                tail
	start, end, more int64
}

// extendTails writes, in one statement, the intervals that extend (or fall
// inside) their cached tail, and returns the others for the long way. It
// writes nothing unless every interval is of the first sort: a flush is
// then one statement, or one transaction.
func (s *Store) extendTails(ctx context.Context, ivs []Interval) ([]Interval, error) {
	gap := s.gap.Milliseconds()
	c := &s.tails
	c.mu.Lock()
	var ext []extension
	for _, iv := range ivs {
		t, ok := c.tails[keyOf(iv)]
		start, end := toMs(iv.Start), toMs(iv.End)
		// The newest interval of the key merges when the one the long way
		// would pick is this one: it is in reach, and no newer one exists.
		if !ok || t.end < start-gap || t.start > end+gap || max(end, t.end)-min(start, t.start) > maxSpan.Milliseconds() {
			c.mu.Unlock()
			return ivs, nil
		}
		overlap := max(0, min(end, t.end)-max(start, t.start))
		more := (end - start) - overlap
		if more == 0 && start >= t.start && end <= t.end {
			continue // already recorded
		}
		ext = append(ext, extension{key: keyOf(iv), t: t, start: min(start, t.start), end: max(end, t.end), more: more})
	}
	c.mu.Unlock()
	if len(ext) == 0 {
		return nil, nil
	}
	if len(ext) > 1 && !distinct(ext) {
		return ivs, nil // two intervals of one key in a flush: the long way orders them
	}
	st, err := s.extendStmt(ctx, len(ext))
	if err != nil {
		return nil, err
	}
	args := make([]any, 0, 6*len(ext))
	for _, e := range ext {
		args = append(args, e.t.id, e.t.cid, e.t.end, e.start, e.end, e.more)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("extend intervals: %w", err)
	}
	done := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("extend intervals: %w", err)
		}
		done[id] = true
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("extend intervals: %w", err)
	}
	// What was written moves its tail; a row that was not there any more
	// (pruned, erased, or the file replaced) goes the long way.
	var rest []Interval
	c.mu.Lock()
	c.hits++
	for i, e := range ext {
		if done[e.t.id] {
			if c.tails != nil {
				c.tails[e.key] = tail{id: e.t.id, cid: e.t.cid, start: e.start, end: e.end}
			}
			continue
		}
		delete(c.tails, e.key)
		for _, iv := range ivs {
			if keyOf(iv) == ext[i].key {
				rest = append(rest, iv)
			}
		}
	}
	c.mu.Unlock()
	return rest, nil
}

func distinct(ext []extension) bool {
	seen := make(map[tailKey]bool, len(ext))
	for _, e := range ext {
		if seen[e.key] {
			return false
		}
		seen[e.key] = true
	}
	return true
}

// extendStmt is the UPDATE of n cached tails: each row is taken only if it
// is still the one cached (same id, child and end).
func (s *Store) extendStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	c := &s.tails
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[n]; ok {
		return st, nil
	}
	q := `UPDATE usage SET start_ms = v.column4, end_ms = v.column5, counted_ms = counted_ms + v.column6
	      FROM (VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", n), ", ") + `) AS v
	      WHERE usage.id = v.column1 AND usage.child_id = v.column2 AND usage.end_ms = v.column3
	      RETURNING usage.id`
	st, err := s.w.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if c.stmts == nil {
		c.stmts = map[int]*sql.Stmt{}
	}
	if len(c.stmts) >= 8 {
		for k, old := range c.stmts {
			_ = old.Close()
			delete(c.stmts, k)
		}
	}
	c.stmts[n] = st
	return st, nil
}
