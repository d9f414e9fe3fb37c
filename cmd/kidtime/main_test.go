package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/assets"
	"github.com/kidtime/kidtime/rules"
)

func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	// No daemon listens here: commands that need one fail with exit 1.
	t.Setenv("KIDTIME_SOCKET", filepath.Join(t.TempDir(), "none.sock"))
	t.Setenv("KIDTIME_LANG", "en")
	code = Main(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestExitCodes(t *testing.T) {
	good := filepath.Join("..", "..", "rules", "testdata", "example.json")
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"version":1,"children":[{"name":"An","birthYear":2015,"allowed":{"weekdays":["06:30-20:00","25:00-26:00"]}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		sentence string
		args     []string
		want     int
		inErr    string
	}{
		{"no command is bad usage", nil, 2, ""},
		{"an unknown command is bad usage", []string{"frobnicate"}, 2, "unknown command"},
		{"an unknown global flag is bad usage", []string{"--colour", "status"}, 2, ""},
		{"child add without a birth year is bad usage", []string{"child", "add", "An", "--account", "an"}, 2, "--birth-year"},
		{"child add without an account is bad usage", []string{"child", "add", "An", "--birth-year", "2015"}, 2, "--account"},
		{"limit with nothing to change is bad usage", []string{"limit", "An"}, 2, "at least one"},
		{"limit with an unknown day is bad usage", []string{"limit", "An", "--screen", "1h", "--day", "funday"}, 2, "funday"},
		{"limit with a bad duration is bad usage", []string{"limit", "An", "--screen", "ten"}, 2, "--screen"},
		{"grant needs a duration", []string{"grant", "An"}, 2, "NAME DUR"},
		{"grant with a bad duration is bad usage", []string{"grant", "An", "ten"}, 2, `DUR: “ten”`},
		{"ask with a bad duration is bad usage", []string{"ask", "1x"}, 2, `DUR: “1x”`},
		{"approve with a bad duration is bad usage", []string{"approve", "3", "soon"}, 2, `DUR: “soon”`},
		{"approve needs a number", []string{"approve", "x"}, 2, "not a request number"},
		{"usage by week is bad usage", []string{"usage", "An", "--by", "week"}, 2, "--by"},
		{"setup without --pin-stdin is bad usage", []string{"setup"}, 2, "--pin-stdin"},
		{"a valid policy file checks without a daemon", []string{"policy", "check", good}, 0, ""},
		{"a bad policy file names the field", []string{"policy", "check", bad}, 1, "children[0].allowed.weekdays[1]"},
		{"a missing policy file is an error", []string{"policy", "check", "/nonexistent.json"}, 1, "nonexistent"},
		{"status with no daemon is an error, not bad usage", []string{"status"}, 1, "kidtimed"},
		{"help is not an error", []string{"--help"}, 0, ""},
	}
	for _, c := range cases {
		_, errs, code := runCLI(t, "", c.args...)
		if code != c.want {
			t.Errorf("%s: exit %d, want %d (%s)", c.sentence, code, c.want, strings.TrimSpace(errs))
		}
		if c.inErr != "" && !strings.Contains(errs, c.inErr) {
			t.Errorf("%s: stderr %q does not mention %q", c.sentence, errs, c.inErr)
		}
	}
}

func TestPolicyCheckJSON(t *testing.T) {
	good := filepath.Join("..", "..", "rules", "testdata", "example.json")
	out, _, code := runCLI(t, "", "--json", "policy", "check", good)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var got struct {
		OK       bool `json:"ok"`
		Children int  `json:"children"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(good)
	f, err := rules.ParseFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !got.OK || got.Children != len(f.Children) {
		t.Errorf("got %+v, want ok with %d children", got, len(f.Children))
	}
}

func TestAppMatch(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	cases := []struct {
		in   string
		want rules.Match
	}{
		{"minecraft", rules.Match{Name: "minecraft"}},
		{"/usr/games/supertux2", rules.Match{Path: "/usr/games/supertux2"}},
		{`C:\Games\Roblox.exe`, rules.Match{Path: `C:\Games\Roblox.exe`}},
		{strings.ToUpper(sum), rules.Match{SHA256: sum}},
	}
	for _, c := range cases {
		if got := appMatch(c.in); got != c.want {
			t.Errorf("appMatch(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// TestMessagesExist fails when a message the CLI prints has no English or
// Vietnamese text.
func TestMessagesExist(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`k\.(?:t|ok)\("([a-z.-]+)"`).FindAllStringSubmatch(string(src), -1) {
			if !strings.HasSuffix(m[1], ".") {
				keys[m[1]] = true
			}
		}
	}
	if !keys["logout.ok"] || !keys["policy.keygen"] {
		t.Fatalf("the scan of %v missed messages: %v", files, keys)
	}
	// Keys built at run time.
	for _, p := range []struct {
		prefix string
		ends   []string
	}{
		{"state.", []string{"ok", "warn", "grace", "blocked"}},
		{"req.", []string{apitype.StatusPending, apitype.StatusApproved, apitype.StatusDenied}},
		{"by.", []string{"day", "app", "category"}},
		{"grant.ok.", []string{"screen", "games"}},
		{"action.", []string{"lock", "pause-games", "resume-games"}},
		{"answer.", []string{apitype.StatusApproved, apitype.StatusDenied}},
		{"", []string{"setup.ok", "login.ok", "screen", "games"}},
	} {
		for _, e := range p.ends {
			keys[p.prefix+e] = true
		}
	}
	for _, lang := range assets.Languages {
		msgs, err := assets.Messages(lang)
		if err != nil {
			t.Fatal(err)
		}
		for k := range keys {
			if _, ok := msgs["cli."+k]; !ok {
				t.Errorf("%s: no message cli.%s", lang, k)
			}
		}
		for _, r := range rules.Reasons() {
			if _, ok := msgs[r.MessageKey()]; !ok {
				t.Errorf("%s: no message %s", lang, r.MessageKey())
			}
		}
	}
}
