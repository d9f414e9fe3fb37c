package hub

import (
	"testing"

	"github.com/kidtime/kidtime/agent/hub/wire"

	"github.com/kidtime/kidtime/rules"
)

// The report's age bands are the presets' rows: within a band every age
// has the same daily limits, and two bands side by side differ. A change
// of the presets' table that moves a row's edge fails here.
func TestBandsAreThePresetsRows(t *testing.T) {
	limits := func(age int) [4]int64 {
		p := rules.Preset(age)
		return [4]int64{int64(p.Screen[1]), int64(p.Games[1]), int64(p.PerGame), int64(p.Allowed[1][0].End)}
	}
	for i, b := range bands {
		hi := min(b.hi, 25)
		for age := b.lo; age <= hi; age++ {
			if bandOf(age) != b.label {
				t.Errorf("age %d is in band %s; want %s", age, bandOf(age), b.label)
			}
			if limits(age) != limits(b.lo) {
				t.Errorf("band %s: the preset of age %d differs from that of %d", b.label, age, b.lo)
			}
		}
		if i > 0 && limits(b.lo) == limits(bands[i-1].lo) {
			t.Errorf("bands %s and %s have the same preset: one band", bands[i-1].label, b.label)
		}
	}
	ps := newPresets()
	for _, c := range []struct {
		sentence      string
		age           int
		day           string
		screen, games int64
		want          bool
	}{
		{"7 years, 2 h on a Monday: within 2 h.", 7, "2026-11-02", 7200, 0, true},
		{"7 years, 2 h 1 min: over.", 7, "2026-11-02", 7260, 0, false},
		{"7 years, 61 min of games: over the hour of games.", 7, "2026-11-02", 3660, 3660, false},
		{"13 years, 2 h of games in 2 h: the day's games are not capped (per game only).", 13, "2026-11-02", 7200, 7200, true},
		{"1 year, 1 minute: over (no screen time under 2).", 1, "2026-11-02", 60, 0, false},
		{"20 years: no limit.", 20, "2026-11-02", 86400, 86400, true},
		{"A day that is no date is never within.", 7, "2026-13-02", 0, 0, false},
	} {
		if got := ps.within(c.age, c.day, c.screen, c.games); got != c.want {
			t.Errorf("%s\n  got %v", c.sentence, got)
		}
	}
}

// Decree 147's hour is per game: a child-day's games are judged game by
// game, over the PCs, when the PCs send each game's time; where a PC sent
// none (an older version), all games together are held to the hour.
func TestGamesWithinHour(t *testing.T) {
	mc, rb := wire.GameKey("minecraft"), wire.GameKey("roblox")
	cases := []struct {
		sentence string
		rolls    []wire.Rollup
		want     bool
	}{
		{"two games of 40 min: each within the hour", []wire.Rollup{{GamesSec: 4800, PerGame: map[string]int64{mc: 2400, rb: 2400}}}, true},
		{"one game 40 min on each of two PCs: 80 min of it", []wire.Rollup{{GamesSec: 2400, PerGame: map[string]int64{mc: 2400}}, {GamesSec: 2400, PerGame: map[string]int64{mc: 2400}}}, false},
		{"no per-game time: all games together, 80 min", []wire.Rollup{{GamesSec: 4800}}, false},
		{"no per-game time: 50 min in all", []wire.Rollup{{GamesSec: 3000}}, true},
		{"one PC with per-game time, an older one without: together", []wire.Rollup{{GamesSec: 2400, PerGame: map[string]int64{mc: 2400}}, {GamesSec: 2400}}, false},
		{"no games at all", []wire.Rollup{{ScreenSec: 3600}}, true},
	}
	for _, c := range cases {
		var u unit
		for i := range c.rolls {
			u.add(&c.rolls[i])
		}
		if got := u.gamesWithinHour(); got != c.want {
			t.Errorf("%s: %v, want %v", c.sentence, got, c.want)
		}
	}
}
