package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	pathpkg "path"
	"strings"
	"testing"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/auth"
	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/rules"
)

// The fuzzer's callers, by the role they may at most have.
var fuzzCallers = []struct {
	role string
	c    caller
}{
	{apitype.RoleAdmin, asAdmin},
	{apitype.RoleParent, asParent},
	{apitype.RoleChild, asChild},
	{apitype.RoleOther, asStranger},
}

func roleRank(role string) int {
	switch role {
	case apitype.RoleAdmin:
		return 3
	case apitype.RoleParent:
		return 2
	case apitype.RoleChild:
		return 1
	}
	return 0
}

// fuzzWorld is one world kept across the fuzzer's inputs (a store and an
// argon2 login per input would be too slow): after each input it is put
// back where the callers keep their roles (mum logged in, the account kid
// An's).
type fuzzWorld struct {
	hs  *harness
	pin string // the PIN in force (a fuzzed PIN change may set a new one)
}

var adminActor = family.Actor{User: "dad", UID: uidDad, Admin: true, Role: apitype.RoleAdmin}

func (w *fuzzWorld) repair(t *testing.T) {
	ctx := context.Background()
	b := w.hs.b
	if name, ok := b.ChildOf(uidKid); !ok || name != "An" {
		if c, err := b.st.ChildByAccount(ctx, "kid"); err == nil && !strings.EqualFold(c.Name, "An") {
			if err := b.st.Erase(ctx, c.Name); err != nil {
				t.Fatalf("repair: erase %s: %v", c.Name, err)
			}
		}
		if rec, err := b.st.Child(ctx, "An"); err == nil {
			rec.Accounts = []string{"kid"}
			if err := b.st.UpdateChild(ctx, rec); err != nil {
				t.Fatalf("repair: An's account: %v", err)
			}
		} else if _, err := b.fam.AddChild(ctx, adminActor, rules.Child{Name: "An", BirthYear: year - 11, Accounts: []string{"kid"}}); err != nil {
			t.Fatalf("repair: add An: %v", err)
		}
		if err := b.reload(ctx); err != nil {
			t.Fatalf("repair: reload: %v", err)
		}
		if name, ok := b.ChildOf(uidKid); !ok || name != "An" {
			t.Fatalf("repair: kid is %q %v", name, ok)
		}
	}
	for !b.guard.Parent(w.hs.token, uidMum) {
		tok, _, err := b.guard.Login(ctx, auth.Who{UID: uidMum, User: "mum"}, w.pin)
		var we *auth.WaitError
		switch {
		case errors.As(err, &we):
			b.clk.Add(we.Wait)
		case err != nil:
			t.Fatalf("repair: mum's login with %q: %v", w.pin, err)
		default:
			w.hs.token = tok
		}
	}
}

// validHeader: what net/http's client would send as it is (the fuzzer
// checks the server, not the client's refusals).
func validHeader(name, value string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	for _, r := range value {
		if r != '\t' && (r < 0x20 || r > 0x7e) {
			return false
		}
	}
	return true
}

// validRequestURI: what may stand in an HTTP request line (the client
// sends a query as it is, spaces included).
func validRequestURI(u string) bool {
	for i := 0; i < len(u); i++ {
		if u[i] <= ' ' || u[i] >= 0x7f {
			return false
		}
	}
	return true
}

// fuzzSeed is one valid request of a route.
type fuzzSeed struct {
	role    uint8 // index in fuzzCallers
	pattern string
	seg     string
	query   string
	body    string
}

func fuzzSeeds() []fuzzSeed {
	const (
		A, P, C, O = 0, 1, 2, 3
	)
	return []fuzzSeed{
		{O, "GET /v1/health", "", "", ""},
		{C, "GET /v1/status", "", "", ""},
		{A, "POST /v1/setup", "", "", `{"pin":"135790"}`},
		{O, "POST /v1/login", "", "", `{"pin":"246810"}`},
		{P, "DELETE /v1/login", "", "", ""},
		{P, "POST /v1/pin", "", "", `{"old":"246810","new":"246810"}`},
		{P, "GET /v1/accounts", "", "", ""},
		{P, "GET /v1/children", "", "", ""},
		{P, "POST /v1/children", "", "", fmt.Sprintf(`{"name":"Cuc","birthYear":%d,"accounts":["cuc"],"preset":"age:9"}`, year-9)},
		{P, "DELETE /v1/children/{name}", "Cuc", "", ""},
		{C, "GET /v1/children/{name}/policy", "An", "", ""},
		{P, "PUT /v1/children/{name}/policy", "An", "", anSpec(`"screen":{"daily":"2h","days":{"weekend":"3h"}},"allowed":{"weekdays":["06:30-20:00"]}`)},
		{P, "GET /v1/policy", "", "", ""},
		{P, "PUT /v1/policy", "", "", fmt.Sprintf(`{"version":1,"children":[{"name":"Cuc","birthYear":%d,"accounts":["cuc"]}],"help":[{"name":"Bà","number":"0901"}]}`, year-9)},
		{P, "POST /v1/grant", "", "", `{"child":"An","kind":"screen","addSec":600}`},
		{C, "POST /v1/grant", "", "", `{"kind":"games","addSec":600,"code":"123456"}`},
		{C, "GET /v1/requests", "", "status=pending", ""},
		{C, "POST /v1/requests", "", "", `{"kind":"screen","addSec":600,"reason":"homework"}`},
		{P, "POST /v1/requests/{id}/answer", "1", "", `{"approve":true,"addSec":300}`},
		{P, "GET /v1/usage", "", "child=An&from=2025-03-01&to=2025-03-05&by=app", ""},
		{C, "GET /v1/sessions", "", "from=2025-03-01", ""},
		{P, "GET /v1/events", "", "since=2h&child=An", ""},
		{P, "GET /v1/apps", "", "child=An&days=7", ""},
		{P, "GET /v1/code", "", "", ""},
		{P, "POST /v1/code", "", "", ""},
		{C, "POST /v1/heartbeat", "", "", `{"session":"c2","idleSec":3,"locked":false,"forePid":1234,"fullscreen":true}`},
		{P, "POST /v1/action", "", "", `{"child":"An","action":"pause-games"}`},
		{P, "GET /v1/export", "", "child=An", ""},
		{P, "POST /v1/erase", "", "", `{"child":"Cuc"}`},
		{P, "GET /v1/settings", "", "", ""},
		{P, "PUT /v1/settings", "", "", `{"detailRetentionDays":30,"rollupRetentionDays":365,"language":"vi","help":[{"name":"Bà","number":"0901"}]}`},
		{P, "GET /v1/installed", "", "", ""},
	}
}

// FuzzRoutes sends random requests, mostly shaped by the route table, as
// random callers: nothing panics, every answer is JSON below 500, and no
// caller gets a 2xx from a route above their role.
func FuzzRoutes(f *testing.F) {
	w := &fuzzWorld{hs: newHarness(f, options{}), pin: testPIN}
	routes := w.hs.h.Routes()
	index := map[string]int{}
	for i, rt := range routes {
		index[rt.Pattern] = i
	}
	for _, s := range fuzzSeeds() {
		i, ok := index[s.pattern]
		if !ok {
			f.Fatalf("seed for %s: no such route", s.pattern)
		}
		f.Add(s.role, uint8(i), "", s.seg, s.query, "", []byte(s.body), "Content-Type: application/json")
	}
	f.Add(uint8(3), uint8(len(routes)+3), "GET", "", "", "/v1//status/../health", []byte(nil), "Origin: http://evil.example")

	f.Fuzz(func(t *testing.T, role, route uint8, method, seg, query, rawPath string, body []byte, headers string) {
		hs := w.hs
		who := fuzzCallers[int(role)%len(fuzzCallers)]

		// The request: a route's pattern with the segment and query
		// fuzzed, or (now and then) a raw path.
		var path string
		if n := int(route) % (len(routes) + 4); n < len(routes) {
			m, p, _ := strings.Cut(routes[n].Pattern, " ")
			if method == "" {
				method = m
			}
			p = strings.ReplaceAll(p, "{name}", url.PathEscape(seg))
			path = strings.ReplaceAll(p, "{id}", url.PathEscape(seg))
		} else {
			if method == "" {
				method = "GET"
			}
			path = rawPath
			if !strings.HasPrefix(path, "/") {
				path = "/" + path
			}
		}
		if query != "" {
			path += "?" + query
		}
		req, err := http.NewRequest(method, "http://kidtimed.local"+path, bytes.NewReader(body))
		if err != nil || method == http.MethodConnect || !validRequestURI(req.URL.RequestURI()) || len(headers) > 16<<10 {
			// The client refuses it, or would send a request line or
			// headers that net/http's server answers itself (400, 431,
			// in plain text) before the API sees them.
			return
		}
		for _, line := range strings.Split(headers, "\n") {
			name, value, ok := strings.Cut(line, ":")
			value = strings.TrimSpace(value)
			if ok && validHeader(name, value) {
				req.Header.Add(name, value)
			}
		}
		if who.c.token {
			req.Header.Set("Authorization", "Bearer "+hs.token)
		}

		r, err := hs.send(who.c, req)
		if p := hs.panicked.Load(); p != nil {
			t.Fatalf("%s %s as %s: %s", method, path, who.role, *p)
		}
		if err != nil {
			t.Fatalf("%s %s as %s: no answer: %v", method, path, who.role, err)
		}
		last := hs.last.Load()
		if r.Status >= 500 && r.Status != http.StatusServiceUnavailable {
			t.Errorf("%s %s as %s (body %q): %s", method, path, who.role, body, r)
		}
		// Known (reported): net/http's ServeMux answers a path that is not
		// clean (//, /./, /../) with its own redirect in HTML before
		// api.Server can answer in JSON.
		cleaning := r.Status/100 == 3 && pathpkg.Clean(req.URL.Path) != req.URL.Path
		if method != http.MethodHead && !cleaning {
			if !json.Valid(r.Body) || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%s %s as %s: not a JSON answer: %d %q (Content-Type %q)", method, path, who.role, r.Status, r.Body, r.Header.Get("Content-Type"))
			}
		}
		if r.Status/100 == 2 {
			switch {
			case last == nil:
				t.Errorf("%s %s as %s: %d without reaching a handler", method, path, who.role, r.Status)
			case !api.Allows(who.role, last.RouteRole) || roleRank(last.CallerRole) > roleRank(who.role):
				t.Errorf("%s %s as %s: %d from %s, which needs %s (the caller was taken for %s)", method, path, who.role, r.Status, last.Pattern, last.RouteRole, last.CallerRole)
			}
		}

		// Keep the world usable for the next input.
		if last != nil && last.Pattern == "POST /v1/pin" && r.Status == http.StatusOK {
			var cp apitype.ChangePINRequest
			if err := json.Unmarshal(body, &cp); err != nil {
				t.Fatalf("a PIN change accepted a body json refuses: %v", err)
			}
			w.pin = cp.New
		}
		w.repair(t)
	})
}
