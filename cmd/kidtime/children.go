package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
)

// The commands that change who the children are and what their rules say:
// child, rules, limit, app.

type childAddOpts struct {
	birthYear int
	accounts  string
	preset    string
}

func childAddFlags(fs *flag.FlagSet, o *childAddOpts) {
	fs.IntVar(&o.birthYear, "birth-year", 0, "flag.child-add.birth-year")
	fs.StringVar(&o.accounts, "account", "", "flag.child-add.account")
	fs.StringVar(&o.preset, "preset", "", "flag.child-add.preset")
}

func (k *cli) childAdd(ctx context.Context, o *childAddOpts, pos []string) error {
	if o.birthYear == 0 {
		return badUsage("child add needs --birth-year YYYY")
	}
	if o.accounts == "" {
		return badUsage("child add needs --account USER[,USER]")
	}
	var accs []string
	for _, a := range strings.Split(o.accounts, ",") {
		if a = strings.TrimSpace(a); a != "" {
			accs = append(accs, a)
		}
	}
	ch, err := k.c.AddChild(ctx, apitype.AddChildRequest{Name: pos[0], BirthYear: o.birthYear, Accounts: accs, Preset: o.preset})
	if err != nil {
		return err
	}
	return k.out(ch, func(w io.Writer) {
		fmt.Fprintln(w, k.tn("child.added", len(ch.Accounts), ch.Name, ch.Age, strings.Join(ch.Accounts, ", ")))
	})
}

func (k *cli) childList(ctx context.Context, _ []string) error {
	cs, err := k.c.Children(ctx)
	if err != nil {
		return err
	}
	return k.out(cs, func(w io.Writer) {
		for _, c := range cs {
			fmt.Fprintf(w, "%s\t%d\t%s\n", c.Name, c.Age, strings.Join(c.Accounts, ","))
		}
	})
}

func (k *cli) childRemove(ctx context.Context, pos []string) error {
	if err := k.c.RemoveChild(ctx, pos[0]); err != nil {
		return err
	}
	return k.ok("child.removed", pos[0])
}

func (k *cli) rulesShow(ctx context.Context, pos []string) error {
	spec, err := k.c.ChildPolicy(ctx, pos[0])
	if err != nil {
		return err
	}
	writeJSON(k.stdout, spec)
	return nil
}

func rulesSetFlags(fs *flag.FlagSet, file *string) {
	fs.StringVar(file, "file", "", "flag.rules-set.file")
}

func (k *cli) rulesSet(ctx context.Context, file *string, pos []string) error {
	if *file == "" {
		return badUsage("rules set needs --file FILE")
	}
	spec, err := k.readChildFile(*file)
	if err != nil {
		return err
	}
	if err := k.c.SetChildPolicy(ctx, pos[0], spec); err != nil {
		return err
	}
	return k.ok("rules.saved", pos[0])
}

type limitOpts struct {
	screen, games, perGame, day, allowed string
}

func limitFlags(fs *flag.FlagSet, o *limitOpts) {
	fs.StringVar(&o.screen, "screen", "", "flag.limit.screen")
	fs.StringVar(&o.games, "games", "", "flag.limit.games")
	fs.StringVar(&o.perGame, "per-game", "", "flag.limit.per-game")
	fs.StringVar(&o.day, "day", "", "flag.limit.day")
	fs.StringVar(&o.allowed, "allowed", "", "flag.limit.allowed")
}

var dayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun", "weekdays", "weekend"}

func (k *cli) limit(ctx context.Context, o *limitOpts, pos []string) error {
	if o.screen == "" && o.games == "" && o.perGame == "" && o.allowed == "" {
		return badUsage("limit needs at least one of --screen, --games, --per-game, --allowed")
	}
	if o.day != "" && !slices.Contains(dayNames, o.day) {
		return badUsage("--day %q: want one of %s", o.day, strings.Join(dayNames, ", "))
	}
	parseDur := func(name, v string) (*rules.Duration, error) {
		if v == "" {
			return nil, nil
		}
		d, err := rules.ParseDuration(v)
		if err != nil {
			return nil, badValue("--"+name, v, err)
		}
		rd := rules.Duration(d)
		return &rd, nil
	}
	sd, err := parseDur("screen", o.screen)
	if err != nil {
		return err
	}
	gd, err := parseDur("games", o.games)
	if err != nil {
		return err
	}
	pg, err := parseDur("per-game", o.perGame)
	if err != nil {
		return err
	}
	var windows []rules.Window
	if o.allowed != "" {
		for _, s := range strings.Split(o.allowed, ",") {
			w, err := rules.ParseWindow(strings.TrimSpace(s))
			if err != nil {
				return badUsage("--allowed %q: %v", s, err)
			}
			windows = append(windows, w)
		}
	}
	spec, err := k.c.ChildPolicy(ctx, pos[0])
	if err != nil {
		return err
	}
	// Without --day the value holds every day: the days set apart
	// before (the weekend's, set in the app) go, and the parent is told.
	var replaced []string
	if o.day == "" {
		if sd != nil && spec.Screen != nil {
			replaced = append(replaced, k.replacedBudget("screen", spec.Screen.Days, *sd)...)
		}
		if gd != nil && spec.Games != nil {
			replaced = append(replaced, k.replacedBudget("games", spec.Games.Days, *gd)...)
		}
		if windows != nil {
			replaced = append(replaced, k.replacedHours(spec.Allowed, windows)...)
		}
	}
	if sd != nil {
		if spec.Screen == nil {
			spec.Screen = &rules.BudgetSpec{}
		}
		setBudget(&spec.Screen.Daily, &spec.Screen.Days, o.day, *sd)
	}
	if gd != nil {
		if spec.Games == nil {
			spec.Games = &rules.GamesSpec{}
		}
		setBudget(&spec.Games.Daily, &spec.Games.Days, o.day, *gd)
	}
	if pg != nil {
		if spec.Games == nil {
			spec.Games = &rules.GamesSpec{}
		}
		spec.Games.PerGame = pg
	}
	if windows != nil {
		if spec.Allowed == nil {
			spec.Allowed = map[string][]rules.Window{}
		}
		key := o.day
		if key == "" {
			// Every day: drop the more precise keys, which would win.
			clear(spec.Allowed)
			key = "daily"
		}
		spec.Allowed[key] = windows
	}
	if err := k.c.SetChildPolicy(ctx, pos[0], spec); err != nil {
		return err
	}
	return k.out(apitype.OK{OK: true}, func(w io.Writer) {
		fmt.Fprintln(w, k.t("rules.saved", pos[0]))
		for _, r := range replaced {
			fmt.Fprintln(w, r)
		}
	})
}

// replacedBudget says what a budget for every day replaced: the days set
// apart before ("Screen time is now 2 min every day; it replaced 3 h on
// the weekend."), nothing when there were none.
func (k *cli) replacedBudget(what string, days map[string]rules.Duration, now rules.Duration) []string {
	var parts []string
	for _, d := range dayNames {
		if v, ok := days[d]; ok {
			parts = append(parts, k.t("limit.onDay", k.durOf(v), k.t("day."+d)))
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return []string{k.t("limit.replaced."+what, k.durOf(now), strings.Join(parts, ", "))}
}

// replacedHours is replacedBudget for the allowed hours.
func (k *cli) replacedHours(allowed map[string][]rules.Window, now []rules.Window) []string {
	var parts []string
	for _, d := range dayNames {
		if ws, ok := allowed[d]; ok {
			parts = append(parts, k.t("limit.onDay", windowsText(ws), k.t("day."+d)))
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return []string{k.t("limit.replaced.allowed", windowsText(now), strings.Join(parts, ", "))}
}

func (k *cli) durOf(d rules.Duration) string {
	if time.Duration(d) == rules.Unlimited {
		return k.t("unlimited")
	}
	return k.dur(int64(time.Duration(d) / time.Second))
}

func windowsText(ws []rules.Window) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.Start.String() + "–" + w.End.String()
	}
	return strings.Join(parts, ", ")
}

// setBudget sets a daily budget, or one day's override.
func setBudget(daily **rules.Duration, days *map[string]rules.Duration, day string, d rules.Duration) {
	if day == "" {
		*daily = &d
		*days = nil
		return
	}
	if *days == nil {
		*days = map[string]rules.Duration{}
	}
	(*days)[day] = d
}

// appMatch reads APP: a sha256, a path, or an executable name.
func appMatch(s string) rules.Match {
	switch {
	case len(s) == 64 && strings.Trim(strings.ToLower(s), "0123456789abcdef") == "":
		return rules.Match{SHA256: strings.ToLower(s)}
	case strings.ContainsAny(s, `/\`):
		return rules.Match{Path: s}
	}
	return rules.Match{Name: s}
}

// app is app block|allow|always NAME APP and app limit NAME APP DUR.
func (k *cli) app(ctx context.Context, verb string, pos []string) error {
	var rule rules.AppRule
	if verb == "limit" {
		d, err := durArg(pos[2])
		if err != nil {
			return err
		}
		rule.Limit = rules.Duration(d)
	}
	name, m := pos[0], appMatch(pos[1])
	spec, err := k.c.ChildPolicy(ctx, name)
	if err != nil {
		return err
	}
	// Drop earlier block/always/limit rules for the same app; keep a
	// category the parent set for it.
	var kept []rules.AppRule
	for _, r := range spec.Apps {
		if r.Match == m {
			if r.Category != rules.CategoryUnknown {
				r.Rule, r.Limit = rules.RuleNone, 0
				kept = append(kept, r)
			}
			continue
		}
		kept = append(kept, r)
	}
	spec.Apps = kept
	if verb != "allow" {
		rule.Match = m
		if err := rule.Rule.UnmarshalText([]byte(verb)); err != nil {
			return err
		}
		spec.Apps = append(spec.Apps, rule)
	}
	if err := k.c.SetChildPolicy(ctx, name, spec); err != nil {
		return err
	}
	return k.ok("rules.saved", name)
}
