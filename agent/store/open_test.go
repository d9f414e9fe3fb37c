package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func TestOpenCreatesPrivateFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions; Windows ACLs are set by the installer")
	}
	s, _ := newStore(t)
	addChild(t, s, "An") // makes sure the -wal exists
	tests := []struct {
		name string
		path string
		want os.FileMode
	}{
		{"the directory is 0700", filepath.Dir(s.Path()), 0o700 | os.ModeDir},
		{"the database is 0600", s.Path(), 0o600},
		{"the WAL is 0600", s.Path() + "-wal", 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fi, err := os.Stat(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != tt.want {
				t.Errorf("mode %v; want %v", fi.Mode(), tt.want)
			}
		})
	}
	t.Run("WAL, synchronous NORMAL and foreign keys are on", func(t *testing.T) {
		var mode string
		var sync, fk int
		if err := s.w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("journal_mode %q, %v", mode, err)
		}
		if err := s.w.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 1 {
			t.Errorf("synchronous %d, %v", sync, err)
		}
		if err := s.r.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
			t.Errorf("foreign_keys %d, %v", fk, err)
		}
	})
}

func TestOpenRefusesBadPath(t *testing.T) {
	tests := []struct {
		name, path string
	}{
		{"an empty path is refused", ""},
		{"a path with '?' is refused", filepath.Join(t.TempDir(), "a?b.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(context.Background(), tt.path, WithLogger(quietLog()))
			checkErr(t, err, nil, "path")
		})
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kidtime.db")
	s, err := Open(ctx, path, WithLogger(quietLog()))
	if err != nil {
		t.Fatal(err)
	}
	addChild(t, s, "An")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path, WithLogger(quietLog()))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Child(ctx, "An"); err != nil {
		t.Fatalf("child lost on reopen: %v", err)
	}
	var versions int
	if err := s.r.QueryRow("SELECT count(*) FROM schema_migrations").Scan(&versions); err != nil || versions != SchemaVersion() {
		t.Fatalf("%d migrations recorded (%v); want %d", versions, err, SchemaVersion())
	}
}

// TestMigrationFromV1 builds a database with the first schema (frozen in
// testdata), fills it the way version 1 did, and opens it.
func TestMigrationFromV1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kidtime.db")
	v1, err := os.ReadFile("testdata/schema-v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	start := t0.UnixMilli()
	for _, q := range []string{
		string(v1),
		`INSERT INTO children (id, name, birth_year, created_ms) VALUES (1, 'An', 2015, 0)`,
		`INSERT INTO accounts VALUES ('an', 1)`,
		`INSERT INTO usage (child_id, app_id, kind, session, day, start_ms, end_ms)
		 VALUES (1, 0, 'screen', 's1', '2026-03-10', ` + itoa(start) + `, ` + itoa(start+600_000) + `)`,
		`INSERT INTO rollups VALUES (1, '2026-03-10', 0, 600000, 0)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("build v1: %v", err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path, WithLogger(quietLog()), WithNow(func() time.Time { return t0 }))
	if err != nil {
		t.Fatalf("Open v1 database: %v", err)
	}
	defer s.Close()
	t.Run("every migration is recorded", func(t *testing.T) {
		var v int
		if err := s.r.QueryRow("SELECT max(version) FROM schema_migrations").Scan(&v); err != nil || v != SchemaVersion() || v < 2 {
			t.Fatalf("schema version %d, %v; want %d", v, err, SchemaVersion())
		}
	})
	t.Run("old intervals get their counted time", func(t *testing.T) {
		var counted int64
		if err := s.r.QueryRow("SELECT counted_ms FROM usage").Scan(&counted); err != nil || counted != 600_000 {
			t.Fatalf("counted_ms %d, %v", counted, err)
		}
	})
	t.Run("old data reads and new heartbeats extend old intervals", func(t *testing.T) {
		if err := s.AddUsage(ctx, Interval{Child: "An", Kind: KindScreen, Session: "s1", Day: day0,
			Start: t0.Add(10 * time.Minute), End: t0.Add(11 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		u, err := s.Today(ctx, "An", day0)
		if err != nil || u.Screen != 11*time.Minute {
			t.Fatalf("Today = %+v, %v", u, err)
		}
		c, err := s.ChildByAccount(ctx, "an")
		if err != nil || c.Name != "An" {
			t.Fatalf("ChildByAccount = %+v, %v", c, err)
		}
	})
	t.Run("the upgraded schema matches a new database's", func(t *testing.T) {
		fresh, _ := newStore(t)
		if got, want := schemaOf(t, s), schemaOf(t, fresh); got != want {
			t.Errorf("upgraded schema:\n%s\nnew schema:\n%s", got, want)
		}
	})
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// schemaOf lists tables with their columns, and index names.
func schemaOf(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.r.Query(`SELECT m.type, m.name, ifnull(group_concat(p.name || ' ' || p.type || ' ' || p."notnull", ', '), '')
		FROM sqlite_master m LEFT JOIN pragma_table_info(m.name) p
		WHERE m.name NOT LIKE 'sqlite_%' GROUP BY m.type, m.name ORDER BY m.type, m.name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, cols string
		if err := rows.Scan(&typ, &name, &cols); err != nil {
			t.Fatal(err)
		}
		b.WriteString(typ + " " + name + " (" + cols + ")\n")
	}
	return b.String()
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	path := s.Path()
	if _, err := s.w.Exec("INSERT INTO schema_migrations VALUES (?, 'from the future', 0)", SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, _ := os.ReadFile(path)
	_, err := Open(ctx, path, WithLogger(quietLog()))
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open: %v; want ErrNewerSchema", err)
	}
	after, _ := os.ReadFile(path)
	// SQLite's header counters (bytes 24-27, 92-95) may move on open and
	// close; the pages after the header must be as they were.
	if len(before) < 100 || string(before[100:]) != string(after[100:]) {
		t.Error("the newer database was modified")
	}
}
