package store

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// t0 is the fixed "now" of most tests: 2026-03-10 12:00 UTC.
var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

const day0 = "2026-03-10"

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newStore opens a store in a fresh temp dir with the clock at t0.
func newStore(t testing.TB, opts ...Option) (*Store, *clock) {
	t.Helper()
	c := &clock{t: t0}
	opts = append([]Option{WithNow(c.now), WithLogger(quietLog())}, opts...)
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "data", "kidtime.db"), opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, c
}

func addChild(t testing.TB, s *Store, name string, accounts ...string) Child {
	t.Helper()
	c, err := s.AddChild(context.Background(), Child{Name: name, BirthYear: 2015, Accounts: accounts})
	if err != nil {
		t.Fatalf("AddChild(%s): %v", name, err)
	}
	return c
}

func addApp(t testing.TB, s *Store, name, category string) App {
	t.Helper()
	a, err := s.UpsertApp(context.Background(), App{Path: "/usr/games/" + name, SHA256: sha(name), Name: name, Category: category})
	if err != nil {
		t.Fatalf("UpsertApp(%s): %v", name, err)
	}
	return a
}

// sha makes a 64-hex-digit stand-in hash from a name.
func sha(name string) string {
	h := fmt.Sprintf("%x", name)
	return (h + strings.Repeat("0", 64))[:64]
}

// tables lists every table of the database, from sqlite_master.
func tables(t testing.TB, s *Store) []string {
	t.Helper()
	rows, err := s.r.Query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// cell is one value of one row of one table.
type cell struct {
	table, column string
	value         any
}

// scanTables returns every value of every row of every table.
func scanTables(t testing.TB, s *Store) []cell {
	t.Helper()
	var out []cell
	for _, tb := range tables(t, s) {
		rows, err := s.r.Query(`SELECT * FROM "` + tb + `"`)
		if err != nil {
			t.Fatalf("scan %s: %v", tb, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				out = append(out, cell{tb, cols[i], v})
			}
		}
		rows.Close()
	}
	return out
}

// dump renders every table's rows, to compare before and after a call.
func dump(t testing.TB, s *Store) string {
	t.Helper()
	var b strings.Builder
	for _, c := range scanTables(t, s) {
		fmt.Fprintf(&b, "%s.%s=%v\n", c.table, c.column, c.value)
	}
	return b.String()
}

// unchanged fails the test if fn changed anything in the database.
func unchanged(t *testing.T, s *Store, fn func()) {
	t.Helper()
	before := dump(t, s)
	fn()
	if after := dump(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("database changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func timeMinutes(n int) time.Duration { return time.Duration(n) * time.Minute }
