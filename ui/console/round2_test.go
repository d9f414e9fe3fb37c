package console_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/console"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/widgets"
)

// Issue 12, section 3: what the console says is what happened.

func TestGamesAndScreenCaptionsSayWhatHappened(t *testing.T) {
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		sentence string
		cs       apitype.ChildStatus
		games    string // in the games caption
		screen   string // in the screen caption
	}{
		{"games closed because screen time ran out, none played: not “used up”",
			apitype.ChildStatus{ScreenUsedSec: 7200, ScreenLimitSec: 7200, GamesLimitSec: 3600, Reason: "screen.spent"},
			"screen time is over (0 s played)", "used up (2 h)"},
		{"game time really used up",
			apitype.ChildStatus{ScreenUsedSec: 5000, ScreenLimitSec: 7200, ScreenLeftSec: 2200, GamesUsedSec: 3600, GamesLimitSec: 3600, Reason: "games.spent"},
			"used up (1 h)", "36 min left of 2 h"},
		{"outside the allowed hours, time left in both",
			apitype.ChildStatus{ScreenUsedSec: 1800, ScreenLimitSec: 7200, GamesUsedSec: 600, GamesLimitSec: 3600, Reason: "hours.outside"},
			"outside the allowed hours (10 min played)", "outside the allowed hours (30 min used of 2 h)"},
		{"a parent's lock",
			apitype.ChildStatus{ScreenUsedSec: 1800, ScreenLimitSec: 7200, GamesUsedSec: 600, GamesLimitSec: 3600, Reason: "parent.lock"},
			"a parent locked the computer", "a parent locked the computer"},
		{"no game time at all today",
			apitype.ChildStatus{ScreenUsedSec: 60, ScreenLimitSec: 7200, ScreenLeftSec: 7140, GamesLimitSec: 0},
			"no time today", "1 h 59 min left of 2 h"},
	}
	for _, tc := range cases {
		if got := console.GamesCaption(tc.cs); !strings.Contains(got, tc.games) {
			t.Errorf("%s: games %q, want %q", tc.sentence, got, tc.games)
		}
		if got := console.ScreenCaption(tc.cs); !strings.Contains(got, tc.screen) {
			t.Errorf("%s: screen %q, want %q", tc.sentence, got, tc.screen)
		}
	}
}

// A child's app that has not reported today is a visible warning with
// what to do; one that has is a quiet line.
func TestTodayWarnsWhenTheChildsAppIsSilent(t *testing.T) {
	f, mum, _ := family(t)
	if _, err := f.Client(agenttest.Kid).Heartbeat(ctxT(t), apitype.Heartbeat{IdleSec: 1}); err != nil {
		t.Fatal(err)
	}
	c := open(t, mum)
	an, binh := c.Main.Today.Cards[0], c.Main.Today.Cards[1]
	if an.Missing.Text != "" {
		t.Errorf("An's app reported: no warning, got %q", an.Missing.Text)
	}
	if !strings.Contains(binh.Missing.Text, "has not reported today") || !strings.Contains(binh.Missing.Text, "Events") {
		t.Errorf("Bình's app never reported: %q should warn and say what to do", binh.Missing.Text)
	}
	if binh.Missing.Importance < 3 { // warning or danger, never the low grey
		t.Errorf("the warning is not visible: importance %v", binh.Missing.Importance)
	}
}

func TestOwnProgramsAndNames(t *testing.T) {
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		own        bool
		shown      string
	}{
		{"kidtime-app", "/usr/bin/kidtime-app", true, "kidtime-app"},
		{"", `C:\Program Files\kidtime\kidtime-app.exe`, true, "kidtime-app.exe"},
		{"kidtimed", "", true, "kidtimed"},
		{"minecraft", "/opt/minecraft/minecraft-launcher", false, "minecraft"},
		{"", "/home/kid/Downloads/game.x86_64", false, "game.x86_64"},
		{"", "", false, "(an app without a name)"},
	} {
		if got := console.OwnProgram(tc.name, tc.path); got != tc.own {
			t.Errorf("OwnProgram(%q, %q) = %v", tc.name, tc.path, got)
		}
		if got := console.AppName(tc.name, tc.path); got != tc.shown {
			t.Errorf("AppName(%q, %q) = %q, want %q", tc.name, tc.path, got, tc.shown)
		}
	}
}

func TestLastDayWithUseAndWeekSummary(t *testing.T) {
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	days := []apitype.UsageRow{{Key: "2026-03-20", ScreenSec: 60}, {Key: "2026-03-21"}, {Key: "2026-03-22"}}
	if got := console.LastDayWithUse(days); got != 0 {
		t.Errorf("last day with use: %d", got)
	}
	if got := console.LastDayWithUse(days[1:]); got != 1 {
		t.Errorf("no day with use: start on the last, got %d", got)
	}
	var two []apitype.UsageRow
	start := time.Date(2026, 3, 9, 12, 0, 0, 0, time.Local) // a Monday
	for i := 0; i < 14; i++ {
		sec := int64(3600)
		if i >= 7 {
			sec = 2 * 3600
		}
		if i == 12 {
			sec = 3 * 3600 // over a 2 h limit
		}
		two = append(two, apitype.UsageRow{Key: start.AddDate(0, 0, i).Format(time.DateOnly), ScreenSec: sec})
	}
	apps := []apitype.UsageRow{{Key: "kidtime-app", ScreenSec: 50000}, {Key: "roblox", ScreenSec: 9000}, {Key: "", Path: "/tmp/x/game", ScreenSec: 7000}, {Key: "firefox", ScreenSec: 100}, {Key: "gcompris", ScreenSec: 5}}
	w := console.WeekSummary(two, apps, func(time.Time) int64 { return 7200 })
	if w.Total != 15*3600 || w.Before != 7*3600 || len(w.Over) != 1 || len(w.Top) != 3 || w.Top[0].Key != "roblox" {
		t.Fatalf("week: %+v", w)
	}
	text := w.Text()
	for _, want := range []string{"This week: 15 h of screen time, 8 h more than last week (7 h)", "Most used: roblox (2 h 30 min), game (1 h 56 min), firefox (1 min)", "1 day over the limit: 3/21."} {
		if !strings.Contains(text, want) {
			t.Errorf("summary %q should say %q", text, want)
		}
	}
	if strings.Contains(text, "kidtime") {
		t.Errorf("kidtime's own app in the summary: %q", text)
	}
}

// The Activity tab, against the agent: it starts on the last day with
// use, leaves kidtime out, and classifies an app on the spot.
func TestActivityClassifiesOnTheSpot(t *testing.T) {
	f, _, _ := family(t)
	// today, An also had the companion in front, and a program nobody
	// classified
	f.History(
		agenttest.Use{Child: "An", App: "kidtime-app", Start: now.Add(-3 * time.Hour), End: now.Add(-2 * time.Hour)},
		agenttest.Use{Child: "An", App: "mystery", Path: "/home/kid/Downloads/mystery", Start: now.Add(-4 * time.Hour), End: now.Add(-3*time.Hour - 50*time.Minute)})
	c := open(t, f.Parent()) // the agent restarted: log in again
	c.Main.Select(2)
	a := c.Main.Activity
	if a.Chart.Selected != len(a.Days)-1 || a.Days[a.Chart.Selected].ScreenSec == 0 {
		t.Fatalf("start on today (An used the computer): selected %d", a.Chart.Selected)
	}
	if !strings.Contains(a.Week.Text, "This week:") || !strings.Contains(a.Week.Text, "Most used:") {
		t.Errorf("weekly summary: %q", a.Week.Text)
	}
	for i, d := range a.Chart.Days {
		if d.LimitSec != 2*3600 {
			t.Errorf("day %d: limit line at %d s, want An's 2 h", i, d.LimitSec)
		}
	}
	for _, o := range a.Apps.Objects {
		if strings.Contains(fmt.Sprint(o), "kidtime") {
			t.Errorf("kidtime's own app among the day's apps")
		}
	}
	if len(a.Classify) != 1 || a.Classify[0].App.Key != "mystery" {
		t.Fatalf("the one app not classified should offer its kind: %d rows", len(a.Classify))
	}
	cr := a.Classify[0]
	cr.Kind.SetSelected(lang.L("rules.app.education"))
	if cr.Result.Text != lang.L("activity.classified") {
		t.Fatalf("classify: %q", cr.Result.Text)
	}
	p := rulesOf(t, f.World, "An")
	got := p.Classify(rules.App{Name: cr.App.Key, Path: cr.App.Path, SHA256: cr.App.SHA256})
	if got.Category != rules.CategoryEducation {
		t.Errorf("%s classified in the agent's rules as %v", cr.App.Key, got.Category)
	}
	// the day's kinds count it as learning at once
	var kinds []string
	for _, o := range a.Cats.Objects {
		if bar, ok := o.(*widgets.TimeBar); ok {
			kinds = append(kinds, bar.Title)
		}
	}
	if slices.Contains(kinds, lang.L("category.unknown")) || !slices.Contains(kinds, lang.L("category.education")) {
		t.Errorf("the day's kinds after classifying: %q", kinds)
	}
	// shown again, it is classified: nothing more to ask
	c.Main.Select(0)
	c.Main.Select(2)
	if len(a.Classify) != 0 {
		t.Errorf("a classified app is offered again: %d", len(a.Classify))
	}
}

func TestSearchFindsGamesBeforeTheyRun(t *testing.T) {
	for _, tc := range []struct {
		q, first string
	}{
		{"lien quan", "arena-of-valor"},
		{"Liên Quân", "arena-of-valor"},
		{"roblox", "roblox"},
		{"minecraft", "minecraft"},
		{"free fire", "free-fire"},
		{"steam", "steam"},
	} {
		got := console.SearchKnownApps(tc.q)
		if len(got) == 0 || got[0].ID != tc.first {
			var ids []string
			for _, k := range got {
				ids = append(ids, k.ID)
			}
			t.Errorf("search %q: %v, want %s first", tc.q, ids, tc.first)
		}
	}
	// games first
	got := console.SearchKnownApps("minecraft")
	if i := slices.IndexFunc(got, func(k *console.KnownApp) bool { return k.Category != "game" }); i >= 0 && slices.ContainsFunc(got[i:], func(k *console.KnownApp) bool { return k.Category == "game" }) {
		t.Errorf("a game after another kind of app: %+v", got)
	}
}

// A parent blocks Roblox and limits Liên Quân Mobile before the child ran
// either: the agent's rules then close Roblox under its program names, and
// Liên Quân through the Android emulators.
func TestRulesInAdvance(t *testing.T) {
	f, mum, _ := family(t)
	c := open(t, mum)
	c.Main.Select(1)
	r := c.Main.Rules
	r.Sections.SelectIndex(console.SectionApps)
	found := func(id string) *console.AppRow {
		for _, row := range r.Found {
			if row.Known != nil && row.Known.ID == id {
				return row
			}
		}
		t.Fatalf("%s not found: %d rows", id, len(r.Found))
		return nil
	}
	test.Type(r.Search, "lien quan")
	lq := found("arena-of-valor")
	lq.Rule.SetSelected(lang.L("rules.app.limit"))
	lq.Limit.PickDuration(30 * time.Minute)
	r.Search.SetText("")
	test.Type(r.Search, "RobloxPlayer")
	found("roblox").Rule.SetSelected(lang.L("rules.app.block"))
	if found("arena-of-valor") != lq {
		t.Error("a changed row must stay through another search")
	}
	test.Tap(r.Save)
	if r.Error.Text != "" {
		t.Fatalf("save: %q", r.Error.Text)
	}
	p := rulesOf(t, f.World, "An")
	for _, tc := range []struct {
		app  rules.App
		rule rules.RuleKind
	}{
		{rules.App{Name: "RobloxPlayerBeta.exe", Path: `C:\Users\an\AppData\Local\Roblox\RobloxPlayerBeta.exe`}, rules.RuleBlock},
		{rules.App{Name: "sober", Path: "/home/an/.var/app/sober"}, rules.RuleBlock},
		{rules.App{Name: "HD-Player.exe", Path: `C:\Program Files\BlueStacks_nxt\HD-Player.exe`}, rules.RuleLimit},
		{rules.App{Name: "dnplayer.exe"}, rules.RuleLimit},
	} {
		if got := p.Classify(tc.app); got.Rule != tc.rule {
			t.Errorf("%s: rule %v, want %v", tc.app.Name, got.Rule, tc.rule)
		}
	}
	// saved again, nothing changes
	before := spec(t, f.World, "An").Apps
	test.Tap(r.Save)
	if after := spec(t, f.World, "An").Apps; r.Error.Text != "" || fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a second save changed the app rules:\n%v\n%v (%q)", before, after, r.Error.Text)
	}
	// loaded again, the rows show the rules
	r.Search.SetText("liên quân")
	if row := found("arena-of-valor"); row.Rule.Selected != lang.L("rules.app.limit") || row.Limit.Value() != 30*time.Minute {
		t.Errorf("Liên Quân's row after saving: %q %v", row.Rule.Selected, row.Limit.Value())
	}
}

func TestDurationPicker(t *testing.T) {
	test.NewTempApp(t)
	if err := i18n.Setup("vi"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = i18n.Setup("en") })
	p := console.NewDurationPicker(24, true)
	for _, tc := range []struct {
		d            time.Duration
		hours, mins  string
		text         string
		minutesUsed  bool
		keptAsItCame bool
	}{
		{150 * time.Minute, "2 giờ", "30 phút", "2 giờ 30 phút", true, true},
		{97 * time.Minute, "1 giờ", "37 phút", "1 giờ 37 phút", true, true}, // set with the CLI: kept
		{24 * time.Hour, "24 giờ", "0 phút", "24 giờ", false, true},
		{rules.Unlimited, "không giới hạn", "0 phút", "không giới hạn", false, true},
	} {
		p.SetValue(tc.d)
		if p.Hours.Selected != tc.hours || p.Minutes.Selected != tc.mins || p.Text() != tc.text || p.Value() != tc.d {
			t.Errorf("%v: %q %q %q %v", tc.d, p.Hours.Selected, p.Minutes.Selected, p.Text(), p.Value())
		}
		if p.Minutes.Disabled() == tc.minutesUsed {
			t.Errorf("%v: minutes disabled %v", tc.d, p.Minutes.Disabled())
		}
	}
	var got []time.Duration
	p.OnChanged = func(d time.Duration) { got = append(got, d) }
	p.SetValue(time.Hour)
	p.Minutes.SetSelected("45 phút")
	p.Hours.SetSelected("3 giờ")
	if !slices.Equal(got, []time.Duration{105 * time.Minute, 225 * time.Minute}) || p.Value() != 225*time.Minute {
		t.Errorf("picked: %v, value %v", got, p.Value())
	}
}

// Settings lead with the language, the PIN and the parent code (with an
// authenticator app named); retention comes last. A language picked is
// saved at once.
func TestSettingsOrder(t *testing.T) {
	f, mum, _ := family(t)
	var switched []string
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	c := console.New(w, mum, console.Options{Sync: true, Now: func() time.Time { return now }, OnLanguage: func(l string) { switched = append(switched, l) }})
	if err := c.Start(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	c.Main.Select(5)
	s := c.Main.Settings
	titles := cards(s)
	want := []string{lang.L("settings.language"), lang.L("settings.pin"), lang.L("settings.code")}
	if len(titles) < 4 || !slices.Equal(titles[:3], want) || titles[len(titles)-1] != lang.L("settings.retention") {
		t.Errorf("settings' cards: %q; want %q first and retention last", titles, want)
	}
	if !strings.Contains(s.CodeInfo.Text, "Google Authenticator") {
		t.Errorf("the parent code's explanation names no authenticator app: %q", s.CodeInfo.Text)
	}
	s.Language.SetSelected("Tiếng Việt")
	if got, err := f.Client(agenttest.Root).Settings(ctxT(t)); err != nil || got.Language != "vi" || !slices.Equal(switched, []string{"vi"}) {
		t.Errorf("language picked: saved %+v %v, window rebuilt in %v", got, err, switched)
	}
}

// Each ask shows the child's day beside it.
func TestRequestShowsItsContext(t *testing.T) {
	_, mum, _ := family(t)
	c := open(t, mum)
	c.Main.Select(3)
	rows := c.Main.Requests.Rows
	if len(rows) != 1 {
		t.Fatalf("%d pending", len(rows))
	}
	got := rows[0].Context.Text
	if !strings.Contains(got, "Games today: ") || !strings.Contains(got, "of 1 h") || !strings.Contains(got, "most used today: minecraft") || strings.Contains(got, "kidtime") {
		t.Errorf("An's ask for games: context %q should give the games played, the limit and the app", got)
	}
}

// An app installed on the computer (its .desktop file), unknown to the
// catalog, is found by the search too, and blocked before it ever ran.
func TestRulesForAnInstalledGame(t *testing.T) {
	apps := t.TempDir()
	desktop := "[Desktop Entry]\nType=Application\nName=Pixel Racers\nExec=pixel-racers %f\nCategories=Game;ArcadeGame;\n"
	if err := os.WriteFile(filepath.Join(apps, "pixel-racers.desktop"), []byte(desktop), 0o644); err != nil {
		t.Fatal(err)
	}
	w := agenttest.Start(t, agenttest.Options{Now: now, Classifier: agenttest.Desktop(t, apps)})
	root := w.Client(agenttest.Root)
	if _, err := root.Setup(ctxT(t), "246810"); err != nil {
		t.Fatal(err)
	}
	if _, err := root.AddChild(ctxT(t), apitype.AddChildRequest{Name: "An", BirthYear: now.Year() - 10, Accounts: []string{agenttest.Kid}}); err != nil {
		t.Fatal(err)
	}
	c := open(t, root)
	c.Main.Select(1)
	r := c.Main.Rules
	test.Type(r.Search, "pixel")
	if len(r.Found) != 1 || r.Found[0].Known == nil || !r.Found[0].Known.Installed || r.Found[0].Known.Name != "Pixel Racers" {
		t.Fatalf("the installed game should be found: %d rows", len(r.Found))
	}
	r.Found[0].Rule.SetSelected(lang.L("rules.app.block"))
	test.Tap(r.Save)
	if r.Error.Text != "" {
		t.Fatalf("save: %q", r.Error.Text)
	}
	p := rulesOf(t, w, "An")
	if got := p.Classify(rules.App{Name: "pixel-racers", Path: "/usr/games/pixel-racers"}); got.Rule != rules.RuleBlock {
		t.Errorf("Pixel Racers: %+v, want blocked", got)
	}
}

func TestRequestContextText(t *testing.T) {
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	cs := apitype.ChildStatus{ScreenUsedSec: 5400, ScreenLimitSec: 7200, GamesUsedSec: 1800, GamesLimitSec: -1}
	for _, tc := range []struct {
		rc   console.RequestContext
		kind string
		want string
	}{
		{console.RequestContext{Status: cs, Doing: "roblox", Now: true}, apitype.KindScreen, "Today: 1 h 30 min of screen time used of 2 h · now in roblox"},
		{console.RequestContext{Status: cs, Doing: "roblox"}, apitype.KindScreen, "Today: 1 h 30 min of screen time used of 2 h · most used today: roblox"},
		{console.RequestContext{Status: cs}, apitype.KindGames, "Games today: 30 min played, no limit"},
	} {
		if got := tc.rc.Text(tc.kind); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}

// Allowed hours that do not read are marked as they are typed.
func TestHoursAreCheckedAsTheyAreTyped(t *testing.T) {
	_, mum, _ := family(t)
	c := open(t, mum)
	c.Main.Select(1)
	h := c.Main.Rules.Days[0].Hours
	h.SetText("")
	test.Type(h, "25:00-26:00")
	if err := h.Validate(); err == nil || !strings.Contains(err.Error(), "06:30-20:00") {
		t.Errorf("25:00-26:00: %v", err)
	}
	h.SetText("07:00-12:00, 14:00-20:00")
	if err := h.Validate(); err != nil {
		t.Errorf("two windows: %v", err)
	}
	if tl := c.Main.Rules.Days[0].Timeline; len(tl.Spans) != 2 {
		t.Errorf("the timeline shows %d windows", len(tl.Spans))
	}
}
