package store

import (
	"context"
	"testing"
	"time"
)

// A flush that moves the end of the intervals written last is one UPDATE
// (no transaction, no lookup) and counts exactly what the long way counts;
// anything the cache cannot vouch for takes the long way.
func TestFlushExtendsTails(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	addChild(t, s, "An")
	game := addApp(t, s, "kt-game", "game")
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	flush := func(from, to int, withGame bool) {
		t.Helper()
		ivs := []Interval{{Child: "An", Kind: KindScreen, Session: "s1", Day: day0, Start: at(from), End: at(to)}}
		if withGame {
			ivs = append(ivs, Interval{Child: "An", AppID: game.ID, Kind: KindGame, Session: "s1", Day: day0, Start: at(from), End: at(to)})
		}
		if err := s.AddUsages(ctx, ivs); err != nil {
			t.Fatalf("flush %d–%d: %v", from, to, err)
		}
	}
	hits := func() int { s.tails.mu.Lock(); defer s.tails.mu.Unlock(); return s.tails.hits }
	deleted := time.Duration(0) // counted time of rows deleted under the cache
	check := func(wantRows int, screen, games time.Duration) {
		t.Helper()
		var rows int
		var counted int64
		if err := s.r.QueryRow("SELECT count(*), ifnull(sum(counted_ms), 0) FROM usage").Scan(&rows, &counted); err != nil {
			t.Fatal(err)
		}
		u, err := s.Today(ctx, "An", day0)
		if err != nil {
			t.Fatal(err)
		}
		if rows != wantRows || u.Screen != screen || u.Games != games || time.Duration(counted)*time.Millisecond+deleted != screen+games {
			t.Fatalf("%d rows, screen %v, games %v, counted %d ms; want %d rows, %v, %v", rows, u.Screen, u.Games, counted, wantRows, screen, games)
		}
	}

	flush(0, 2, true) // the long way: nothing cached yet
	if hits() != 0 {
		t.Fatalf("first flush took the short way")
	}
	check(2, 2*time.Second, 2*time.Second)
	for i := 2; i < 20; i += 2 {
		flush(i, i+2, true)
	}
	if hits() != 9 {
		t.Errorf("%d of 9 flushes were one statement", hits())
	}
	check(2, 20*time.Second, 20*time.Second)

	// The same heartbeat twice, and one inside: nothing written.
	flush(18, 20, false)
	flush(19, 20, false)
	check(2, 20*time.Second, 20*time.Second)

	// A flush after more than the gap: a new interval, the long way.
	h := hits()
	flush(40, 42, false)
	if hits() != h {
		t.Error("a flush past the gap took the short way")
	}
	check(3, 22*time.Second, 20*time.Second)
	// A late heartbeat in the older interval: the long way extends that one,
	// and the tail stays the newest.
	flush(20, 25, false)
	check(3, 27*time.Second, 20*time.Second)
	h = hits()
	flush(42, 44, false)
	if hits() != h+1 {
		t.Error("the flush after a late heartbeat did not extend the newest interval in one statement")
	}
	check(3, 29*time.Second, 20*time.Second)

	// The cached row went away (pruned, erased): the long way makes a new one.
	if _, err := s.w.Exec("DELETE FROM usage WHERE kind = 'screen' AND end_ms = ?", at(44).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	deleted = 4 * time.Second
	flush(44, 46, false)
	check(3, 31*time.Second, 20*time.Second) // the rollup keeps what was counted
	flush(46, 48, false)
	check(3, 33*time.Second, 20*time.Second)
}

// Rollups follow usage by trigger on a database migrated from version 1 as
// on a new one (the schema is applied after the migrations).
func TestRollupTriggersExist(t *testing.T) {
	s, _ := newStore(t)
	var n int
	if err := s.r.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'usage_rollup_%'").Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d rollup triggers (%v); want 2", n, err)
	}
}
