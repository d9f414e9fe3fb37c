// Package localapi holds the local API's handlers: one route table, each
// route naming the least role that may call it (checked by agent/api
// before the handler runs), each handler decoding and checking its input,
// then asking the backend. The backend is the running agent, reached
// through the one interface declared here (tailscale's split between
// ipn/localapi and its LocalBackend).
package localapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/auth"
	"github.com/kidtime/kidtime/agent/enforce"
	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/agent/ipc"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// Backend is what the handlers need from the agent. The stored facts are
// reached through the store, the parent's secrets through the auth guard,
// the children's rules through the family; the rest is the running state.
type Backend interface {
	// Now is the trusted time, in the local zone.
	Now() time.Time
	Store() *store.Store
	Auth() *auth.Guard
	Family() *family.Family

	// ChildOf names the child whose account uid is.
	ChildOf(uid uint32) (string, bool)
	// Rules are a child's rules in force and today's policy from them.
	Rules(child string) (rules.Child, rules.Policy, bool)
	// PolicyFile is the whole policy in force (children, default profile,
	// help contacts).
	PolicyFile() rules.File
	// Statuses are the children's states now (one child's when child is
	// not ""), sorted by name.
	Statuses(child string) []ChildState
	// Heartbeat records the companion's heartbeat from uid's session.
	Heartbeat(ctx context.Context, uid uint32, hb monitor.Heartbeat) (ChildState, error)

	// Reload re-reads the children after a change of the family.
	Reload(ctx context.Context) error
	// Refresh re-reads a child's day after a grant or an answer.
	Refresh(ctx context.Context, child string) error
	// PauseGames pauses (or resumes) a child's games for the day.
	PauseGames(ctx context.Context, child string, pause bool, by string) error
	// LockNow locks a child's session once (enforce.ErrCannotLock).
	LockNow(ctx context.Context, child, by string) error
	// Flush writes what was counted in the last seconds.
	Flush(ctx context.Context) error
	// Record appends an event to the log.
	Record(ctx context.Context, child, kind string, detail map[string]any)
}

// ErrNotChild is returned by Backend.Heartbeat for an account that is no
// child's.
var ErrNotChild = errors.New("this account is not a child's")

// Version is the daemon's version, reported by the health route.
var Version = "0.1.0"

// Handlers are the local API's handlers over a backend.
type Handlers struct {
	b   Backend
	log *slog.Logger
}

// New returns the handlers of b.
func New(b Backend, log *slog.Logger) *Handlers {
	if log == nil {
		log = slog.Default()
	}
	return &Handlers{b: b, log: log}
}

// Identify gives a caller its role (DESIGN.md §7): an administrator of the
// machine or the daemon's own account; a parent with a live token of their
// own account; the child whose account it is; anyone else is other.
func (h *Handlers) Identify(_ context.Context, p ipc.Peer, token string) api.Caller {
	c := api.Caller{Peer: p, Token: token, Role: apitype.RoleOther}
	switch {
	case p.IsAdmin || (p.UID == uint32(os.Getuid()) && p.UID != ^uint32(0)):
		c.Role = apitype.RoleAdmin
	case token != "" && h.b.Auth().Parent(token, p.UID):
		c.Role = apitype.RoleParent
	default:
		if child, ok := h.b.ChildOf(p.UID); ok {
			c.Role, c.Child = apitype.RoleChild, child
		}
	}
	return c
}

// Routes is the route table.
func (h *Handlers) Routes() []api.Route {
	P, C, O, A := apitype.RoleParent, apitype.RoleChild, apitype.RoleOther, apitype.RoleAdmin
	rs := []api.Route{
		{Pattern: "GET " + apitype.RouteHealth, Role: O, Handle: h.health},
		{Pattern: "GET " + apitype.RouteStatus, Role: O, Handle: h.status},
		{Pattern: "POST " + apitype.RouteSetup, Role: A, Handle: h.setup},
		{Pattern: "POST " + apitype.RouteLogin, Role: O, Handle: h.login},
		{Pattern: "DELETE " + apitype.RouteLogin, Role: O, Handle: h.logout},
		{Pattern: "POST " + apitype.RoutePIN, Role: P, Handle: h.changePIN},
		{Pattern: "GET " + apitype.RouteAccounts, Role: P, Handle: h.accounts},
		{Pattern: "POST " + apitype.RouteAccounts, Role: A, Handle: h.newAccount},
		{Pattern: "GET " + apitype.RouteChildren, Role: P, Handle: h.children},
		{Pattern: "POST " + apitype.RouteChildren, Role: P, Handle: h.addChild},
		{Pattern: "DELETE " + apitype.RouteChild + "{name}", Role: P, Handle: h.removeChild},
		{Pattern: "GET " + apitype.RouteChild + "{name}/policy", Role: C, Handle: h.childPolicy},
		{Pattern: "PUT " + apitype.RouteChild + "{name}/policy", Role: P, Handle: h.setChildPolicy},
		{Pattern: "GET " + apitype.RoutePolicy, Role: P, Handle: h.policy},
		{Pattern: "PUT " + apitype.RoutePolicy, Role: P, Handle: h.setPolicy},
		{Pattern: "POST " + apitype.RouteGrant, Role: C, Handle: h.grant},
		{Pattern: "GET " + apitype.RouteRequests, Role: C, Handle: h.requests},
		{Pattern: "POST " + apitype.RouteRequests, Role: C, Handle: h.ask},
		{Pattern: "POST " + apitype.RouteAnswer + "{id}/answer", Role: P, Handle: h.answer},
		{Pattern: "GET " + apitype.RouteUsage, Role: C, Handle: h.usage},
		{Pattern: "GET " + apitype.RouteSessions, Role: C, Handle: h.sessions},
		{Pattern: "GET " + apitype.RouteEvents, Role: P, Handle: h.events},
		{Pattern: "GET " + apitype.RouteApps, Role: P, Handle: h.apps},
		{Pattern: "GET " + apitype.RouteCode, Role: P, Handle: h.code},
		{Pattern: "POST " + apitype.RouteCode, Role: P, Handle: h.newCode},
		{Pattern: "POST " + apitype.RouteHeartbeat, Role: C, Handle: h.heartbeat},
		{Pattern: "POST " + apitype.RouteAction, Role: P, Handle: h.action},
		{Pattern: "GET " + apitype.RouteExport, Role: P, Handle: h.export},
		{Pattern: "POST " + apitype.RouteErase, Role: P, Handle: h.erase},
		{Pattern: "GET " + apitype.RouteSettings, Role: P, Handle: h.settings},
		{Pattern: "PUT " + apitype.RouteSettings, Role: P, Handle: h.setSettings},
		{Pattern: "GET " + apitype.RouteInstalled, Role: P, Handle: h.installed},
		{Pattern: "POST " + apitype.RouteJoin, Role: A, Handle: h.join},
		{Pattern: "DELETE " + apitype.RouteJoin, Role: A, Handle: h.leave},
		{Pattern: "PUT " + apitype.RouteHubPolicy, Role: A, Handle: h.forwardPolicy},
	}
	rs = append(rs, h.webRoutes()...)
	rs = append(rs, h.helpRoutes()...)
	for i := range rs {
		rs[i].Handle = wrap(rs[i].Handle)
	}
	return rs
}

// isParent: parents and admins.
func isParent(c *api.Caller) bool {
	return c.Role == apitype.RoleParent || c.Role == apitype.RoleAdmin
}

// actor is the caller as the family sees them.
func actor(c *api.Caller) family.Actor {
	return family.Actor{User: c.Peer.Username, UID: c.Peer.UID, Admin: c.Role == apitype.RoleAdmin, Role: c.Role}
}

// who is the caller as the auth guard sees them.
func who(c *api.Caller) auth.Who {
	return auth.Who{UID: c.Peer.UID, User: c.Peer.Username, Child: c.Child}
}

// apiErr turns the backend's errors into the API's: bad input names its
// field (400), a refusal is 403, a wait 429, a missing thing 404, a clash
// 409; anything else is the daemon's fault (500). Each carries the key of
// its sentence (apitype.Error.Key) when there is one: see errors.go.
func apiErr(err error) error {
	e := apiErrOf(err)
	var ae *api.Error
	if !errors.As(e, &ae) || ae.Body.Key != "" {
		return e
	}
	if key, args := keyOf(err); key != "" {
		ae.Keyed(key, args)
	}
	return ae
}

func apiErrOf(err error) error {
	var (
		ae  *api.Error
		fe  *family.FieldError
		re  *family.RefusedError
		ve  *store.ValidationError
		we  *auth.WaitError
		pe  *auth.InvalidPINError
		rej = errors.Is
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &fe):
		return api.BadRequest(fe.Field, "%s", fe.Reason)
	case errors.As(err, &re):
		return api.Forbidden("%s", re.Msg)
	case errors.As(err, &we):
		return api.RateLimited(we.Wait, "%s", we.Error())
	case errors.As(err, &pe):
		return api.BadRequest("pin", "%v", pe.Err)
	case rej(err, auth.ErrWrongPIN), rej(err, auth.ErrWrongCode):
		return api.Forbidden("%v", err)
	case rej(err, auth.ErrNoPIN), rej(err, auth.ErrPINSet), rej(err, auth.ErrNoCode), rej(err, enforce.ErrCannotLock):
		return api.Conflict("%v", err)
	case rej(err, ErrNotChild):
		return api.Forbidden("%v", err)
	case errors.As(err, &ve):
		if errors.Is(err, store.ErrNotFound) {
			return api.NotFound("%s", ve.Error())
		}
		return api.BadRequest(ve.Field, "%s", ve.Reason)
	case rej(err, store.ErrNotFound):
		return api.NotFound("%v", err)
	case rej(err, store.ErrConflict), rej(err, store.ErrAlreadyAnswered), rej(err, errors.ErrUnsupported):
		return api.Conflict("%v", err)
	}
	return err
}

// wrap makes every handler's errors API errors.
func wrap(f api.Handler) api.Handler {
	return func(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
		out, err := f(ctx, c, r)
		return out, apiErr(err)
	}
}

func dayOf(t time.Time) string { return t.Format(time.DateOnly) }
