package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/agent/ipc"
)

// The test binary re-executes itself under another uid to call the server
// with that uid's credentials (SO_PEERCRED is set by the kernel).
const (
	helperEnv       = "KT_API_HELPER"
	helperSocketEnv = "KT_API_HELPER_SOCKET"
)

func TestMain(m *testing.M) {
	if cmd := os.Getenv(helperEnv); cmd != "" {
		os.Exit(helper(cmd, os.Getenv(helperSocketEnv)))
	}
	os.Exit(m.Run())
}

func helper(cmd, socket string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := &client.Client{Socket: socket}
	var out any
	var err error
	switch cmd {
	case "health":
		out, err = c.Health(ctx)
	case "setup":
		out, err = c.Setup(ctx, "246810")
	case "children":
		out, err = c.Children(ctx)
	case "status":
		out, err = c.Status(ctx)
	}
	if err != nil {
		var ae *client.APIError
		if !errors.As(err, &ae) {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		out = ae
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
	return 0
}

const parentToken = "parent-token"

// server serves a small route table with one route per role on a real
// socket; childUID is the uid the identifier calls a child.
type server struct {
	socket   string
	dir      string
	childUID uint32
	handled  atomic.Int32
}

func startServer(t *testing.T) *server {
	t.Helper()
	dir := ostest.WorldDir(t)
	s := &server{socket: filepath.Join(dir, "api.sock"), dir: dir, childUID: ostest.FreeUID(t)}
	count := func(h api.Handler) api.Handler {
		return func(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
			s.handled.Add(1)
			return h(ctx, c, r)
		}
	}
	routes := []api.Route{
		{Pattern: "GET " + apitype.RouteHealth, Role: apitype.RoleOther, Handle: count(func(_ context.Context, c *api.Caller, _ *http.Request) (any, error) {
			return apitype.Health{OK: true, Role: c.Role, User: c.Peer.Username}, nil
		})},
		{Pattern: "GET " + apitype.RouteStatus, Role: apitype.RoleChild, Handle: count(func(_ context.Context, c *api.Caller, _ *http.Request) (any, error) {
			return apitype.Status{Role: c.Role, Children: []apitype.ChildStatus{{Name: c.Child}}}, nil
		})},
		{Pattern: "POST " + apitype.RouteSetup, Role: apitype.RoleAdmin, Handle: count(func(_ context.Context, _ *api.Caller, r *http.Request) (any, error) {
			var req apitype.SetupRequest
			if err := api.Decode(r, &req); err != nil {
				return nil, err
			}
			if req.PIN == "000000" {
				return nil, api.RateLimited(1500*time.Millisecond, "too many wrong PINs")
			}
			return apitype.LoginResponse{Token: parentToken}, nil
		})},
		{Pattern: "GET " + apitype.RouteChildren, Role: apitype.RoleParent, Handle: count(func(context.Context, *api.Caller, *http.Request) (any, error) {
			return []apitype.Child{{Name: "An"}}, nil
		})},
		{Pattern: "POST " + apitype.RouteChildren, Role: apitype.RoleParent, Handle: count(func(_ context.Context, _ *api.Caller, r *http.Request) (any, error) {
			var req apitype.AddChildRequest
			if err := api.Decode(r, &req); err != nil {
				return nil, err
			}
			switch req.Name {
			case "An":
				return nil, api.Conflict("a child named %q exists", req.Name)
			case "":
				return nil, api.BadRequest("name", "the child's name is missing")
			case "boom":
				return nil, errors.New("disk on fire")
			}
			return apitype.Child{Name: req.Name}, nil
		})},
		{Pattern: "GET " + apitype.RouteCode, Role: apitype.RoleParent, Handle: count(func(context.Context, *api.Caller, *http.Request) (any, error) {
			return nil, api.NotFound("no code")
		})},
		{Pattern: "POST " + apitype.RouteErase, Role: apitype.RoleParent, Handle: count(func(context.Context, *api.Caller, *http.Request) (any, error) {
			return nil, nil // apitype.OK
		})},
	}
	identify := func(_ context.Context, p ipc.Peer, token string) api.Caller {
		c := api.Caller{Peer: p, Token: token, Role: apitype.RoleOther}
		switch {
		case p.IsAdmin:
			c.Role = apitype.RoleAdmin
		case token == parentToken:
			c.Role = apitype.RoleParent
		case p.UID == s.childUID:
			c.Role, c.Child = apitype.RoleChild, "An"
		}
		return c
	}
	srv := api.New(routes, identify, slog.New(slog.NewTextHandler(io.Discard, nil)))
	l, err := ipc.Listen(s.socket)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s
}

// raw sends a request over the socket with a plain HTTP client.
func (s *server) raw(t *testing.T, method, path, body string, hdr map[string]string) (int, apitype.Error, http.Header) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return ipc.Dial(ctx, s.socket)
	}}}
	req, err := http.NewRequest(method, "http://kidtimed.local"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e apitype.Error
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: %d with Content-Type %q; want JSON", method, path, resp.StatusCode, ct)
		}
		if err := json.Unmarshal(b, &e); err != nil || e.Error == "" || e.Code == "" {
			t.Errorf("%s %s: %d with body %q; want a JSON error with a sentence and a code", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode, e, resp.Header
}

func TestRefusedRequests(t *testing.T) {
	s := startServer(t)
	cases := []struct {
		sentence     string
		method, path string
		body         string
		hdr          map[string]string
		status       int
		code, field  string
	}{
		{"a request from a web page (Origin) is refused before any route", "GET", apitype.RouteHealth, "",
			map[string]string{"Origin": "http://evil.example"}, 403, apitype.CodeNotAllowed, ""},
		{"a request from a web page (Referer) is refused even for an admin route", "POST", apitype.RouteSetup, `{"pin":"246810"}`,
			map[string]string{"Referer": "http://evil.example/page"}, 403, apitype.CodeNotAllowed, ""},
		{"an unknown route is a JSON 404", "GET", "/v1/nope", "", nil, 404, apitype.CodeNotFound, ""},
		{"an unknown field is refused and named", "POST", apitype.RouteSetup, `{"pin":"246810","colour":"red"}`, nil, 400, apitype.CodeBadRequest, "colour"},
		{"an empty body is refused", "POST", apitype.RouteSetup, "", nil, 400, apitype.CodeBadRequest, ""},
		{"trailing data after the object is refused", "POST", apitype.RouteSetup, `{"pin":"246810"} {"pin":"1"}`, nil, 400, apitype.CodeBadRequest, ""},
		{"a field of the wrong type is named", "POST", apitype.RouteSetup, `{"pin":246810}`, nil, 400, apitype.CodeBadRequest, "pin"},
		{"a body over 4 MiB is refused", "POST", apitype.RouteSetup, `{"pin":"` + strings.Repeat("1", 5<<20) + `"}`, nil, 400, apitype.CodeBadRequest, ""},
		{"a handler's own error is a 500 with the internal code", "POST", apitype.RouteChildren, `{"name":"boom"}`,
			map[string]string{"Authorization": "Bearer " + parentToken}, 500, apitype.CodeInternal, ""},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			before := s.handled.Load()
			status, e, _ := s.raw(t, tc.method, tc.path, tc.body, tc.hdr)
			if status != tc.status || e.Code != tc.code || e.Field != tc.field {
				t.Errorf("%d %+v; want %d %s on field %q", status, e, tc.status, tc.code, tc.field)
			}
			if tc.hdr["Origin"] != "" || tc.hdr["Referer"] != "" {
				if s.handled.Load() != before {
					t.Error("a handler ran for a browser-originated request")
				}
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	s := startServer(t)
	status, e, h := s.raw(t, "POST", apitype.RouteSetup, `{"pin":"000000"}`, nil)
	if status != 429 || e.Code != apitype.CodeRateLimited || e.RetryAfterSec != 2 || h.Get("Retry-After") != "2" {
		t.Errorf("%d %+v Retry-After %q; want 429 rate_limited, 2 s (1.5 s rounded up)", status, e, h.Get("Retry-After"))
	}
}

func TestClientAgainstServer(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := &client.Client{Socket: s.socket}
	h, err := c.Health(ctx)
	if err != nil || h.Role != apitype.RoleAdmin {
		t.Fatalf("health as root: %+v %v; want admin", h, err)
	}
	if _, err := c.Setup(ctx, "246810"); err != nil || c.Token != parentToken {
		t.Fatalf("setup: %v, token %q; want the token kept", err, c.Token)
	}
	cases := []struct {
		sentence string
		call     func() error
		status   int
		code     string
		field    string
		message  string
	}{
		{"a conflict comes back as an APIError with its code", func() error {
			_, err := c.AddChild(ctx, apitype.AddChildRequest{Name: "An"})
			return err
		}, 409, apitype.CodeConflict, "", `a child named "An" exists`},
		{"a bad request names its field", func() error {
			_, err := c.AddChild(ctx, apitype.AddChildRequest{})
			return err
		}, 400, apitype.CodeBadRequest, "name", "the child's name is missing"},
		{"a not-found keeps its message", func() error {
			_, err := c.Code(ctx)
			return err
		}, 404, apitype.CodeNotFound, "", "no code"},
		{"a rate limit tells when to retry", func() error {
			_, err := c.Setup(ctx, "000000")
			return err
		}, 429, apitype.CodeRateLimited, "", "too many wrong PINs"},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			err := tc.call()
			var ae *client.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T); want an *APIError", err, err)
			}
			if ae.Status != tc.status || ae.Code != tc.code || ae.Field != tc.field || ae.Message != tc.message {
				t.Errorf("%+v; want %d %s field %q message %q", ae, tc.status, tc.code, tc.field, tc.message)
			}
			if !client.IsCode(fmt.Errorf("wrapped: %w", err), tc.code) {
				t.Error("IsCode does not see through wrapping")
			}
			if client.IsCode(err, apitype.CodeInternal) {
				t.Error("IsCode matched another code")
			}
			if tc.code == apitype.CodeRateLimited && ae.RetryAfterSec < 1 {
				t.Errorf("RetryAfterSec = %d", ae.RetryAfterSec)
			}
		})
	}
	if err := c.Erase(ctx, "An"); err != nil {
		t.Errorf("a handler returning nil answers ok: %v", err)
	}
}

// Callers other than root, identified by the kernel: a child may call child
// routes and nothing above; anyone else only the open ones.
func TestRolesOfOtherUsers(t *testing.T) {
	ostest.NeedRoot(t)
	s := startServer(t)
	bin := ostest.HelperBinary(t, s.dir)
	stranger := ostest.FreeUID(t)
	cases := []struct {
		sentence string
		uid      uint32
		cmd      string
		code     string // "" = allowed
		role     string
	}{
		{"anyone may check health", stranger, "health", "", apitype.RoleOther},
		{"a stranger may not call a child route", stranger, "status", apitype.CodeNotAllowed, ""},
		{"a child may call a child route", s.childUID, "status", "", apitype.RoleChild},
		{"a child may not call a parent route", s.childUID, "children", apitype.CodeNotAllowed, ""},
		{"a child may not call an admin route", s.childUID, "setup", apitype.CodeNotAllowed, ""},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			before := s.handled.Load()
			out, errb, code := ostest.RunAs(t, tc.uid, tc.uid, bin, helperEnv+"="+tc.cmd, helperSocketEnv+"="+s.socket)
			if code != 0 {
				t.Fatalf("helper: exit %d\n%s", code, errb)
			}
			var got struct {
				Code, Message, Role string
				Status              int
				Children            []apitype.ChildStatus
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("helper said %q: %v", out, err)
			}
			if got.Code != tc.code {
				t.Fatalf("code %q (%s); want %q", got.Code, got.Message, tc.code)
			}
			if tc.code != "" {
				if got.Status != 403 {
					t.Errorf("status %d; want 403", got.Status)
				}
				if s.handled.Load() != before {
					t.Error("the handler ran for a caller without the role")
				}
				if tc.cmd == "children" && !strings.Contains(got.Message, "PIN") {
					t.Errorf("refusal of a parent route %q does not say to log in with the PIN", got.Message)
				}
				return
			}
			if got.Role != tc.role {
				t.Errorf("role %q; want %q", got.Role, tc.role)
			}
		})
	}
}

func TestAllows(t *testing.T) {
	roles := []string{apitype.RoleOther, apitype.RoleChild, apitype.RoleParent, apitype.RoleAdmin}
	for ci, caller := range roles {
		for ri, route := range roles {
			if got, want := api.Allows(caller, route), ci >= ri; got != want {
				t.Errorf("Allows(%s, %s) = %v; want %v", caller, route, got, want)
			}
		}
	}
	if api.Allows("", apitype.RoleChild) || api.Allows("bogus", apitype.RoleParent) {
		t.Error("an unknown role was allowed more than other")
	}
}

func TestDecode(t *testing.T) {
	type body struct {
		PIN   string `json:"pin"`
		Count int    `json:"count"`
	}
	cases := []struct {
		sentence string
		in       string
		field    string
		ok       bool
	}{
		{"a well-formed object is read", `{"pin":"1","count":2}`, "", true},
		{"an unknown field is named", `{"pin":"1","extra":true}`, "extra", false},
		{"an empty body is an error", ``, "", false},
		{"trailing data is an error", `{"pin":"1"}{}`, "", false},
		{"a wrong type names the field", `{"count":"two"}`, "count", false},
		{"broken JSON is an error", `{"pin":`, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			var v body
			err := api.Decode(httptest.NewRequest("POST", "/", strings.NewReader(tc.in)), &v)
			if tc.ok {
				if err != nil || v.PIN != "1" || v.Count != 2 {
					t.Errorf("Decode = %+v, %v", v, err)
				}
				return
			}
			var ae *api.Error
			if !errors.As(err, &ae) || ae.Status != 400 || ae.Body.Code != apitype.CodeBadRequest || ae.Body.Field != tc.field || ae.Body.Error == "" {
				t.Errorf("Decode error %#v; want a 400 naming field %q", err, tc.field)
			}
		})
	}
}
