package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
)

// A program waiting for a parent's yes is listed by requests and answered
// by approve and deny, in words and in JSON.
func TestAppRequestsInTheCLI(t *testing.T) {
	socket, l := listenStub(t)
	app := apitype.Request{ID: 9, Child: "An", Kind: apitype.KindApp, Status: apitype.StatusPending, Created: time.Now(),
		App: &apitype.RequestApp{Name: "game", Path: "/home/an/game", Key: strings.Repeat("ab", 32)}}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		out := app
		switch {
		case r.Method == http.MethodGet:
			_ = json.NewEncoder(w).Encode([]apitype.Request{app})
			return
		case strings.HasSuffix(r.URL.Path, "/9/answer"):
			out.Status, out.AnsweredBy = apitype.StatusDenied, "mum"
		}
		_ = json.NewEncoder(w).Encode(out)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv("KIDTIME_TOKEN", "tok")
	t.Setenv("KIDTIME_LANG", "en")
	run := func(args ...string) string {
		t.Helper()
		var out, errb strings.Builder
		if code := Main(append([]string{"--socket", socket}, args...), strings.NewReader(""), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	if out := run("requests"); strings.Join(strings.Fields(out), " ") != "9 An app game waiting /home/an/game" {
		t.Errorf("requests:\n%s", out)
	}
	var rs []apitype.Request
	if err := json.Unmarshal([]byte(run("--json", "requests")), &rs); err != nil || len(rs) != 1 || rs[0].App == nil || rs[0].App.Key != app.App.Key {
		t.Errorf("requests --json: %+v, %v", rs, err)
	}
	if out := run("deny", "9"); !strings.Contains(out, "game stays closed") {
		t.Errorf("deny: %s", out)
	}
}
