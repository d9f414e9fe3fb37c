package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// hanoi is UTC+7 all year (no summer time), where most kidtime users live.
var hanoi = time.FixedZone("ICT", 7*3600)

// use is one stored interval in a test: kind, app (an index into the test's
// apps, -1 for none), the day it is attributed to, and its local times
// "15:04" on that day ("24:10" means 00:10 the day after).
type use struct {
	kind     Kind
	app      int
	day      string
	from, to string
	child    string // "" = An
}

func localAt(t *testing.T, day, hhmm string, loc *time.Location) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		t.Fatal(err)
	}
	var h, m int
	if _, err := fmt.Sscanf(hhmm, "%d:%d", &h, &m); err != nil {
		t.Fatalf("bad time %q", hhmm)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc)
}

// brief is a session in a form that is easy to compare: local start–end,
// minutes of screen and of games, and "night" when late-night.
func brief(ss []Session, loc *time.Location) string {
	var parts []string
	for _, s := range ss {
		p := fmt.Sprintf("%s %s-%s screen %v games %v", s.Day, s.Start.In(loc).Format("15:04"), s.End.In(loc).Format("15:04"),
			s.Screen.Minutes(), s.Games.Minutes())
		if s.LateNight {
			p += " night"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

func TestSessions(t *testing.T) {
	const d1, d2 = "2026-03-08", "2026-03-09"
	cases := []struct {
		sentence string
		uses     []use
		from, to string
		gap      time.Duration
		loc      *time.Location // nil: Hanoi
		want     string
	}{
		{"two intervals 4 minutes apart are one session, and the gap is not screen time",
			[]use{{KindScreen, 0, d1, "15:00", "15:30", ""}, {KindScreen, 1, d1, "15:34", "16:00", ""}},
			d1, d1, 5 * time.Minute, nil,
			d1 + " 15:00-16:00 screen 56 games 0"},
		{"two intervals exactly 5 minutes apart are two sessions",
			[]use{{KindScreen, 0, d1, "15:00", "15:30", ""}, {KindScreen, 1, d1, "15:35", "16:00", ""}},
			d1, d1, 5 * time.Minute, nil,
			d1 + " 15:00-15:30 screen 30 games 0; " + d1 + " 15:35-16:00 screen 25 games 0"},
		{"with no gap allowed, touching intervals still join",
			[]use{{KindScreen, 0, d1, "15:00", "15:30", ""}, {KindScreen, 1, d1, "15:30", "16:00", ""}},
			d1, d1, 0, nil,
			d1 + " 15:00-16:00 screen 60 games 0"},
		{"overlapping intervals of two apps count their shared minutes once",
			[]use{{KindScreen, 0, d1, "15:00", "15:40", ""}, {KindScreen, 1, d1, "15:20", "16:00", ""}, {KindScreen, -1, d1, "15:10", "15:15", ""}},
			d1, d1, 5 * time.Minute, nil,
			d1 + " 15:00-16:00 screen 60 games 0"},
		{"game time inside a session counts, game time outside it does not",
			[]use{{KindScreen, 0, d1, "15:00", "16:00", ""}, {KindGame, 0, d1, "15:45", "16:20", ""}, {KindGame, 1, d1, "15:50", "15:55", ""}},
			d1, d1, 5 * time.Minute, nil,
			d1 + " 15:00-16:00 screen 60 games 15"},
		{"game time alone, without screen time, makes no session",
			[]use{{KindGame, 0, d1, "15:00", "16:00", ""}},
			d1, d1, 5 * time.Minute, nil,
			""},
		{"a session that reaches 21:05 is late-night",
			[]use{{KindScreen, 0, d1, "20:30", "21:05", ""}},
			d1, d1, 5 * time.Minute, nil,
			d1 + " 20:30-21:05 screen 35 games 0 night"},
		{"a session that ends at 21:00 sharp is not late-night",
			[]use{{KindScreen, 0, d1, "20:30", "21:00", ""}},
			d1, d1, 5 * time.Minute, nil,
			d1 + " 20:30-21:00 screen 30 games 0"},
		{"early morning before 06:00 is late-night, from 06:00 it is not",
			[]use{{KindScreen, 0, d1, "05:30", "05:50", ""}, {KindScreen, 0, d1, "06:00", "07:00", ""}},
			d1, d1, 5 * time.Minute, nil,
			d1 + " 05:30-05:50 screen 20 games 0 night; " + d1 + " 06:00-07:00 screen 60 games 0"},
		{"an empty interval at 21:00 is no use: it does not make the session late-night",
			[]use{{KindScreen, 0, d1, "20:00", "20:58", ""}, {KindScreen, 1, d1, "21:00", "21:00", ""}},
			d1, d1, 5 * time.Minute, nil,
			d1 + " 20:00-21:00 screen 58 games 0"},
		{"a session across midnight joins and keeps the day it started",
			[]use{{KindScreen, 0, d1, "23:30", "24:00", ""}, {KindScreen, 0, d2, "00:00", "00:20", ""}},
			d1, d2, 5 * time.Minute, nil,
			d1 + " 23:30-00:20 screen 50 games 0 night"},
		{"late night is local time: 14:30 UTC is 21:30 in Hanoi but not in London",
			[]use{{KindScreen, 0, d1, "21:30", "21:40", ""}},
			d1, d1, 5 * time.Minute, time.UTC,
			d1 + " 14:30-14:40 screen 10 games 0"},
		{"days outside from..to are left out",
			[]use{{KindScreen, 0, d1, "15:00", "16:00", ""}, {KindScreen, 0, d2, "15:00", "16:00", ""}},
			d2, d2, 5 * time.Minute, nil,
			d2 + " 15:00-16:00 screen 60 games 0"},
		{"sessions come sorted by start, whatever order they were stored in",
			[]use{{KindScreen, 0, d2, "08:00", "09:00", ""}, {KindScreen, 0, d1, "15:00", "16:00", ""}, {KindScreen, 1, d1, "09:00", "09:10", ""}},
			d1, d2, 5 * time.Minute, nil,
			d1 + " 09:00-09:10 screen 10 games 0; " + d1 + " 15:00-16:00 screen 60 games 0; " + d2 + " 08:00-09:00 screen 60 games 0"},
		{"another child's use is neither joined nor shown",
			[]use{{KindScreen, 0, d1, "15:00", "15:30", ""}, {KindScreen, 0, d1, "15:31", "15:50", "Binh"}},
			d1, d1, 5 * time.Minute, nil,
			d1 + " 15:00-15:30 screen 30 games 0"},
		{"detail past the retention is left out even before Prune ran",
			[]use{{KindScreen, 0, "2025-12-01", "15:00", "16:00", ""}, {KindScreen, 0, d1, "15:00", "16:00", ""}},
			"2025-12-01", d1, 5 * time.Minute, nil,
			d1 + " 15:00-16:00 screen 60 games 0"},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			ctx := context.Background()
			s, _ := newStore(t)
			addChild(t, s, "An", "an")
			addChild(t, s, "Binh", "binh")
			apps := []App{addApp(t, s, "minecraft", "game"), addApp(t, s, "firefox", "browser")}
			loc := tc.loc
			if loc == nil {
				loc = hanoi
			}
			for _, u := range tc.uses {
				child := u.child
				if child == "" {
					child = "An"
				}
				var app int64
				if u.app >= 0 {
					app = apps[u.app].ID
				}
				iv := Interval{Child: child, AppID: app, Kind: u.kind, Session: "s1", Day: u.day,
					Start: localAt(t, u.day, u.from, hanoi), End: localAt(t, u.day, u.to, hanoi)}
				if err := s.AddUsage(ctx, iv); err != nil {
					t.Fatalf("AddUsage(%+v): %v", u, err)
				}
			}
			got, err := s.SessionsIn(ctx, "An", tc.from, tc.to, tc.gap, loc)
			if err != nil {
				t.Fatalf("SessionsIn: %v", err)
			}
			if b := brief(got, loc); b != tc.want {
				t.Errorf("sessions:\n got  %s\n want %s", b, tc.want)
			}
		})
	}
}

func TestSessionsLocalIsTheMachinesZone(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	addChild(t, s, "An", "an")
	start := time.Date(2026, 3, 9, 20, 50, 0, 0, time.Local)
	if err := s.AddUsage(ctx, Interval{Child: "An", Kind: KindScreen, Day: "2026-03-09", Start: start, End: start.Add(20 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Sessions(ctx, "An", "2026-03-09", "2026-03-09", 5*time.Minute)
	if err != nil || len(got) != 1 {
		t.Fatalf("Sessions = %v, %v; want one session", got, err)
	}
	if !got[0].LateNight || !got[0].Start.Equal(start) || got[0].Screen != 20*time.Minute {
		t.Errorf("20:50–21:10 local time should be one late-night session of 20 min, got %+v", got[0])
	}
}

func TestSessionsRefusesBadInput(t *testing.T) {
	cases := []struct {
		sentence string
		child    string
		from, to string
		gap      time.Duration
		field    string
		notFound bool
	}{
		{"a from that is not a date", "An", "2026-3-1", day0, time.Minute, "from", false},
		{"an empty to", "An", day0, "", time.Minute, "to", false},
		{"to before from", "An", day0, "2026-03-01", time.Minute, "to", false},
		{"a negative gap", "An", day0, day0, -time.Second, "gap", false},
		{"a gap of more than a day", "An", day0, day0, 25 * time.Hour, "gap", false},
		{"a child nobody added", "Ghost", day0, day0, time.Minute, "child", true},
		{"no child at all", "", day0, day0, time.Minute, "child", false},
	}
	s, _ := newStore(t)
	addChild(t, s, "An", "an")
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			unchanged(t, s, func() {
				got, err := s.SessionsIn(context.Background(), tc.child, tc.from, tc.to, tc.gap, hanoi)
				var ve *ValidationError
				if !errors.As(err, &ve) || ve.Field != tc.field {
					t.Fatalf("SessionsIn = %v, %v; want a validation error on %q", got, err, tc.field)
				}
				if errors.Is(err, ErrNotFound) != tc.notFound {
					t.Errorf("errors.Is(%v, ErrNotFound) = %v, want %v", err, !tc.notFound, tc.notFound)
				}
			})
		})
	}
}

// BenchmarkSessions90Days joins the detail that retention keeps (90 days of
// 6 h a day in 3-minute intervals, games alongside) into sessions.
func BenchmarkSessions90Days(b *testing.B) {
	ctx := context.Background()
	s := yearFixture(b)
	from := yearLast.AddDate(0, 0, -89).Format(time.DateOnly)
	to := yearLast.Format(time.DateOnly)
	var n int
	for b.Loop() {
		ss, err := s.SessionsIn(ctx, "An", from, to, 5*time.Minute, time.UTC)
		if err != nil || len(ss) != 90 || ss[0].Screen != 6*time.Hour {
			b.Fatalf("Sessions = %d sessions (first %+v), %v; want 90 of 6 h", len(ss), ss[0], err)
		}
		n = len(ss)
	}
	b.ReportMetric(float64(n), "sessions")
}
