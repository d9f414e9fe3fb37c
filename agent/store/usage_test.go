package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sec(n int) time.Duration { return time.Duration(n) * time.Second }

func TestAddUsageMergesHeartbeats(t *testing.T) {
	ctx := context.Background()
	at := func(s int) time.Time { return t0.Add(sec(s)) }
	type step struct {
		app        int64
		kind       Kind
		session    string
		start, end int // seconds after t0
	}
	tests := []struct {
		name       string
		steps      []step
		wantRows   int           // usage rows afterwards
		wantScreen time.Duration // Today's screen total
		wantGames  time.Duration
	}{
		{"contiguous heartbeats extend one interval",
			[]step{{0, KindScreen, "s1", 0, 5}, {0, KindScreen, "s1", 5, 10}, {0, KindScreen, "s1", 10, 15}}, 1, sec(15), 0},
		{"a heartbeat within the 10 s gap extends the interval but counts only its own seconds",
			[]step{{0, KindScreen, "s1", 0, 5}, {0, KindScreen, "s1", 12, 20}}, 1, sec(13), 0},
		{"a heartbeat after more than the gap starts a new interval",
			[]step{{0, KindScreen, "s1", 0, 5}, {0, KindScreen, "s1", 16, 20}}, 2, sec(9), 0},
		{"an overlapping heartbeat adds only the new seconds",
			[]step{{0, KindScreen, "s1", 0, 10}, {0, KindScreen, "s1", 5, 15}}, 1, sec(15), 0},
		{"the same heartbeat sent twice counts once",
			[]step{{0, KindScreen, "s1", 0, 10}, {0, KindScreen, "s1", 0, 10}, {0, KindScreen, "s1", 3, 7}}, 1, sec(10), 0},
		{"another session is another interval",
			[]step{{0, KindScreen, "s1", 0, 10}, {0, KindScreen, "s2", 10, 20}}, 2, sec(20), 0},
		{"another kind is another interval and counts as game time",
			[]step{{0, KindScreen, "s1", 0, 10}, {0, KindGame, "s1", 0, 10}}, 2, sec(10), sec(10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t)
			addChild(t, s, "An")
			for i, st := range tt.steps {
				iv := Interval{Child: "An", AppID: st.app, Kind: st.kind, Session: st.session, Day: day0, Start: at(st.start), End: at(st.end)}
				if err := s.AddUsage(ctx, iv); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			var rows int
			var counted int64
			if err := s.r.QueryRow("SELECT count(*), ifnull(sum(counted_ms), 0) FROM usage").Scan(&rows, &counted); err != nil {
				t.Fatal(err)
			}
			if rows != tt.wantRows {
				t.Errorf("%d usage rows; want %d", rows, tt.wantRows)
			}
			u, err := s.Today(ctx, "An", day0)
			if err != nil {
				t.Fatal(err)
			}
			if u.Screen != tt.wantScreen || u.Games != tt.wantGames {
				t.Errorf("Today screen %v games %v; want %v %v", u.Screen, u.Games, tt.wantScreen, tt.wantGames)
			}
			if durMs(counted) != u.Screen+u.Games {
				t.Errorf("intervals count %v, rollups %v", durMs(counted), u.Screen+u.Games)
			}
		})
	}
}

func TestAddUsageRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	addChild(t, s, "An")
	good := Interval{Child: "An", Kind: KindScreen, Session: "s1", Day: day0, Start: t0, End: t0.Add(sec(5))}
	if err := s.AddUsage(ctx, good); err != nil {
		t.Fatal(err)
	}
	with := func(f func(*Interval)) Interval { iv := good; f(&iv); return iv }
	tests := []struct {
		name  string
		iv    Interval
		want  error
		field string
	}{
		{"an unknown child is refused and is ErrNotFound", with(func(iv *Interval) { iv.Child = "Nobody" }), ErrNotFound, "child"},
		{"an empty child is refused", with(func(iv *Interval) { iv.Child = "" }), nil, "child"},
		{"an end before the start is refused", with(func(iv *Interval) { iv.End = iv.Start.Add(-time.Second) }), nil, "end"},
		{"an interval over 24 h is refused", with(func(iv *Interval) { iv.End = iv.Start.Add(25 * time.Hour) }), nil, "end"},
		{"a kind other than screen or game is refused", with(func(iv *Interval) { iv.Kind = "video" }), nil, "kind"},
		{"an empty day is refused", with(func(iv *Interval) { iv.Day = "" }), nil, "day"},
		{"a day that is not a date is refused", with(func(iv *Interval) { iv.Day = "2026-02-30" }), nil, "day"},
		{"a zero start is refused", with(func(iv *Interval) { iv.Start = time.Time{} }), nil, "start"},
		{"an unknown app is refused", with(func(iv *Interval) { iv.AppID = 42 }), ErrNotFound, "app_id"},
		{"a negative app id is refused", with(func(iv *Interval) { iv.AppID = -1 }), nil, "app_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unchanged(t, s, func() { checkErr(t, s.AddUsage(ctx, tt.iv), tt.want, tt.field) })
		})
	}
}

func TestTodaySummaryAndGrants(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	addChild(t, s, "An")
	addChild(t, s, "Binh")
	mc := addApp(t, s, "minecraft", "game")
	wr := addApp(t, s, "writer", "education")
	add := func(child string, app int64, kind Kind, day string, minutes int) {
		t.Helper()
		start := t0.Add(time.Duration(len(day)) * time.Hour) // any time; the day decides
		if err := s.AddUsage(ctx, Interval{Child: child, AppID: app, Kind: kind, Session: day, Day: day, Start: start, End: start.Add(timeMinutes(minutes))}); err != nil {
			t.Fatal(err)
		}
	}
	add("An", mc.ID, KindScreen, "2026-03-09", 30)
	add("An", mc.ID, KindGame, "2026-03-09", 30)
	add("An", wr.ID, KindScreen, "2026-03-09", 20)
	add("An", mc.ID, KindScreen, day0, 10)
	add("An", mc.ID, KindGame, day0, 10)
	add("An", 0, KindScreen, day0, 5)
	add("Binh", wr.ID, KindScreen, day0, 60)
	if err := s.AddGrant(ctx, "An", day0, KindGame, 15*time.Minute, "parent"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddGrant(ctx, "An", day0, KindScreen, 10*time.Minute, "parent"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddGrant(ctx, "An", day0, KindScreen, 5*time.Minute, "parent"); err != nil {
		t.Fatal(err)
	}

	t.Run("Today adds up one child's day per app and per game, with grants", func(t *testing.T) {
		u, err := s.Today(ctx, "An", day0)
		if err != nil {
			t.Fatal(err)
		}
		want := DayUsage{Day: day0, Screen: timeMinutes(15), Games: timeMinutes(10),
			PerApp:  map[int64]time.Duration{mc.ID: timeMinutes(10), 0: timeMinutes(5)},
			PerGame: map[int64]time.Duration{mc.ID: timeMinutes(10)}, GrantedScreen: timeMinutes(15), GrantedGames: timeMinutes(15)}
		if !reflect.DeepEqual(u, want) {
			t.Errorf("Today = %+v\nwant %+v", u, want)
		}
	})
	t.Run("Today of a day without usage is empty, not an error", func(t *testing.T) {
		u, err := s.Today(ctx, "An", "2026-01-01")
		if err != nil || u.Screen != 0 || len(u.PerApp) != 0 {
			t.Fatalf("Today = %+v, %v", u, err)
		}
	})
	summaries := []struct {
		name     string
		from, to string
		by       string
		want     []Row
	}{
		{"by day lists each day in order", "2026-03-01", "2026-03-31", "day", []Row{
			{Key: "2026-03-09", Screen: timeMinutes(50), Games: timeMinutes(30)},
			{Key: day0, Screen: timeMinutes(15), Games: timeMinutes(10)}}},
		{"by app lists the most used first, with 'no app' as an empty key", "2026-03-01", "2026-03-31", "app", []Row{
			{Key: "minecraft", AppID: mc.ID, Screen: timeMinutes(40), Games: timeMinutes(40)},
			{Key: "writer", AppID: wr.ID, Screen: timeMinutes(20)},
			{Key: "", AppID: 0, Screen: timeMinutes(5)}}},
		{"by category groups apps", "2026-03-01", "2026-03-31", "category", []Row{
			{Key: "game", Screen: timeMinutes(40), Games: timeMinutes(40)},
			{Key: "education", Screen: timeMinutes(20)},
			{Key: "", Screen: timeMinutes(5)}}},
		{"the range is inclusive at both ends", day0, day0, "day", []Row{{Key: day0, Screen: timeMinutes(15), Games: timeMinutes(10)}}},
		{"a range without usage is empty", "2025-01-01", "2025-12-31", "day", nil},
	}
	for _, tt := range summaries {
		t.Run("Summary "+tt.name, func(t *testing.T) {
			got, err := s.Summary(ctx, "An", tt.from, tt.to, tt.by)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Summary = %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
	bad := []struct {
		name                string
		child, from, to, by string
		want                error
		field               string
	}{
		{"Summary of an unknown child is ErrNotFound", "Nobody", day0, day0, "day", ErrNotFound, "child"},
		{"Summary by an unknown grouping is refused", "An", day0, day0, "week", nil, "by"},
		{"Summary with to before from is refused", "An", day0, "2026-03-01", "day", nil, "to"},
		{"Summary with a bad from is refused", "An", "March", day0, "day", nil, "from"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Summary(ctx, tt.child, tt.from, tt.to, tt.by)
			checkErr(t, err, tt.want, tt.field)
		})
	}
	t.Run("Today of an unknown child is ErrNotFound", func(t *testing.T) {
		_, err := s.Today(ctx, "Nobody", day0)
		checkErr(t, err, ErrNotFound, "child")
	})
	t.Run("each grant appended a grant event", func(t *testing.T) {
		es, err := s.Events(ctx, time.Time{}, "An")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range es {
			if e.Kind == "grant" && e.Detail["by"] == "parent" && e.Detail["day"] == day0 {
				n++
			}
		}
		if n != 3 {
			t.Errorf("%d grant events; want 3: %+v", n, es)
		}
	})
	grantBad := []struct {
		name, child, day string
		kind             Kind
		d                time.Duration
		by               string
		want             error
		field            string
	}{
		{"a grant to an unknown child is refused", "Nobody", day0, KindScreen, time.Minute, "p", ErrNotFound, "child"},
		{"a negative grant is refused", "An", day0, KindScreen, -time.Minute, "p", nil, "duration"},
		{"a grant over 24 h is refused", "An", day0, KindScreen, 25 * time.Hour, "p", nil, "duration"},
		{"a grant of a bad kind is refused", "An", day0, "music", time.Minute, "p", nil, "kind"},
		{"a grant for a bad day is refused", "An", "10/03/2026", KindScreen, time.Minute, "p", nil, "day"},
		{"a grant without an author is refused", "An", day0, KindScreen, time.Minute, "", nil, "by"},
	}
	for _, tt := range grantBad {
		t.Run(tt.name, func(t *testing.T) {
			unchanged(t, s, func() { checkErr(t, s.AddGrant(ctx, tt.child, tt.day, tt.kind, tt.d, tt.by), tt.want, tt.field) })
		})
	}
}

// A batch is written whole or not at all, and merges like single writes.
func TestAddUsagesAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	addChild(t, s, "An")
	app := addApp(t, s, "minecraft", "game")
	good := []Interval{
		{Child: "An", Kind: KindScreen, Session: "s1", Day: day0, Start: t0, End: t0.Add(2 * time.Second)},
		{Child: "An", AppID: app.ID, Kind: KindGame, Session: "s1", Day: day0, Start: t0, End: t0.Add(2 * time.Second)},
	}
	if err := s.AddUsages(ctx, good); err != nil {
		t.Fatal(err)
	}
	next := []Interval{
		{Child: "An", Kind: KindScreen, Session: "s1", Day: day0, Start: t0.Add(2 * time.Second), End: t0.Add(4 * time.Second)},
		{Child: "An", AppID: app.ID + 99, Kind: KindGame, Session: "s1", Day: day0, Start: t0.Add(2 * time.Second), End: t0.Add(4 * time.Second)},
	}
	err := s.AddUsages(ctx, next)
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "[1]") {
		t.Fatalf("a batch with an unknown app: %v; want a validation error naming [1]", err)
	}
	u, err := s.Today(ctx, "An", day0)
	if err != nil {
		t.Fatal(err)
	}
	if u.Screen != 2*time.Second || u.Games != 2*time.Second {
		t.Errorf("after a refused batch: screen %v, games %v; want the first batch's 2 s each, nothing of the second", u.Screen, u.Games)
	}
}
