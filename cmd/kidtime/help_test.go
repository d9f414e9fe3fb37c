package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kidtime/kidtime/assets"
	"github.com/kidtime/kidtime/rules"
)

// runLang is runCLI in a given language.
func runLang(t *testing.T, lang, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	t.Setenv("KIDTIME_SOCKET", filepath.Join(t.TempDir(), "none.sock"))
	t.Setenv("KIDTIME_LANG", lang)
	code = Main(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// commandFlags is the flag set a command declares.
func commandFlags(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.bind(fs)
	return fs
}

var quoted = regexp.MustCompile("`([^`]*)`")

// TestTable checks every row: a summary in every language, and every flag
// with help in every language, a value name when it takes one, and named
// by the usage line unless README leaves it out.
func TestTable(t *testing.T) {
	undocumented := map[string]bool{"grant --code": true} // not in README's table
	names := map[string]bool{}
	for _, c := range commands {
		if c.name == "" || names[c.name] {
			t.Errorf("%q: a command needs a name of its own", c.name)
		}
		names[c.name] = true
		if c.bind == nil {
			t.Errorf("%s: no run function", c.name)
			continue
		}
		fs := commandFlags(&c)
		for _, lang := range assets.Languages {
			msgs, err := assets.Messages(lang)
			if err != nil {
				t.Fatal(err)
			}
			if s := msgs["cli."+c.summary]; strings.TrimSpace(s) == "" || strings.Contains(s, "\n") {
				t.Errorf("%s: no one-line summary in %s (cli.%s)", c.name, lang, c.summary)
			}
			fs.VisitAll(func(f *flag.Flag) {
				help := msgs["cli."+f.Usage]
				if f.Usage == "" || strings.TrimSpace(help) == "" {
					t.Errorf("%s --%s: no help in %s (cli.%s)", c.name, f.Name, lang, f.Usage)
					return
				}
				if arg, _ := flagArg(f, c.flags, help); !isBool(f) && arg == "" {
					t.Errorf("%s --%s: the usage line or the %s help should name its value", c.name, f.Name, lang)
				}
				en, _ := assets.Messages("en")
				if got, want := quoted.FindAllString(help, -1), quoted.FindAllString(en["cli."+f.Usage], -1); strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("%s --%s: the %s help quotes %v, the English %v", c.name, f.Name, lang, got, want)
				}
			})
		}
		fs.VisitAll(func(f *flag.Flag) {
			if at, _ := usageFlag(c.flags, f.Name); at < 0 && !undocumented[c.name+" --"+f.Name] {
				t.Errorf("%s: the usage line %q leaves out --%s", c.name, c.usageLine(), f.Name)
			}
		})
		for _, m := range regexp.MustCompile(`--([a-z-]+)`).FindAllStringSubmatch(c.flags, -1) {
			if fs.Lookup(m[1]) == nil {
				t.Errorf("%s: the usage line names --%s, which the command does not have", c.name, m[1])
			}
		}
	}
}

// The table says what README.md's contract says: each usage line is
// written there as it is here, and each command there is in the table.
func TestTableMatchesREADME(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Skip("no README.md beside the code")
	}
	_, sec, _ := strings.Cut(string(b), "## The `kidtime` command")
	sec, _, _ = strings.Cut(sec, "\n## ")
	if !strings.Contains(sec, "\n"+globalUsage+"\n") {
		t.Errorf("README.md does not write %q", globalUsage)
	}
	documented := map[string]bool{}
	for _, line := range strings.Split(sec, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.ReplaceAll(line[1:], `\|`, "\x00") // escaped bars stay in the cell
		first, _, _ = strings.Cut(first, "|")
		for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(first, -1) {
			usage := strings.ReplaceAll(strings.ReplaceAll(m[1], "\x00", "|"), "…", "...")
			words := strings.Fields(usage)
			subs := []string{""}
			if group(words[0]) != nil {
				subs = strings.Split(words[1], "|") // app block|allow|always
			}
			for _, sub := range subs {
				u := usage
				if sub != "" {
					u = strings.Join(append([]string{words[0], sub}, words[2:]...), " ")
				}
				documented[u] = true
			}
		}
	}
	for _, c := range commands {
		if !documented[c.usageLine()] {
			t.Errorf("README.md does not write %q", c.usageLine())
		}
		delete(documented, c.usageLine())
	}
	for u := range documented {
		t.Errorf("README.md writes %q, which is no usage line of the table", u)
	}
}

func TestHelp(t *testing.T) {
	for _, lang := range assets.Languages {
		out, errs, code := runLang(t, lang, "", "help")
		if code != 0 || errs != "" {
			t.Fatalf("%s: help: exit %d %q; want 0 and nothing on stderr", lang, code, errs)
		}
		for _, c := range commands {
			if !strings.Contains(out, "  "+c.name) || !strings.Contains(out, assets.T(lang, "cli."+c.summary)) {
				t.Errorf("%s: help does not list %s with its summary:\n%s", lang, c.name, out)
			}
		}
		for _, c := range commands {
			want := []string{"kidtime " + c.usageLine(), assets.T(lang, "cli."+c.summary)}
			commandFlags(&c).VisitAll(func(f *flag.Flag) {
				_, help := flagArg(f, c.flags, assets.T(lang, "cli."+f.Usage))
				want = append(want, "--"+f.Name, help)
			})
			words := strings.Fields(c.name)
			for _, args := range [][]string{
				append([]string{"help"}, words...),
				{"help", c.name},
				append(words, "--help"),
				append(words, "-h"),
				append(append(words, "x"), "--help"), // after a positional argument too
			} {
				out, errs, code := runLang(t, lang, "", args...)
				if code != 0 || errs != "" {
					t.Errorf("%s: kidtime %s: exit %d %q; want 0 and nothing on stderr", lang, strings.Join(args, " "), code, errs)
				}
				for _, w := range want {
					if !strings.Contains(out, w) {
						t.Errorf("%s: kidtime %s does not say %q:\n%s", lang, strings.Join(args, " "), w, out)
					}
				}
			}
		}
	}
}

func TestHelpExitCodes(t *testing.T) {
	cases := []struct {
		sentence string
		args     []string
		want     int
		inOut    string
		inErr    string
	}{
		{"help on an unknown command is bad usage", []string{"help", "frobnicate"}, 2, "", "frobnicate"},
		{"help on an unknown two-word command is bad usage", []string{"help", "child", "adopt"}, 2, "", "child adopt"},
		{"help on a group lists its commands", []string{"help", "policy"}, 0, "policy keygen", ""},
		{"--help on a group lists its commands", []string{"app", "--help"}, 0, "app limit NAME APP DUR", ""},
		{"a group alone is bad usage", []string{"child"}, 2, "", "add, list or remove"},
		{"an unknown command of a group is bad usage", []string{"rules", "delete"}, 2, "", `unknown rules command "delete"`},
		{"--help before the command", []string{"--help"}, 0, "Exit status", ""},
		{"-h as the command", []string{"--", "-h"}, 0, "Exit status", ""},
		{"no command prints the list on stderr", nil, 2, "", "policy sign FILE"},
		{"a command with too many arguments is bad usage", []string{"status", "now"}, 2, "", "status takes no arguments"},
		{"a command with too few arguments is bad usage", []string{"child", "remove"}, 2, "", "child remove needs NAME"},
		{"approve takes at most a DUR", []string{"approve", "3", "1h", "2h"}, 2, "", "ID [DUR]"},
		{"a bad usage names the command's help", []string{"limit", "An"}, 2, "", "see kidtime help limit"},
		{"an unknown flag of a command is bad usage", []string{"grant", "An", "1h", "--forever"}, 2, "", "grant: flag provided but not defined"},
		{"requests with an unknown status is bad usage", []string{"requests", "--status", "lost"}, 2, "", "pending, approved or denied"},
	}
	for _, c := range cases {
		out, errs, code := runCLI(t, "", c.args...)
		if code != c.want || !strings.Contains(out, c.inOut) || !strings.Contains(errs, c.inErr) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d, %q on stdout and %q on stderr", c.sentence, code, out, errs, c.want, c.inOut, c.inErr)
		}
	}
}

// With --json a bad usage is the JSON error on stderr, help included.
func TestJSONBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--json"},
		{"--json", "help", "frobnicate"},
		{"--json", "frobnicate"},
		{"--json", "--colour"},
		{"--json", "grant", "An"},
	} {
		out, errs, code := runCLI(t, "", args...)
		var e struct{ Error, Code string }
		if code != 2 || out != "" || json.Unmarshal([]byte(errs), &e) != nil || e.Code != codeBadUsage || e.Error == "" {
			t.Errorf("kidtime %s: exit %d, stdout %q, stderr %q; want 2 and a bad_usage JSON error", strings.Join(args, " "), code, out, errs)
		}
	}
}

// Flags may come after the positional arguments, and -- ends the flags.
func TestParse(t *testing.T) {
	fs := flag.NewFlagSet("grant", flag.ContinueOnError)
	o := new(grantOpts)
	grantFlags(fs, o)
	pos, err := parse(fs, []string{"An", "--games", "1h", "--code", "123456", "--", "--games"})
	if err != nil || strings.Join(pos, " ") != "An 1h --games" || !o.games || o.code != "123456" {
		t.Errorf("parse: %q %+v %v; want An 1h --games with --games and --code", pos, o, err)
	}
}

// policy check, import and sign and rules set read files through one
// reader, standard input included.
func TestPolicyReader(t *testing.T) {
	b, err := os.ReadFile(examplePolicy)
	if err != nil {
		t.Fatal(err)
	}
	out, errs, code := runCLI(t, string(b), "--json", "policy", "check", "-")
	if code != 0 || !strings.Contains(out, `"ok": true`) {
		t.Errorf("policy check - : exit %d %q %q; want the policy on stdin checked", code, out, errs)
	}

	prefix := keygen(t)
	signed := signedFile(t, prefix)
	sb, _ := os.ReadFile(signed)
	if out, errs, code := runCLI(t, string(sb), "--json", "policy", "check", "-"); code != 0 || !strings.Contains(out, "signedBy") {
		t.Errorf("policy check - of a signed file: exit %d %q %q; want it verified", code, out, errs)
	}

	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one := write("one.json", `{"version":1,"children":[{"name":"An","birthYear":2015}]}`)
	child := write("child.json", `{"name":"An","birthYear":2015,"screen":{"daily":"2h"}}`)
	badChild := write("bad.json", `{"name":"An","birthYear":2015,"screen":{"daily":"ten"}}`)
	k := &cli{stdin: strings.NewReader(`{"name":"Bo","birthYear":2014}`)}
	cases := []struct {
		path, name, inErr string
	}{
		{one, "An", ""},
		{child, "An", ""},
		{"-", "Bo", ""},
		{examplePolicy, "", "holds 2 children"},
		{signed, "", "is signed"},
		{badChild, "", "screen.daily"},
	}
	for _, c := range cases {
		got, err := k.readChildFile(c.path)
		switch {
		case c.inErr == "" && (err != nil || got.Name != c.name):
			t.Errorf("readChildFile(%s) = %q, %v; want %s", c.path, got.Name, err, c.name)
		case c.inErr != "" && (err == nil || !strings.Contains(err.Error(), c.inErr)):
			t.Errorf("readChildFile(%s): %v; want an error mentioning %q", c.path, err, c.inErr)
		}
	}
	p, err := k.readPolicy(signed)
	if err != nil || p.sig == nil || !bytes.Equal(p.raw, sb) || len(p.file.Children) != 2 {
		t.Fatalf("readPolicy of a signed file: %+v, %v; want the envelope's bytes, its signature and its 2 children", p, err)
	}
	if _, err := rules.ParseFile(p.raw); err == nil {
		t.Error("the raw bytes of a signed file should be the envelope, not the policy")
	}
}
