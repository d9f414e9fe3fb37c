package uitest

import (
	"math/rand/v2"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
)

// DemoPIN and DemoCode are the demo's PIN and parent code.
const (
	DemoPIN  = "123456"
	DemoCode = "246810"
)

// Demo is an agent with two children and a month of made-up usage, as of
// now, for `kidtime-app --demo` and the screenshots. The caller is a parent
// who has typed the PIN; set Role to child (and ChildName) for the companion.
func Demo(now time.Time) *Fake {
	f := New()
	f.Now = func() time.Time { return now }
	f.PIN, f.Code, f.Role = DemoPIN, DemoCode, apitype.RoleParent
	f.Kids = []rules.Child{
		{Name: "An", BirthYear: now.Year() - 12, Accounts: []string{"an"}, Profile: rules.Profile{Preset: "auto"}},
		{Name: "Bình", BirthYear: now.Year() - 8, Accounts: []string{"binh"}, Profile: rules.Profile{Preset: "auto"}},
	}
	f.ChildName = "An"
	rng := rand.New(rand.NewPCG(7, 11))
	apps := map[string][]apitype.AppUsage{
		"An": {
			{Name: "minecraft", Path: "/opt/minecraft/minecraft-launcher", Category: "game"},
			{Name: "roblox", Path: "/opt/roblox/roblox", Category: "game"},
			{Name: "firefox", Path: "/usr/bin/firefox", Category: "other"},
			{Name: "gcompris-qt", Path: "/usr/games/gcompris-qt", Category: "education", Rule: "always"},
			{Name: "libreoffice", Path: "/usr/bin/libreoffice", Category: "education"},
		},
		"Bình": {
			{Name: "supertux2", Path: "/usr/games/supertux2", Category: "game"},
			{Name: "tuxpaint", Path: "/usr/bin/tuxpaint", Category: "education"},
			{Name: "firefox", Path: "/usr/bin/firefox", Category: "other"},
		},
	}
	for child, list := range apps {
		f.Daily[child] = map[string][2]int64{}
		f.PerApp[child] = map[string]map[string][2]int64{}
		for d := 0; d < 30; d++ {
			day := now.AddDate(0, 0, -d).Format(time.DateOnly)
			f.PerApp[child][day] = map[string][2]int64{}
			var screen, games int64
			for _, a := range list {
				sec := int64(rng.IntN(40)+5) * 60
				if a.Category == "game" {
					sec = int64(rng.IntN(35)) * 60
					games += sec
					f.PerApp[child][day][a.Name] = [2]int64{sec, sec}
				} else {
					f.PerApp[child][day][a.Name] = [2]int64{sec, 0}
				}
				screen += sec
			}
			f.Daily[child][day] = [2]int64{screen, games}
		}
		for i := range list {
			for d := 0; d < 7; d++ {
				list[i].UsedSec += f.PerApp[child][now.AddDate(0, 0, -d).Format(time.DateOnly)][list[i].Name][0]
			}
		}
		f.AppsUsed[child] = list
	}
	f.Statuses["An"] = &apitype.ChildStatus{
		Name: "An", Accounts: []string{"an"}, Age: 12, State: apitype.StateWarn,
		Reason: "screen.budget", ReasonKey: "reason.screen.budget", Active: true,
		ScreenUsedSec: 105 * 60, ScreenLeftSec: 15 * 60, ScreenLimitSec: 2 * 3600,
		GamesUsedSec: 50 * 60, GamesLeftSec: 10 * 60, GamesLimitSec: 3600,
		Foreground: "minecraft", CompanionSeen: now.Add(-3 * time.Second),
	}
	f.Statuses["Bình"] = &apitype.ChildStatus{
		Name: "Bình", Accounts: []string{"binh"}, Age: 8, State: apitype.StateBlocked,
		Reason: "hours.outside", ReasonKey: "reason.hours.outside",
		ScreenUsedSec: 80 * 60, ScreenLeftSec: 0, ScreenLimitSec: 2 * 3600,
		GamesUsedSec: 35 * 60, GamesLeftSec: 25 * 60, GamesLimitSec: 3600,
		BackAt: time.Date(now.Year(), now.Month(), now.Day()+1, 6, 0, 0, 0, now.Location()), CompanionSeen: now.Add(-40 * time.Minute),
	}
	f.Reqs = []apitype.Request{
		{ID: 1, Child: "An", Kind: apitype.KindGames, AddSec: 1800, Reason: "Con đang xây nhà với bạn, cho con thêm 30 phút nhé!", Status: "pending", Created: now.Add(-4 * time.Minute)},
		{ID: 2, Child: "Bình", Kind: apitype.KindScreen, AddSec: 900, Reason: "", Status: "approved", GrantedSec: 900, AnsweredBy: "parent", Created: now.Add(-26 * time.Hour), Answered: now.Add(-25 * time.Hour)},
	}
	ev := func(ago time.Duration, child, kind string, tamper bool, detail map[string]any) {
		f.Evs = append(f.Evs, apitype.Event{ID: int64(len(f.Evs) + 1), At: now.Add(-ago), Child: child, Kind: kind, Tamper: tamper, Detail: detail})
	}
	// the event kinds and details of the real agent (agent/routes.go, enforce)
	ev(2*time.Minute, "An", "warning", false, map[string]any{"leftSec": float64(900), "subject": "screen"})
	ev(50*time.Minute, "Bình", "lock", false, map[string]any{"via": "companion", "reason": "hours.outside"})
	ev(3*time.Hour, "An", "app_closed", false, map[string]any{"app": "roblox", "reason": "app.limit"})
	ev(5*time.Hour, "", "clock_jump", true, map[string]any{"deltaSec": float64(-7200)})
	ev(26*time.Hour, "Bình", "grant", false, map[string]any{"seconds": float64(900), "kind": "screen"})
	ev(30*time.Hour, "An", "pin_failed", true, map[string]any{"failures": float64(3)})
	ev(50*time.Hour, "", "agent_restart", true, map[string]any{"gapSec": float64(2460)})
	ev(52*time.Hour, "An", "companion_missing", true, nil)
	demoSessions(f, now)
	return f
}

// demoSessions makes a month of sessions: An plays in the afternoon and
// evening and is up late every fifth day; Bình is up late once.
func demoSessions(f *Fake, now time.Time) {
	rng := rand.New(rand.NewPCG(3, 5))
	add := func(child string, day time.Time, h, m, minutes, gamesPct int, late bool) {
		start := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, now.Location())
		end := start.Add(time.Duration(minutes) * time.Minute)
		if end.After(now) {
			return
		}
		sec := int64(minutes * 60)
		f.Sess[child] = append(f.Sess[child], apitype.SessionRow{Day: day.Format(time.DateOnly),
			Start: start, End: end, ScreenSec: sec, GamesSec: sec * int64(gamesPct) / 100, LateNight: late})
	}
	for d := 29; d >= 0; d-- {
		day := now.AddDate(0, 0, -d)
		add("An", day, 15, rng.IntN(60), 30+rng.IntN(120), 40, false)
		add("An", day, 19, 30+rng.IntN(25), 20+rng.IntN(60), 60, false)
		if d%5 == 1 {
			add("An", day, 21, 10+rng.IntN(40), 25+rng.IntN(55), 80, true)
		}
		add("Bình", day, 16, rng.IntN(30), 20+rng.IntN(50), 30, false)
		if d == 3 {
			add("Bình", day, 20, 40, 40, 0, true)
		} else {
			add("Bình", day, 18, rng.IntN(30), 15+rng.IntN(30), 30, false)
		}
	}
}
