package hub

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/ipc"
)

// The hub's local admin socket: the same plumbing as the daemon's
// (agent/api over agent/ipc), its own small route table. Roles come from
// the caller's account: administrators of the machine (and the hub's own
// account) may invite, list, remove and publish; anyone may ask health.

// DefaultSocket is the hub's socket: $KIDTIME_HUB_SOCKET, else the OS's.
func DefaultSocket() string {
	p, _ := apitype.HubSocket()
	return p
}

// EnvSocket overrides the hub socket's path.
const EnvSocket = apitype.EnvHubSocket

// Version is reported by the hub's health route.
var Version = "0.1.0"

// Identify gives a hub caller its role.
func Identify(_ context.Context, p ipc.Peer, token string) api.Caller {
	c := api.Caller{Peer: p, Token: token, Role: apitype.RoleOther}
	if p.IsAdmin || (p.UID == uint32(os.Getuid()) && p.UID != ^uint32(0)) {
		c.Role = apitype.RoleAdmin
	}
	return c
}

// Routes is the hub socket's route table.
func (h *Hub) Routes() []api.Route {
	A, O := apitype.RoleAdmin, apitype.RoleOther
	return []api.Route{
		{Pattern: "GET " + apitype.RouteHealth, Role: O, Handle: h.health},
		{Pattern: "POST " + apitype.RouteHubInvites, Role: A, Handle: h.invite},
		{Pattern: "GET " + apitype.RouteHubPCs, Role: A, Handle: h.pcs},
		{Pattern: "DELETE " + apitype.RouteHubPCs + "/{name}", Role: A, Handle: h.remove},
		{Pattern: "PUT " + apitype.RouteHubPolicy, Role: A, Handle: h.publish},
		{Pattern: "GET " + apitype.RouteHubReport, Role: A, Handle: h.reportRoute},
	}
}

// Serve answers the hub socket on l until ctx ends.
func (h *Hub) Serve(ctx context.Context, l net.Listener, log *slog.Logger) error {
	return api.New(h.Routes(), Identify, log).Serve(ctx, l)
}

func (h *Hub) health(_ context.Context, c *api.Caller, _ *http.Request) (any, error) {
	return apitype.Health{OK: true, Version: Version, Now: h.cfg.Now(), Role: c.Role, User: c.Peer.Username, Setup: true}, nil
}

func (h *Hub) invite(_ context.Context, _ *api.Caller, r *http.Request) (any, error) {
	var in apitype.HubInviteRequest
	if err := api.Decode(r, &in); err != nil {
		return nil, err
	}
	if in.ExpiresSec == 0 {
		in.ExpiresSec = 24 * 3600
	}
	t, err := h.Invite(in.Name, time.Duration(in.ExpiresSec)*time.Second, in.Hub)
	if err != nil {
		return nil, err
	}
	return apitype.HubInvite{Token: t.String(), Expires: t.Expires, Hub: t.Hub, Kind: h.kind}, nil
}

func (h *Hub) pcs(ctx context.Context, _ *api.Caller, _ *http.Request) (any, error) {
	pcs, err := h.PCs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]apitype.HubPC, 0, len(pcs))
	for _, p := range pcs {
		out = append(out, apitype.HubPC{Name: p.Name, OS: p.OS, Version: p.Version, Online: p.Online, LastSeen: p.LastSeen,
			ChildrenToday: p.ChildrenToday, Tamper7d: p.Tamper7d})
	}
	return out, nil
}

func (h *Hub) remove(ctx context.Context, _ *api.Caller, r *http.Request) (any, error) {
	return nil, h.Remove(ctx, r.PathValue("name"))
}

func (h *Hub) publish(ctx context.Context, _ *api.Caller, r *http.Request) (any, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, api.BadRequest("", "read the policy: %v", err)
	}
	p, err := h.Publish(ctx, b)
	if err != nil {
		return nil, err
	}
	return apitype.HubPublished{OK: true, Seq: p.Seq, KeyID: p.KeyID, SignedAt: p.SignedAt}, nil
}
