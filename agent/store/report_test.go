package store

import (
	"context"
	"testing"
	"time"
)

func TestLateUse(t *testing.T) {
	ctx := context.Background()
	hcm := time.FixedZone("ICT", 7*3600) // Asia/Ho_Chi_Minh, without tzdata
	at := func(day, hhmm string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hhmm, hcm)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	type iv struct {
		kind       Kind
		day        string
		start, end string // HH:MM on day
		endDay     string // "" = day
	}
	cases := []struct {
		sentence string
		ivs      []iv
		want     time.Duration
	}{
		{"Afternoon use is not late.", []iv{{KindScreen, "2026-03-10", "14:00", "15:00", ""}}, 0},
		{"From 21:30 to 22:30, the half hour after 22:00 is late.", []iv{{KindScreen, "2026-03-10", "21:30", "22:30", ""}}, 30 * time.Minute},
		{"From 05:00 to 07:00, the hour before 06:00 is late.", []iv{{KindScreen, "2026-03-10", "05:00", "07:00", ""}}, time.Hour},
		{"Both ends of one day add up.", []iv{{KindScreen, "2026-03-10", "05:30", "06:10", ""}, {KindScreen, "2026-03-10", "23:00", "23:20", ""}}, 50 * time.Minute},
		{"An interval of the day that runs past midnight counts to its end.", []iv{{KindScreen, "2026-03-10", "23:30", "00:30", "2026-03-11"}}, time.Hour},
		{"Game time is screen time already: it is not counted twice.", []iv{{KindScreen, "2026-03-10", "22:00", "22:10", ""}, {KindGame, "2026-03-10", "22:00", "22:10", ""}}, 10 * time.Minute},
		{"Another day's use is not this day's.", []iv{{KindScreen, "2026-03-09", "23:00", "23:30", ""}}, 0},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			s, _ := newStore(t)
			addChild(t, s, "An", "an")
			for _, x := range c.ivs {
				ed := x.endDay
				if ed == "" {
					ed = x.day
				}
				if err := s.AddUsage(ctx, Interval{Child: "An", Kind: x.kind, Session: "s1", Day: x.day, Start: at(x.day, x.start), End: at(ed, x.end)}); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.LateUse(ctx, "An", "2026-03-10", hcm, 22*60, 6*60)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%s\n  got %v, want %v", c.sentence, got, c.want)
			}
		})
	}
	s, _ := newStore(t)
	if _, err := s.LateUse(ctx, "Nobody", "2026-03-10", hcm, 22*60, 6*60); err == nil {
		t.Error("an unknown child gave no error")
	}
	if _, err := s.LateUse(ctx, "Nobody", "10/03/2026", hcm, 22*60, 6*60); err == nil {
		t.Error("a bad day gave no error")
	}
}
