package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if yearDir != "" {
		_ = os.RemoveAll(yearDir)
	}
	os.Exit(code)
}

var (
	yearOnce  sync.Once
	yearDir   string
	yearStore *Store
	yearErr   error
	yearFull  float64 // MB before pruning: a year of detail
	yearLast  time.Time
)

// yearFixture builds, once per test binary, one child's year: 40 apps (10
// of them games), 6 h of screen time a day in 3-minute intervals with 30 s
// between them, game intervals alongside when a game is in front; then
// prunes detail to the default 90 days. All through AddUsage.
func yearFixture(b *testing.B) *Store {
	b.Helper()
	yearOnce.Do(func() {
		ctx := context.Background()
		if yearDir, yearErr = os.MkdirTemp("", "kidtime-bench-"); yearErr != nil {
			return
		}
		start := time.Date(2025, 1, 1, 14, 0, 0, 0, time.UTC)
		now := start
		s, err := Open(ctx, filepath.Join(yearDir, "kidtime.db"), WithLogger(quietLog()), WithNow(func() time.Time { return now }))
		if err != nil {
			yearErr = err
			return
		}
		yearStore = s
		if _, yearErr = s.AddChild(ctx, Child{Name: "An", BirthYear: 2014, Accounts: []string{"an"}}); yearErr != nil {
			return
		}
		var apps []App
		for i := 0; i < 40; i++ {
			cat := []string{"game", "browser", "education", "video"}[i%4]
			a, err := s.UpsertApp(ctx, App{Path: fmt.Sprintf("/usr/bin/app%02d", i), SHA256: sha(fmt.Sprintf("app%02d", i)), Category: cat})
			if err != nil {
				yearErr = err
				return
			}
			apps = append(apps, a)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		for d := 0; d < 365; d++ {
			day := start.AddDate(0, 0, d)
			at := day
			for i := 0; i < 120; i++ { // 120 × 3 min = 6 h
				a := apps[rng.IntN(len(apps))]
				iv := Interval{Child: "An", AppID: a.ID, Kind: KindScreen, Session: "s1", Day: day.Format(time.DateOnly), Start: at, End: at.Add(3 * time.Minute)}
				if yearErr = s.AddUsage(ctx, iv); yearErr != nil {
					return
				}
				if a.Category == "game" {
					iv.Kind = KindGame
					if yearErr = s.AddUsage(ctx, iv); yearErr != nil {
						return
					}
				}
				at = at.Add(3*time.Minute + 30*time.Second)
			}
		}
		yearLast = start.AddDate(0, 0, 364)
		_ = s.checkpoint(ctx)
		yearFull = fileMB(s.Path())
		now = yearLast.Add(12 * time.Hour)
		if yearErr = s.Prune(ctx, now); yearErr != nil {
			return
		}
		_ = s.checkpoint(ctx)
	})
	if yearErr != nil {
		b.Fatalf("year fixture: %v", yearErr)
	}
	return yearStore
}

func fileMB(path string) float64 {
	var total int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			total += fi.Size()
		}
	}
	return float64(total) / (1 << 20)
}

// BenchmarkHeartbeat extends one interval by one second per call, as the
// agent's flush does.
func BenchmarkHeartbeat(b *testing.B) {
	ctx := context.Background()
	s, _ := newStore(b)
	addChild(b, s, "An")
	app := addApp(b, s, "minecraft", "game")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		at := t0.Add(time.Duration(i%80000) * time.Second)
		if err := s.AddUsage(ctx, Interval{Child: "An", AppID: app.ID, Kind: KindScreen, Session: "s1", Day: day0, Start: at, End: at.Add(time.Second)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(fileMB(s.Path()), "MB")
}

func BenchmarkToday(b *testing.B) {
	ctx := context.Background()
	s := yearFixture(b)
	day := yearLast.Format(time.DateOnly)
	for b.Loop() {
		u, err := s.Today(ctx, "An", day)
		if err != nil || u.Screen != 6*time.Hour {
			b.Fatalf("Today = %v, %v", u.Screen, err)
		}
	}
	b.ReportMetric(fileMB(s.Path()), "MB")
}

func benchSummary(b *testing.B, by string, wantRows int) {
	ctx := context.Background()
	s := yearFixture(b)
	for b.Loop() {
		rows, err := s.Summary(ctx, "An", "2025-01-01", "2025-12-31", by)
		if err != nil || len(rows) != wantRows {
			b.Fatalf("Summary(%s) = %d rows, %v", by, len(rows), err)
		}
	}
	b.ReportMetric(fileMB(s.Path()), "MB")
	b.ReportMetric(yearFull, "MB_before_prune")
}

func BenchmarkSummaryByDay(b *testing.B) { benchSummary(b, "day", 365) }
func BenchmarkSummaryByApp(b *testing.B) { benchSummary(b, "app", 40) }

// BenchmarkFlush is what the agent writes every 2 s while a child plays:
// the screen interval and the game's, extended. "one by one" is a
// transaction each (as before), "batch" one for both (AddUsages).
func BenchmarkFlush(b *testing.B) {
	for _, bc := range []struct {
		name  string
		batch bool
	}{{"one by one", false}, {"batch", true}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			s, _ := newStore(b)
			addChild(b, s, "An")
			app := addApp(b, s, "minecraft", "game")
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				at := t0.Add(time.Duration(i%40000) * 2 * time.Second)
				ivs := []Interval{
					{Child: "An", Kind: KindScreen, Session: "s1", Day: day0, Start: at, End: at.Add(2 * time.Second)},
					{Child: "An", AppID: app.ID, Kind: KindGame, Session: "s1", Day: day0, Start: at, End: at.Add(2 * time.Second)},
				}
				if bc.batch {
					if err := s.AddUsages(ctx, ivs); err != nil {
						b.Fatal(err)
					}
					continue
				}
				for _, iv := range ivs {
					if err := s.AddUsage(ctx, iv); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
