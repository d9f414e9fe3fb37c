package localapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/agent/store"
)

// kindOf maps the API's kind to the store's.
func kindOf(field, k string) (store.Kind, error) {
	switch k {
	case apitype.KindScreen, "":
		return store.KindScreen, nil
	case apitype.KindGames, "game":
		return store.KindGame, nil
	}
	return "", api.BadRequest(field, "%q is not %q or %q", k, apitype.KindScreen, apitype.KindGames)
}

func apiKind(k store.Kind) string {
	switch k {
	case store.KindGame:
		return apitype.KindGames
	case store.KindApp:
		return apitype.KindApp
	}
	return apitype.KindScreen
}

// maxGrant caps one grant or answer.
const maxGrant = 12 * time.Hour

// maxGrantOnSpot caps a grant made in the child's session with the parent
// code: what the child's session asks for is not what the parent read on
// the phone.
const maxGrantOnSpot = time.Hour

// maxAsk caps what a child may ask for at once.
const maxAsk = 4 * time.Hour

// maxIdle caps the idle time a heartbeat may report (a week).
const maxIdle = 7 * 24 * time.Hour

// secondsIn reports whether sec seconds lie between lo (in seconds) and hi,
// comparing seconds, so that a huge number cannot wrap around when made a
// time.Duration.
func secondsIn(sec, lo int64, hi time.Duration) bool {
	return sec >= lo && sec <= int64(hi/time.Second)
}

func (h *Handlers) grant(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.GrantRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	kind, err := kindOf("kind", req.Kind)
	if err != nil {
		return nil, err
	}
	if !secondsIn(req.AddSec, 1, maxGrant) {
		return nil, api.BadRequest("addSec", "%d is not between 1 and %d seconds", req.AddSec, int64(maxGrant/time.Second)).Keyed("err.amount", boundsSec(1, maxGrant))
	}
	child := req.Child
	by := c.Peer.Username
	if !isParent(c) {
		if child == "" {
			child = c.Child
		}
		if !strings.EqualFold(child, c.Child) {
			return nil, api.Forbidden("a child's session can grant time only to that child").Keyed("err.grant.otherChild", nil)
		}
		if !secondsIn(req.AddSec, 1, maxGrantOnSpot) {
			return nil, api.BadRequest("addSec", "on the child's computer a parent can give at most %d minutes at a time", int64(maxGrantOnSpot/time.Minute)).Keyed("err.grant.onSpot", boundsSec(1, maxGrantOnSpot))
		}
		switch {
		case req.Code != "":
			if err := h.b.Auth().CheckCode(ctx, who(c), req.Code); err != nil {
				return nil, err
			}
			by = "parent code"
		case req.PIN != "":
			// Whatever is typed in a child's session is the child's to
			// read (DESIGN §7): the PIN is never accepted from there.
			h.b.Record(ctx, c.Child, "pin_in_child_session", map[string]any{"user": c.Peer.Username})
			return nil, api.Forbidden("the PIN is never typed on a child's computer; use the parent code from your authenticator app").Keyed("err.pin.childSession", nil)
		default:
			return nil, api.Forbidden("granting time needs a parent: the parent code from the authenticator app").Keyed("err.grant.needsParent", nil)
		}
	}
	if _, _, ok := h.b.Rules(child); !ok {
		return nil, h.noChild(child)
	}
	rec, err := h.b.Store().Child(ctx, child)
	if err != nil {
		return nil, err
	}
	if err := h.b.Store().AddGrant(ctx, rec.Name, dayOf(h.b.Now()), kind, time.Duration(req.AddSec)*time.Second, by); err != nil {
		return nil, err
	}
	return nil, h.b.Refresh(ctx, rec.Name)
}

func toAPIRequest(r store.Request) apitype.Request {
	return apitype.Request{ID: r.ID, Child: r.Child, Kind: apiKind(r.Kind), AddSec: int64(r.Amount / time.Second), Reason: r.Reason,
		Status: r.Status, GrantedSec: int64(r.Granted / time.Second), AnsweredBy: r.AnsweredBy, Created: r.CreatedAt, Answered: r.AnsweredAt,
		App: requestApp(r)}
}

func (h *Handlers) requests(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	child := r.URL.Query().Get("child")
	if !isParent(c) {
		child = c.Child
	}
	status := r.URL.Query().Get("status")
	if !apitype.ValidStatus(status) {
		return nil, api.BadRequest("status", "%q is not %s, %s or %s", status, apitype.StatusPending, apitype.StatusApproved, apitype.StatusDenied)
	}
	rs, err := h.b.Store().Requests(ctx, child, status)
	if err != nil {
		return nil, err
	}
	out := []apitype.Request{}
	for _, x := range rs {
		out = append(out, toAPIRequest(x))
	}
	if f := h.family(); f != nil && isParent(c) {
		out = append(out, f.FamilyRequests(ctx, child, status)...) // the family's other PCs (hub.go)
	}
	return out, nil
}

// maxPending is how many requests a child may have waiting.
const maxPending = 5

func (h *Handlers) ask(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	if c.Role != apitype.RoleChild {
		return nil, api.Forbidden("only a child's account can ask for time").Keyed("err.ask.notChild", nil)
	}
	var req apitype.AskRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	kind, err := kindOf("kind", req.Kind)
	if err != nil {
		return nil, err
	}
	if !secondsIn(req.AddSec, 1, maxAsk) {
		return nil, api.BadRequest("addSec", "%d is not between 1 and %d seconds", req.AddSec, int64(maxAsk/time.Second)).Keyed("err.amount", boundsSec(1, maxAsk))
	}
	if len(req.Reason) > 500 {
		return nil, api.BadRequest("reason", "at most 500 characters").Keyed("err.tooLong", map[string]string{"max": "500"})
	}
	pending, err := h.b.Store().Requests(ctx, c.Child, apitype.StatusPending)
	if err == nil && timeRequests(pending) >= maxPending {
		return nil, api.Conflict("%d requests are already waiting for an answer", maxPending).Keyed("err.ask.full", map[string]string{"max": strconv.Itoa(maxPending)})
	}
	rq, err := h.b.Store().AddRequest(ctx, store.Request{Child: c.Child, Kind: kind, Amount: time.Duration(req.AddSec) * time.Second, Reason: req.Reason, Day: dayOf(h.b.Now())})
	if err != nil {
		return nil, err
	}
	if f := h.family(); f != nil {
		f.RequestsChanged()
	}
	return toAPIRequest(rq), nil
}

func (h *Handlers) answer(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, api.BadRequest("id", "%q is not a request number", r.PathValue("id"))
	}
	var req apitype.AnswerRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	if !secondsIn(req.AddSec, 0, maxGrant) {
		return nil, api.BadRequest("addSec", "%d is not between 0 and %d seconds", req.AddSec, int64(maxGrant/time.Second)).Keyed("err.amount", boundsSec(0, maxGrant))
	}
	if f := h.family(); f != nil {
		// A request asked on another PC of the family (hub.go).
		if out, handled, err := f.AnswerFamily(ctx, id, req.Approve, req.AddSec, c.Peer.Username); handled {
			return out, err
		}
	}
	rq, err := h.b.Store().Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := checkAppAnswer(rq, req); err != nil {
		return nil, err
	}
	granted := time.Duration(req.AddSec) * time.Second
	if granted == 0 {
		granted = rq.Amount
	}
	if !req.Approve {
		granted = 0
	}
	out, err := h.b.Store().Answer(ctx, id, req.Approve, granted, c.Peer.Username)
	if err != nil {
		return nil, err
	}
	if f := h.family(); f != nil {
		f.RequestsChanged() // the family's other PCs list it answered
	}
	if err := h.b.Refresh(ctx, out.Child); err != nil {
		return nil, err
	}
	return toAPIRequest(out), nil
}

func (h *Handlers) heartbeat(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	if c.Role != apitype.RoleChild {
		return nil, api.Forbidden("heartbeats come from a child's own session")
	}
	var hb apitype.Heartbeat
	if err := api.Decode(r, &hb); err != nil {
		return nil, err
	}
	if !secondsIn(hb.IdleSec, 0, maxIdle) {
		return nil, api.BadRequest("idleSec", "%d is not between 0 and %d seconds", hb.IdleSec, int64(maxIdle/time.Second))
	}
	if len(hb.Session) > 128 {
		return nil, api.BadRequest("session", "at most 128 bytes")
	}
	if len(hb.Display) > 128 {
		return nil, api.BadRequest("display", "at most 128 bytes")
	}
	now := h.b.Now()
	cs, err := h.b.Heartbeat(ctx, c.Peer.UID, monitor.Heartbeat{At: now, Session: hb.Session, Idle: time.Duration(hb.IdleSec) * time.Second,
		Locked: hb.Locked, ForePID: hb.ForePID, Fullscreen: hb.Fullscreen})
	if err != nil {
		return nil, err
	}
	return childStatus(cs, now), nil
}

func (h *Handlers) action(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.ActionRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	if _, _, ok := h.b.Rules(req.Child); !ok {
		return nil, h.noChild(req.Child)
	}
	switch req.Action {
	case apitype.ActionPauseGames, apitype.ActionResume:
		return nil, h.b.PauseGames(ctx, req.Child, req.Action == apitype.ActionPauseGames, c.Peer.Username)
	case apitype.ActionLock:
		return nil, h.b.LockNow(ctx, req.Child, c.Peer.Username)
	}
	return nil, api.BadRequest("action", "%q is not lock, pause-games or resume-games", req.Action)
}
