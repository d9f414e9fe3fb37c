package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestAppRequests(t *testing.T) {
	ctx := context.Background()
	s, c := newStore(t)
	addChild(t, s, "An", "an")
	addChild(t, s, "Binh", "binh")
	game := RequestApp{Key: sha("game"), Name: "game", Path: "/home/an/game"}

	r, created, err := s.AddAppRequest(ctx, "An", game, 3)
	if err != nil || !created || r.ID == 0 || r.Kind != KindApp || r.Status != StatusPending || r.App != game || r.Day != day0 {
		t.Fatalf("first request: %+v created %v, %v", r, created, err)
	}
	t.Run("the same program again is the same request, nothing written", func(t *testing.T) {
		again, created, err := s.AddAppRequest(ctx, "An", RequestApp{Key: game.Key, Name: "renamed", Path: "/tmp/renamed"}, 3)
		if err != nil || created || again.ID != r.ID || again.App != game {
			t.Fatalf("again: %+v created %v, %v", again, created, err)
		}
		if n := len(eventsOf(t, s, "app_request")); n != 1 {
			t.Errorf("%d app_request events, want 1", n)
		}
	})
	t.Run("another child's request for the same program is theirs", func(t *testing.T) {
		b, created, err := s.AddAppRequest(ctx, "Binh", game, 3)
		if err != nil || !created || b.ID == r.ID {
			t.Fatalf("Binh: %+v created %v, %v", b, created, err)
		}
	})
	t.Run("at most maxPending programs wait per child", func(t *testing.T) {
		for _, n := range []string{"b", "c"} {
			if _, _, err := s.AddAppRequest(ctx, "An", RequestApp{Key: sha(n), Name: n}, 3); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err := s.AddAppRequest(ctx, "An", RequestApp{Key: sha("d"), Name: "d"}, 3)
		if !errors.Is(err, ErrTooManyPending) || !errors.Is(err, ErrConflict) {
			t.Fatalf("a fourth: %v, want ErrTooManyPending", err)
		}
	})
	t.Run("a time request is still for time only", func(t *testing.T) {
		_, err := s.AddRequest(ctx, Request{Child: "An", Kind: KindApp, Day: day0})
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("AddRequest of kind app: %v, want a validation error", err)
		}
	})
	t.Run("allowing gives no time and says so in the log", func(t *testing.T) {
		c.set(t0.Add(time.Minute))
		out, err := s.Answer(ctx, r.ID, true, 0, "mum")
		if err != nil || out.Status != StatusApproved || out.Granted != 0 || out.App != game {
			t.Fatalf("Answer: %+v, %v", out, err)
		}
		u, err := s.Today(ctx, "An", day0)
		if err != nil || u.GrantedScreen != 0 || u.GrantedGames != 0 {
			t.Fatalf("grants after allowing a program: %+v, %v", u, err)
		}
		evs := eventsOf(t, s, "app_allowed")
		if len(evs) != 1 || evs[0].Detail["app"] != "game" || evs[0].Detail["by"] != "mum" {
			t.Fatalf("app_allowed events: %+v", evs)
		}
		if _, err := s.Answer(ctx, r.ID, false, 0, "dad"); !errors.Is(err, ErrAlreadyAnswered) {
			t.Fatalf("answering twice: %v", err)
		}
	})
	t.Run("denying is logged as such", func(t *testing.T) {
		rs, err := s.Requests(ctx, "An", StatusPending)
		if err != nil || len(rs) != 2 {
			t.Fatalf("pending: %d, %v", len(rs), err)
		}
		if _, err := s.Answer(ctx, rs[0].ID, false, 0, "mum"); err != nil {
			t.Fatal(err)
		}
		if evs := eventsOf(t, s, "app_denied"); len(evs) != 1 {
			t.Fatalf("app_denied events: %+v", evs)
		}
	})
	t.Run("AppAnswers holds every child's programs", func(t *testing.T) {
		m, err := s.AppAnswers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m["An"][game.Key] != StatusApproved || m["An"][sha("c")] != StatusDenied || m["An"][sha("b")] != StatusPending ||
			m["Binh"][game.Key] != StatusPending || len(m["An"]) != 3 {
			t.Fatalf("AppAnswers = %v", m)
		}
	})
	t.Run("retention keeps a parent's answers about programs", func(t *testing.T) {
		if err := s.Prune(ctx, t0.AddDate(5, 0, 0)); err != nil {
			t.Fatal(err)
		}
		m, err := s.AppAnswers(ctx)
		if err != nil || m["An"][game.Key] != StatusApproved {
			t.Fatalf("after pruning: %v, %v", m, err)
		}
	})
	t.Run("the export names the program", func(t *testing.T) {
		b, err := s.Export(ctx, "An")
		if err != nil {
			t.Fatal(err)
		}
		var x ExportDoc
		if err := json.Unmarshal(b, &x); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, er := range x.Requests {
			if er.ID == r.ID && er.App != nil && *er.App == game {
				found = true
			}
		}
		if !found {
			t.Fatalf("export requests: %+v", x.Requests)
		}
	})
}

// TestMigrationKeepsRequestLinks: rebuilding the requests table (version
// 3) keeps every request and every grant's link to its request.
func TestMigrationKeepsRequestLinks(t *testing.T) {
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
	for _, q := range []string{
		string(v1),
		`INSERT INTO children (id, name, birth_year, created_ms) VALUES (1, 'An', 2015, 0)`,
		`INSERT INTO requests (id, child_id, kind, amount_ms, reason, status, granted_ms, answered_by, created_ms, answered_ms, day)
		 VALUES (7, 1, 'game', 900000, 'boss fight', 'approved', 900000, 'mum', 1, 2, '2026-03-10')`,
		`INSERT INTO grants (child_id, day, kind, ms, by, at_ms, request_id) VALUES (1, '2026-03-10', 'game', 900000, 'mum', 2, 7)`,
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
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	r, err := s.Request(ctx, 7)
	if err != nil || r.Kind != KindGame || r.Reason != "boss fight" || r.Granted != 15*time.Minute || r.AnsweredBy != "mum" {
		t.Fatalf("request 7 after the migration: %+v, %v", r, err)
	}
	var link sql.NullInt64
	if err := s.r.QueryRow("SELECT request_id FROM grants").Scan(&link); err != nil || link.Int64 != 7 {
		t.Fatalf("grant's request_id %v, %v; want 7", link, err)
	}
	if _, created, err := s.AddAppRequest(ctx, "An", RequestApp{Key: sha("x"), Name: "x"}, 20); err != nil || !created {
		t.Fatalf("an app request after the migration: %v", err)
	}
}

func eventsOf(t *testing.T, s *Store, kind string) []Event {
	t.Helper()
	evs, err := s.Events(context.Background(), time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []Event
	for _, e := range evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}
