// Package api serves kidtimed's local API: HTTP with JSON bodies over the
// socket of agent/ipc.
//
// It is the plumbing only: one route table in which every route names the
// least role allowed to call it; the caller's identity comes from the OS
// (agent/ipc.PeerOf) on each connection, and the role from the Identify
// function the agent supplies. The check runs before any handler. Requests
// carrying Origin or Referer (a web page trying to reach the socket through
// a browser) are refused. Every error is a JSON apitype.Error with a 4xx/5xx
// status naming what was wrong.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/ipc"
)

// Caller is who is calling, as the OS and the daemon see it.
type Caller struct {
	Peer  ipc.Peer
	Role  string // apitype.Role*
	Child string // the child whose account this is, when Role is child
	Token string // the bearer token presented, if any
}

// rank orders roles; a route's role is the least rank allowed.
func rank(role string) int {
	switch role {
	case apitype.RoleAdmin:
		return 3
	case apitype.RoleParent:
		return 2
	case apitype.RoleChild:
		return 1
	default:
		return 0
	}
}

// Allows reports whether a caller of this role may call a route that needs
// the given role. A child route is open to parents and admins as well; the
// handler narrows what a child sees to their own data.
func Allows(callerRole, routeRole string) bool {
	if routeRole == apitype.RoleChild && callerRole == apitype.RoleOther {
		return false
	}
	return rank(callerRole) >= rank(routeRole)
}

// Handler handles one route for an identified, permitted caller. It returns
// the value to encode as JSON (nil for apitype.OK), or an error (an *Error
// for a chosen status; anything else is a 500).
type Handler func(ctx context.Context, c *Caller, r *http.Request) (any, error)

// Route is one entry of the route table.
type Route struct {
	Pattern string // a net/http pattern with method, e.g. "GET /v1/status"
	Role    string // the least role allowed
	Handle  Handler
	// MaxBody is the largest request body the route reads (4 MB when 0).
	MaxBody int64
}

// Identifier turns an OS peer and a presented bearer token into a Caller.
type Identifier func(ctx context.Context, p ipc.Peer, token string) Caller

// Error is an error with an HTTP status and a wire body.
type Error struct {
	Status int
	Body   apitype.Error
}

func (e *Error) Error() string {
	if e.Body.Field != "" {
		return e.Body.Field + ": " + e.Body.Error
	}
	return e.Body.Error
}

// KeyedError is an error that names its sentence in the translations, such
// as rules.DurationError: the key and the arguments of apitype.Error.
type KeyedError interface {
	error
	MessageKey() (key string, args map[string]string)
}

// Keyed gives e the message key and arguments clients translate (see
// apitype.Error); it returns e. A "field" argument defaults to e's field.
func (e *Error) Keyed(key string, args map[string]string) *Error {
	e.Body.Key = key
	if e.Body.Field != "" {
		if args == nil {
			args = map[string]string{}
		}
		if _, ok := args["field"]; !ok {
			args["field"] = e.Body.Field
		}
	}
	e.Body.Args = args
	return e
}

// StatusError is an error that knows its status and its sentence, such as
// a hub's refusal (agent/hub/wire.Error): the API answers with them.
type StatusError interface {
	KeyedError
	HTTPStatus() int
}

// FromStatus is a StatusError as an API error; a "field" argument names
// the field.
func FromStatus(se StatusError) *Error {
	key, args := se.MessageKey()
	st := se.HTTPStatus()
	code := map[int]string{http.StatusForbidden: apitype.CodeNotAllowed, http.StatusNotFound: apitype.CodeNotFound,
		http.StatusConflict: apitype.CodeConflict, http.StatusTooManyRequests: apitype.CodeRateLimited}[st]
	switch {
	case code != "":
	case st >= 500:
		code = apitype.CodeInternal
	default:
		code = apitype.CodeBadRequest
	}
	e := &Error{Status: st, Body: apitype.Error{Error: se.Error(), Field: args["field"], Code: code}}
	return e.Keyed(key, args)
}

// BadRequest is a 400 naming the field at fault.
func BadRequest(field, format string, args ...any) *Error {
	return &Error{http.StatusBadRequest, apitype.Error{Error: fmt.Sprintf(format, args...), Field: field, Code: apitype.CodeBadRequest}}
}

// NotFound is a 404.
func NotFound(format string, args ...any) *Error {
	return &Error{http.StatusNotFound, apitype.Error{Error: fmt.Sprintf(format, args...), Code: apitype.CodeNotFound}}
}

// Forbidden is a 403.
func Forbidden(format string, args ...any) *Error {
	return &Error{http.StatusForbidden, apitype.Error{Error: fmt.Sprintf(format, args...), Code: apitype.CodeNotAllowed}}
}

// Conflict is a 409.
func Conflict(format string, args ...any) *Error {
	return &Error{http.StatusConflict, apitype.Error{Error: fmt.Sprintf(format, args...), Code: apitype.CodeConflict}}
}

// RateLimited is a 429 telling when to try again.
func RateLimited(wait time.Duration, format string, args ...any) *Error {
	sec := int64((wait + time.Second - 1) / time.Second)
	e := &Error{http.StatusTooManyRequests, apitype.Error{Error: fmt.Sprintf(format, args...), Code: apitype.CodeRateLimited, RetryAfterSec: sec}}
	return e.Keyed("err.rateLimited", map[string]string{"waitSec": fmt.Sprint(sec)})
}

// Server serves the route table.
type Server struct {
	mux      *http.ServeMux
	identify Identifier
	log      *slog.Logger

	// Flooded, when set, hears of an account whose connections are
	// refused over the caps (every 10 s at most while it goes on).
	Flooded func(uid uint32, refused int)
}

type ctxKey struct{}

// New builds a server from a route table. It panics on a duplicate or
// malformed pattern (a programming error caught by any test).
func New(routes []Route, identify Identifier, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{mux: http.NewServeMux(), identify: identify, log: log}
	for _, rt := range routes {
		s.mux.Handle(rt.Pattern, s.wrap(rt))
	}
	return s
}

// Serve answers connections from l until ctx ends.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	// No account may hold more than its share of connections (limit.go).
	l = limitWith(l, DefaultTotal, DefaultPerCaller, s.log, s.Flooded)
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 3 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       30 * time.Second, // the companion speaks every 5 s
		MaxHeaderBytes:    64 << 10,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			p, err := ipc.PeerOf(c)
			if err != nil {
				s.log.Warn("caller identity unknown; treated as other", "err", err)
				p = ipc.Peer{UID: ^uint32(0)}
			}
			return context.WithValue(ctx, ctxKey{}, p)
		},
		BaseContext: func(net.Listener) context.Context { return ctx },
		ErrorLog:    slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		return nil
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve api: %w", err)
	}
}

// ServeHTTP refuses browser-originated requests, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") != "" || r.Header.Get("Referer") != "" {
		WriteError(w, Forbidden("requests from web pages are refused").Keyed("err.web", nil))
		return
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// An unclean path (//, /./, /../) would get the mux's HTML redirect: it
	// is no route of ours.
	if _, pattern := s.mux.Handler(r); pattern == "" || path.Clean(r.URL.Path) != r.URL.Path {
		WriteError(w, NotFound("no such route: %s %s", r.Method, r.URL.Path).Keyed("err.route", nil))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// PeerFrom returns the OS identity attached to a request's connection.
func PeerFrom(ctx context.Context) (ipc.Peer, bool) {
	p, ok := ctx.Value(ctxKey{}).(ipc.Peer)
	return p, ok
}

func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, ok := PeerFrom(r.Context())
		if !ok {
			peer = ipc.Peer{UID: ^uint32(0)}
		}
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		c := s.identify(r.Context(), peer, token)
		if !Allows(c.Role, rt.Role) {
			s.log.Info("api: refused", "route", rt.Pattern, "uid", peer.UID, "user", peer.Username, "role", c.Role, "needs", rt.Role)
			msg := fmt.Sprintf("%s needs the %s role; you are %s", rt.Pattern, rt.Role, c.Role)
			if rt.Role == apitype.RoleParent && c.Role != apitype.RoleParent {
				msg += " (log in with the parent PIN first)"
			}
			key := "err.role"
			if rt.Role == apitype.RoleParent && c.Role != apitype.RoleParent {
				key = "err.role.parent"
			}
			WriteError(w, Forbidden("%s", msg).Keyed(key, map[string]string{"role": c.Role, "need": rt.Role}))
			return
		}
		limit := int64(4 << 20)
		if rt.MaxBody > 0 {
			limit = rt.MaxBody
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		out, err := rt.Handle(r.Context(), &c, r)
		if err != nil {
			var ae *Error
			var se StatusError
			if !errors.As(err, &ae) && errors.As(err, &se) {
				ae = FromStatus(se)
			}
			if ae == nil {
				s.log.Error("api: handler failed", "route", rt.Pattern, "err", err)
				ae = &Error{http.StatusInternalServerError, apitype.Error{Error: err.Error(), Code: apitype.CodeInternal}}
			}
			WriteError(w, ae)
			return
		}
		if out == nil {
			out = apitype.OK{OK: true}
		}
		if raw, ok := out.(json.RawMessage); ok {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(raw)
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// Decode reads a JSON body strictly: unknown fields and trailing data are
// errors naming what was wrong.
func Decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		var mbe *http.MaxBytesError
		var ke KeyedError
		switch {
		case errors.Is(err, io.EOF):
			return BadRequest("", "empty request body; a JSON object is expected").Keyed("err.json", nil)
		case errors.As(err, &ute):
			return BadRequest(ute.Field, "%s must be a %s, not %s", ute.Field, ute.Type, ute.Value).Keyed("err.field", nil)
		case errors.As(err, &mbe):
			return BadRequest("", "request body over %d bytes", mbe.Limit)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return BadRequest(f, "unknown field %q", f).Keyed("err.json", nil)
		case errors.As(err, &ke):
			key, args := ke.MessageKey()
			return BadRequest("", "%v", err).Keyed(key, args)
		default:
			return BadRequest("", "bad JSON: %v", err).Keyed("err.json", nil)
		}
	}
	// Nothing may follow the value, not even a stray bracket (dec.More
	// says false before a ']' or '}').
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return BadRequest("", "trailing data after the JSON object")
	}
	return nil
}

// WriteError writes an *Error as JSON.
func WriteError(w http.ResponseWriter, e *Error) {
	if e.Body.RetryAfterSec > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(e.Body.RetryAfterSec))
	}
	writeJSON(w, e.Status, e.Body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
