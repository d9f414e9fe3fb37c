// Command kidtime is the command line of kidtime, over the same local API
// as the Fyne app: for parents at a terminal, for school scripts and for
// tests. Its flags, exit codes and --json shapes are a documented contract
// (README.md, "The kidtime command").
//
// Exit status: 0 ok, 1 error, 2 bad usage, 3 not allowed.
//
// Every command is a row of the table in table.go (name, usage line,
// summary in every language, flags with their help, run function): dispatch
// runs it and kidtime help prints it. The commands live by theme in
// session.go, children.go, requests.go, reports.go and policy.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
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
type usageError struct {
	msg string
	cmd string // the command it is about, if known: kidtime help names it
	// key and args name the sentence in the person's language, when there
	// is one (as the daemon's errors do); field is the flag or argument.
	key   string
	args  map[string]string
	field string
}

func (e *usageError) Error() string { return e.msg }

func badUsage(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// badValue is bad usage for a value the CLI refused itself with a keyed
// error (api.KeyedError, such as a *rules.DurationError): field is the flag
// or argument ("--screen", "DUR").
func badValue(field, value string, err error) error {
	ue := &usageError{msg: fmt.Sprintf("%s %q: %v", field, value, err), field: field}
	var ke interface {
		MessageKey() (string, map[string]string)
	}
	if errors.As(err, &ke) {
		ue.key, ue.args = ke.MessageKey()
	}
	return ue
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
	// hubSocket is --hub-socket; socketSet tells a --socket given (policy
	// publish goes to the daemon then).
	hubSocket string
	socketSet bool
}

// Main runs the CLI and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	k := &cli{lang: assets.SystemLanguage(), stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	var g globals
	fs := flag.NewFlagSet("kidtime", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	globalFlags(fs, &g)
	err := fs.Parse(args)
	k.json = g.json
	switch {
	case errors.Is(err, flag.ErrHelp):
		k.writeOverview(stdout)
		return exitOK
	case err != nil && k.json:
		return k.exit(badUsage("%v", err))
	case err != nil:
		fmt.Fprintf(stderr, "kidtime: %v\n", err)
		k.writeOverview(stderr)
		return exitUsage
	case fs.NArg() == 0 && k.json:
		return k.exit(badUsage("no command (kidtime help lists them)"))
	case fs.NArg() == 0:
		k.writeOverview(stderr)
		return exitUsage
	}
	k.c = &client.Client{Socket: g.socket, Token: loadToken()}
	k.hubSocket, k.socketSet = g.hubSocket, g.socket != ""
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return k.exit(k.dispatch(ctx, fs.Args()))
}

func (k *cli) exit(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		if k.json {
			writeJSON(k.stderr, apitype.Error{Error: ue.msg, Field: ue.field, Code: codeBadUsage, Key: ue.key, Args: ue.args})
			return exitUsage
		}
		see := "kidtime help"
		if ue.cmd != "" {
			see += " " + ue.cmd
		}
		msg := ue.msg
		if s, ok := assets.ErrorText(k.lang, ue.key, ue.args); ok {
			msg = ue.field + ": " + s
		}
		fmt.Fprintf(k.stderr, "kidtime: %s\n%s\n", msg, k.t("error.see", see))
		return exitUsage
	}
	if ae, ok := client.AsAPIError(err); ok {
		if k.json {
			writeJSON(k.stderr, apitype.Error{Error: ae.Message, Field: ae.Field, Code: ae.Code, RetryAfterSec: ae.RetryAfterSec, Key: ae.Key, Args: ae.Args})
		} else {
			fmt.Fprintf(k.stderr, "kidtime: %s\n", k.apiSentence(ae))
			if ae.Field != "" {
				fmt.Fprintf(k.stderr, "  %s\n", k.t("error.field", ae.Field))
			}
		}
		switch ae.Code {
		case apitype.CodeNotAllowed, apitype.CodeRateLimited:
			return exitNotAllowed
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

// apiSentence is the daemon's error in the person's language (the English
// sentence when it has no key and the language is English).
func (k *cli) apiSentence(ae *client.APIError) string {
	args := ae.Args
	if ae.RetryAfterSec > 0 && args["waitSec"] == "" {
		args = map[string]string{"waitSec": strconv.FormatInt(ae.RetryAfterSec, 10)}
		for n, v := range ae.Args {
			args[n] = v
		}
	}
	return assets.ErrorSentence(k.lang, ae.Key, args, ae.Code, ae.Message)
}
