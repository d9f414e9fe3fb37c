package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/rules"
)

// agentSocket is a Unix socket in front of the whole agent in-process
// (agenttest): each connection the CLI makes is carried to the agent as
// c's caller. The CLI itself runs unchanged.
func agentSocket(t *testing.T, c *client.Client) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the proxy listens on a Unix socket")
	}
	path := filepath.Join(t.TempDir(), "kt.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer in.Close()
				out, err := c.Dial(context.Background())
				if err != nil {
					return
				}
				defer out.Close()
				go func() { _, _ = io.Copy(out, in) }()
				_, _ = io.Copy(in, out)
			}()
		}
	}()
	return path
}

// runAgent runs the CLI in lang against the agent behind socket.
func runAgent(t *testing.T, lang, socket string, args ...string) (string, string) {
	t.Helper()
	t.Setenv("KIDTIME_LANG", lang)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	var out, errb strings.Builder
	if code := Main(append([]string{"--socket", socket}, args...), strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("kidtime %v: exit %d: %s", args, code, errb.String())
	}
	return out.String(), errb.String()
}

// limit without --day holds every day: it says what it replaced (the
// weekend's value set in the app), in the person's language; --json stays
// {"ok":true}; with nothing set apart it says nothing more.
func TestLimitSaysWhatItReplaced(t *testing.T) {
	now := time.Now()
	f := agenttest.StartFamily(t, now)
	root := f.Client(agenttest.Root)
	socket := agentSocket(t, root)
	ctx := context.Background()
	weekend := func() {
		t.Helper()
		spec, err := root.ChildPolicy(ctx, "An")
		if err != nil {
			t.Fatal(err)
		}
		v := rules.Duration(3 * time.Hour)
		spec.Screen = &rules.BudgetSpec{Daily: spec.Screen.Daily, Days: map[string]rules.Duration{"weekend": v}}
		if err := root.SetChildPolicy(ctx, "An", spec); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		lang string
		want []string
	}{
		{"en", []string{"Rules of An saved.", "Screen time is now 2 min every day; it replaced 3 h on the weekend."}},
		{"vi", []string{"Đã lưu quy định của An.", "Thời gian dùng máy nay là 2 phút mỗi ngày, thay cho 3 giờ vào cuối tuần."}},
	}
	for _, c := range cases {
		weekend()
		out, _ := runAgent(t, c.lang, socket, "limit", "An", "--screen", "2m")
		if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: said\n%s\nwant\n%s", c.lang, out, strings.Join(c.want, "\n"))
		}
		if spec, _ := root.ChildPolicy(ctx, "An"); spec.Screen == nil || len(spec.Screen.Days) != 0 || time.Duration(*spec.Screen.Daily) != 2*time.Minute {
			t.Errorf("%s: the rules after: %+v", c.lang, spec.Screen)
		}
	}
	// nothing set apart: only the saved line
	if out, _ := runAgent(t, "en", socket, "limit", "An", "--screen", "90m"); strings.TrimSpace(out) != "Rules of An saved." {
		t.Errorf("nothing replaced, yet it said:\n%s", out)
	}
	weekend()
	if out, _ := runAgent(t, "en", socket, "--json", "limit", "An", "--screen", "2m"); strings.Join(strings.Fields(out), "") != `{"ok":true}` {
		t.Errorf("--json changed: %s", out)
	}
}

// events prints one sentence per event in the person's language, with no
// raw JSON; --json prints the events as the API gives them.
func TestEventsAreSentences(t *testing.T) {
	f := agenttest.StartFamily(t, time.Now())
	root := f.Client(agenttest.Root)
	socket := agentSocket(t, root)
	for _, c := range []struct{ lang, added, pin string }{
		{"en", "An was added.", "A wrong PIN was typed."},
		{"vi", "Đã thêm An.", "Có người nhập sai mã PIN."},
	} {
		out, _ := runAgent(t, c.lang, socket, "events", "--since", "1h")
		if strings.ContainsAny(out, "{}") || !strings.Contains(out, c.added) {
			t.Errorf("%s: want sentences (%q), no JSON:\n%s", c.lang, c.added, out)
		}
		var flagged bool
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "!") && strings.HasSuffix(line, c.pin) {
				flagged = true
			}
		}
		if !flagged {
			t.Errorf("%s: the wrong PIN should be flagged with ! and said %q:\n%s", c.lang, c.pin, out)
		}
	}
	out, _ := runAgent(t, "vi", socket, "--json", "events", "--since", "1h")
	var evs []apitype.Event
	if err := json.Unmarshal([]byte(out), &evs); err != nil || len(evs) == 0 {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	for _, e := range evs {
		if e.Kind == "" || e.At.IsZero() {
			t.Errorf("--json lost a field: %+v", e)
		}
	}
}

// The first install's accounts are one line, naming them, not a flag each.
func TestFirstInstallIsOneLine(t *testing.T) {
	f := agenttest.StartFamily(t, time.Now())
	socket := agentSocket(t, f.Client(agenttest.Root))
	out, _ := runAgent(t, "en", socket, "events", "--since", "1h")
	var found []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "At its first start") {
			found = append(found, line)
		}
	}
	if len(found) != 1 || strings.HasPrefix(found[0], "!") || !strings.HasSuffix(found[0], ": kid, mum.") {
		t.Errorf("want one unflagged line naming kid and mum:\n%s", out)
	}
}
