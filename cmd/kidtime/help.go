package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// globals are the flags before COMMAND.
type globals struct {
	socket    string
	hubSocket string
	json      bool
}

// globalUsage is the usage line of kidtime itself.
const globalUsage = "kidtime [--socket PATH] [--hub-socket PATH] [--json] COMMAND"

func globalFlags(fs *flag.FlagSet, g *globals) {
	fs.StringVar(&g.socket, "socket", "", "flag.socket")
	fs.StringVar(&g.hubSocket, "hub-socket", "", "flag.hub-socket")
	fs.BoolVar(&g.json, "json", false, "flag.json")
}

// help is kidtime help [COMMAND]: the list of commands, or one command's
// usage and flags, on standard output.
func (k *cli) help(args []string) error {
	args = slices.DeleteFunc(slices.Clone(args), isHelpFlag) // kidtime help --help
	if len(args) == 0 {
		k.writeOverview(k.stdout)
		return nil
	}
	name := strings.Join(args, " ")
	if c := findCommand(name); c != nil {
		k.writeCommandHelp(k.stdout, c)
		return nil
	}
	if group(name) != nil {
		k.writeGroupHelp(k.stdout, name)
		return nil
	}
	return badUsage("help: unknown command %q", name)
}

func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 8, 3, ' ', 0) }

// writeOverview lists every command of the table, with the global flags.
func (k *cli) writeOverview(w io.Writer) {
	fmt.Fprintf(w, "%s\n\n%s\n\n%s\n", k.t("help.title"), k.t("help.usage", globalUsage), k.t("help.commands"))
	tw := newTable(w)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", strings.TrimSpace(c.name+" "+c.args), k.t(c.summary))
	}
	_ = tw.Flush()
	fs := flag.NewFlagSet("kidtime", flag.ContinueOnError)
	globalFlags(fs, new(globals))
	fmt.Fprintf(w, "\n%s\n", k.t("help.flags"))
	k.writeFlags(w, fs, globalUsage)
	fmt.Fprintf(w, "\n%s\n%s\n%s\n", k.t("help.more"), k.t("help.durations"), k.t("help.exit"))
}

// writeCommandHelp writes a command's usage line, summary and flags.
func (k *cli) writeCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "%s\n\n%s\n", k.t("help.usage", "kidtime "+c.usageLine()), k.t(c.summary))
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.bind(fs)
	if hasFlags(fs) {
		fmt.Fprintf(w, "\n%s\n", k.t("help.flags"))
		k.writeFlags(w, fs, c.flags)
	}
}

// writeGroupHelp lists the commands of a group ("child").
func (k *cli) writeGroupHelp(w io.Writer, name string) {
	fmt.Fprintf(w, "%s\n\n%s\n", k.t("help.usage", "kidtime "+name+" COMMAND"), k.t("help.commands"))
	tw := newTable(w)
	for _, sub := range group(name) {
		c := findCommand(name + " " + sub)
		fmt.Fprintf(tw, "  %s\t%s\n", strings.TrimSpace(c.name+" "+c.args), k.t(c.summary))
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\n%s\n", k.t("help.more"))
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// writeFlags writes each flag with its help, in the order the usage line
// names them (a flag it leaves out comes last).
func (k *cli) writeFlags(w io.Writer, fs *flag.FlagSet, usage string) {
	var flags []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f) })
	at := func(f *flag.Flag) int {
		if i, _ := usageFlag(usage, f.Name); i >= 0 {
			return i
		}
		return len(usage)
	}
	slices.SortStableFunc(flags, func(a, b *flag.Flag) int { return at(a) - at(b) })
	tw := newTable(w)
	for _, f := range flags {
		arg, help := flagArg(f, usage, k.t(f.Usage))
		if arg != "" {
			arg = " " + arg
		}
		if f.DefValue != "" && f.DefValue != "0" && !isBool(f) {
			help += " " + k.t("help.default", f.DefValue)
		}
		fmt.Fprintf(tw, "  --%s%s\t%s\n", f.Name, arg, help)
	}
	_ = tw.Flush()
}
