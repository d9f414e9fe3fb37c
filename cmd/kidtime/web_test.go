package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kidtime/kidtime/agent/apitype"
)

// A child may be named like web's subcommands (lists, import): "kidtime
// web -- NAME" always means the child, and the subcommands say, when such
// a child exists, how to reach them.
func TestWebChildNamedLikeASubcommand(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv("KIDTIME_TOKEN", "tok")
	socket, l := listenStub(t)
	var mu sync.Mutex
	var got []string
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.RequestURI()+" "+string(b))
		mu.Unlock()
		switch {
		case r.Method == http.MethodGet && r.URL.Path == apitype.RouteChildren:
			_, _ = io.WriteString(w, `[{"name":"Lists","birthYear":2015,"accounts":["l"]}]`)
		case r.Method == http.MethodGet && r.URL.Path == apitype.RouteStatus:
			_, _ = io.WriteString(w, `{"children":[]}`)
		default:
			_, _ = io.WriteString(w, "{}")
		}
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	cases := []struct {
		sentence string
		lang     string
		args     []string
		code     int
		request  string // a request the daemon got
		body     string // in that request
		stderr   string
	}{
		{"web -- lists changes the child named lists", "en", []string{"web", "--", "lists", "--deny", "x.example"}, 0, "PUT /v1/children/lists/policy", `"deny":["x.example"]`, ""},
		{"web -- import too, flags after the name", "en", []string{"web", "--", "import", "--filter", "strict"}, 0, "PUT /v1/children/import/policy", `"filter":"strict"`, ""},
		{"web lists is the command, and says how to reach the child", "en", []string{"web", "lists"}, 0, "GET /v1/web/lists", "", "kidtime web -- Lists"},
		{"in Vietnamese too", "vi", []string{"web", "lists"}, 0, "GET /v1/web/lists", "", "gõ kidtime web -- Lists"},
		{"web -- with no name is a usage error", "en", []string{"web", "--"}, 2, "", "", "web needs NAME"},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			t.Setenv("KIDTIME_LANG", c.lang)
			mu.Lock()
			got = nil
			mu.Unlock()
			var out, errb bytes.Buffer
			code := Main(append([]string{"--socket", socket}, c.args...), strings.NewReader(""), &out, &errb)
			if code != c.code {
				t.Fatalf("kidtime %s: exit %d (%s); want %d", strings.Join(c.args, " "), code, errb.String(), c.code)
			}
			if !strings.Contains(errb.String(), c.stderr) {
				t.Errorf("kidtime %s: stderr %q; want %q in it", strings.Join(c.args, " "), errb.String(), c.stderr)
			}
			if c.request == "" {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, g := range got {
				if strings.HasPrefix(g, c.request) && strings.Contains(g, c.body) {
					return
				}
			}
			t.Errorf("kidtime %s: the daemon got %q; want %s with %s", strings.Join(c.args, " "), got, c.request, c.body)
		})
	}
}
