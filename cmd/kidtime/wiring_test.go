package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/ipc"
)

var stubSeq atomic.Int32

// listenStub is where a stub daemon listens: a Unix socket in the test's
// folder, or on Windows a named pipe no other test uses (what the CLI
// dials there).
func listenStub(t *testing.T) (string, net.Listener) {
	t.Helper()
	if runtime.GOOS == "windows" {
		path := fmt.Sprintf(`\\.\pipe\kidtime-cli-test-%d-%d`, os.Getpid(), stubSeq.Add(1))
		l, err := ipc.Listen(path)
		if err != nil {
			t.Fatal(err)
		}
		return path, l
	}
	path := filepath.Join(t.TempDir(), "kt.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	return path, l
}

// stubDaemon answers every route with an empty answer of the right shape
// and keeps what it was asked.
type stubDaemon struct {
	socket string
	mu     sync.Mutex
	got    []string // "METHOD URI BODY"
}

func newStubDaemon(t *testing.T) *stubDaemon {
	t.Helper()
	d := &stubDaemon{}
	var l net.Listener
	d.socket, l = listenStub(t)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		d.mu.Lock()
		d.got = append(d.got, r.Method+" "+r.URL.RequestURI()+" "+string(b))
		d.mu.Unlock()
		switch {
		case r.Method != http.MethodGet:
			_, _ = io.WriteString(w, "{}")
		case r.URL.Path == apitype.RouteStatus:
			_, _ = io.WriteString(w, `{"children":[{"name":"An"}]}`)
		case r.URL.Path == apitype.RouteChildren || r.URL.Path == apitype.RouteRequests || r.URL.Path == apitype.RouteEvents || r.URL.Path == apitype.RouteHubPCs:
			_, _ = io.WriteString(w, "[]")
		case r.URL.Path == apitype.RoutePolicy:
			_, _ = io.WriteString(w, `{"version":1,"children":[]}`)
		default:
			_, _ = io.WriteString(w, "{}")
		}
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return d
}

// take returns and forgets what the daemon was asked.
func (d *stubDaemon) take() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	got := d.got
	d.got = nil
	return got
}

// Each command of the table reaches the daemon's route with what its
// arguments and flags say.
func TestCommandsReachTheDaemon(t *testing.T) {
	d := newStubDaemon(t)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv("KIDTIME_TOKEN", "tok")
	t.Setenv("KIDTIME_LANG", "en")
	hostsFile := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hostsFile, []byte("0.0.0.0 casino.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	child := filepath.Join(t.TempDir(), "an.json")
	if err := os.WriteFile(child, []byte(`{"name":"An","birthYear":2015}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args  []string
		stdin string
		last  string   // the last request: "METHOD URI"
		body  []string // in its body
	}{
		{[]string{"status"}, "", "GET /v1/status", nil},
		{[]string{"setup", "--pin-stdin"}, "2468\n", "POST /v1/setup", []string{`"2468"`}},
		{[]string{"login", "--pin-stdin"}, "1357\n", "POST /v1/login", []string{`"1357"`}},
		{[]string{"logout"}, "", "DELETE /v1/login", nil},
		{[]string{"child", "add", "An", "--birth-year", "2015", "--account", "an, an2", "--preset", "age:9"}, "", "POST /v1/children", []string{`"accounts":["an","an2"]`, `"age:9"`, `2015`}},
		{[]string{"child", "list"}, "", "GET /v1/children", nil},
		{[]string{"child", "remove", "An"}, "", "DELETE /v1/children/An", nil},
		{[]string{"rules", "show", "An"}, "", "GET /v1/children/An/policy", nil},
		{[]string{"rules", "set", "An", "--file", child}, "", "PUT /v1/children/An/policy", []string{`"name":"An"`}},
		{[]string{"rules", "set", "An", "--file", "-"}, `{"name":"An","birthYear":2014}`, "PUT /v1/children/An/policy", []string{`2014`}},
		{[]string{"limit", "An", "--screen", "2h", "--day", "sat", "--allowed", "08:00-12:00,14:00-18:00"}, "", "PUT /v1/children/An/policy", []string{`"sat":"2h"`, `"14:00-18:00"`}},
		{[]string{"app", "block", "An", "minecraft"}, "", "PUT /v1/children/An/policy", []string{`"rule":"block"`, `"minecraft"`}},
		{[]string{"app", "always", "An", "/usr/games/gcompris-qt"}, "", "PUT /v1/children/An/policy", []string{`"rule":"always"`}},
		{[]string{"app", "limit", "An", "roblox", "45m"}, "", "PUT /v1/children/An/policy", []string{`"rule":"limit"`, `"45m"`}},
		{[]string{"app", "allow", "An", "roblox"}, "", "PUT /v1/children/An/policy", nil},
		{[]string{"limit", "An", "--screen", "2 giờ 30 phút", "--day", "sat"}, "", "PUT /v1/children/An/policy", []string{`"sat":"2h30m"`}},
		{[]string{"limit", "An", "--games", "2g", "--per-game", "45 phút"}, "", "PUT /v1/children/An/policy", []string{`"2h"`, `"45m"`}},
		{[]string{"app", "limit", "An", "roblox", "30p"}, "", "PUT /v1/children/An/policy", []string{`"30m"`}},
		{[]string{"grant", "An", "1 tiếng rưỡi"}, "", "POST /v1/grant", []string{`"addSec":5400`}},
		{[]string{"ask", "0:45"}, "", "POST /v1/requests", []string{`"addSec":2700`}},
		{[]string{"grant", "An", "30m", "--games"}, "", "POST /v1/grant", []string{`"kind":"games"`, `"addSec":1800`}},
		{[]string{"grant", "An", "10m", "--code", "123456"}, "", "POST /v1/grant", []string{`"kind":"screen"`, `"code":"123456"`}},
		{[]string{"lock", "An"}, "", "POST /v1/action", []string{`"lock"`}},
		{[]string{"pause-games", "An"}, "", "POST /v1/action", []string{`"pause-games"`}},
		{[]string{"resume-games", "An"}, "", "POST /v1/action", []string{`"resume-games"`}},
		{[]string{"ask", "15m", "--games", "--reason", "homework"}, "", "POST /v1/requests", []string{`"kind":"games"`, `"homework"`}},
		{[]string{"requests", "--status", apitype.StatusPending}, "", "GET /v1/requests?status=pending", nil},
		{[]string{"approve", "3", "20m"}, "", "POST /v1/requests/3/answer", []string{`"approve":true`, `1200`}},
		{[]string{"deny", "4"}, "", "POST /v1/requests/4/answer", []string{`"approve":false`}},
		{[]string{"usage", "--by", "app"}, "", "GET /v1/usage?by=app&child=An", nil},
		{[]string{"events", "--child", "An"}, "", "GET /v1/events?child=An", nil},
		{[]string{"policy", "import", examplePolicy}, "", "PUT /v1/policy", []string{`"children"`}},
		{[]string{"policy", "export"}, "", "GET /v1/policy", nil},
		{[]string{"code"}, "", "GET /v1/code", nil},
		{[]string{"web", "An", "--filter", "strict", "--safe-search", "off", "--deny", "Game.example, -x.example", "--allow", "school.edu.vn"}, "", "PUT /v1/children/An/policy",
			[]string{`"filter":"strict"`, `"safeSearch":false`, `"deny":["game.example"]`, `"allow":["school.edu.vn"]`}},
		{[]string{"web", "An", "--block", "social,games"}, "", "PUT /v1/children/An/policy", []string{`"block":["social","games"]`}},
		{[]string{"web", "An"}, "", "GET /v1/status", nil},
		{[]string{"web", "lists"}, "", "GET /v1/web/lists", nil},
		{[]string{"web", "import", hostsFile, "--category", "gambling"}, "", "POST /v1/web/lists?category=gambling&source=", []string{"0.0.0.0 casino.example"}},
		{[]string{"hub", "invite", "--name", "lab-1", "--expires", "7d", "--hub", "hub.school.example:4333"}, "", "POST /v1/hub/invites", []string{`"expiresSec":604800`, `"lab-1"`, `"hub.school.example:4333"`}},
		{[]string{"hub", "invite"}, "", "POST /v1/hub/invites", []string{`"expiresSec":86400`}},
		{[]string{"hub", "pcs"}, "", "GET /v1/hub/pcs", nil},
		{[]string{"report", "--from", "2026-09-01", "--to", "2027-08-31", "--by", "pc"}, "", "GET /v1/hub/report?by=pc&from=2026-09-01&to=2027-08-31", nil},
		{[]string{"hub", "remove", "lab 1"}, "", "DELETE /v1/hub/pcs/lab%201", nil},
		{[]string{"join", "kt1.abc", "--name", "lab-2"}, "", "POST /v1/hub/join", []string{`"token":"kt1.abc"`, `"name":"lab-2"`}},
		{[]string{"leave"}, "", "DELETE /v1/hub/join", nil},
	}
	tested := map[string]bool{}
	for _, c := range cases {
		var out, errb bytes.Buffer
		code := Main(append([]string{"--socket", d.socket, "--hub-socket", d.socket}, c.args...), strings.NewReader(c.stdin), &out, &errb)
		got := d.take()
		cmdline := strings.Join(c.args, " ")
		if code != 0 || len(got) == 0 {
			t.Errorf("kidtime %s: exit %d %q, %d requests; want 0 and a request", cmdline, code, errb.String(), len(got))
			continue
		}
		last := got[len(got)-1]
		if !strings.HasPrefix(last, c.last) {
			t.Errorf("kidtime %s: the daemon got %q; want %s", cmdline, last, c.last)
		}
		for _, b := range c.body {
			if !strings.Contains(last, b) {
				t.Errorf("kidtime %s: the daemon got %q; want %s in it", cmdline, last, b)
			}
		}
		for n := 2; n >= 1; n-- {
			if n <= len(c.args) && findCommand(strings.Join(c.args[:n], " ")) != nil {
				tested[strings.Join(c.args[:n], " ")] = true
				break
			}
		}
	}
	for _, c := range commands {
		if !tested[c.name] && !strings.HasPrefix(c.name, "policy ") {
			t.Errorf("%s: no case here", c.name)
		}
	}
}
