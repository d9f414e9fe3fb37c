package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/rules"
)

func (h *Handlers) accounts(ctx context.Context, _ *api.Caller, _ *http.Request) (any, error) {
	accs, err := h.b.Family().Accounts()
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	f := h.b.PolicyFile()
	out := []apitype.Account{}
	for _, acc := range accs {
		x := apitype.Account{Name: acc.Name, FullName: acc.FullName, UID: acc.UID, Admin: acc.Admin}
		for _, ch := range f.Children {
			if !ch.Claims(acc.Name) {
				continue
			}
			if h.b.Family().HeldByDefault(ctx, ch.Name) {
				x.DefaultProfile = true
			} else {
				x.Child = ch.Name
			}
		}
		out = append(out, x)
	}
	return out, nil
}

// newAccount makes a standard OS account for a child, as root (useradd,
// NetUserAdd); only an administrator of the machine may.
func (h *Handlers) newAccount(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.NewAccountRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	acc, err := h.b.Family().CreateAccount(ctx, actor(c), facts.NewAccount{Name: req.Name, FullName: req.FullName, Password: req.Password})
	if err != nil {
		return nil, err
	}
	return apitype.Account{Name: acc.Name, FullName: acc.FullName, UID: acc.UID, Admin: acc.Admin}, nil
}

func (h *Handlers) children(ctx context.Context, _ *api.Caller, _ *http.Request) (any, error) {
	recs, err := h.b.Store().Children(ctx)
	if err != nil {
		return nil, err
	}
	now := h.b.Now()
	out := []apitype.Child{}
	fam := h.familyChildren()
	for _, r := range recs {
		out = append(out, apitype.Child{Name: r.Name, BirthYear: r.BirthYear, Accounts: r.Accounts, Age: rules.AgeIn(r.BirthYear, now),
			DefaultProfile: h.b.Family().HeldByDefault(ctx, r.Name), PCs: fam[r.Name].PCs})
		delete(fam, r.Name)
	}
	// The family's children known only on its other PCs (a family hub).
	for _, cs := range sortedFamily(fam) {
		out = append(out, apitype.Child{Name: cs.Name, Accounts: []string{}, Age: cs.Age, Elsewhere: true, PCs: cs.PCs})
	}
	return out, nil
}

func (h *Handlers) addChild(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.AddChildRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	spec := rules.Child{Name: req.Name, BirthYear: req.BirthYear, Accounts: req.Accounts}
	spec.Preset = req.Preset
	rec, err := h.b.Family().AddChild(ctx, actor(c), spec)
	if err != nil {
		return nil, err
	}
	if err := h.b.Reload(ctx); err != nil {
		return nil, err
	}
	return apitype.Child{Name: rec.Name, BirthYear: rec.BirthYear, Accounts: rec.Accounts, Age: rules.AgeIn(rec.BirthYear, h.b.Now())}, nil
}

func (h *Handlers) removeChild(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	return nil, h.eraseChild(ctx, c, r.PathValue("name"), "child_removed")
}

func (h *Handlers) erase(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.EraseRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	return nil, h.eraseChild(ctx, c, req.Child, "child_erased")
}

// eraseChild erases a child and their data (the legal right of a child's
// data; a school key does not forbid it) and tells the log.
func (h *Handlers) eraseChild(ctx context.Context, c *api.Caller, name, kind string) error {
	if err := h.b.Store().Erase(ctx, name); err != nil {
		return err
	}
	h.b.Record(ctx, "", kind, map[string]any{"child": name, "by": c.Peer.Username})
	if err := h.b.Family().ChildrenChanged(ctx, c.Peer.Username); err != nil {
		return err
	}
	return h.b.Reload(ctx)
}

func (h *Handlers) childPolicy(_ context.Context, c *api.Caller, r *http.Request) (any, error) {
	name := r.PathValue("name")
	if c.Role == apitype.RoleChild && !strings.EqualFold(name, c.Child) {
		return nil, api.Forbidden("a child may read only their own rules").Keyed("err.child.ownOnly", nil)
	}
	spec, _, ok := h.b.Rules(name)
	if !ok {
		return nil, h.noChild(name)
	}
	return spec, nil
}

// decodeChildSpec reads a rules.Child strictly, through the rules codec.
func decodeChildSpec(r *http.Request) (rules.Child, error) {
	var raw json.RawMessage
	if err := api.Decode(r, &raw); err != nil {
		return rules.Child{}, err
	}
	f, err := rules.ParseFile([]byte(`{"version":1,"children":[` + string(raw) + `]}`))
	if err != nil {
		e := api.BadRequest(family.FieldOf(err, "children[0]."), "%v", strings.ReplaceAll(err.Error(), "children[0].", ""))
		var fe *rules.FieldError
		if errors.As(err, &fe) {
			key, args := fe.MessageKey()
			args["field"] = strings.TrimPrefix(args["field"], "children[0].")
			e.Keyed(key, args)
		}
		return rules.Child{}, e
	}
	return f.Children[0], nil
}

func (h *Handlers) setChildPolicy(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	name := r.PathValue("name")
	old, _, ok := h.b.Rules(name)
	if !ok {
		return nil, h.noChild(name)
	}
	if err := h.b.Family().GuardEdit(ctx, actor(c), "child policy", old.Name); err != nil {
		return nil, err
	}
	spec, err := decodeChildSpec(r)
	if err != nil {
		return nil, err
	}
	if err := h.b.Family().SetRules(ctx, actor(c), old, spec); err != nil {
		return nil, err
	}
	return nil, h.b.Reload(ctx)
}

func (h *Handlers) policy(context.Context, *api.Caller, *http.Request) (any, error) {
	f := h.b.PolicyFile()
	b, err := rules.EncodeFile(&f)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(b), nil
}

// setPolicy imports a policy file, plain or signed: while a school key is
// trusted, only a policy that key signed (or, for an administrator with
// ?rekey=1, a new key) replaces the one in force.
func (h *Handlers) setPolicy(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	rekey, err := rekeyParam(r)
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := api.Decode(r, &raw); err != nil {
		return nil, err
	}
	if err := h.b.Family().Import(ctx, actor(c), raw, rekey); err != nil {
		return nil, err
	}
	return nil, h.b.Reload(ctx)
}

// rekeyParam reads ?rekey=1.
func rekeyParam(r *http.Request) (bool, error) {
	switch v := r.URL.Query().Get("rekey"); v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	default:
		return false, api.BadRequest("rekey", "%q is not 1 or 0", v)
	}
}

func (h *Handlers) export(ctx context.Context, _ *api.Caller, r *http.Request) (any, error) {
	b, err := h.b.Store().Export(ctx, r.URL.Query().Get("child"))
	if err != nil {
		return nil, err
	}
	return json.RawMessage(b), nil
}

// sortedFamily are the family's children by name.
func sortedFamily(fam map[string]apitype.ChildStatus) []apitype.ChildStatus {
	out := make([]apitype.ChildStatus, 0, len(fam))
	for _, cs := range fam {
		out = append(out, cs)
	}
	slices.SortFunc(out, func(a, b apitype.ChildStatus) int { return strings.Compare(a.Name, b.Name) })
	return out
}
