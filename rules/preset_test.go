package rules

import (
	"slices"
	"testing"
	"time"
)

// TestPresetTable pins every number of DESIGN.md §8 at both ends of each age
// band.
func TestPresetTable(t *testing.T) {
	const h, m = time.Hour, time.Minute
	cases := []struct {
		sentence string
		ages     []int
		screen   time.Duration
		games    time.Duration
		perGame  time.Duration
		allowed  string // the one allowed window, every day
		rating   Rating
	}{
		{"0–1: no screen time and no games (WHO 2019, AAP 2016); hours stay open only for a parent's grant.", []int{0, 1}, 0, 0, 0, "00:00-24:00", Rating00},
		{"2–5: 1 h of screen, 30 min of games, screens off 19:00–06:00, 00+.", []int{2, 5}, h, 30 * m, Unlimited, "06:00-19:00", Rating00},
		{"6–8: 2 h of screen, 1 h of games, screens off 19:30–06:00, 00+.", []int{6, 8}, 2 * h, h, Unlimited, "06:00-19:30", Rating00},
		{"9–11: 2 h of screen, 1 h of games, screens off 20:00–06:00, 00+.", []int{9, 11}, 2 * h, h, Unlimited, "06:00-20:00", Rating00},
		{"12–15: 2 h of screen, 1 h per game within the day's time, screens off 20:30–06:00, 12+.", []int{12, 15}, 2 * h, Unlimited, h, "06:00-20:30", Rating12},
		{"16–17: 2 h of screen, 1 h per game and 3 h a day at most, screens off 21:00–06:00, 16+.", []int{16, 17}, 2 * h, 3 * h, h, "06:00-21:00", Rating16},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			for _, age := range c.ages {
				p := Preset(age)
				for d := range 7 {
					if p.Screen[d] != c.screen || p.Games[d] != c.games {
						t.Errorf("age %d, %v: screen %v games %v, want %v and %v", age, time.Weekday(d),
							FormatDuration(p.Screen[d]), FormatDuration(p.Games[d]), FormatDuration(c.screen), FormatDuration(c.games))
					}
					if len(p.Allowed[d]) != 1 || p.Allowed[d][0].String() != c.allowed {
						t.Errorf("age %d, %v: allowed %v, want [%s]", age, time.Weekday(d), p.Allowed[d], c.allowed)
					}
				}
				if p.PerGame != c.perGame {
					t.Errorf("age %d: per game %v, want %v", age, FormatDuration(p.PerGame), FormatDuration(c.perGame))
				}
				if p.MaxRating != c.rating {
					t.Errorf("age %d: max rating %v, want %v", age, p.MaxRating, c.rating)
				}
				if p.Age != age {
					t.Errorf("age %d: policy age %d", age, p.Age)
				}
				if !slices.Equal(p.Warnings, []time.Duration{15 * m, 5 * m, m}) || p.Grace != 60*time.Second || p.OnLimit != ActionLock {
					t.Errorf("age %d: warnings %v grace %v action %v, want 15m 5m 1m, 60s, lock", age, p.Warnings, p.Grace, p.OnLimit)
				}
				if err := p.Validate(); err != nil {
					t.Errorf("age %d: preset does not validate: %v", age, err)
				}
			}
		})
	}
	t.Run("Adults (18+) get no limits; a negative age gets the strictest preset.", func(t *testing.T) {
		if p := Preset(18); p.Screen[0] != Unlimited || p.MaxRating != Rating18 {
			t.Errorf("Preset(18) = screen %v rating %v, want unlimited, 18+", p.Screen[0], p.MaxRating)
		}
		if p := Preset(-3); p.Screen[0] != 0 || p.Age != 0 {
			t.Errorf("Preset(-3) = screen %v age %d, want none, 0", p.Screen[0], p.Age)
		}
	})
	t.Run("A child's age is this year minus the birth year.", func(t *testing.T) {
		if got := AgeIn(2015, time.Date(2025, time.January, 1, 0, 0, 0, 0, ict)); got != 10 {
			t.Errorf("AgeIn(2015, 2025-01-01) = %d, want 10", got)
		}
		if got := AgeIn(2025, time.Date(2025, time.December, 31, 23, 0, 0, 0, ict)); got != 0 {
			t.Errorf("AgeIn(2025, 2025-12-31) = %d, want 0", got)
		}
	})
}

// TestPresetsAreMonotone checks the table's shape: no band gets less screen
// time, earlier screens-off or a lower rating than a younger band.
func TestPresetsAreMonotone(t *testing.T) {
	for age := 1; age <= 17; age++ {
		a, b := Preset(age-1), Preset(age)
		if b.Screen[0] < a.Screen[0] || b.MaxRating < a.MaxRating || b.Allowed[0][0].End < a.Allowed[0][0].End && age != 2 {
			t.Errorf("age %d is stricter than age %d", age, age-1)
		}
	}
}
