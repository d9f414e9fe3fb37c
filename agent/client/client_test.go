package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/ipc"
)

// testSocket is where a test's server listens: a socket file in the test's
// folder, or on Windows a named pipe of that name no other test uses.
func testSocket(t *testing.T, name string) string {
	if runtime.GOOS == "windows" {
		return fmt.Sprintf(`\\.\pipe\kidtime-client-test-%d-%d-%s`, os.Getpid(), socketSeq.Add(1), name)
	}
	return filepath.Join(t.TempDir(), name)
}

var socketSeq atomic.Int32

// stub is a plain HTTP server on a real socket that answers from a table
// and records what it was sent.
type stub struct {
	socket string
	mu     sync.Mutex
	auth   []string
	bodies []string
}

func startStub(t *testing.T) *stub {
	t.Helper()
	s := &stub{socket: testSocket(t, "stub.sock")}
	l, err := ipc.Listen(s.socket)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+apitype.RouteLogin, func(w http.ResponseWriter, r *http.Request) {
		var req apitype.LoginRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		if req.PIN != "246810" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(403)
			_ = json.NewEncoder(w).Encode(apitype.Error{Error: "wrong PIN", Code: apitype.CodeNotAllowed})
			return
		}
		_ = json.NewEncoder(w).Encode(apitype.LoginResponse{Token: "tok-1", Expires: time.Now().Add(time.Hour)})
	})
	mux.HandleFunc("GET "+apitype.RouteChildren, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		_ = json.NewEncoder(w).Encode([]apitype.Child{{Name: "An", BirthYear: 2014}})
	})
	mux.HandleFunc("GET "+apitype.RouteHealth, func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "bad gateway", http.StatusBadGateway) // not JSON
	})
	mux.HandleFunc("GET "+apitype.RouteStatus, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("{not json"))
	})
	mux.HandleFunc("POST "+apitype.RouteGrant, func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		_ = json.NewDecoder(r.Body).Decode(&req)
		b, _ := json.Marshal(req)
		s.mu.Lock()
		s.bodies = append(s.bodies, string(b)+" "+r.Header.Get("Content-Type"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_ = json.NewEncoder(w).Encode(apitype.Error{Error: "addSec: 0 is not between 1 and 43200 seconds", Field: "addSec", Code: apitype.CodeBadRequest})
	})
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(l) }()
	t.Cleanup(func() { _ = hs.Close() })
	return s
}

func TestClientErrors(t *testing.T) {
	s := startStub(t)
	ctx := context.Background()
	c := &client.Client{Socket: s.socket}
	cases := []struct {
		sentence string
		call     func() error
		apiErr   bool
		status   int
		code     string
		text     string // what Error() says
	}{
		{"a JSON error fills the APIError", func() error { _, err := c.Login(ctx, "111111"); return err },
			true, 403, apitype.CodeNotAllowed, "wrong PIN"},
		{"a field already named in the message is not repeated", func() error {
			return c.Grant(ctx, apitype.GrantRequest{Child: "An", Kind: apitype.KindGames})
		}, true, 400, apitype.CodeBadRequest, "addSec: 0 is not between 1 and 43200 seconds"},
		{"an error that is not JSON still becomes an APIError naming the route", func() error { _, err := c.Health(ctx); return err },
			true, 502, apitype.CodeInternal, "GET /v1/health: 502 Bad Gateway"},
		{"a success that is not JSON is a decoding error, not an APIError", func() error { _, err := c.Status(ctx); return err },
			false, 0, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("no error")
			}
			var ae *client.APIError
			if errors.As(err, &ae) != tc.apiErr {
				t.Fatalf("error %v (%T); want APIError %v", err, err, tc.apiErr)
			}
			if !tc.apiErr {
				return
			}
			if ae.Status != tc.status || ae.Code != tc.code || err.Error() != tc.text {
				t.Errorf("%+v says %q; want %d %s %q", ae, err.Error(), tc.status, tc.code, tc.text)
			}
		})
	}
}

func TestClientTokenAndZeroValue(t *testing.T) {
	s := startStub(t)
	t.Setenv(ipc.EnvSocket, s.socket)
	var c client.Client // the zero value dials $KIDTIME_SOCKET
	ctx := context.Background()
	if _, err := c.Children(ctx); err != nil {
		t.Fatalf("children before login: %v", err)
	}
	if r, err := c.Login(ctx, "246810"); err != nil || r.Token != "tok-1" || c.Token != "tok-1" {
		t.Fatalf("login: %+v %v, kept %q", r, err, c.Token)
	}
	ch, err := c.Children(ctx)
	if err != nil || len(ch) != 1 || ch[0].Name != "An" {
		t.Fatalf("children: %+v %v", ch, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.auth) != 2 || s.auth[0] != "" || s.auth[1] != "Bearer tok-1" {
		t.Errorf("Authorization headers sent: %q; want none, then the token", s.auth)
	}
}

func TestClientSendsJSON(t *testing.T) {
	s := startStub(t)
	c := &client.Client{Socket: s.socket}
	_ = c.Grant(context.Background(), apitype.GrantRequest{Child: "An", Kind: apitype.KindGames, AddSec: 5})
	s.mu.Lock()
	defer s.mu.Unlock()
	want := `{"addSec":5,"child":"An","kind":"games"} application/json`
	if len(s.bodies) != 1 || s.bodies[0] != want {
		t.Errorf("sent %q; want %q", s.bodies, want)
	}
}

func TestClientNoDaemon(t *testing.T) {
	c := &client.Client{Socket: testSocket(t, "none.sock"), Timeout: 2 * time.Second}
	_, err := c.Health(context.Background())
	var ae *client.APIError
	if err == nil || errors.As(err, &ae) {
		t.Fatalf("error %v; want a connection error, not an APIError", err)
	}
}

func TestIsCode(t *testing.T) {
	ae := &client.APIError{Status: 409, Code: apitype.CodeConflict, Message: "already answered"}
	cases := []struct {
		sentence string
		err      error
		code     string
		want     bool
	}{
		{"the code of an APIError matches", ae, apitype.CodeConflict, true},
		{"a wrapped APIError matches", fmt.Errorf("answer: %w", ae), apitype.CodeConflict, true},
		{"another code does not match", ae, apitype.CodeNotFound, false},
		{"a plain error has no code", errors.New("conflict"), apitype.CodeConflict, false},
		{"nil has no code", nil, apitype.CodeConflict, false},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			if got := client.IsCode(tc.err, tc.code); got != tc.want {
				t.Errorf("IsCode = %v; want %v", got, tc.want)
			}
		})
	}
}

func TestAPIErrorText(t *testing.T) {
	cases := []struct {
		sentence string
		err      client.APIError
		want     string
	}{
		{"a message with no field is said as is", client.APIError{Message: "wrong PIN"}, "wrong PIN"},
		{"a field is put before the message", client.APIError{Message: "must be positive", Field: "addSec"}, "addSec: must be positive"},
		{"a field the message starts with is not repeated", client.APIError{Message: "addSec must be positive", Field: "addSec"}, "addSec must be positive"},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("%q; want %q", got, tc.want)
			}
		})
	}
}
