package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed schema/*.sql
var schemaFS embed.FS

//go:embed migrations/*.sql
var migrationsFS embed.FS

// migration turns a database of version-1 into version.
type migration struct {
	version int
	name    string
	sql     string
}

// firstVersion is the schema version a new database had before any
// migration existed; the migrations start after it.
const firstVersion = 1

// loadMigrations reads migrations/NNNN-name.sql in order.
func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationsFS, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []migration
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".sql")
		num, name, ok := strings.Cut(base, "-")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= firstVersion {
			return nil, fmt.Errorf("migration %s: name must be NNNN-name.sql with NNNN > %d", n, firstVersion)
		}
		b, err := migrationsFS.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", n, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := range ms {
		if want := firstVersion + 1 + i; ms[i].version != want {
			return nil, fmt.Errorf("migration %04d-%s: expected version %d (no gaps or duplicates)", ms[i].version, ms[i].name, want)
		}
	}
	return ms, nil
}

func loadSchema() (string, error) {
	names, err := fs.Glob(schemaFS, "schema/*.sql")
	if err != nil {
		return "", fmt.Errorf("list schema: %w", err)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		data, err := schemaFS.ReadFile(n)
		if err != nil {
			return "", fmt.Errorf("read schema %s: %w", n, err)
		}
		b.Write(data)
		b.WriteString("\n")
	}
	return b.String(), nil
}

// SchemaVersion is the version this program writes.
func SchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		return firstVersion
	}
	return ms[len(ms)-1].version
}

// migrate brings the database to the current schema in one transaction: a
// new database gets the schema and every migration recorded as applied; an
// old one runs its pending migrations, then the (idempotent) schema.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	schema, err := loadSchema()
	if err != nil {
		return err
	}
	latest := firstVersion
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	now := toMs(s.now())
	return s.write(ctx, "migrate", func(tx *sql.Tx) error {
		var tables, hasMig int
		if err := tx.QueryRowContext(ctx,
			`SELECT count(*), count(*) FILTER (WHERE name = 'schema_migrations')
			 FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(&tables, &hasMig); err != nil {
			return fmt.Errorf("inspect schema: %w", err)
		}
		if tables == 0 {
			if _, err := tx.ExecContext(ctx, schema); err != nil {
				return fmt.Errorf("create schema: %w", err)
			}
			if _, err := tx.ExecContext(ctx,
				"INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, 'initial', ?)", firstVersion, now); err != nil {
				return fmt.Errorf("record schema version: %w", err)
			}
			for _, m := range ms {
				if _, err := tx.ExecContext(ctx,
					"INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)", m.version, m.name, now); err != nil {
					return fmt.Errorf("record migration %d: %w", m.version, err)
				}
			}
			s.log.Info("store: created database", "path", s.path, "schema", latest)
			return nil
		}
		if hasMig == 0 {
			return fmt.Errorf("database has %d tables but no schema_migrations table: not a kidtime database", tables)
		}
		var cur int
		if err := tx.QueryRowContext(ctx, "SELECT ifnull(max(version), 0) FROM schema_migrations").Scan(&cur); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if cur > latest {
			return fmt.Errorf("%w: version %d, this program knows up to %d", ErrNewerSchema, cur, latest)
		}
		for _, m := range ms {
			if m.version <= cur {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %04d-%s: %w", m.version, m.name, err)
			}
			if _, err := tx.ExecContext(ctx,
				"INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)", m.version, m.name, now); err != nil {
				return fmt.Errorf("record migration %d: %w", m.version, err)
			}
			s.log.Info("store: migrated", "path", s.path, "to", m.version, "name", m.name)
		}
		if _, err := tx.ExecContext(ctx, schema); err != nil {
			return fmt.Errorf("apply schema: %w", err)
		}
		rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
		if err != nil {
			return fmt.Errorf("foreign_key_check: %w", err)
		}
		defer rows.Close()
		if rows.Next() {
			var table string
			var rowid sql.NullInt64
			var parent string
			var fkid int
			if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
				return fmt.Errorf("foreign_key_check: %w", err)
			}
			return fmt.Errorf("after migration: table %s row %d refers to a missing %s row", table, rowid.Int64, parent)
		}
		return rows.Err()
	})
}
