package localapi

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
)

// The PC's side of a hub (issue 13): join, leave, forward a signed policy,
// and the hub's line of the status. A backend that has no hub link (the
// tests' fakes) answers 404 on these routes and leaves the status without
// a hub.

// HubLink is what the handlers need of the PC's link to its hub.
type HubLink interface {
	// Status is the hub joined, nil when none.
	Status() *apitype.HubStatus
	// Join enrols with the hub a token names.
	Join(ctx context.Context, token, name string) (apitype.HubStatus, error)
	// Leave leaves the hub.
	Leave(ctx context.Context) error
	// Forward sends a signed policy for the hub to publish.
	Forward(ctx context.Context, raw []byte) (apitype.HubPublished, error)
}

// HubBackend is a Backend with a hub link.
type HubBackend interface {
	Hub() HubLink
}

func (h *Handlers) hubLink() (HubLink, error) {
	hb, ok := h.b.(HubBackend)
	if !ok || hb.Hub() == nil {
		return nil, api.NotFound("this daemon has no hub link").Keyed("err.route", nil)
	}
	return hb.Hub(), nil
}

func (h *Handlers) hubStatus() *apitype.HubStatus {
	if hb, ok := h.b.(HubBackend); ok && hb.Hub() != nil {
		return hb.Hub().Status()
	}
	return nil
}

func (h *Handlers) join(ctx context.Context, _ *api.Caller, r *http.Request) (any, error) {
	var req apitype.JoinRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	req.Token = strings.TrimSpace(req.Token)
	if req.Token == "" {
		return nil, api.BadRequest("token", "the enrolment token is missing (kidtime hub invite on the hub makes one)").Keyed("err.hub.tokenBad", map[string]string{"reason": "missing"})
	}
	hl, err := h.hubLink()
	if err != nil {
		return nil, err
	}
	return hl.Join(ctx, req.Token, strings.TrimSpace(req.Name))
}

func (h *Handlers) leave(ctx context.Context, _ *api.Caller, _ *http.Request) (any, error) {
	hl, err := h.hubLink()
	if err != nil {
		return nil, err
	}
	return nil, hl.Leave(ctx)
}

func (h *Handlers) forwardPolicy(ctx context.Context, _ *api.Caller, r *http.Request) (any, error) {
	hl, err := h.hubLink()
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, api.BadRequest("", "read the policy: %v", err)
	}
	return hl.Forward(ctx, b)
}

// TamperKind reports whether events of this kind are tamper signals.
func TamperKind(kind string) bool { return tamperKinds[kind] }

// FamilyLink is the family's side of a hub link (issue 13): the requests
// asked on the family's other PCs, answered from here, and the parent's
// key, derived from the PIN when a parent types it here.
type FamilyLink interface {
	// FamilyRequests are the other PCs' requests (numbers of their own).
	FamilyRequests(ctx context.Context, child, status string) []apitype.Request
	// AnswerFamily answers one; handled is false for a local number.
	AnswerFamily(ctx context.Context, id int64, approve bool, addSec int64, by string) (r apitype.Request, handled bool, err error)
	// ParentPIN is told the PIN a parent just typed, and until when the
	// login holds.
	ParentPIN(ctx context.Context, pin string, until time.Time)
	// ParentLogout is told a parent logged out.
	ParentLogout()
	// RequestsChanged is told a child asked.
	RequestsChanged()
}

func (h *Handlers) family() FamilyLink {
	hb, ok := h.b.(HubBackend)
	if !ok || hb.Hub() == nil {
		return nil
	}
	f, _ := hb.Hub().(FamilyLink)
	return f
}

// parentPIN tells the family link a PIN a parent just typed.
func (h *Handlers) parentPIN(ctx context.Context, pin string, until time.Time) {
	if f := h.family(); f != nil {
		f.ParentPIN(ctx, pin, until)
	}
}

// FamilyChildren is a hub link that knows the children the family's other
// PCs reported (a family hub, issue 13).
type FamilyChildren interface {
	// FamilyChildren are the children the other PCs reported for day,
	// with the sums of their day there (StateElsewhere, PCs, PerApp).
	FamilyChildren(day string) []apitype.ChildStatus
}

// familyChildren are the children of the family's other PCs today, by
// name (nil without a family hub).
func (h *Handlers) familyChildren() map[string]apitype.ChildStatus {
	hb, ok := h.b.(HubBackend)
	if !ok || hb.Hub() == nil {
		return nil
	}
	f, ok := hb.Hub().(FamilyChildren)
	if !ok {
		return nil
	}
	var out map[string]apitype.ChildStatus
	for _, cs := range f.FamilyChildren(dayOf(h.b.Now())) {
		if out == nil {
			out = map[string]apitype.ChildStatus{}
		}
		out[cs.Name] = cs
	}
	return out
}

// noChild is the error for a child this PC does not know: one known on
// the family's other PCs is named with them (their rules are set there).
func (h *Handlers) noChild(name string) error {
	if cs, ok := h.familyChildren()[name]; ok {
		pcs := strings.Join(cs.PCs, ", ")
		return api.Conflict("%s is a child of the family's other PCs (%s), not of this one: their rules and time are set there", name, pcs).
			Keyed("err.child.elsewhere", map[string]string{"name": name, "pcs": pcs})
	}
	return notFoundChild(name)
}
