package rules

import (
	"testing"
	"time"
)

// ict is Vietnam's time zone (UTC+7, no daylight saving), fixed so tests
// need no tzdata.
var ict = time.FixedZone("ICT", 7*3600)

// at returns a moment in March 2025: the 3rd is a Monday, the 8th a Saturday.
func at(day, hour, minute, sec int) time.Time {
	return time.Date(2025, time.March, day, hour, minute, sec, 0, ict)
}

const (
	mon = 3
	tue = 4
	fri = 7
	sat = 8
)

func every(d time.Duration) [7]time.Duration {
	var a [7]time.Duration
	for i := range a {
		a[i] = d
	}
	return a
}

func windows(t testing.TB, ws ...string) []Window {
	t.Helper()
	out := []Window{}
	for _, s := range ws {
		w, err := ParseWindow(s)
		if err != nil {
			t.Fatalf("window %q: %v", s, err)
		}
		out = append(out, w)
	}
	return out
}

func everyDay(t testing.TB, ws ...string) [7][]Window {
	var a [7][]Window
	for i := range a {
		a[i] = windows(t, ws...)
	}
	return a
}

// policy is a 10-year-old's policy with 2h of screen, 1h of games, all day
// allowed, default warnings and grace; mut adjusts it.
func policy(t testing.TB, mut func(p *Policy)) Policy {
	p := Unrestricted()
	p.Age = 10
	p.Screen = every(2 * time.Hour)
	p.Games = every(time.Hour)
	p.MaxRating = Rating12
	if mut != nil {
		mut(&p)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("test policy is invalid: %v", err)
	}
	return p
}

var (
	minecraft = App{Name: "minecraft", Path: "/opt/minecraft/minecraft", Category: CategoryGame}
	supertux  = App{Name: "supertux2", Path: "/usr/games/supertux2", Category: CategoryGame, Rating: Rating00, MinAge: 3}
	gcompris  = App{Name: "gcompris-qt", Path: "/usr/games/gcompris-qt", Category: CategoryGame}
	roblox    = App{Name: "RobloxPlayerBeta.exe", Path: `C:\Roblox\RobloxPlayerBeta.exe`, Category: CategoryGame}
	firefox   = App{Name: "firefox", Path: "/usr/bin/firefox", Category: CategoryOther}
	zeroad    = App{Name: "0ad", Path: "/usr/games/0ad", Category: CategoryGame, MinAge: 14}
	gta       = App{Name: "gta5", Path: `C:\Games\GTA5.exe`, Category: CategoryGame, Rating: Rating18}
	forged    = App{Name: "notepad", Path: "/tmp/notepad", SHA256: "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"}
)

func running(a App, used time.Duration) AppUsage { return AppUsage{App: a, Used: used, Running: true} }
