package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Program is a program the agent learned by its identity: the file it is
// known by and what it was classified as.
type Program struct {
	Ident    string // agent/ident's identity, or "sha256:" + content hash
	Path     string
	SHA256   string
	Name     string
	Category string
	MinAge   int // -1 unknown
	Source   string
	Seen     time.Time // when it was last learned or changed
}

// MaxPrograms bounds the programs kept; the least recently learned go first.
const MaxPrograms = 8192

// SavePrograms records learned programs (a program already known by its
// identity is replaced) in one transaction, and keeps the MaxPrograms most
// recent.
func (s *Store) SavePrograms(ctx context.Context, ps []Program) error {
	for _, p := range ps {
		switch {
		case p.Ident == "" || len(p.Ident) > 256:
			return fmt.Errorf("store: save programs: %w", invalid("ident", "%q is empty or longer than 256 bytes", p.Ident))
		case p.Path == "" || len(p.Path) > 4096:
			return fmt.Errorf("store: save programs: %w", invalid("path", "program %s: path empty or longer than 4096 bytes", p.Ident))
		}
	}
	if len(ps) == 0 {
		return nil
	}
	now := toMs(s.now())
	return s.write(ctx, "save programs", func(tx *sql.Tx) error {
		for _, p := range ps {
			seen := toMs(p.Seen)
			if seen == 0 {
				seen = now
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO programs (ident, path, sha256, name, category, min_age, source, seen_ms)
				 VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				 ON CONFLICT (ident) DO UPDATE SET path = excluded.path, sha256 = excluded.sha256, name = excluded.name,
				   category = excluded.category, min_age = excluded.min_age, source = excluded.source, seen_ms = excluded.seen_ms`,
				p.Ident, p.Path, p.SHA256, p.Name, p.Category, p.MinAge, p.Source, seen); err != nil {
				return fmt.Errorf("program %s: %w", p.Ident, err)
			}
		}
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM programs WHERE ident NOT IN (SELECT ident FROM programs ORDER BY seen_ms DESC LIMIT ?)`, MaxPrograms); err != nil {
			return fmt.Errorf("prune programs: %w", err)
		}
		return nil
	})
}

// Programs returns every learned program, the most recent first.
func (s *Store) Programs(ctx context.Context) ([]Program, error) {
	var out []Program
	err := s.read(ctx, "programs", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx,
			`SELECT ident, path, sha256, name, category, min_age, source, seen_ms FROM programs ORDER BY seen_ms DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p Program
			var seen int64
			if err := rows.Scan(&p.Ident, &p.Path, &p.SHA256, &p.Name, &p.Category, &p.MinAge, &p.Source, &seen); err != nil {
				return err
			}
			p.Seen = time.UnixMilli(seen)
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}
