package localapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/auth"
	"github.com/kidtime/kidtime/rules"
)

func (h *Handlers) health(ctx context.Context, c *api.Caller, _ *http.Request) (any, error) {
	return apitype.Health{OK: true, Version: Version, Now: h.b.Now(), Role: c.Role, User: c.Peer.Username, Setup: h.b.Auth().PINSet(ctx)}, nil
}

// helpContacts are the policy's help contacts, always with the national
// child-protection hotline 111 first.
func helpContacts(f rules.File) []apitype.Contact {
	var out []apitype.Contact
	has111 := false
	for _, c := range f.HelpContacts() {
		out = append(out, apitype.Contact{Name: c.Name, Number: c.Number})
		has111 = has111 || c.Number == "111"
	}
	if !has111 {
		out = append([]apitype.Contact{{Name: rules.DefaultHelp[0].Name, Number: "111", Note: "free, 24/7"}}, out...)
	}
	return out
}

func (h *Handlers) status(ctx context.Context, c *api.Caller, _ *http.Request) (any, error) {
	now := h.b.Now()
	s := apitype.Status{Now: now, Day: dayOf(now), Role: c.Role, User: c.Peer.Username, Setup: h.b.Auth().PINSet(ctx),
		Help: helpContacts(h.b.PolicyFile()), Children: []apitype.ChildStatus{}, SchoolKey: h.b.Family().SchoolKeyID(ctx),
		ParentCode: h.b.Auth().CodeSetUp(ctx), Hub: h.hubStatus()}
	var states []ChildState
	switch {
	case isParent(c):
		states = h.b.Statuses("")
		if rs, err := h.b.Store().Requests(ctx, "", apitype.StatusPending); err == nil {
			s.Pending = len(rs)
		}
	case c.Role == apitype.RoleChild:
		states = h.b.Statuses(c.Child)
	}
	var fam map[string]apitype.ChildStatus
	if isParent(c) {
		fam = h.familyChildren()
	}
	for _, cs := range states {
		x := childStatus(cs, now)
		if f, ok := fam[x.Name]; ok {
			x.PCs = f.PCs
			delete(fam, x.Name)
		}
		s.Children = append(s.Children, x)
	}
	// A parent sees the family's children known only on its other PCs.
	s.Children = append(s.Children, sortedFamily(fam)...)
	return s, nil
}

func (h *Handlers) setup(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.SetupRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	tok, exp, err := h.b.Auth().Setup(ctx, who(c), req.PIN)
	if err != nil {
		return nil, err
	}
	h.parentPIN(ctx, req.PIN, exp)
	// No login account is left unmanaged from now on: every one no child
	// claims is held to a default profile (the youngest child's rules).
	if err := h.b.Family().EnsureDefault(ctx, c.Peer.Username); err != nil {
		return nil, err
	}
	if err := h.b.Reload(ctx); err != nil {
		return nil, err
	}
	return apitype.LoginResponse{Token: tok, Expires: exp}, nil
}

func (h *Handlers) login(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.LoginRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	if req.PIN == "" {
		return nil, api.BadRequest("pin", "the PIN is missing").Keyed("err.pin.missing", nil)
	}
	// An account the default profile merely holds may be a grown-up's: the
	// PIN proves it, and releases the account for good. A child a parent
	// named never logs in (a token kept in their account would be theirs
	// to use).
	released := c.Role == apitype.RoleChild && h.b.Family().HeldByDefault(ctx, c.Child)
	if c.Role == apitype.RoleChild && !released {
		return nil, api.Forbidden("parents log in from their own account; on a child's session, give time with the parent code or the PIN in the companion").Keyed("err.login.childAccount", nil)
	}
	tok, exp, err := h.b.Auth().Login(ctx, who(c), req.PIN)
	if err != nil {
		return nil, err
	}
	h.parentPIN(ctx, req.PIN, exp)
	if released {
		if err := h.b.Family().ReleaseParent(ctx, c.Peer.Username, c.Peer.Username); err != nil {
			return nil, err
		}
		if err := h.b.Reload(ctx); err != nil {
			return nil, err
		}
	}
	return apitype.LoginResponse{Token: tok, Expires: exp}, nil
}

// logout revokes the caller's parent token.
func (h *Handlers) logout(_ context.Context, c *api.Caller, _ *http.Request) (any, error) {
	if c.Token != "" {
		h.b.Auth().Logout(c.Token)
		if f := h.family(); f != nil {
			f.ParentLogout()
		}
	}
	return nil, nil
}

func (h *Handlers) changePIN(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.ChangePINRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	err := h.b.Auth().ChangePIN(ctx, who(c), req.Old, req.New)
	var pe *auth.InvalidPINError
	if errors.As(err, &pe) {
		return nil, api.BadRequest("new", "%v", pe.Err).Keyed("err.pin.invalid", map[string]string{"reason": pe.Err.Error()})
	}
	if err == nil {
		h.parentPIN(ctx, req.New, time.Time{}) // the family key follows; no login comes of it
	}
	return nil, err
}

func (h *Handlers) code(ctx context.Context, _ *api.Caller, _ *http.Request) (any, error) {
	code, valid, err := h.b.Auth().Code(ctx)
	if err != nil {
		return nil, err
	}
	return apitype.Code{Code: code, ValidUntil: valid}, nil
}

func (h *Handlers) newCode(ctx context.Context, c *api.Caller, _ *http.Request) (any, error) {
	secret, url, err := h.b.Auth().NewCode(ctx)
	if err != nil {
		return nil, err
	}
	h.b.Record(ctx, "", "code_reset", map[string]any{"by": c.Peer.Username})
	return apitype.CodeSetup{Secret: secret, URL: url}, nil
}
