package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// demoSeed writes a month of made-up family data into an empty database,
// for screenshots, demos and trying the console:
//
//	kidtimed demo-seed --data-dir DIR [--now RFC3339] [--account-an an] [--account-binh binh]
//
// It refuses a database that already has children, so it can never mix
// made-up data into a real family's.
func demoSeed(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kidtimed demo-seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "", "folder of the database to fill (required; must hold no children)")
	nowFlag := fs.String("now", "", "the demo's \"now\" (RFC 3339; default: the current time)")
	accAn := fs.String("account-an", "an", "OS account of the demo child An")
	accBinh := fs.String("account-binh", "binh", "OS account of the demo child Bình")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *dataDir == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "kidtimed demo-seed: usage: kidtimed demo-seed --data-dir DIR [--now RFC3339] [--account-an NAME] [--account-binh NAME]")
		return 2
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			fmt.Fprintf(stderr, "kidtimed demo-seed: --now: %v\n", err)
			return 2
		}
		now = t.Local()
	}
	sum, err := seedDemo(context.Background(), filepath.Join(*dataDir, "kidtime.db"), now, *accAn, *accBinh)
	if err != nil {
		fmt.Fprintf(stderr, "kidtimed demo-seed: %v\n", err)
		return 1
	}
	fmt.Fprint(stdout, sum)
	return 0
}

// errNotEmpty is returned when the database already has children.
var errNotEmpty = errors.New("the database already has children; demo data goes only into an empty one")

type demoApp struct {
	name, path, category, rating string
	game                         bool
}

var demoApps = []demoApp{
	{"Minecraft", "/opt/minecraft-launcher/minecraft-launcher", "game", "12+", true},
	{"Roblox", "/opt/sober/sober", "game", "12+", true},
	{"SuperTux", "/usr/games/supertux2", "game", "00+", true},
	{"GCompris", "/usr/bin/gcompris-qt", "education", "00+", false},
	{"Tux Paint", "/usr/bin/tuxpaint", "education", "00+", false},
	{"LibreOffice Writer", "/usr/lib/libreoffice/program/soffice.bin", "education", "", false},
	{"Firefox", "/usr/lib/firefox-esr/firefox-esr", "browser", "", false},
}

// demoKid is a demo child: which apps they use, with weights.
type demoKid struct {
	name    string
	age     int
	account string
	apps    map[string]int // app name -> weight
	screen  time.Duration  // typical screen time per day
}

// seedDemo fills the database at path and returns a summary of what it wrote.
func seedDemo(ctx context.Context, path string, now time.Time, accAn, accBinh string) (string, error) {
	clock := now
	st, err := store.Open(ctx, path, store.WithNow(func() time.Time { return clock }))
	if err != nil {
		return "", err
	}
	defer st.Close()
	if kids, err := st.Children(ctx); err != nil {
		return "", err
	} else if len(kids) > 0 {
		return "", fmt.Errorf("%s: %w", path, errNotEmpty)
	}

	kids := []demoKid{
		{"An", 11, accAn, map[string]int{"Minecraft": 5, "Roblox": 3, "Firefox": 3, "GCompris": 1, "LibreOffice Writer": 2}, 100 * time.Minute},
		{"Bình", 8, accBinh, map[string]int{"SuperTux": 4, "Minecraft": 2, "Tux Paint": 3, "GCompris": 4, "Firefox": 1}, 80 * time.Minute},
	}
	var out string
	say := func(format string, args ...any) { out += fmt.Sprintf(format, args...) + "\n" }

	ids := map[string]int64{}
	for _, a := range demoApps {
		h := sha256.Sum256([]byte(a.name))
		app, err := st.UpsertApp(ctx, store.App{Path: a.path, SHA256: hex.EncodeToString(h[:]), Name: a.name, Category: a.category, Rating: a.rating})
		if err != nil {
			return "", err
		}
		ids[a.name] = app.ID
	}
	say("apps: %d (%s)", len(demoApps), appNames())

	for _, k := range kids {
		year := now.Year() - k.age
		clock = now.AddDate(0, 0, -31)
		if _, err := st.AddChild(ctx, store.Child{Name: k.name, BirthYear: year, Accounts: []string{k.account}}); err != nil {
			return "", err
		}
		spec := rules.Child{Name: k.name, BirthYear: year, Accounts: []string{k.account}, Profile: rules.Profile{Preset: "auto"}}
		if k.name == "An" {
			// a parent's changes on top of the preset: longer weekends, and
			// the parent's own app rules
			sat := rules.Duration(150 * time.Minute)
			spec.Screen = &rules.BudgetSpec{Days: map[string]rules.Duration{"weekend": sat}}
			spec.Apps = []rules.AppRule{
				{Match: rules.Match{Path: "/usr/bin/gcompris-qt"}, Rule: rules.RuleAlways},
				{Match: rules.Match{Path: "/opt/sober/sober"}, Rule: rules.RuleLimit, Limit: rules.Duration(30 * time.Minute)},
			}
		}
		if _, err := spec.Policy(now); err != nil {
			return "", fmt.Errorf("demo policy of %s: %w", k.name, err)
		}
		b, err := json.Marshal(spec)
		if err != nil {
			return "", err
		}
		if _, err := st.SavePolicy(ctx, k.name, b, "demo"); err != nil {
			return "", err
		}
		if _, err := st.AppendEvent(ctx, store.Event{At: clock, Child: k.name, Kind: "child_added", Detail: map[string]any{"by": "demo", "accounts": []string{k.account}}}); err != nil {
			return "", err
		}
		n, total, err := seedUsage(ctx, st, k, ids, now)
		if err != nil {
			return "", err
		}
		say("child %s: born %d, account %q, preset auto; %d usage intervals over 30 days (%s of screen time)", k.name, year, k.account, n, total.Round(time.Minute))
	}

	// requests and grants
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	type req struct {
		child  string
		kind   store.Kind
		amount time.Duration
		reason string
		ago    time.Duration
		answer string // "", "approve", "deny"
	}
	reqs := []req{
		{"An", store.KindGame, 30 * time.Minute, "Con đang xây nhà với bạn, cho con thêm 30 phút nhé!", 4 * time.Minute, ""},
		{"Bình", store.KindScreen, 15 * time.Minute, "Con vẽ xong bức tranh đã ạ", 10 * time.Minute, ""},
		{"An", store.KindScreen, time.Hour, "Làm bài tập nhóm", 26 * time.Hour, "approve"},
		{"Bình", store.KindGame, 30 * time.Minute, "", 50 * time.Hour, "deny"},
		{"An", store.KindGame, 15 * time.Minute, "Sắp qua màn rồi", 74 * time.Hour, "approve"},
	}
	pending := 0
	for _, r := range reqs {
		at := now.Add(-r.ago)
		clock = at
		got, err := st.AddRequest(ctx, store.Request{Child: r.child, Kind: r.kind, Amount: r.amount, Reason: r.reason, Day: day(at), CreatedAt: at})
		if err != nil {
			return "", err
		}
		if r.answer == "" {
			pending++
			continue
		}
		clock = at.Add(3 * time.Minute)
		if _, err := st.Answer(ctx, got.ID, r.answer == "approve", r.amount, "parent"); err != nil {
			return "", err
		}
	}
	clock = now.Add(-7 * 24 * time.Hour)
	if err := st.AddGrant(ctx, "Bình", day(clock), store.KindScreen, 20*time.Minute, "parent"); err != nil {
		return "", err
	}
	say("requests: %d (%d pending, %d answered); grants: %d", len(reqs), pending, len(reqs)-pending, 3)

	// events, including tamper signals
	type ev struct {
		ago    time.Duration
		child  string
		kind   string
		detail map[string]any
	}
	evs := []ev{
		{29 * 24 * time.Hour, "", "agent_start", map[string]any{"version": "demo"}},
		{9*24*time.Hour + 2*time.Hour, "", "agent_restart", map[string]any{"gapSec": int64(41 * 60), "clean": false}},
		{35 * time.Minute, "An", "pin_failed", map[string]any{"user": accAn, "failures": 3, "nextWaitSec": 30}},
		{2*time.Hour + 10*time.Minute, "", "clock_jump", map[string]any{"deltaSec": int64(-2 * 3600)}},
		{2*24*time.Hour + 3*time.Hour, "An", "app_closed", map[string]any{"app": "Roblox", "reason": "app.limit"}},
		{26 * time.Hour, "Bình", "lock", map[string]any{"via": "companion", "reason": "hours.outside"}},
		{4*24*time.Hour + 5*time.Hour, "Bình", "games_paused", map[string]any{"by": "parent"}},
		{12 * time.Minute, "An", "warning", map[string]any{"subject": "screen", "reason": "screen.budget", "thresholdSec": 900, "leftSec": 900}},
	}
	tamper := 0
	for _, e := range evs {
		if _, err := st.AppendEvent(ctx, store.Event{At: now.Add(-e.ago), Child: e.child, Kind: e.kind, Detail: e.detail}); err != nil {
			return "", err
		}
		switch e.kind {
		case "agent_restart", "pin_failed", "clock_jump":
			tamper++
		}
	}
	say("events: %d more (%d tamper signals: agent_restart, pin_failed, clock_jump)", len(evs), tamper)
	say("database: %s (demo \"now\" %s)", path, now.Format(time.RFC3339))
	return out, nil
}

func appNames() string {
	s := ""
	for i, a := range demoApps {
		if i > 0 {
			s += ", "
		}
		s += a.name
	}
	return s
}

// seedUsage writes 30 days (today included, up to now) of sessions of
// app use for one child: after school on weekdays, morning and afternoon at
// weekends.
func seedUsage(ctx context.Context, st *store.Store, k demoKid, ids map[string]int64, now time.Time) (int, time.Duration, error) {
	rng := rand.New(rand.NewPCG(uint64(len(k.name)), uint64(k.age)))
	var names []string
	for _, a := range demoApps {
		for range k.apps[a.name] {
			names = append(names, a.name)
		}
	}
	game := map[string]bool{}
	for _, a := range demoApps {
		game[a.name] = a.game
	}
	n := 0
	var total time.Duration
	for d := 29; d >= 0; d-- {
		date := now.AddDate(0, 0, -d)
		y, m, dd := date.Date()
		at := func(h, min int) time.Time { return time.Date(y, m, dd, h, min, 0, 0, now.Location()) }
		starts := []time.Time{at(16, 10+rng.IntN(40))}
		if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			starts = []time.Time{at(9, rng.IntN(45)), at(15, rng.IntN(60))}
		}
		budget := k.screen + time.Duration(rng.IntN(41)-20)*time.Minute
		per := budget / time.Duration(len(starts))
		for si, start := range starts {
			t := start
			end := start.Add(per)
			session := fmt.Sprintf("demo-%s-%d", date.Format("0102"), si)
			for t.Before(end) {
				app := names[rng.IntN(len(names))]
				seg := time.Duration(8+rng.IntN(30)) * time.Minute
				stop := t.Add(seg)
				if stop.After(end) {
					stop = end
				}
				if stop.After(now) {
					stop = now
				}
				if !stop.After(t) {
					break
				}
				iv := store.Interval{Child: k.name, AppID: ids[app], Kind: store.KindScreen, Session: session, Day: date.Format(time.DateOnly), Start: t, End: stop}
				if err := st.AddUsage(ctx, iv); err != nil {
					return n, total, err
				}
				n++
				total += stop.Sub(t)
				if game[app] {
					iv.Kind = store.KindGame
					if err := st.AddUsage(ctx, iv); err != nil {
						return n, total, err
					}
					n++
				}
				t = stop.Add(time.Duration(1+rng.IntN(4)) * time.Minute)
			}
		}
	}
	return n, total, nil
}
