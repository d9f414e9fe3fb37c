package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
)

// WebBlock is a number of blocked lookups of one child, day and category;
// Name is set only for the per-domain detail (a parent's setting).
type WebBlock struct {
	Child    string
	Day      string // YYYY-MM-DD, the agent's local day
	Category string
	Name     string
	Count    int64
}

var webCategoryRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// AddWebBlocked adds counts of blocked lookups, in one transaction. A
// block with a Name also counts in the per-name detail.
func (s *Store) AddWebBlocked(ctx context.Context, bs []WebBlock) error {
	for _, b := range bs {
		if err := checkDay("day", b.Day); err != nil {
			return err
		}
		switch {
		case !webCategoryRE.MatchString(b.Category):
			return invalid("category", "want a category name")
		case b.Count <= 0:
			return invalid("count", "must be more than 0")
		case len(b.Name) > 253:
			return invalid("name", "longer than 253 characters")
		}
	}
	return s.write(ctx, "web blocked", func(tx *sql.Tx) error {
		ids := map[string]int64{}
		for _, b := range bs {
			id, ok := ids[b.Child]
			if !ok {
				var err error
				if id, err = childID(ctx, tx, b.Child); err != nil {
					return err
				}
				ids[b.Child] = id
			}
			if b.Name != "" {
				if _, err := tx.ExecContext(ctx, `INSERT INTO web_blocked_names (child_id, day, name, category, count) VALUES (?, ?, ?, ?, ?)
					ON CONFLICT (child_id, day, name) DO UPDATE SET count = count + excluded.count`, id, b.Day, b.Name, b.Category, b.Count); err != nil {
					return fmt.Errorf("names: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO web_blocked (child_id, day, category, count) VALUES (?, ?, ?, ?)
				ON CONFLICT (child_id, day, category) DO UPDATE SET count = count + excluded.count`, id, b.Day, b.Category, b.Count); err != nil {
				return fmt.Errorf("counts: %w", err)
			}
		}
		return nil
	})
}

// WebBlocked is a child's blocked lookups of a day, by category.
func (s *Store) WebBlocked(ctx context.Context, child, day string) (map[string]int64, error) {
	out := map[string]int64{}
	err := s.read(ctx, "web blocked", func(tx *sql.Tx) error {
		id, err := childID(ctx, tx, child)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT category, count FROM web_blocked WHERE child_id = ? AND day = ?`, id, day)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c string
			var n int64
			if err := rows.Scan(&c, &n); err != nil {
				return err
			}
			out[c] = n
		}
		return rows.Err()
	})
	return out, err
}

// WebBlockedNames is a child's blocked names of a day with their counts
// (only those recorded while the detail was on).
func (s *Store) WebBlockedNames(ctx context.Context, child, day string) ([]WebBlock, error) {
	var out []WebBlock
	err := s.read(ctx, "web blocked names", func(tx *sql.Tx) error {
		id, err := childID(ctx, tx, child)
		if err != nil {
			return err
		}
		out, err = scanAll(ctx, tx, func(r *sql.Rows) (WebBlock, error) {
			b := WebBlock{Child: child, Day: day}
			err := r.Scan(&b.Name, &b.Category, &b.Count)
			return b, err
		}, `SELECT name, category, count FROM web_blocked_names WHERE child_id = ? AND day = ? ORDER BY count DESC, name`, id, day)
		return err
	})
	return out, err
}

// ExportWeb is one row of a child's blocked-lookup counts (Name only for
// the detail kept while the setting was on).
type ExportWeb struct {
	Day      string `json:"day"`
	Category string `json:"category"`
	Name     string `json:"name,omitempty"`
	Count    int64  `json:"count"`
}

func exportWeb(ctx context.Context, tx *sql.Tx, cid int64) ([]ExportWeb, error) {
	return scanAll(ctx, tx, func(r *sql.Rows) (ExportWeb, error) {
		var w ExportWeb
		err := r.Scan(&w.Day, &w.Category, &w.Name, &w.Count)
		return w, err
	}, `SELECT day, category, '', count FROM web_blocked WHERE child_id = ?1
	    UNION ALL SELECT day, category, name, count FROM web_blocked_names WHERE child_id = ?1
	    ORDER BY 1, 2, 3`, cid)
}
