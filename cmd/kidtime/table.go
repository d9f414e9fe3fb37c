package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
)

// command is one subcommand of kidtime: a row of the table below, which is
// what dispatch runs and what kidtime help prints.
type command struct {
	// name is one or two words: "status", "child add".
	name string
	// args are its positional arguments as the usage line writes them
	// ("NAME DUR", "ID [DUR]", "[NAME]"); they also set how many it takes
	// (see arity).
	args string
	// flags is the rest of the usage line, as README.md writes it.
	flags string
	// summary is the message key (under cli.) of its one-line summary, in
	// every language of assets.Languages.
	summary string
	// bind declares the command's flags on a fresh flag set and returns the
	// command bound to their values. Every flag's help is a message key
	// (under cli.); the name of its value is the usage line's (DUR in
	// "[--screen DUR]") or, for a flag README leaves out, the word its help
	// `quotes`, as flag.UnquoteUsage reads it.
	bind func(fs *flag.FlagSet) runFunc
}

// runFunc runs a command with its positional arguments, its flags parsed.
type runFunc func(ctx context.Context, k *cli, pos []string) error

// with binds a command whose flags fill an O.
func with[O any](flags func(fs *flag.FlagSet, o *O), run func(k *cli, ctx context.Context, o *O, pos []string) error) func(*flag.FlagSet) runFunc {
	return func(fs *flag.FlagSet) runFunc {
		o := new(O)
		flags(fs, o)
		return func(ctx context.Context, k *cli, pos []string) error { return run(k, ctx, o, pos) }
	}
}

// noFlags binds a command that has no flags.
func noFlags(run func(k *cli, ctx context.Context, pos []string) error) func(*flag.FlagSet) runFunc {
	return func(*flag.FlagSet) runFunc {
		return func(ctx context.Context, k *cli, pos []string) error { return run(k, ctx, pos) }
	}
}

// action binds lock, pause-games and resume-games: one call, no flags.
func action(name string) func(*flag.FlagSet) runFunc {
	return noFlags(func(k *cli, ctx context.Context, pos []string) error { return k.action(ctx, name, pos) })
}

// answer binds approve and deny.
func answer(approve bool) func(*flag.FlagSet) runFunc {
	return noFlags(func(k *cli, ctx context.Context, pos []string) error { return k.answer(ctx, approve, pos) })
}

// appRule binds app block, allow, always and limit.
func appRule(verb string) func(*flag.FlagSet) runFunc {
	return noFlags(func(k *cli, ctx context.Context, pos []string) error { return k.app(ctx, verb, pos) })
}

// commands is every command, in the order of README.md and of kidtime help.
var commands = []command{
	{name: "status", summary: "cmd.status", bind: noFlags((*cli).status)},
	{name: "setup", flags: "--pin-stdin", summary: "cmd.setup", bind: with(pinFlags, (*cli).setup)},
	{name: "login", flags: "--pin-stdin", summary: "cmd.login", bind: with(pinFlags, (*cli).login)},
	{name: "logout", summary: "cmd.logout", bind: noFlags((*cli).logout)},
	{name: "child add", args: "NAME", flags: "--birth-year YYYY --account USER[,USER] [--preset auto|age:N]", summary: "cmd.child-add", bind: with(childAddFlags, (*cli).childAdd)},
	{name: "child list", summary: "cmd.child-list", bind: noFlags((*cli).childList)},
	{name: "child remove", args: "NAME", summary: "cmd.child-remove", bind: noFlags((*cli).childRemove)},
	{name: "rules show", args: "NAME", summary: "cmd.rules-show", bind: noFlags((*cli).rulesShow)},
	{name: "rules set", args: "NAME", flags: "--file FILE", summary: "cmd.rules-set", bind: with(rulesSetFlags, (*cli).rulesSet)},
	{name: "limit", args: "NAME", flags: "[--screen DUR] [--games DUR] [--per-game DUR] [--day DAY] [--allowed HH:MM-HH:MM[,...]]", summary: "cmd.limit", bind: with(limitFlags, (*cli).limit)},
	{name: "app block", args: "NAME APP", summary: "cmd.app-block", bind: appRule("block")},
	{name: "app allow", args: "NAME APP", summary: "cmd.app-allow", bind: appRule("allow")},
	{name: "app always", args: "NAME APP", summary: "cmd.app-always", bind: appRule("always")},
	{name: "app limit", args: "NAME APP DUR", summary: "cmd.app-limit", bind: appRule("limit")},
	{name: "grant", args: "NAME DUR", flags: "[--games]", summary: "cmd.grant", bind: with(grantFlags, (*cli).grant)},
	{name: "lock", args: "NAME", summary: "cmd.lock", bind: action("lock")},
	{name: "pause-games", args: "NAME", summary: "cmd.pause-games", bind: action("pause-games")},
	{name: "resume-games", args: "NAME", summary: "cmd.resume-games", bind: action("resume-games")},
	{name: "ask", args: "DUR", flags: "[--games] [--reason TEXT]", summary: "cmd.ask", bind: with(askFlags, (*cli).ask)},
	{name: "requests", flags: "[--status pending|approved|denied]", summary: "cmd.requests", bind: with(requestsFlags, (*cli).requests)},
	{name: "approve", args: "ID [DUR]", summary: "cmd.approve", bind: answer(true)},
	{name: "deny", args: "ID", summary: "cmd.deny", bind: answer(false)},
	{name: "usage", args: "[NAME]", flags: "[--from DATE] [--to DATE] [--by day|app|category] [--csv]", summary: "cmd.usage", bind: with(usageFlags, (*cli).usage)},
	{name: "events", flags: "[--since DUR|TIME] [--child NAME]", summary: "cmd.events", bind: with(eventsFlags, (*cli).events)},
	{name: "policy check", args: "FILE", flags: "[--key PREFIX.pub]", summary: "cmd.policy-check", bind: with(checkFlags, (*cli).policyCheck)},
	{name: "policy import", args: "FILE", flags: "[--rekey]", summary: "cmd.policy-import", bind: with(importFlags, (*cli).policyImport)},
	{name: "policy export", summary: "cmd.policy-export", bind: noFlags((*cli).policyExport)},
	{name: "policy keygen", flags: "--out PREFIX", summary: "cmd.policy-keygen", bind: with(keygenFlags, (*cli).keygen)},
	{name: "policy sign", args: "FILE", flags: "--key PREFIX.key [--out FILE]", summary: "cmd.policy-sign", bind: with(signFlags, (*cli).sign)},
	{name: "code", summary: "cmd.code", bind: noFlags((*cli).code)},
	{name: "web", args: "NAME", flags: "[--filter MODE] [--safe-search on|off] [--block CAT[,...]] [--deny DOMAIN[,...]] [--allow DOMAIN[,...]]", summary: "cmd.web", bind: with(webFlags, (*cli).web)},
	{name: "web lists", summary: "cmd.web-lists", bind: noFlags((*cli).webLists)},
	{name: "web import", args: "FILE|URL", flags: "--category CAT", summary: "cmd.web-import", bind: with(webImportFlags, (*cli).webImport)},
	{name: "policy publish", args: "FILE", summary: "cmd.policy-publish", bind: noFlags((*cli).policyPublish)},
	{name: "hub invite", flags: "[--name NAME] [--expires 24h] [--hub HOST:PORT]", summary: "cmd.hub-invite", bind: with(inviteFlags, (*cli).hubInvite)},
	{name: "hub pcs", summary: "cmd.hub-pcs", bind: noFlags((*cli).hubPCs)},
	{name: "hub remove", args: "PCNAME", summary: "cmd.hub-remove", bind: noFlags((*cli).hubRemove)},
	{name: "report", flags: "[--from DATE] [--to DATE] [--by age|pc|child|day] [--csv | --html FILE]", summary: "cmd.report", bind: with(reportFlags, (*cli).report)},
	{name: "join", args: "TOKEN", flags: "[--name PCNAME]", summary: "cmd.join", bind: with(joinFlags, (*cli).join)},
	{name: "leave", summary: "cmd.leave", bind: noFlags((*cli).leave)},
}

// usageLine is the command as README.md writes it, without "kidtime".
func (c *command) usageLine() string {
	return strings.Join(slices.DeleteFunc([]string{c.name, c.args, c.flags}, func(s string) bool { return s == "" }), " ")
}

// arity is how many positional arguments the command takes: one per word
// of args, a [bracketed] one optional.
func (c *command) arity() (lo, hi int) {
	for _, w := range strings.Fields(c.args) {
		hi++
		if !strings.HasPrefix(w, "[") {
			lo++
		}
	}
	return lo, hi
}

func (c *command) checkArgs(pos []string) error {
	lo, hi := c.arity()
	switch {
	case hi == 0 && len(pos) > 0:
		return badUsage("%s takes no arguments", c.name)
	case len(pos) < lo:
		return badUsage("%s needs %s", c.name, c.args)
	case len(pos) > hi:
		return badUsage("%s takes only %s", c.name, c.args)
	}
	return nil
}

// group is the first word of two-word commands ("child"), with their
// second words; nil if name is not a group.
func group(name string) []string {
	var subs []string
	for _, c := range commands {
		if g, sub, ok := strings.Cut(c.name, " "); ok && g == name {
			subs = append(subs, sub)
		}
	}
	return subs
}

// findCommand returns the command named name ("child add"), or nil.
func findCommand(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

// errGroupHelp is "kidtime child --help": help on a group of commands.
var errGroupHelp = errors.New("help on a group")

// lookup finds the command that args start with, and its arguments.
func lookup(args []string) (*command, []string, error) {
	name := args[0]
	subs := group(name)
	if subs == nil {
		if c := findCommand(name); c != nil {
			return c, args[1:], nil
		}
		return nil, nil, badUsage("unknown command %q", name)
	}
	if len(args) < 2 {
		if c := findCommand(name); c != nil {
			return c, nil, nil
		}
		return nil, nil, badUsage("%s needs %s", name, orList(subs))
	}
	if isHelpFlag(args[1]) {
		if c := findCommand(name); c != nil { // web --help: the command's own help
			return c, args[1:], nil
		}
		return nil, nil, errGroupHelp
	}
	if args[1] == "--" {
		// web -- lists: the word after "--" is the group's own command's
		// argument (a child named like a subcommand), never a subcommand.
		if c := findCommand(name); c != nil {
			return c, args[2:], nil
		}
	}
	if c := findCommand(name + " " + args[1]); c != nil {
		return c, args[2:], nil
	}
	if c := findCommand(name); c != nil { // a group's own command: web NAME
		return c, args[1:], nil
	}
	return nil, nil, badUsage("unknown %s command %q", name, args[1])
}

func isHelpFlag(s string) bool {
	switch s {
	case "-h", "-help", "--h", "--help":
		return true
	}
	return false
}

// orList writes "a, b or c".
func orList(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func (k *cli) dispatch(ctx context.Context, args []string) error {
	if args[0] == "help" || isHelpFlag(args[0]) {
		return k.help(args[1:])
	}
	c, rest, err := lookup(args)
	if errors.Is(err, errGroupHelp) {
		k.writeGroupHelp(k.stdout, args[0])
		return nil
	}
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	run := c.bind(fs)
	pos, err := parse(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		k.writeCommandHelp(k.stdout, c)
		return nil
	}
	if err == nil {
		err = c.checkArgs(pos)
	}
	if err == nil {
		err = run(ctx, k, pos)
	}
	var ue *usageError
	if errors.As(err, &ue) && ue.cmd == "" {
		ue.cmd = c.name
	}
	return err
}

// parse parses flags anywhere among the positional arguments. A help flag
// (-h, --help) comes back as flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, badUsage("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// flagArg returns the name of a flag's value, as the usage line writes it
// (DUR in "[--screen DUR]") or else as its help text quotes it (`CODE`),
// and the help text without the quotes. A boolean flag has no value.
func flagArg(f *flag.Flag, usage, help string) (arg, text string) {
	arg, text = flag.UnquoteUsage(&flag.Flag{Name: f.Name, Usage: help, Value: f.Value})
	if !strings.Contains(help, "`") {
		arg = ""
	}
	if at, w := usageFlag(usage, f.Name); at >= 0 {
		arg = w
	}
	if isBool(f) {
		arg = ""
	}
	return arg, text
}

// usageFlag finds --name in a usage line: where it is (-1: not there), and
// the word after it when that word is its value rather than what follows.
func usageFlag(usage, name string) (at int, arg string) {
	for from := 0; ; {
		i := strings.Index(usage[from:], "--"+name)
		if i < 0 {
			return -1, ""
		}
		at, from = from+i, from+i+2+len(name)
		rest := usage[from:]
		if rest != "" && rest[0] != ' ' && rest[0] != ']' {
			continue // a longer name
		}
		w, _, _ := strings.Cut(strings.TrimPrefix(rest, " "), " ")
		if rest == "" || rest[0] == ']' || strings.HasPrefix(w, "[") || strings.HasPrefix(w, "--") {
			return at, ""
		}
		for strings.Count(w, "]") > strings.Count(w, "[") {
			w = strings.TrimSuffix(w, "]")
		}
		return at, w
	}
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
