package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fillChild gives a child data in every table the store has.
func fillChild(t *testing.T, s *Store, name, account string) {
	t.Helper()
	ctx := context.Background()
	addChild(t, s, name, account, account+"-2")
	home, err := s.UpsertApp(ctx, App{Path: "/home/" + account + "/games/secret-game", SHA256: sha(name + "game"), Category: "game"})
	if err != nil {
		t.Fatal(err)
	}
	shared := addApp(t, s, "shared-browser", "browser")
	for _, iv := range []Interval{
		{Child: name, AppID: home.ID, Kind: KindGame, Session: "s-" + account, Day: day0, Start: t0, End: t0.Add(time.Minute)},
		{Child: name, AppID: shared.ID, Kind: KindScreen, Session: "s-" + account, Day: day0, Start: t0, End: t0.Add(time.Minute)},
	} {
		if err := s.AddUsage(ctx, iv); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SavePolicy(ctx, name, []byte(`{"limit":"1h"}`), "parent"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddGrant(ctx, name, day0, KindScreen, time.Minute, "parent"); err != nil {
		t.Fatal(err)
	}
	r, err := s.AddRequest(ctx, Request{Child: name, Kind: KindGame, Amount: time.Minute, Reason: "please " + name, Day: day0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Answer(ctx, r.ID, true, 0, "parent"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddRequest(ctx, Request{Child: name, Kind: KindScreen, Amount: time.Minute, Day: day0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendEvent(ctx, Event{Child: name, Kind: "warning"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendEvent(ctx, Event{Kind: "new_account", Detail: map[string]any{"account": account}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddWebBlocked(ctx, []WebBlock{{Child: name, Day: day0, Category: "adult", Count: 2, Name: strings.ToLower(name) + ".example"}}); err != nil {
		t.Fatal(err)
	}
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	fillChild(t, s, "Zuzanna", "zuzacct")
	fillChild(t, s, "Other", "otheracct")
	b, err := s.Export(ctx, "Zuzanna")
	if err != nil {
		t.Fatal(err)
	}
	var x ExportDoc
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"the format is named", x.Format == ExportFormat},
		{"the child and both accounts are there", x.Child.Name == "Zuzanna" && len(x.Child.Accounts) == 2},
		{"the policy version is there", len(x.Policies) == 1 && compact(x.Policies[0].Policy) == `{"limit":"1h"}`},
		{"both intervals are there", len(x.Usage) == 2 && x.Usage[0].CountedSeconds == 60},
		{"both rollup rows are there", len(x.Daily) == 2},
		{"the manual and the approved grant are there", len(x.Grants) == 2},
		{"both requests are there, oldest first", len(x.Requests) == 2 && x.Requests[0].Status == StatusApproved && x.Requests[1].AnsweredAt == nil},
		{"the child's events are there", len(x.Events) >= 5},
		{"the apps used are there", len(x.Apps) == 2},
		{"the blocked-lookup count and the detail are there", len(x.Web) == 2 && x.Web[0].Count == 2},
		{"nothing about the other child is there", !bytes.Contains(b, []byte("Other")) && !bytes.Contains(b, []byte("otheracct"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("export:\n%s", b)
			}
		})
	}
	t.Run("exporting an unknown child is ErrNotFound", func(t *testing.T) {
		_, err := s.Export(ctx, "Nobody")
		checkErr(t, err, ErrNotFound, "child")
	})
}

func TestEraseLeavesNothingBehind(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	fillChild(t, s, "Zuzanna", "zuzacct")
	fillChild(t, s, "Other", "otheracct")
	if _, err := s.Backup(ctx); err != nil {
		t.Fatal(err)
	}
	zid := mustChild(t, s, "Zuzanna").ID
	otherBefore, err := s.Export(ctx, "Other")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Erase(ctx, "Zuzanna"); err != nil {
		t.Fatal(err)
	}

	t.Run("no table holds the child's id, name or accounts", func(t *testing.T) {
		ts := tables(t, s)
		for _, want := range []string{"children", "accounts", "policies", "usage", "rollups", "grants", "requests", "events", "apps", "settings"} {
			if !strings.Contains(" "+strings.Join(ts, " ")+" ", " "+want+" ") {
				t.Fatalf("table %s missing from sqlite_master: %v", want, ts)
			}
		}
		for _, c := range scanTables(t, s) {
			if c.column == "child_id" && c.value == zid {
				t.Errorf("%s.%s still holds the child's id %d", c.table, c.column, zid)
			}
			if str, ok := c.value.(string); ok {
				low := strings.ToLower(str)
				if strings.Contains(low, "zuzanna") || strings.Contains(low, "zuzacct") {
					t.Errorf("%s.%s still holds %q", c.table, c.column, str)
				}
			}
		}
	})
	t.Run("the other child's data is untouched", func(t *testing.T) {
		otherAfter, err := s.Export(ctx, "Other")
		if err != nil {
			t.Fatal(err)
		}
		var a, b ExportDoc
		_ = json.Unmarshal(otherBefore, &a)
		_ = json.Unmarshal(otherAfter, &b)
		a.ExportedAt, b.ExportedAt = time.Time{}, time.Time{}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("before:\n%s\nafter:\n%s", ja, jb)
		}
	})
	t.Run("the file, its WAL and the backups hold no trace of the name", func(t *testing.T) {
		files, _ := filepath.Glob(s.Path() + "*")
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, []byte("Zuzanna")) || bytes.Contains(data, []byte("zuzacct")) {
				t.Errorf("%s still contains the child's name or account", filepath.Base(f))
			}
		}
	})
	t.Run("erasing an unknown child is ErrNotFound", func(t *testing.T) {
		checkErr(t, s.Erase(ctx, "Zuzanna"), ErrNotFound, "child")
	})
	t.Run("RemoveChild erases too", func(t *testing.T) {
		if err := s.RemoveChild(ctx, "Other"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Child(ctx, "Other"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Child after RemoveChild: %v", err)
		}
	})
}

func mustChild(t *testing.T, s *Store, name string) Child {
	t.Helper()
	c, err := s.Child(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	s, c := newStore(t, WithRetention(10*24*time.Hour, 30*24*time.Hour))
	addChild(t, s, "An")
	// One minute a day for 40 days, a grant, a request and an event each day.
	for d := 0; d < 40; d++ {
		at := t0.AddDate(0, 0, d)
		day := at.Format(time.DateOnly)
		c.set(at)
		if err := s.AddUsage(ctx, Interval{Child: "An", Kind: KindScreen, Day: day, Start: at, End: at.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddGrant(ctx, "An", day, KindScreen, time.Minute, "p"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddRequest(ctx, Request{Child: "An", Kind: KindScreen, Amount: time.Minute, Day: day}); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.AddDate(0, 0, 39).Add(time.Hour)
	if err := s.Prune(ctx, now); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := s.r.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"detail older than 10 days is gone", "SELECT count(*) FROM usage", 10},
		{"rollups of days older than 30 days are gone", "SELECT count(*) FROM rollups", 31},
		{"grants follow the rollups", "SELECT count(*) FROM grants", 31},
		{"requests older than 30 days are gone", "SELECT count(*) FROM requests", 30},
		{"events older than 30 days are gone", "SELECT count(*) FROM events", 60},
		{"the child is kept", "SELECT count(*) FROM children", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(tt.query); got != tt.want {
				t.Errorf("%s = %d; want %d", tt.query, got, tt.want)
			}
		})
	}
	t.Run("the summary of kept days still adds up", func(t *testing.T) {
		rows, err := s.Summary(ctx, "An", "2000-01-01", "2100-01-01", "day")
		if err != nil || len(rows) != 31 || rows[0].Screen != time.Minute {
			t.Fatalf("Summary = %d rows, %v", len(rows), err)
		}
	})
	t.Run("a cancelled context stops pruning with an error", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Prune(cctx, now.AddDate(1, 0, 0)); !errors.Is(err, context.Canceled) {
			t.Fatalf("Prune: %v", err)
		}
	})
}

func TestBackupKeepsTwo(t *testing.T) {
	ctx := context.Background()
	s, c := newStore(t)
	addChild(t, s, "An")
	var made []string
	for i := 0; i < 3; i++ {
		c.set(t0.Add(time.Duration(i) * 24 * time.Hour))
		b, err := s.Backup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, b)
	}
	got, err := s.backups()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"two backups are kept, newest first", len(got) == 2 && got[0] == made[2] && got[1] == made[1]},
		{"the oldest is removed", !exists(made[0])},
		{"no temporary file is left", !exists(made[2] + ".tmp")},
		{"a backup is private", modeIs(made[2], 0o600)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("backups %v (made %v)", got, made)
			}
		})
	}
	t.Run("a backup opens as a store with the data", func(t *testing.T) {
		cp := filepath.Join(t.TempDir(), "copy.db")
		if err := copyFile(made[2], cp); err != nil {
			t.Fatal(err)
		}
		b, err := Open(ctx, cp, WithLogger(quietLog()))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if _, err := b.Child(ctx, "An"); err != nil {
			t.Fatal(err)
		}
	})
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func modeIs(p string, m os.FileMode) bool {
	if os.PathSeparator == '\\' {
		return true
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().Perm() == m
}

func TestCorruptDatabaseIsRestored(t *testing.T) {
	tests := []struct {
		name      string
		backup    bool
		damage    func(t *testing.T, path string)
		wantChild bool // the child from the backup is back
	}{
		{"garbage over the whole file: moved aside, backup restored", true, func(t *testing.T, path string) {
			fi, _ := os.Stat(path)
			garbage := make([]byte, fi.Size())
			_, _ = rand.Read(garbage)
			if err := os.WriteFile(path, garbage, 0o600); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"garbage over pages in the middle: quick_check fails, backup restored", true, func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fi, _ := f.Stat()
			garbage := make([]byte, fi.Size()-4096)
			_, _ = rand.Read(garbage)
			if _, err := f.WriteAt(garbage, 4096); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"garbage and no backup: moved aside, empty database", false, func(t *testing.T, path string) {
			if err := os.WriteFile(path, bytes.Repeat([]byte("garbage!"), 2048), 0o600); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "kidtime.db")
			s, err := Open(ctx, path, WithLogger(quietLog()))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 50; i++ { // enough pages to damage
				addChild(t, s, fmt.Sprintf("Child %02d", i))
			}
			var backup string
			if tt.backup {
				if backup, err = s.Backup(ctx); err != nil {
					t.Fatal(err)
				}
			}
			addChild(t, s, "After the backup")
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, path)
			damaged, _ := os.ReadFile(path)

			s, err = Open(ctx, path, WithLogger(quietLog()))
			if err != nil {
				t.Fatalf("Open damaged database: %v", err)
			}
			defer s.Close()
			aside, _ := filepath.Glob(path + ".corrupt-*")
			if len(aside) != 1 {
				t.Fatalf("moved aside: %v; want one file", aside)
			}
			if kept, _ := os.ReadFile(aside[0]); !bytes.Equal(kept, damaged) {
				t.Error("the damaged file was not kept as it was")
			}
			_, err = s.Child(ctx, "Child 07")
			if tt.wantChild != (err == nil) {
				t.Errorf("Child from before the backup: %v (want it back: %v)", err, tt.wantChild)
			}
			if _, err := s.Child(ctx, "After the backup"); !errors.Is(err, ErrNotFound) {
				t.Errorf("a child added after the backup cannot come back: %v", err)
			}
			es, err := s.Events(ctx, time.Time{}, "")
			if err != nil {
				t.Fatal(err)
			}
			var restore *Event
			for i := range es {
				if es[i].Kind == "restore" {
					restore = &es[i]
				}
			}
			if restore == nil || restore.Detail["moved_to"] != aside[0] || restore.Detail["backup"] != backup {
				t.Fatalf("restore event %+v; want moved_to %s backup %q", restore, aside[0], backup)
			}
			if tt.backup && !exists(backup) {
				t.Error("the backup itself was consumed")
			}
			var ok string
			if err := s.r.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
				t.Fatalf("integrity_check %q, %v", ok, err)
			}
		})
	}
}

func compact(b []byte) string {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return err.Error()
	}
	return out.String()
}
