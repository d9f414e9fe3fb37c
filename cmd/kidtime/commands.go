package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/assets"
	"github.com/kidtime/kidtime/rules"
)

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (k *cli) out(v any, human func(w io.Writer)) error {
	if k.json {
		writeJSON(k.stdout, v)
		return nil
	}
	tw := tabwriter.NewWriter(k.stdout, 2, 4, 2, ' ', 0)
	human(tw)
	return tw.Flush()
}

func (k *cli) t(key string, args ...any) string { return assets.T(k.lang, "cli."+key, args...) }

func (k *cli) dur(sec int64) string {
	if sec < 0 {
		return k.t("unlimited")
	}
	return assets.HumanDuration(k.lang, sec)
}

// tokenPath is where a parent's token is kept between commands: the
// user's runtime folder (gone at logout) or their config folder.
func tokenPath() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "kidtime", "token")
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "kidtime", "token")
	}
	return ""
}

func loadToken() string {
	if t := os.Getenv("KIDTIME_TOKEN"); t != "" {
		return t
	}
	p := tokenPath()
	if p == "" {
		return ""
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func saveToken(tok string) error {
	p := tokenPath()
	if p == "" {
		return fmt.Errorf("no folder to keep the token in; set KIDTIME_TOKEN")
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("keep token: %w", err)
	}
	if err := os.WriteFile(p, []byte(tok+"\n"), 0o600); err != nil {
		return fmt.Errorf("keep token: %w", err)
	}
	return nil
}

func (k *cli) status(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return badUsage("status takes no arguments")
	}
	st, err := k.c.Status(ctx)
	if err != nil {
		return err
	}
	return k.out(st, func(w io.Writer) {
		if len(st.Children) == 0 {
			if st.Role == apitype.RoleChild || st.Role == apitype.RoleOther {
				fmt.Fprintln(w, k.t("status.notchild"))
			} else {
				fmt.Fprintln(w, k.t("status.nochildren"))
			}
		}
		for _, c := range st.Children {
			fmt.Fprintf(w, "%s\t%s\t%s\n", c.Name, k.t("state."+c.State), assets.T(k.lang, c.ReasonKey))
			fmt.Fprintf(w, "  %s\t%s\t%s\n", k.t("screen"), k.t("used", k.dur(c.ScreenUsedSec)), k.t("left", k.dur(c.ScreenLeftSec)))
			fmt.Fprintf(w, "  %s\t%s\t%s\n", k.t("games"), k.t("used", k.dur(c.GamesUsedSec)), k.t("left", k.dur(c.GamesLeftSec)))
		}
		if st.Pending > 0 {
			fmt.Fprintln(w, k.t("status.pending", st.Pending))
		}
		if st.SchoolKey != "" {
			fmt.Fprintln(w, k.t("status.schoolkey", st.SchoolKey))
		}
		for _, h := range st.Help {
			fmt.Fprintf(w, "%s: %s\n", h.Name, h.Number)
		}
	})
}

func (k *cli) readPIN(flagSet bool) (string, error) {
	if !flagSet {
		return "", badUsage("the PIN is read from standard input: add --pin-stdin")
	}
	r := bufio.NewReader(k.stdin)
	line, err := r.ReadString('\n')
	if err != nil && line == "" {
		return "", badUsage("no PIN on standard input")
	}
	return trimLine(line), nil
}

func (k *cli) setup(ctx context.Context, args []string, first bool) error {
	name := "login"
	if first {
		name = "setup"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	stdin := fs.Bool("pin-stdin", false, "")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return badUsage("%s takes no arguments", name)
	}
	pin, err := k.readPIN(*stdin)
	if err != nil {
		return err
	}
	var resp apitype.LoginResponse
	if first {
		resp, err = k.c.Setup(ctx, pin)
	} else {
		resp, err = k.c.Login(ctx, pin)
	}
	if err != nil {
		return err
	}
	if err := saveToken(resp.Token); err != nil {
		fmt.Fprintf(k.stderr, "kidtime: %v\n", err)
	}
	return k.out(resp, func(w io.Writer) {
		fmt.Fprintln(w, k.t(name+".ok", resp.Expires.Local().Format("15:04")))
	})
}

func (k *cli) logout(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return badUsage("logout takes no arguments")
	}
	if k.c.Token != "" {
		// Revoke it on the daemon too; a daemon that is down cannot accept
		// it either, so go on and forget it.
		if err := k.c.Logout(ctx); err != nil {
			fmt.Fprintf(k.stderr, "kidtime: %v\n", err)
		}
	}
	if p := tokenPath(); p != "" {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return k.out(apitype.OK{OK: true}, func(w io.Writer) { fmt.Fprintln(w, k.t("logout.ok")) })
}

func (k *cli) child(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return badUsage("child needs add, list or remove")
	}
	switch args[0] {
	case "add":
		fs := flag.NewFlagSet("child add", flag.ContinueOnError)
		year := fs.Int("birth-year", 0, "")
		accounts := fs.String("account", "", "")
		preset := fs.String("preset", "", "")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if err := want("child add", pos, 1, "a NAME"); err != nil {
			return err
		}
		if *year == 0 {
			return badUsage("child add needs --birth-year YYYY")
		}
		if *accounts == "" {
			return badUsage("child add needs --account USER[,USER]")
		}
		var accs []string
		for _, a := range strings.Split(*accounts, ",") {
			if a = strings.TrimSpace(a); a != "" {
				accs = append(accs, a)
			}
		}
		ch, err := k.c.AddChild(ctx, apitype.AddChildRequest{Name: pos[0], BirthYear: *year, Accounts: accs, Preset: *preset})
		if err != nil {
			return err
		}
		return k.out(ch, func(w io.Writer) {
			fmt.Fprintln(w, k.t("child.added", ch.Name, ch.Age, strings.Join(ch.Accounts, ", ")))
		})
	case "list":
		if len(args) > 1 {
			return badUsage("child list takes no arguments")
		}
		cs, err := k.c.Children(ctx)
		if err != nil {
			return err
		}
		return k.out(cs, func(w io.Writer) {
			for _, c := range cs {
				fmt.Fprintf(w, "%s\t%d\t%s\n", c.Name, c.Age, strings.Join(c.Accounts, ","))
			}
		})
	case "remove":
		if err := want("child remove", args[1:], 1, "a NAME"); err != nil {
			return err
		}
		if err := k.c.RemoveChild(ctx, args[1]); err != nil {
			return err
		}
		return k.out(apitype.OK{OK: true}, func(w io.Writer) { fmt.Fprintln(w, k.t("child.removed", args[1])) })
	}
	return badUsage("unknown child command %q", args[0])
}

func (k *cli) rules(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return badUsage("rules needs show or set")
	}
	switch args[0] {
	case "show":
		if err := want("rules show", args[1:], 1, "a NAME"); err != nil {
			return err
		}
		spec, err := k.c.ChildPolicy(ctx, args[1])
		if err != nil {
			return err
		}
		writeJSON(k.stdout, spec)
		return nil
	case "set":
		fs := flag.NewFlagSet("rules set", flag.ContinueOnError)
		file := fs.String("file", "", "")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if err := want("rules set", pos, 1, "a NAME"); err != nil {
			return err
		}
		if *file == "" {
			return badUsage("rules set needs --file FILE")
		}
		spec, err := readChildFile(*file)
		if err != nil {
			return err
		}
		if err := k.c.SetChildPolicy(ctx, pos[0], spec); err != nil {
			return err
		}
		return k.out(apitype.OK{OK: true}, func(w io.Writer) { fmt.Fprintln(w, k.t("rules.saved", pos[0])) })
	}
	return badUsage("unknown rules command %q", args[0])
}

// readChildFile reads one child's rules: a child object, or a policy file
// with exactly one child.
func readChildFile(path string) (rules.Child, error) {
	b, err := readInput(path)
	if err != nil {
		return rules.Child{}, err
	}
	trim := strings.TrimSpace(string(b))
	if strings.Contains(trim, `"children"`) {
		f, err := rules.ParseFile(b)
		if err != nil {
			return rules.Child{}, fmt.Errorf("%s: %w", path, err)
		}
		if len(f.Children) != 1 {
			return rules.Child{}, fmt.Errorf("%s: holds %d children; rules set takes one (use policy import for several)", path, len(f.Children))
		}
		return f.Children[0], nil
	}
	f, err := rules.ParseFile([]byte(`{"version":1,"children":[` + trim + `]}`))
	if err != nil {
		return rules.Child{}, fmt.Errorf("%s: %s", path, strings.ReplaceAll(err.Error(), "children[0].", ""))
	}
	return f.Children[0], nil
}

func readInput(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(os.Stdin)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

var dayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun", "weekdays", "weekend"}

func (k *cli) limit(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("limit", flag.ContinueOnError)
	screen := fs.String("screen", "", "")
	games := fs.String("games", "", "")
	perGame := fs.String("per-game", "", "")
	day := fs.String("day", "", "")
	allowed := fs.String("allowed", "", "")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := want("limit", pos, 1, "a NAME"); err != nil {
		return err
	}
	if *screen == "" && *games == "" && *perGame == "" && *allowed == "" {
		return badUsage("limit needs at least one of --screen, --games, --per-game, --allowed")
	}
	if *day != "" && !slices.Contains(dayNames, *day) {
		return badUsage("--day %q: want one of %s", *day, strings.Join(dayNames, ", "))
	}
	parseDur := func(name, v string) (*rules.Duration, error) {
		if v == "" {
			return nil, nil
		}
		d, err := rules.ParseDuration(v)
		if err != nil {
			return nil, badUsage("--%s %q: %v", name, v, err)
		}
		rd := rules.Duration(d)
		return &rd, nil
	}
	sd, err := parseDur("screen", *screen)
	if err != nil {
		return err
	}
	gd, err := parseDur("games", *games)
	if err != nil {
		return err
	}
	pg, err := parseDur("per-game", *perGame)
	if err != nil {
		return err
	}
	var windows []rules.Window
	if *allowed != "" {
		for _, s := range strings.Split(*allowed, ",") {
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
	if sd != nil {
		if spec.Screen == nil {
			spec.Screen = &rules.BudgetSpec{}
		}
		setBudget(&spec.Screen.Daily, &spec.Screen.Days, *day, *sd)
	}
	if gd != nil {
		if spec.Games == nil {
			spec.Games = &rules.GamesSpec{}
		}
		setBudget(&spec.Games.Daily, &spec.Games.Days, *day, *gd)
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
		key := *day
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
	return k.out(apitype.OK{OK: true}, func(w io.Writer) { fmt.Fprintln(w, k.t("rules.saved", pos[0])) })
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

func (k *cli) app(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return badUsage("app needs block, allow, always or limit")
	}
	verb, rest := args[0], args[1:]
	var rule rules.AppRule
	switch verb {
	case "block", "allow", "always":
		if err := want("app "+verb, rest, 2, "NAME APP"); err != nil {
			return err
		}
	case "limit":
		if err := want("app limit", rest, 3, "NAME APP DUR"); err != nil {
			return err
		}
		d, err := durArg(rest[2])
		if err != nil {
			return err
		}
		rule.Limit = rules.Duration(d)
	default:
		return badUsage("unknown app command %q", verb)
	}
	name, app := rest[0], rest[1]
	m := appMatch(app)
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
	return k.out(apitype.OK{OK: true}, func(w io.Writer) { fmt.Fprintln(w, k.t("rules.saved", name)) })
}

func (k *cli) grant(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("grant", flag.ContinueOnError)
	games := fs.Bool("games", false, "")
	code := fs.String("code", "", "")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := want("grant", pos, 2, "NAME DUR"); err != nil {
		return err
	}
	d, err := durArg(pos[1])
	if err != nil {
		return err
	}
	kind := kindArg(*games)
	if err := k.c.Grant(ctx, apitype.GrantRequest{Child: pos[0], Kind: kind, AddSec: int64(d / time.Second), Code: *code}); err != nil {
		return err
	}
	return k.out(apitype.OK{OK: true}, func(w io.Writer) {
		fmt.Fprintln(w, k.t("grant.ok."+kind, k.dur(int64(d/time.Second)), pos[0]))
	})
}

func (k *cli) action(ctx context.Context, action string, args []string) error {
	if err := want(action, args, 1, "a NAME"); err != nil {
		return err
	}
	if err := k.c.Action(ctx, apitype.ActionRequest{Child: args[0], Action: action}); err != nil {
		return err
	}
	return k.out(apitype.OK{OK: true}, func(w io.Writer) { fmt.Fprintln(w, k.t("action."+action, args[0])) })
}

func (k *cli) ask(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	reason := fs.String("reason", "", "")
	games := fs.Bool("games", false, "")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := want("ask", pos, 1, "a DUR"); err != nil {
		return err
	}
	d, err := durArg(pos[0])
	if err != nil {
		return err
	}
	kind := kindArg(*games)
	r, err := k.c.Ask(ctx, apitype.AskRequest{Kind: kind, AddSec: int64(d / time.Second), Reason: *reason})
	if err != nil {
		return err
	}
	return k.out(r, func(w io.Writer) { fmt.Fprintln(w, k.t("ask.ok", r.ID)) })
}

func (k *cli) requests(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("requests", flag.ContinueOnError)
	status := fs.String("status", "", "")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return badUsage("requests takes no arguments")
	}
	switch *status {
	case "", "pending", "approved", "denied":
	default:
		return badUsage("--status %q: want pending, approved or denied", *status)
	}
	rs, err := k.c.Requests(ctx, *status)
	if err != nil {
		return err
	}
	return k.out(rs, func(w io.Writer) {
		if len(rs) == 0 {
			fmt.Fprintln(w, k.t("requests.none"))
		}
		for _, r := range rs {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Child, k.t(r.Kind), k.dur(r.AddSec), k.t("req."+r.Status), r.Reason)
		}
	})
}

func (k *cli) answer(ctx context.Context, approve bool, args []string) error {
	name := "deny"
	if approve {
		name = "approve"
	}
	if len(args) < 1 || len(args) > 2 || (!approve && len(args) != 1) {
		if approve {
			return badUsage("approve needs ID [DUR]")
		}
		return badUsage("deny needs an ID")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return badUsage("%s: %q is not a request number", name, args[0])
	}
	var add int64
	if len(args) == 2 {
		d, err := durArg(args[1])
		if err != nil {
			return err
		}
		add = int64(d / time.Second)
	}
	r, err := k.c.Answer(ctx, id, apitype.AnswerRequest{Approve: approve, AddSec: add})
	if err != nil {
		return err
	}
	return k.out(r, func(w io.Writer) { fmt.Fprintln(w, k.t("answer."+r.Status, r.ID, r.Child, k.dur(r.GrantedSec))) })
}

func (k *cli) usage(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("usage", flag.ContinueOnError)
	from := fs.String("from", "", "")
	to := fs.String("to", "", "")
	by := fs.String("by", "day", "")
	asCSV := fs.Bool("csv", false, "")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return badUsage("usage takes at most one NAME")
	}
	if *by != "day" && *by != "app" && *by != "category" {
		return badUsage("--by %q: want day, app or category", *by)
	}
	for name, v := range map[string]string{"from": *from, "to": *to} {
		if v != "" {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				return badUsage("--%s %q: want a date YYYY-MM-DD", name, v)
			}
		}
	}
	child := ""
	if len(pos) == 1 {
		child = pos[0]
	}
	if child == "" {
		st, err := k.c.Status(ctx)
		if err != nil {
			return err
		}
		if st.Role == apitype.RoleChild && len(st.Children) == 1 {
			child = st.Children[0].Name
		} else if len(st.Children) == 1 {
			child = st.Children[0].Name
		} else if len(st.Children) == 0 {
			return fmt.Errorf("no children yet: add one with kidtime child add")
		} else {
			return badUsage("usage needs a NAME (there are %d children)", len(st.Children))
		}
	}
	u, err := k.c.Usage(ctx, child, *from, *to, *by)
	if err != nil {
		return err
	}
	if *asCSV {
		w := csv.NewWriter(k.stdout)
		_ = w.Write([]string{*by, "screen_seconds", "games_seconds"})
		for _, r := range u.Rows {
			_ = w.Write([]string{r.Key, strconv.FormatInt(r.ScreenSec, 10), strconv.FormatInt(r.GamesSec, 10)})
		}
		w.Flush()
		return w.Error()
	}
	return k.out(u, func(w io.Writer) {
		fmt.Fprintf(w, "%s\t%s\t%s\n", k.t("by."+u.By), k.t("screen"), k.t("games"))
		for _, r := range u.Rows {
			fmt.Fprintf(w, "%s\t%s\t%s\n", r.Key, k.dur(r.ScreenSec), k.dur(r.GamesSec))
		}
	})
}

func (k *cli) events(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	since := fs.String("since", "24h", "")
	child := fs.String("child", "", "")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return badUsage("events takes no arguments")
	}
	var from time.Time
	if t, err := time.Parse(time.RFC3339, *since); err == nil {
		from = t
	} else if d, err := rules.ParseDuration(*since); err == nil {
		from = k.now().Add(-d)
	} else {
		return badUsage("--since %q: want a duration (2h) or a time (RFC 3339)", *since)
	}
	evs, err := k.c.Events(ctx, from, *child)
	if err != nil {
		return err
	}
	return k.out(evs, func(w io.Writer) {
		for _, e := range evs {
			mark := " "
			if e.Tamper {
				mark = "!"
			}
			detail, _ := json.Marshal(e.Detail)
			if e.Detail == nil {
				detail = nil
			}
			fmt.Fprintf(w, "%s %s\t%s\t%s\t%s\n", mark, e.At.Local().Format("2006-01-02 15:04:05"), e.Child, e.Kind, detail)
		}
	})
}

func (k *cli) policy(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return badUsage("policy needs check, import, export, keygen or sign")
	}
	switch args[0] {
	case "check":
		fs := flag.NewFlagSet("policy check", flag.ContinueOnError)
		pubPath := fs.String("key", "", "")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if err := want("policy check", pos, 1, "a FILE"); err != nil {
			return err
		}
		b, err := readInput(pos[0])
		if err != nil {
			return err
		}
		f, sig, err := openPolicyFile(pos[0], b)
		if err != nil {
			return err
		}
		now := k.now()
		for _, c := range f.Children {
			if _, err := c.Policy(now); err != nil {
				return fmt.Errorf("%s: %w", pos[0], err)
			}
		}
		if *pubPath != "" {
			pub, err := readKeyFile(*pubPath, rules.ParsePublicKey)
			if err != nil {
				return err
			}
			switch {
			case sig == nil:
				return fmt.Errorf("%s is not signed; --key %s wants a policy signed by key %s", pos[0], *pubPath, rules.KeyID(pub))
			case !sig.Key.Equal(pub):
				return fmt.Errorf("%s is signed by key %s, not by key %s (%s)", pos[0], sig.KeyID(), rules.KeyID(pub), *pubPath)
			}
		}
		res := map[string]any{"ok": true, "children": len(f.Children), "defaultProfile": f.DefaultProfile != nil}
		if sig != nil {
			res["signedBy"], res["signedAt"] = sig.KeyID(), sig.SignedAt
		}
		return k.out(res, func(w io.Writer) {
			fmt.Fprintln(w, k.t("policy.ok", pos[0], len(f.Children)))
			if sig != nil {
				fmt.Fprintln(w, k.t("policy.signedby", sig.KeyID(), sig.SignedAt.Local().Format("2006-01-02 15:04")))
			}
		})
	case "import":
		fs := flag.NewFlagSet("policy import", flag.ContinueOnError)
		rekey := fs.Bool("rekey", false, "")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if err := want("policy import", pos, 1, "a FILE"); err != nil {
			return err
		}
		b, err := readInput(pos[0])
		if err != nil {
			return err
		}
		f, sig, err := openPolicyFile(pos[0], b)
		if err != nil {
			return err
		}
		if sig == nil {
			if *rekey {
				return badUsage("policy import --rekey needs a policy signed with the new key (kidtime policy sign)")
			}
			if err := k.c.SetPolicy(ctx, *f); err != nil {
				return err
			}
			return k.out(apitype.OK{OK: true}, func(w io.Writer) { fmt.Fprintln(w, k.t("policy.imported", len(f.Children))) })
		}
		// A signed policy goes as it is: the daemon checks the signature
		// over the exact bytes.
		if err := k.putPolicy(ctx, b, *rekey); err != nil {
			return err
		}
		return k.out(map[string]any{"ok": true, "signedBy": sig.KeyID()}, func(w io.Writer) {
			fmt.Fprintln(w, k.t("policy.imported", len(f.Children)))
			fmt.Fprintln(w, k.t("policy.importedsigned", sig.KeyID()))
		})
	case "export":
		if len(args) > 1 {
			return badUsage("policy export takes no arguments")
		}
		f, err := k.c.Policy(ctx)
		if err != nil {
			return err
		}
		b, err := rules.EncodeFile(&f)
		if err != nil {
			return err
		}
		_, err = k.stdout.Write(b)
		return err
	case "keygen":
		return k.keygen(args[1:])
	case "sign":
		return k.sign(args[1:])
	}
	return badUsage("unknown policy command %q", args[0])
}

// openPolicyFile reads a policy file, plain or signed; a signed one is
// verified (against the key it names: whether that key is the school's
// is for the daemon, or check --key, to say).
func openPolicyFile(path string, b []byte) (*rules.File, *rules.Signed, error) {
	s, signed, err := rules.OpenSignedPolicy(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	var sig *rules.Signed
	if signed {
		b, sig = s.Policy, &s
	}
	f, err := rules.ParseFile(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, sig, nil
}

func readKeyFile[K any](path string, parse func([]byte) (K, error)) (K, error) {
	var zero K
	b, err := os.ReadFile(path)
	if err != nil {
		return zero, fmt.Errorf("read key %s: %w", path, err)
	}
	key, err := parse(b)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// keygen writes a new school key pair: PREFIX.key (private, 0600) and
// PREFIX.pub. It never overwrites a key.
func (k *cli) keygen(args []string) error {
	fs := flag.NewFlagSet("policy keygen", flag.ContinueOnError)
	prefix := fs.String("out", "", "")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *prefix == "" {
		return badUsage("policy keygen needs --out PREFIX (writes PREFIX.key and PREFIX.pub)")
	}
	keyPath, pubPath := *prefix+".key", *prefix+".pub"
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists; policy keygen never overwrites a key (choose another --out)", p)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	if err := writeNew(keyPath, rules.MarshalPrivateKey(priv), 0o600); err != nil {
		return err
	}
	if err := writeNew(pubPath, rules.MarshalPublicKey(pub), 0o644); err != nil {
		_ = os.Remove(keyPath)
		return err
	}
	id := rules.KeyID(pub)
	return k.out(map[string]any{"ok": true, "keyId": id, "key": keyPath, "pub": pubPath}, func(w io.Writer) {
		fmt.Fprintln(w, k.t("policy.keygen", id, keyPath, pubPath))
	})
}

// writeNew creates a file that must not exist yet.
func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// sign wraps a policy file in a signed envelope, to stdout or --out.
func (k *cli) sign(args []string) error {
	fs := flag.NewFlagSet("policy sign", flag.ContinueOnError)
	keyPath := fs.String("key", "", "")
	outPath := fs.String("out", "", "")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := want("policy sign", pos, 1, "a FILE"); err != nil {
		return err
	}
	if *keyPath == "" {
		return badUsage("policy sign needs --key PREFIX.key")
	}
	b, err := readInput(pos[0])
	if err != nil {
		return err
	}
	f, sig, err := openPolicyFile(pos[0], b)
	if err != nil {
		return err
	}
	if sig != nil {
		return fmt.Errorf("%s is already signed (by key %s); sign the policy file itself", pos[0], sig.KeyID())
	}
	now := k.now()
	for _, c := range f.Children {
		if _, err := c.Policy(now); err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
	}
	priv, err := readKeyFile(*keyPath, rules.ParsePrivateKey)
	if err != nil {
		return err
	}
	env, err := rules.Sign(b, priv, now)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	if *outPath == "" || *outPath == "-" {
		_, err := k.stdout.Write(env)
		return err
	}
	if err := os.WriteFile(*outPath, env, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", *outPath, err)
	}
	id := rules.KeyID(priv.Public().(ed25519.PublicKey))
	return k.out(map[string]any{"ok": true, "signedBy": id, "out": *outPath}, func(w io.Writer) {
		fmt.Fprintln(w, k.t("policy.signed", *outPath, id))
	})
}

// putPolicy sends a policy file byte for byte (a signed one keeps its
// signature), with ?rekey=1 when asked.
func (k *cli) putPolicy(ctx context.Context, body []byte, rekey bool) error {
	return k.c.SetPolicyFile(ctx, body, rekey)
}

func (k *cli) code(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return badUsage("code takes no arguments")
	}
	c, err := k.c.Code(ctx)
	if err != nil {
		return err
	}
	return k.out(c, func(w io.Writer) {
		fmt.Fprintln(w, k.t("code.now", c.Code, c.ValidUntil.Local().Format("15:04:05")))
	})
}

// durArg reads a DUR argument (90s, 45m, 1h30m); a bad one is bad usage.
func durArg(s string) (time.Duration, error) {
	d, err := rules.ParseDuration(s)
	if err != nil {
		return 0, badUsage("DUR %q: %v", s, err)
	}
	return d, nil
}

// kindArg is the kind of time a --games flag asks for.
func kindArg(games bool) string {
	if games {
		return apitype.KindGames
	}
	return apitype.KindScreen
}
