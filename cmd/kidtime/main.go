// Command kidtime is the command line of kidtime, over the same local API
// as the Fyne app: for parents at a terminal, for school scripts and for
// tests. Its flags, exit codes and --json shapes are a documented contract
// (README.md, "The kidtime command").
//
// Exit status: 0 ok, 1 error, 2 bad usage, 3 not allowed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/assets"
)

// Exit codes.
const (
	exitOK         = 0
	exitError      = 1
	exitUsage      = 2
	exitNotAllowed = 3
)

func main() {
	os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// usageError is a command line the CLI cannot understand.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func badUsage(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// cli is one invocation.
type cli struct {
	c      *client.Client
	json   bool
	lang   string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
}

// Main runs the CLI and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := flag.NewFlagSet("kidtime", flag.ContinueOnError)
	g.SetOutput(io.Discard)
	socket := g.String("socket", "", "")
	asJSON := g.Bool("json", false, "")
	if err := g.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usageText)
			return exitOK
		}
		fmt.Fprintf(stderr, "kidtime: %v\n%s", err, usageText)
		return exitUsage
	}
	rest := g.Args()
	if len(rest) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	k := &cli{c: &client.Client{Socket: *socket}, json: *asJSON, lang: assets.SystemLanguage(),
		stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	k.c.Token = loadToken()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := k.dispatch(ctx, rest)
	return k.exit(err)
}

func (k *cli) exit(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var ae *client.APIError
	switch {
	case errors.As(err, &ue):
		if k.json {
			writeJSON(k.stderr, apitype.Error{Error: ue.msg, Code: codeBadUsage})
			return exitUsage
		}
		fmt.Fprintf(k.stderr, "kidtime: %s\n(see kidtime --help)\n", ue.msg)
		return exitUsage
	case errors.As(err, &ae):
		if k.json {
			writeJSON(k.stderr, apitype.Error{Error: ae.Message, Field: ae.Field, Code: ae.Code, RetryAfterSec: ae.RetryAfterSec})
		} else {
			fmt.Fprintf(k.stderr, "kidtime: %s\n", ae.Message)
			if ae.Field != "" {
				fmt.Fprintf(k.stderr, "  field: %s\n", ae.Field)
			}
			if ae.RetryAfterSec > 0 {
				fmt.Fprintf(k.stderr, "  try again in %d s\n", ae.RetryAfterSec)
			}
		}
		switch ae.Code {
		case apitype.CodeNotAllowed, apitype.CodeRateLimited:
			return exitNotAllowed
		case apitype.CodeBadRequest:
			return exitError
		}
		return exitError
	}
	if k.json {
		writeJSON(k.stderr, apitype.Error{Error: err.Error(), Code: codeError})
		return exitError
	}
	fmt.Fprintf(k.stderr, "kidtime: %v\n", err)
	return exitError
}

// Error codes of failures that never reached the daemon (with --json).
const (
	codeBadUsage = "bad_usage" // the command line (exit 2)
	codeError    = "error"     // a local failure: no daemon, an unreadable or invalid file (exit 1)
)

func (k *cli) dispatch(ctx context.Context, args []string) error {
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(k.stdout, usageText)
		return nil
	case "status":
		return k.status(ctx, rest)
	case "setup":
		return k.setup(ctx, rest, true)
	case "login":
		return k.setup(ctx, rest, false)
	case "logout":
		return k.logout(ctx, rest)
	case "child":
		return k.child(ctx, rest)
	case "rules":
		return k.rules(ctx, rest)
	case "limit":
		return k.limit(ctx, rest)
	case "app":
		return k.app(ctx, rest)
	case "grant":
		return k.grant(ctx, rest)
	case "ask":
		return k.ask(ctx, rest)
	case "requests":
		return k.requests(ctx, rest)
	case "approve", "deny":
		return k.answer(ctx, cmd == "approve", rest)
	case "usage":
		return k.usage(ctx, rest)
	case "events":
		return k.events(ctx, rest)
	case "policy":
		return k.policy(ctx, rest)
	case "code":
		return k.code(ctx, rest)
	case "lock", "pause-games", "resume-games":
		return k.action(ctx, cmd, rest)
	}
	return badUsage("unknown command %q", cmd)
}

const usageText = `kidtime: children's screen time and game time on this computer

usage: kidtime [--socket PATH] [--json] COMMAND

  status                                  each child's time today (a child sees their own)
  setup --pin-stdin                       set the parents' PIN (administrator, once)
  login --pin-stdin                       log in as a parent (the token is kept for this account)
  logout                                  forget the parent token
  child add NAME --birth-year YYYY --account USER[,USER] [--preset auto|age:N]
  child list | child remove NAME
  rules show NAME | rules set NAME --file FILE
  limit NAME [--screen DUR] [--games DUR] [--per-game DUR] [--day DAY] [--allowed HH:MM-HH:MM[,...]]
                                          DAY: mon..sun, weekdays, weekend (default: every day)
  app block|allow|always NAME APP         APP: executable name, path or sha256
  app limit NAME APP DUR
  grant NAME DUR [--games]                more time today (DUR: 90s, 45m, 1h30m)
  lock NAME | pause-games NAME | resume-games NAME
  ask DUR [--games] [--reason TEXT]       a child asks for more time
  requests [--status pending|approved|denied]
  approve ID [DUR] | deny ID
  usage [NAME] [--from DATE] [--to DATE] [--by day|app|category] [--csv]
  events [--since DUR|TIME] [--child NAME]
  policy check FILE [--key PREFIX.pub] | policy import FILE [--rekey] | policy export
  policy keygen --out PREFIX              a school's signing key: PREFIX.key (secret) and PREFIX.pub
  policy sign FILE --key PREFIX.key [--out FILE]
                                          a signed policy: only that key's policies replace it
  code                                    the current parent code

Exit status: 0 ok, 1 error, 2 bad usage, 3 not allowed.
`

// parse parses flags anywhere among the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
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

func want(name string, pos []string, n int, what string) error {
	if len(pos) != n {
		return badUsage("%s needs %s", name, what)
	}
	return nil
}

func trimLine(s string) string { return strings.TrimRight(s, "\r\n") }
