package agenttest

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/auth"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/rules"
)

// The family's PIN and the account of its second child (the first, An, has
// the account Kid).
const (
	FamilyPIN = "135790"
	Binh      = "binh"
)

// Family is a world with a family in it, for the tests of the console and
// the companion and for the screenshots: the PIN FamilyPIN and a parent
// code; An (12, account Kid) and Bình (8, account Binh) with a month of use
// behind them; An's pending ask for 30 more minutes of games, Bình's
// answered one, and a wrong PIN typed once.
//
// Today, An has used 1 h 45 min of a 2 h day (50 min of games of 1 h): the
// agent warns, 15 min of screen time and 10 min of games left. Bình may use
// the computer from 06:00 to 16:00 only: blocked now, time comes back
// tomorrow at 06:00. Nobody is at the computer, so nothing changes until a
// test starts a process or a heartbeat.
type Family struct {
	*World
	// Now is when the world started: the family's today.
	Now time.Time
	// Secret is the parent code's secret (an authenticator app's).
	Secret string
}

// StartFamily starts a Family whose world starts at now (a time of day
// after 16:00, the end of Bình's hours, and before 21:00: An uses the
// computer in the afternoon).
func StartFamily(t testing.TB, now time.Time) *Family {
	t.Helper()
	f := &Family{World: Start(t, Options{Now: now}), Now: now}
	f.Users.Add(Binh, 50004, false)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	root := f.Client(Root)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("agenttest: family: %s: %v", what, err)
		}
	}
	_, err := root.Setup(ctx, FamilyPIN)
	must("setup", err)
	code, err := root.NewCode(ctx)
	must("parent code", err)
	f.Secret = code.Secret

	_, err = root.AddChild(ctx, apitype.AddChildRequest{Name: "An", BirthYear: now.Year() - 12, Accounts: []string{Kid}, Preset: "auto"})
	must("add An", err)
	_, err = root.AddChild(ctx, apitype.AddChildRequest{Name: "Bình", BirthYear: now.Year() - 8, Accounts: []string{Binh}, Preset: "auto"})
	must("add Bình", err)
	two, one := rules.Duration(2*time.Hour), rules.Duration(time.Hour)
	must("An's rules", root.SetChildPolicy(ctx, "An", rules.Child{Name: "An", BirthYear: now.Year() - 12, Accounts: []string{Kid},
		Profile: rules.Profile{Preset: "auto", Screen: &rules.BudgetSpec{Daily: &two}, Games: &rules.GamesSpec{Daily: &one},
			Apps: []rules.AppRule{{Match: rules.Match{Path: "/usr/games/gcompris-qt"}, Rule: rules.RuleAlways}}}}))
	must("Bình's rules", root.SetChildPolicy(ctx, "Bình", rules.Child{Name: "Bình", BirthYear: now.Year() - 8, Accounts: []string{Binh},
		Profile: rules.Profile{Preset: "auto", Allowed: map[string][]rules.Window{"daily": {{Start: 6 * 60, End: 16 * 60}}}}}))

	f.History(FamilyMonth(now)...)

	_, err = f.Client(Kid).Ask(ctx, apitype.AskRequest{Kind: apitype.KindGames, AddSec: 1800, Reason: "Con đang xây nhà với bạn, cho con thêm 30 phút nhé!"})
	must("An's ask", err)
	asked, err := f.Client(Binh).Ask(ctx, apitype.AskRequest{Kind: apitype.KindScreen, AddSec: 900})
	must("Bình's ask", err)
	_, err = root.Answer(ctx, asked.ID, apitype.AnswerRequest{Approve: true})
	must("Bình's answer", err)
	if _, err := f.Client(Mum).Login(ctx, "000000"); !client.IsCode(err, apitype.CodeNotAllowed) {
		t.Fatalf("agenttest: family: a wrong PIN: %v", err)
	}
	return f
}

// Parent is a client of Mum's, logged in with the PIN.
func (f *Family) Parent() *client.Client {
	f.t.Helper()
	c := f.Client(Mum)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.Login(ctx, FamilyPIN); err != nil {
		f.t.Fatalf("agenttest: family: log in: %v", err)
	}
	return c
}

// Code is the parent code of the moment, as the parent's authenticator app
// shows it.
func (f *Family) Code() string {
	f.t.Helper()
	code, err := auth.Code(f.Secret, f.Clock.Wall())
	if err != nil {
		f.t.Fatalf("agenttest: family: parent code: %v", err)
	}
	return code
}

// A family app: name, path, category, and whether it is a game.
type familyApp struct {
	name, path, category string
	game                 bool
}

var (
	minecraft   = familyApp{"minecraft", "/opt/minecraft/minecraft-launcher", "game", true}
	roblox      = familyApp{"roblox", "/opt/roblox/roblox", "game", true}
	firefox     = familyApp{"firefox", "/usr/bin/firefox", "browser", false}
	gcompris    = familyApp{"gcompris-qt", "/usr/games/gcompris-qt", "education", false}
	libreoffice = familyApp{"libreoffice", "/usr/bin/libreoffice", "education", false}
	supertux    = familyApp{"supertux2", "/usr/games/supertux2", "game", true}
	tuxpaint    = familyApp{"tuxpaint", "/usr/bin/tuxpaint", "education", false}
)

// FamilyMonth is the family's use over the 30 days up to now: An plays in
// the afternoon and early evening and is up late (after 21:00) every fifth
// day, yesterday the last time; Bình plays in the afternoon and was up late
// once, three days ago. Today, before now: An 1 h 45 min (50 min of games)
// of five apps, Bình 1 h 20 min (35 min of games).
func FamilyMonth(now time.Time) []Use {
	var out []Use
	use := func(child string, a familyApp, start time.Time, minutes int) time.Time {
		end := start.Add(time.Duration(minutes) * time.Minute)
		out = append(out, Use{Child: child, App: a.name, Path: a.path, Category: a.category, Game: a.game, Start: start, End: end})
		return end
	}
	// a session of about minutes, of apps picked at random, back to back
	session := func(rng *rand.Rand, child string, apps []familyApp, start time.Time, minutes int) {
		end := start.Add(time.Duration(minutes) * time.Minute)
		for t := start; t.Before(end); {
			seg := min(8+rng.IntN(30), int(end.Sub(t)/time.Minute))
			if seg <= 0 {
				break
			}
			t = use(child, apps[rng.IntN(len(apps))], t, seg)
		}
	}
	an := []familyApp{minecraft, roblox, firefox, gcompris, libreoffice}
	binh := []familyApp{supertux, tuxpaint, firefox}
	rng := rand.New(rand.NewPCG(3, 5))
	y, m, d := now.Date()
	at := func(days, h, min int) time.Time { return time.Date(y, m, d-days, h, min, 0, 0, now.Location()) }
	for days := 29; days >= 1; days-- {
		session(rng, "An", an, at(days, 15, rng.IntN(45)), 30+rng.IntN(90))
		session(rng, "An", an, at(days, 19, rng.IntN(20)), 20+rng.IntN(40))
		if days%5 == 1 {
			session(rng, "An", an, at(days, 21, 10+rng.IntN(40)), 25+rng.IntN(55))
		}
		session(rng, "Bình", binh, at(days, 16, rng.IntN(30)), 20+rng.IntN(50))
		if days == 3 {
			session(rng, "Bình", binh, at(days, 20, 40), 40)
		} else {
			session(rng, "Bình", binh, at(days, 18, rng.IntN(30)), 15+rng.IntN(30))
		}
	}
	// today
	t := use("An", minecraft, at(0, 14, 0), 30)
	t = use("An", roblox, t, 20)
	t = use("An", firefox, t.Add(10*time.Minute), 25)
	t = use("An", libreoffice, t, 15)
	use("An", gcompris, t, 15)
	t = use("Bình", supertux, at(0, 10, 0), 35)
	t = use("Bình", tuxpaint, t, 30)
	use("Bình", firefox, t, 15)
	return out
}
