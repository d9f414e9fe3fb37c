package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// want is what a case checks in a Decision. Next is checked when set.
type want struct {
	state      State
	reason     Reason
	screenLeft time.Duration
	gamesLeft  time.Duration
	lock       bool
	close      []string // "app-id:reason"
	warnings   []string // keys, in order
	next       time.Time
}

func TestEvaluate(t *testing.T) {
	const h, m, s = time.Hour, time.Minute, time.Second
	tuxRule := AppRule{Match: Match{Path: "/usr/games/gcompris-qt"}, Rule: RuleAlways}
	cases := []struct {
		sentence string
		policy   Policy
		usage    Usage
		now      time.Time
		want     want
	}{
		{
			sentence: "In the evening part of a window that crosses midnight, time left runs to the window's end at 01:00; the agent looks again at midnight, when the day's budget resets.",
			policy:   policy(t, func(p *Policy) { p.Screen = every(3 * h); p.Allowed = everyDay(t, "18:00-01:00") }),
			usage:    Usage{Screen: h},
			now:      at(mon, 23, 30, 0),
			want:     want{state: StateOK, reason: ReasonHoursEnd, screenLeft: 90 * m, gamesLeft: h, next: at(tue, 0, 0, 0)},
		},
		{
			sentence: "After midnight the tail of yesterday's crossing window still allows the screen, counted against the new day's budget, and the 15-minute warning is next.",
			policy:   policy(t, func(p *Policy) { p.Screen = every(3 * h); p.Allowed = everyDay(t, "18:00-01:00") }),
			usage:    Usage{},
			now:      at(tue, 0, 30, 0),
			want:     want{state: StateOK, reason: ReasonHoursEnd, screenLeft: 30 * m, gamesLeft: 30 * m, next: at(tue, 0, 45, 0)},
		},
		{
			sentence: "Once a crossing window has closed and its grace is over, the session locks until the window opens again in the evening.",
			policy:   policy(t, func(p *Policy) { p.Allowed = everyDay(t, "18:00-01:00") }),
			usage:    Usage{},
			now:      at(tue, 1, 5, 0),
			want:     want{state: StateBlocked, reason: ReasonOutsideHours, lock: true, next: at(tue, 18, 0, 0)},
		},
		{
			sentence: "A window crossing midnight from Friday only: Saturday's small hours are allowed by Friday's window, not by Saturday's own list.",
			policy: policy(t, func(p *Policy) {
				p.Allowed = everyDay(t, "07:00-20:00")
				p.Allowed[time.Friday] = windows(t, "07:00-20:00", "21:00-00:30")
			}),
			usage: Usage{},
			now:   at(sat, 0, 10, 0),
			want:  want{state: StateOK, reason: ReasonHoursEnd, screenLeft: 20 * m, gamesLeft: 20 * m, next: at(sat, 0, 15, 0)},
		},
		{
			sentence: "On Saturday the weekend override gives 3h, so after 2h30m there is 30m left.",
			policy:   policy(t, func(p *Policy) { p.Screen[time.Saturday], p.Screen[time.Sunday] = 3*h, 3*h }),
			usage:    Usage{Screen: 150 * m},
			now:      at(sat, 10, 0, 0),
			want:     want{state: StateOK, reason: ReasonScreenBudget, screenLeft: 30 * m, gamesLeft: 30 * m, next: at(sat, 10, 15, 0)},
		},
		{
			sentence: "On Monday the same 2h30m is past the weekday 2h and its grace, so the session locks.",
			policy:   policy(t, func(p *Policy) { p.Screen[time.Saturday], p.Screen[time.Sunday] = 3*h, 3*h }),
			usage:    Usage{Screen: 150 * m},
			now:      at(mon, 10, 0, 0),
			want:     want{state: StateBlocked, reason: ReasonScreenSpent, lock: true, next: at(tue, 0, 0, 0)},
		},
		{
			sentence: "Game time is inside screen time: with 10 minutes of screen left and 40 of games, a game has 10 minutes and the screen warning at 15m is due.",
			policy:   policy(t, nil),
			usage:    Usage{Screen: 110 * m, Games: 20 * m, Apps: []AppUsage{running(minecraft, 20*m)}},
			now:      at(mon, 15, 0, 0),
			want: want{state: StateWarn, reason: ReasonScreenBudget, screenLeft: 10 * m, gamesLeft: 10 * m,
				warnings: []string{"screen/15m/budget=2h"}, next: at(mon, 15, 5, 0)},
		},
		{
			sentence: "When screen time runs out during a game, the session locks but the game is not closed for a game reason: its own time is not spent.",
			policy:   policy(t, nil),
			usage:    Usage{Screen: 2*h + 2*m, Games: 30 * m, Apps: []AppUsage{running(minecraft, 30*m)}},
			now:      at(mon, 15, 0, 0),
			want:     want{state: StateBlocked, reason: ReasonScreenSpent, lock: true, next: at(tue, 0, 0, 0)},
		},
		{
			sentence: "The per-game cap of 60 minutes closes a game after its grace although the day's 3h of games is not spent.",
			policy:   policy(t, func(p *Policy) { p.Screen = every(3 * h); p.Games = every(3 * h); p.PerGame = h }),
			usage:    Usage{Screen: 70 * m, Games: 70 * m, Apps: []AppUsage{running(minecraft, 62*m), running(supertux, 8*m)}},
			now:      at(mon, 16, 0, 0),
			want: want{state: StateBlocked, reason: ReasonPerGameSpent, screenLeft: 110 * m, gamesLeft: 110 * m,
				close: []string{"minecraft:" + string(ReasonPerGameSpent)}, next: at(mon, 16, 37, 0)},
		},
		{
			sentence: "Just after the per-game cap is reached, the game is in its grace period and the 'save your game' notice is due once.",
			policy:   policy(t, func(p *Policy) { p.Screen = every(3 * h); p.Games = every(3 * h); p.PerGame = h }),
			usage:    Usage{Screen: 70 * m, Games: 60*m + 20*s, Apps: []AppUsage{running(minecraft, 60*m+20*s)}},
			now:      at(mon, 16, 0, 0),
			want: want{state: StateGrace, reason: ReasonPerGameSpent, screenLeft: 110 * m, gamesLeft: 110 * m,
				warnings: []string{"game:minecraft/0m/budget=1h"}, next: at(mon, 16, 0, 40)},
		},
		{
			sentence: "An always-allowed app is not closed when game time is spent, though it is a game; the other game is closed.",
			policy:   policy(t, func(p *Policy) { p.Apps = []AppRule{tuxRule} }),
			usage:    Usage{Screen: 90 * m, Games: 65 * m, Apps: []AppUsage{running(gcompris, 3*h), running(supertux, 65*m)}},
			now:      at(mon, 16, 0, 0),
			want: want{state: StateBlocked, reason: ReasonGamesSpent, screenLeft: 30 * m, gamesLeft: 0,
				close: []string{"supertux2:" + string(ReasonGamesSpent)}, next: at(mon, 16, 15, 0)},
		},
		{
			sentence: "Time granted by a parent for today extends a spent screen budget.",
			policy: policy(t, func(p *Policy) {
				p.Grants = []Grant{{Day: Date{2025, time.March, mon}, Screen: 30 * m}}
			}),
			usage: Usage{Screen: 2*h + 10*m},
			now:   at(mon, 17, 0, 0),
			want:  want{state: StateOK, reason: ReasonScreenBudget, screenLeft: 20 * m, gamesLeft: 20 * m, next: at(mon, 17, 5, 0)},
		},
		{
			sentence: "Granted game time lets a game run again after the day's game time was spent.",
			policy: policy(t, func(p *Policy) {
				p.Grants = []Grant{{Day: Date{2025, time.March, mon}, Games: 30 * m}}
			}),
			usage: Usage{Screen: 70 * m, Games: 70 * m, Apps: []AppUsage{running(supertux, 70*m)}},
			now:   at(mon, 17, 0, 0),
			want:  want{state: StateOK, reason: ReasonScreenBudget, screenLeft: 50 * m, gamesLeft: 20 * m, next: at(mon, 17, 5, 0)},
		},
		{
			sentence: "A grant for yesterday does not count today.",
			policy: policy(t, func(p *Policy) {
				p.Grants = []Grant{{Day: Date{2025, time.March, mon - 1}, Screen: 30 * m}}
			}),
			usage: Usage{Screen: 2*h + 10*m},
			now:   at(mon, 17, 0, 0),
			want:  want{state: StateBlocked, reason: ReasonScreenSpent, lock: true, next: at(tue, 0, 0, 0)},
		},
		{
			sentence: "The end of the allowed window at 20:00 arrives before the budget runs out: time left is 10 minutes, bounded by the hours.",
			policy:   policy(t, func(p *Policy) { p.Allowed = everyDay(t, "06:30-20:00") }),
			usage:    Usage{Screen: 30 * m},
			now:      at(mon, 19, 50, 0),
			want: want{state: StateWarn, reason: ReasonHoursEnd, screenLeft: 10 * m, gamesLeft: 10 * m,
				warnings: []string{"screen/15m/until=03-03T20:00"}, next: at(mon, 19, 55, 0)},
		},
		{
			sentence: "Thirty seconds after the window ends, the grace period runs until 20:01.",
			policy:   policy(t, func(p *Policy) { p.Allowed = everyDay(t, "06:30-20:00") }),
			usage:    Usage{Screen: 30 * m},
			now:      at(mon, 20, 0, 30),
			want: want{state: StateGrace, reason: ReasonOutsideHours,
				warnings: []string{"screen/0m/until=03-03T20:00"}, next: at(mon, 20, 1, 0)},
		},
		{
			sentence: "Once the window's grace is over the session locks until 06:30 the next morning (the next change is midnight).",
			policy:   policy(t, func(p *Policy) { p.Allowed = everyDay(t, "06:30-20:00") }),
			usage:    Usage{Screen: 30 * m},
			now:      at(mon, 20, 1, 0),
			want:     want{state: StateBlocked, reason: ReasonOutsideHours, lock: true, next: at(tue, 0, 0, 0)},
		},
		{
			sentence: "A child with no time at all (the age-1 preset) is locked at once, with no grace.",
			policy:   Preset(1),
			usage:    Usage{},
			now:      at(mon, 10, 0, 0),
			want:     want{state: StateBlocked, reason: ReasonNoScreenTime, lock: true, next: at(tue, 0, 0, 0)},
		},
		{
			sentence: "A blocked app is closed at once by its hash, whatever it is called, even with time left.",
			policy: policy(t, func(p *Policy) {
				p.Apps = []AppRule{{Match: Match{SHA256: strings.ToLower(forged.SHA256)}, Rule: RuleBlock}}
			}),
			usage: Usage{Screen: 10 * m, Apps: []AppUsage{running(forged, 0)}},
			now:   at(mon, 10, 0, 0),
			want: want{state: StateBlocked, reason: ReasonAppBlocked, screenLeft: 110 * m, gamesLeft: h,
				close: []string{"notepad:" + string(ReasonAppBlocked)}, next: at(mon, 11, 35, 0)},
		},
		{
			sentence: "A game rated 18+ is closed for a child whose maximum is 12+.",
			policy:   policy(t, nil),
			usage:    Usage{Apps: []AppUsage{running(gta, 0)}},
			now:      at(mon, 10, 0, 0),
			want: want{state: StateBlocked, reason: ReasonAppRating, screenLeft: 2 * h, gamesLeft: h,
				close: []string{"gta5:" + string(ReasonAppRating)}, next: at(mon, 11, 45, 0)},
		},
		{
			sentence: "A game whose OARS minimum age (14) is above the child's age (10) is closed.",
			policy:   policy(t, nil),
			usage:    Usage{Apps: []AppUsage{running(zeroad, 0)}},
			now:      at(mon, 10, 0, 0),
			want: want{state: StateBlocked, reason: ReasonAppRating, screenLeft: 2 * h, gamesLeft: h,
				close: []string{"0ad:" + string(ReasonAppRating)}, next: at(mon, 11, 45, 0)},
		},
		{
			sentence: "An app's own 30-minute limit closes it after its grace, matched by name without case or .exe; the rule that decided is named.",
			policy: policy(t, func(p *Policy) {
				p.Apps = []AppRule{{Match: Match{Name: "robloxplayerbeta"}, Rule: RuleLimit, Limit: Duration(30 * m)}}
			}),
			usage: Usage{Screen: 40 * m, Games: 32 * m, Apps: []AppUsage{running(roblox, 32*m)}},
			now:   at(mon, 10, 0, 0),
			want: want{state: StateBlocked, reason: ReasonAppSpent, screenLeft: 80 * m, gamesLeft: 28 * m,
				close: []string{"robloxplayerbeta:" + string(ReasonAppSpent)}, next: at(mon, 11, 5, 0)},
		},
		{
			sentence: "A day with no game time closes a game at once, with no grace.",
			policy:   policy(t, func(p *Policy) { p.Games = every(0) }),
			usage:    Usage{Apps: []AppUsage{running(supertux, 0)}},
			now:      at(mon, 10, 0, 0),
			want: want{state: StateBlocked, reason: ReasonNoGameTime, screenLeft: 2 * h, gamesLeft: 0,
				close: []string{"supertux2:" + string(ReasonNoGameTime)}, next: at(mon, 11, 45, 0)},
		},
		{
			sentence: "Apps that are not games count only as screen time: a browser is never closed for game reasons.",
			policy:   policy(t, func(p *Policy) { p.Games = every(0) }),
			usage:    Usage{Screen: 30 * m, Apps: []AppUsage{running(firefox, 30*m)}},
			now:      at(mon, 10, 0, 0),
			want:     want{state: StateOK, reason: ReasonScreenBudget, screenLeft: 90 * m, gamesLeft: 0, next: at(mon, 11, 15, 0)},
		},
		{
			sentence: "With no limit at all (the none preset, every hour allowed), nothing bounds the screen and the next change is midnight.",
			policy:   Unrestricted(),
			usage:    Usage{Screen: 5 * h, Games: 4 * h, Apps: []AppUsage{running(gta, 4*h)}},
			now:      at(mon, 22, 0, 0),
			want:     want{state: StateOK, reason: ReasonNone, screenLeft: Unlimited, gamesLeft: Unlimited, next: at(tue, 0, 0, 0)},
		},
		{
			sentence: "A warning already given today is not given again.",
			policy:   policy(t, nil),
			usage:    Usage{Screen: 110 * m, Warned: []string{"screen/15m/budget=2h"}},
			now:      at(mon, 15, 0, 0),
			want:     want{state: StateWarn, reason: ReasonScreenBudget, screenLeft: 10 * m, gamesLeft: 10 * m, next: at(mon, 15, 5, 0)},
		},
		{
			sentence: "Logging in with 3 minutes left gives the 5-minute warning only, not the 15-minute one that has passed.",
			policy:   policy(t, nil),
			usage:    Usage{Screen: 117 * m},
			now:      at(mon, 15, 0, 0),
			want: want{state: StateWarn, reason: ReasonScreenBudget, screenLeft: 3 * m, gamesLeft: 3 * m,
				warnings: []string{"screen/5m/budget=2h"}, next: at(mon, 15, 2, 0)},
		},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			d := Evaluate(c.policy, c.usage, c.now)
			got := summarize(d)
			w := c.want
			if w.next.IsZero() {
				got.next = time.Time{}
			}
			if diff := compareWant(got, w); diff != "" {
				t.Errorf("%s\n%s", c.sentence, diff)
			}
		})
	}
}

func summarize(d Decision) want {
	w := want{state: d.State, reason: d.Reason, screenLeft: d.Screen.Left, gamesLeft: d.Games.Left, lock: d.Lock, next: d.Next}
	for _, c := range d.Close {
		w.close = append(w.close, c.App.id()+":"+string(c.Reason))
	}
	for _, x := range d.Warnings {
		w.warnings = append(w.warnings, x.Key)
	}
	return w
}

func compareWant(got, want want) string {
	var b strings.Builder
	field := func(name string, g, w any) {
		if fmt.Sprint(g) != fmt.Sprint(w) {
			fmt.Fprintf(&b, "  %s: got %v, want %v\n", name, g, w)
		}
	}
	field("state", got.state, want.state)
	field("reason", got.reason, want.reason)
	field("screen left", FormatDuration(got.screenLeft), FormatDuration(want.screenLeft))
	field("games left", FormatDuration(got.gamesLeft), FormatDuration(want.gamesLeft))
	field("lock", got.lock, want.lock)
	field("close", got.close, want.close)
	field("warnings", got.warnings, want.warnings)
	if !got.next.Equal(want.next) {
		fmt.Fprintf(&b, "  next: got %v, want %v\n", got.next, want.next)
	}
	return b.String()
}

func TestEvaluateDetails(t *testing.T) {
	const m = time.Minute
	p := policy(t, func(p *Policy) {
		p.OnLimit = ActionLogout
		p.Apps = []AppRule{
			{Match: Match{Name: "minecraft"}, Category: CategoryEducation},
			{Match: Match{Path: "/usr/games/gcompris-qt"}, Rule: RuleAlways},
		}
	})
	t.Run("The action at the limit is the policy's: logout.", func(t *testing.T) {
		d := Evaluate(p, Usage{Screen: 3 * time.Hour}, at(mon, 12, 0, 0))
		if !d.Lock || d.Action != ActionLogout {
			t.Errorf("lock=%v action=%v, want lock with logout", d.Lock, d.Action)
		}
	})
	t.Run("A parent's category overrides the agent's: minecraft as education is not game time.", func(t *testing.T) {
		c := p.Classify(minecraft)
		if c.Category != CategoryEducation || c.Game() || !c.Counted() {
			t.Errorf("class = %+v, want education, counted, not a game", c)
		}
		d := Evaluate(p, Usage{Games: 2 * time.Hour, Apps: []AppUsage{running(minecraft, 2*time.Hour)}}, at(mon, 12, 0, 0))
		if len(d.Close) != 0 {
			t.Errorf("closed %v, want nothing closed", d.Close)
		}
	})
	t.Run("An always-allowed app does not count: the accountant is told not to count it.", func(t *testing.T) {
		c := p.Classify(gcompris)
		if c.Counted() || c.Game() || c.Rule != RuleAlways || c.Index != 1 {
			t.Errorf("class = %+v, want always (rule 1), not counted, not a game", c)
		}
		d := Evaluate(p, Usage{Apps: []AppUsage{running(gcompris, 5*time.Hour)}}, at(mon, 12, 0, 0))
		if d.Apps[0].State != StateOK || d.Apps[0].Reason != ReasonAppAlways || d.Apps[0].Left != Unlimited {
			t.Errorf("app decision = %+v, want ok, always, unlimited", d.Apps[0])
		}
	})
	t.Run("Deny wins: a block rule beats an always rule for the same app.", func(t *testing.T) {
		q := policy(t, func(q *Policy) {
			q.Apps = []AppRule{
				{Match: Match{Name: "gcompris-qt"}, Rule: RuleAlways},
				{Match: Match{Path: "/usr/games/gcompris-qt"}, Rule: RuleBlock},
			}
		})
		d := Evaluate(q, Usage{Apps: []AppUsage{running(gcompris, 0)}}, at(mon, 12, 0, 0))
		if len(d.Close) != 1 || d.Close[0].Reason != ReasonAppBlocked || d.Close[0].Rule != 1 {
			t.Errorf("close = %+v, want gcompris closed by rule 1", d.Close)
		}
	})
	t.Run("The smallest of two matching limits applies.", func(t *testing.T) {
		q := policy(t, func(q *Policy) {
			q.Apps = []AppRule{
				{Match: Match{Name: "firefox"}, Rule: RuleLimit, Limit: Duration(50 * m)},
				{Match: Match{Path: "/usr/bin/firefox"}, Rule: RuleLimit, Limit: Duration(20 * m)},
			}
		})
		c := q.Classify(firefox)
		if c.Limit != 20*m || c.Index != 1 {
			t.Errorf("class = %+v, want limit 20m from rule 1", c)
		}
	})
	t.Run("Grace ends are reported, assuming use goes on.", func(t *testing.T) {
		d := Evaluate(p, Usage{Screen: 2*time.Hour + 15*time.Second}, at(mon, 12, 0, 0))
		if d.Screen.State != StateGrace || !d.Screen.GraceEnds.Equal(at(mon, 12, 0, 45)) {
			t.Errorf("screen = %+v, want grace until 12:00:45", d.Screen)
		}
	})
	t.Run("Apps that are not running get no verdict.", func(t *testing.T) {
		d := Evaluate(p, Usage{Apps: []AppUsage{{App: gta, Used: time.Hour}}}, at(mon, 12, 0, 0))
		if len(d.Apps) != 0 || len(d.Close) != 0 {
			t.Errorf("apps=%v close=%v, want none", d.Apps, d.Close)
		}
	})
}

// TestWarningsOnce follows the agent's loop: sleep until Next, let the child
// play without pause, record the warnings given. Each threshold must come
// exactly once, exactly when that much time is left, and then the grace
// notice, then the lock.
func TestWarningsOnce(t *testing.T) {
	const m = time.Minute
	p := policy(t, func(p *Policy) { p.Screen = every(40 * m); p.Games = every(25 * m) })
	start := at(mon, 14, 0, 0)
	now := start
	var u Usage
	u.Apps = []AppUsage{running(supertux, 0)}
	type given struct {
		key  string
		left time.Duration
		at   time.Duration
	}
	var got []given
	for i := 0; i < 100 && now.Before(start.Add(2*time.Hour)); i++ {
		d := Evaluate(p, u, now)
		for _, w := range d.Warnings {
			got = append(got, given{w.Key, w.Left, now.Sub(start)})
			u.Warned = append(u.Warned, w.Key)
		}
		if d.Lock {
			break
		}
		if !d.Next.After(now) {
			t.Fatalf("next %v is not after now %v", d.Next, now)
		}
		step := d.Next.Sub(now)
		u.Screen += step
		if len(d.Close) == 0 && len(u.Apps) > 0 {
			u.Games += step
			u.Apps[0].Used += step
		} else {
			u.Apps = nil // the agent closed the game
		}
		now = d.Next
	}
	wantKeys := []given{
		{"games/15m/budget=25m", 15 * m, 10 * m},
		{"games/5m/budget=25m", 5 * m, 20 * m},
		{"games/1m/budget=25m", 1 * m, 24 * m},
		{"screen/15m/budget=40m", 15 * m, 25 * m},
		{"games/0m/budget=25m", 0, 25 * m},
		{"screen/5m/budget=40m", 5 * m, 35 * m},
		{"screen/1m/budget=40m", 1 * m, 39 * m},
		{"screen/0m/budget=40m", 0, 40 * m},
	}
	if fmt.Sprint(got) != fmt.Sprint(wantKeys) {
		t.Errorf("warnings given:\n got %v\nwant %v", got, wantKeys)
	}
	keys := map[string]int{}
	for _, g := range got {
		keys[g.key]++
	}
	for k, n := range keys {
		if n != 1 {
			t.Errorf("warning %s given %d times", k, n)
		}
	}
}

func TestGrantBringsNewWarnings(t *testing.T) {
	const m = time.Minute
	p := policy(t, nil)
	u := Usage{Screen: 2*time.Hour - 4*m, Warned: []string{"screen/15m/budget=2h", "screen/5m/budget=2h"}}
	if d := Evaluate(p, u, at(mon, 12, 0, 0)); len(d.Warnings) != 0 {
		t.Fatalf("warnings %v, want none (already given)", d.Warnings)
	}
	p.Grants = []Grant{{Day: Date{2025, time.March, mon}, Screen: 10 * m}}
	d := Evaluate(p, u, at(mon, 12, 0, 0))
	keys := []string{}
	for _, w := range d.Warnings {
		keys = append(keys, w.Key)
	}
	if !slices.Equal(keys, []string{"screen/15m/budget=2h10m"}) {
		t.Errorf("after a grant of 10m with 14m left, warnings %v, want the 15m one for the new budget", keys)
	}
}

func TestReasonsHaveSentences(t *testing.T) {
	for _, r := range Reasons() {
		if r.Sentence() == string(r) || r.Sentence() == "" {
			t.Errorf("reason %q has no English sentence", r)
		}
		if !strings.HasPrefix(r.MessageKey(), "reason.") {
			t.Errorf("reason %q has key %q", r, r.MessageKey())
		}
	}
}
