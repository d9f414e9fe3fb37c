package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/auth"
	"github.com/kidtime/kidtime/agent/ipc"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// identify gives a caller its role (DESIGN.md §7).
func (a *Agent) identify(_ context.Context, p ipc.Peer, token string) api.Caller {
	c := api.Caller{Peer: p, Token: token, Role: apitype.RoleOther}
	switch {
	case p.IsAdmin || (p.UID == uint32(os.Getuid()) && p.UID != ^uint32(0)):
		c.Role = apitype.RoleAdmin
	case token != "" && a.tokens.Check(token, p.UID):
		c.Role = apitype.RoleParent
	default:
		a.mu.Lock()
		if cs, ok := a.byUID[p.UID]; ok {
			c.Role, c.Child = apitype.RoleChild, cs.rec.Name
		}
		a.mu.Unlock()
	}
	return c
}

func (a *Agent) routes() []api.Route {
	P, C, O, A := apitype.RoleParent, apitype.RoleChild, apitype.RoleOther, apitype.RoleAdmin
	return []api.Route{
		{Pattern: "GET " + apitype.RouteHealth, Role: O, Handle: a.hHealth},
		{Pattern: "GET " + apitype.RouteStatus, Role: O, Handle: a.hStatus},
		{Pattern: "POST " + apitype.RouteSetup, Role: A, Handle: a.hSetup},
		{Pattern: "POST " + apitype.RouteLogin, Role: O, Handle: a.hLogin},
		{Pattern: "DELETE " + apitype.RouteLogin, Role: O, Handle: a.hLogout},
		{Pattern: "POST " + apitype.RoutePIN, Role: P, Handle: a.hChangePIN},
		{Pattern: "GET " + apitype.RouteAccounts, Role: P, Handle: a.hAccounts},
		{Pattern: "GET " + apitype.RouteChildren, Role: P, Handle: a.hChildren},
		{Pattern: "POST " + apitype.RouteChildren, Role: P, Handle: a.hAddChild},
		{Pattern: "DELETE " + apitype.RouteChild + "{name}", Role: P, Handle: a.hRemoveChild},
		{Pattern: "GET " + apitype.RouteChild + "{name}/policy", Role: C, Handle: a.hChildPolicy},
		{Pattern: "PUT " + apitype.RouteChild + "{name}/policy", Role: P, Handle: a.hSetChildPolicy},
		{Pattern: "GET " + apitype.RoutePolicy, Role: P, Handle: a.hPolicy},
		{Pattern: "PUT " + apitype.RoutePolicy, Role: P, Handle: a.hSetPolicy},
		{Pattern: "POST " + apitype.RouteGrant, Role: C, Handle: a.hGrant},
		{Pattern: "GET " + apitype.RouteRequests, Role: C, Handle: a.hRequests},
		{Pattern: "POST " + apitype.RouteRequests, Role: C, Handle: a.hAsk},
		{Pattern: "POST " + apitype.RouteAnswer + "{id}/answer", Role: P, Handle: a.hAnswer},
		{Pattern: "GET " + apitype.RouteUsage, Role: C, Handle: a.hUsage},
		{Pattern: "GET " + apitype.RouteSessions, Role: C, Handle: a.hSessions},
		{Pattern: "GET " + apitype.RouteEvents, Role: P, Handle: a.hEvents},
		{Pattern: "GET " + apitype.RouteApps, Role: P, Handle: a.hApps},
		{Pattern: "GET " + apitype.RouteCode, Role: P, Handle: a.hCode},
		{Pattern: "POST " + apitype.RouteCode, Role: P, Handle: a.hNewCode},
		{Pattern: "POST " + apitype.RouteHeartbeat, Role: C, Handle: a.hHeartbeat},
		{Pattern: "POST " + apitype.RouteAction, Role: P, Handle: a.hAction},
		{Pattern: "GET " + apitype.RouteExport, Role: P, Handle: a.hExport},
		{Pattern: "POST " + apitype.RouteErase, Role: P, Handle: a.hErase},
		{Pattern: "GET " + apitype.RouteSettings, Role: P, Handle: a.hSettings},
		{Pattern: "PUT " + apitype.RouteSettings, Role: P, Handle: a.hSetSettings},
	}
}

// isParent: parents and admins.
func isParent(c *api.Caller) bool {
	return c.Role == apitype.RoleParent || c.Role == apitype.RoleAdmin
}

// storeErr turns store errors into API errors.
func storeErr(err error) error {
	var ve *store.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		if errors.Is(err, store.ErrNotFound) {
			return api.NotFound("%s", ve.Error())
		}
		return api.BadRequest(ve.Field, "%s", ve.Reason)
	case errors.Is(err, store.ErrNotFound):
		return api.NotFound("%v", err)
	case errors.Is(err, store.ErrConflict):
		return api.Conflict("%v", err)
	case errors.Is(err, store.ErrAlreadyAnswered):
		return api.Conflict("%v", err)
	}
	return err
}

func (a *Agent) pinSet(ctx context.Context) bool {
	_, err := a.st.Setting(ctx, settingPIN)
	return err == nil
}

func (a *Agent) hHealth(ctx context.Context, c *api.Caller, _ *http.Request) (any, error) {
	return apitype.Health{OK: true, Version: Version, Now: a.now(), Role: c.Role, User: c.Peer.Username, Setup: a.pinSet(ctx)}, nil
}

func (a *Agent) helpContacts() []apitype.Contact {
	a.mu.Lock()
	g := a.global
	a.mu.Unlock()
	var out []apitype.Contact
	has111 := false
	for _, h := range g.HelpContacts() {
		out = append(out, apitype.Contact{Name: h.Name, Number: h.Number})
		has111 = has111 || h.Number == "111"
	}
	if !has111 {
		out = append([]apitype.Contact{{Name: rules.DefaultHelp[0].Name, Number: "111", Note: "free, 24/7"}}, out...)
	}
	return out
}

func (a *Agent) childStatus(cs *childState, now time.Time) apitype.ChildStatus {
	a.mu.Lock()
	defer a.mu.Unlock()
	dec := cs.dec
	t := a.acct.Totals(cs.rec.Name, dayOf(now))
	st := apitype.ChildStatus{
		Name: cs.rec.Name, Accounts: cs.rec.Accounts, Age: rules.AgeIn(cs.rec.BirthYear, now),
		State: dec.State.String(), Reason: string(dec.Reason), ReasonKey: dec.Reason.MessageKey(),
		Active: cs.active(), ScreenUsedSec: secs(t.Screen), GamesUsedSec: secs(t.Games),
		ScreenLeftSec: secs(dec.Screen.Left), GamesLeftSec: secs(dec.Games.Left),
		GamesPaused: cs.gamesOff, CompanionSeen: cs.witness.Heartbeat().At,
		LockRequested: now.Before(cs.lockNowUntil),
	}
	if dec.At.IsZero() {
		st.State = apitype.StateOK
	}
	if dec.State == rules.StateOK {
		// A warning about a running app (a game's last minutes) shows too.
		for _, ad := range dec.Apps {
			if ad.State == rules.StateWarn || ad.State == rules.StateGrace {
				st.State, st.Reason, st.ReasonKey = ad.State.String(), string(ad.Reason), ad.Reason.MessageKey()
				if ad.Class.Game() && ad.Left < dec.Games.Left {
					st.GamesLeftSec = secs(ad.Left)
				}
			}
		}
	}
	if cs.policyErr == nil {
		wd := now.Weekday()
		var gs, gg time.Duration
		for _, g := range cs.policy.Grants {
			gs += g.Screen
			gg += g.Games
		}
		st.ScreenLimitSec = limitSecs(cs.policy.Screen[wd], gs)
		st.GamesLimitSec = limitSecs(cs.policy.Games[wd], gg)
	}
	if dec.Screen.Left == rules.Unlimited {
		st.ScreenLeftSec = -1
	}
	if dec.Games.Left == rules.Unlimited {
		st.GamesLeftSec = -1
	}
	if !dec.Next.IsZero() {
		st.NextChange = dec.Next
	}
	if dec.State == rules.StateBlocked {
		st.BackAt = backAt(cs.policy, now)
	}
	if fore := cs.witness.Heartbeat().ForePID; fore > 0 {
		if e, ok := a.tracker.Get(fore); ok {
			st.Foreground = e.App.Name
		}
	}
	return st
}

func secs(d time.Duration) int64 {
	if d == rules.Unlimited {
		return -1
	}
	return int64(d / time.Second)
}

func limitSecs(d, grant time.Duration) int64 {
	if d == rules.Unlimited {
		return -1
	}
	return int64((d + grant) / time.Second)
}

// backAt is when screen time comes back: the next allowed window's start
// after today, or the next midnight.
func backAt(p rules.Policy, now time.Time) time.Time {
	y, m, d := now.Date()
	for i := 0; i <= 7; i++ {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, now.Location())
		for _, w := range p.Allowed[day.Weekday()] {
			start := day.Add(time.Duration(w.Start) * time.Minute)
			if start.After(now) && (i > 0 || true) && p.Screen[day.Weekday()] > 0 {
				if i == 0 {
					continue // today's budget is what blocks; time comes back tomorrow
				}
				return start
			}
		}
	}
	return time.Date(y, m, d+1, 0, 0, 0, 0, now.Location())
}

func (a *Agent) hStatus(ctx context.Context, c *api.Caller, _ *http.Request) (any, error) {
	now := a.now()
	s := apitype.Status{Now: now, Day: dayOf(now), Role: c.Role, User: c.Peer.Username, Setup: a.pinSet(ctx), Help: a.helpContacts(), Children: []apitype.ChildStatus{},
		SchoolKey: a.schoolKeyID(ctx)}
	a.mu.Lock()
	kids := make([]*childState, 0, len(a.children))
	for _, cs := range a.children {
		if isParent(c) || (c.Role == apitype.RoleChild && cs.rec.Name == c.Child) {
			kids = append(kids, cs)
		}
	}
	a.mu.Unlock()
	slices.SortFunc(kids, func(x, y *childState) int { return strings.Compare(x.rec.Name, y.rec.Name) })
	for _, cs := range kids {
		s.Children = append(s.Children, a.childStatus(cs, now))
	}
	if isParent(c) {
		if rs, err := a.st.Requests(ctx, "", "pending"); err == nil {
			s.Pending = len(rs)
		}
	}
	return s, nil
}

func (a *Agent) hSetup(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.SetupRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	if a.pinSet(ctx) {
		return nil, api.Conflict("a PIN is already set; change it with the old PIN")
	}
	if err := auth.ValidatePIN(req.PIN); err != nil {
		return nil, api.BadRequest("pin", "%v", err)
	}
	hash, err := auth.HashPIN(req.PIN)
	if err != nil {
		return nil, api.BadRequest("pin", "%v", err)
	}
	if err := a.st.SetSetting(ctx, settingPIN, []byte(hash)); err != nil {
		return nil, err
	}
	if _, err := a.st.Setting(ctx, settingTOTP); err != nil {
		if _, _, err := a.newTOTP(ctx); err != nil {
			return nil, err
		}
	}
	a.event(ctx, "", "setup", map[string]any{"by": c.Peer.Username})
	tok, exp := a.tokens.New(c.Peer.UID)
	return apitype.LoginResponse{Token: tok, Expires: exp}, nil
}

func (a *Agent) newTOTP(ctx context.Context) (secret, url string, err error) {
	host, _ := os.Hostname()
	secret, url, err = auth.NewTOTPSecret("kidtime", host)
	if err != nil {
		return "", "", err
	}
	if err := a.st.SetSetting(ctx, settingTOTP, []byte(secret)); err != nil {
		return "", "", err
	}
	return secret, url, nil
}

// checkPIN checks a PIN with the rate limiter, logging failures.
func (a *Agent) checkPIN(ctx context.Context, c *api.Caller, pin, child string) error {
	// One check at a time: guesses sent in parallel wait their turn behind
	// the limiter (and argon2's memory is needed once, not per request).
	a.authMu.Lock()
	defer a.authMu.Unlock()
	key := limiterKey(c)
	if wait, ok := a.limiter.Allow(key); !ok {
		return api.RateLimited(wait, "too many wrong PINs; try again in %s", wait.Round(time.Second))
	}
	hash, err := a.st.Setting(ctx, settingPIN)
	if err != nil {
		return api.Conflict("no PIN is set yet; run setup first")
	}
	ok, err := auth.CheckPIN(string(hash), pin)
	if err != nil {
		return fmt.Errorf("check PIN: %w", err)
	}
	if !ok {
		n, next := a.limiter.Fail(key)
		a.persistLimiter(ctx)
		a.event(ctx, child, "pin_failed", map[string]any{"user": c.Peer.Username, "uid": c.Peer.UID, "failures": n, "nextWaitSec": int64(next / time.Second)})
		return api.Forbidden("wrong PIN")
	}
	a.limiter.Success(key)
	a.persistLimiter(ctx)
	return nil
}

func (a *Agent) persistLimiter(ctx context.Context) {
	b, err := a.limiter.MarshalJSON()
	if err == nil {
		err = a.st.SetSetting(ctx, settingLimiter, b)
	}
	if err != nil {
		a.log.Error("agent: persisting the PIN limiter failed", "err", err)
	}
}

func (a *Agent) hLogin(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.LoginRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	if req.PIN == "" {
		return nil, api.BadRequest("pin", "the PIN is missing")
	}
	if c.Role == apitype.RoleChild {
		// A token kept in a child's account would be the child's to use.
		return nil, api.Forbidden("parents log in from their own account; on a child's session, give time with the parent code or the PIN in the companion")
	}
	if err := a.checkPIN(ctx, c, req.PIN, c.Child); err != nil {
		return nil, err
	}
	tok, exp := a.tokens.New(c.Peer.UID)
	a.event(ctx, "", "login", map[string]any{"user": c.Peer.Username})
	return apitype.LoginResponse{Token: tok, Expires: exp}, nil
}

func (a *Agent) hChangePIN(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.ChangePINRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	if err := a.checkPIN(ctx, c, req.Old, ""); err != nil {
		return nil, err
	}
	if err := auth.ValidatePIN(req.New); err != nil {
		return nil, api.BadRequest("new", "%v", err)
	}
	hash, err := auth.HashPIN(req.New)
	if err != nil {
		return nil, api.BadRequest("new", "%v", err)
	}
	if err := a.st.SetSetting(ctx, settingPIN, []byte(hash)); err != nil {
		return nil, err
	}
	a.tokens.RevokeAll()
	a.event(ctx, "", "pin_changed", map[string]any{"by": c.Peer.Username})
	return nil, nil
}

func (a *Agent) hAccounts(context.Context, *api.Caller, *http.Request) (any, error) {
	accs, err := a.deps.Users.List()
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	out := []apitype.Account{}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, acc := range accs {
		x := apitype.Account{Name: acc.Name, UID: acc.UID, Admin: acc.Admin}
		for _, cs := range a.children {
			if cs.spec.Claims(acc.Name) {
				x.Child = cs.rec.Name
			}
		}
		out = append(out, x)
	}
	return out, nil
}

func (a *Agent) hChildren(ctx context.Context, _ *api.Caller, _ *http.Request) (any, error) {
	recs, err := a.st.Children(ctx)
	if err != nil {
		return nil, err
	}
	now := a.now()
	out := []apitype.Child{}
	for _, r := range recs {
		out = append(out, apitype.Child{Name: r.Name, BirthYear: r.BirthYear, Accounts: r.Accounts, Age: rules.AgeIn(r.BirthYear, now)})
	}
	return out, nil
}

// checkAccounts refuses admin accounts and unknown accounts for a child.
func (a *Agent) checkAccounts(field string, accounts []string) error {
	if len(accounts) == 0 {
		return api.BadRequest(field, "a child needs at least one OS account")
	}
	for i, acc := range accounts {
		uid, err := a.deps.Users.Lookup(acc)
		if err != nil {
			return api.BadRequest(fmt.Sprintf("%s[%d]", field, i), "no OS account %q on this computer", acc)
		}
		if admin, _ := a.deps.Users.IsAdmin(uid); admin {
			return api.BadRequest(fmt.Sprintf("%s[%d]", field, i), "%q is an administrator account; a child needs a standard account", acc)
		}
	}
	return nil
}

func (a *Agent) hAddChild(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.AddChildRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	if err := a.schoolGuard(ctx, c, "add child", req.Name); err != nil {
		return nil, err
	}
	now := a.now()
	spec := rules.Child{Name: strings.TrimSpace(req.Name), BirthYear: req.BirthYear, Accounts: req.Accounts}
	spec.Preset = req.Preset
	if spec.Name == "" {
		return nil, api.BadRequest("name", "the child's name is missing")
	}
	if age := rules.AgeIn(req.BirthYear, now); req.BirthYear == 0 || age < 0 || age > 17 {
		return nil, api.BadRequest("birthYear", "%d gives an age of %d; kidtime is for children of 0 to 17", req.BirthYear, age)
	}
	if err := a.checkAccounts("accounts", req.Accounts); err != nil {
		return nil, err
	}
	if _, err := spec.Policy(now); err != nil {
		return nil, api.BadRequest("preset", "%v", err)
	}
	rec, adopted, err := a.claimDefault(ctx, spec)
	if err != nil {
		return nil, err
	}
	if !adopted {
		rec, err = a.st.AddChild(ctx, store.Child{Name: spec.Name, BirthYear: spec.BirthYear, Accounts: spec.Accounts})
		if err != nil {
			return nil, storeErr(err)
		}
	}
	if err := a.savePolicy(ctx, spec, c.Peer.Username); err != nil {
		return nil, err
	}
	a.event(ctx, rec.Name, "child_added", map[string]any{"by": c.Peer.Username, "accounts": rec.Accounts})
	if err := a.reload(ctx); err != nil {
		return nil, err
	}
	return apitype.Child{Name: rec.Name, BirthYear: rec.BirthYear, Accounts: rec.Accounts, Age: rules.AgeIn(rec.BirthYear, now)}, nil
}

func (a *Agent) savePolicy(ctx context.Context, spec rules.Child, by string) error {
	b, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("encode policy: %w", err)
	}
	if _, err := a.st.SavePolicy(ctx, spec.Name, b, by); err != nil {
		return storeErr(err)
	}
	return nil
}

func (a *Agent) hRemoveChild(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	name := r.PathValue("name")
	if err := a.st.Erase(ctx, name); err != nil {
		return nil, storeErr(err)
	}
	a.event(ctx, "", "child_removed", map[string]any{"child": name, "by": c.Peer.Username})
	return nil, a.reload(ctx)
}

func (a *Agent) childSpec(name string) (rules.Child, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, cs := range a.children {
		if strings.EqualFold(cs.rec.Name, name) {
			return cs.spec, true
		}
	}
	return rules.Child{}, false
}

func (a *Agent) hChildPolicy(_ context.Context, c *api.Caller, r *http.Request) (any, error) {
	name := r.PathValue("name")
	if c.Role == apitype.RoleChild && !strings.EqualFold(name, c.Child) {
		return nil, api.Forbidden("a child may read only their own rules")
	}
	spec, ok := a.childSpec(name)
	if !ok {
		return nil, api.NotFound("no child named %q", name)
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
		return rules.Child{}, api.BadRequest(fieldOf(err, "children[0]."), "%v", trimField(err, "children[0]."))
	}
	return f.Children[0], nil
}

// fieldOf extracts the field path of a rules error, without prefix.
func fieldOf(err error, prefix string) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i > 0 {
		return strings.TrimPrefix(msg[:i], prefix)
	}
	return ""
}

func trimField(err error, prefix string) string {
	return strings.ReplaceAll(err.Error(), prefix, "")
}

func (a *Agent) hSetChildPolicy(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	name := r.PathValue("name")
	old, ok := a.childSpec(name)
	if !ok {
		return nil, api.NotFound("no child named %q", name)
	}
	if err := a.schoolGuard(ctx, c, "child policy", old.Name); err != nil {
		return nil, err
	}
	spec, err := decodeChildSpec(r)
	if err != nil {
		return nil, err
	}
	if spec.Name == "" {
		spec.Name = old.Name
	}
	if !strings.EqualFold(spec.Name, old.Name) {
		return nil, api.BadRequest("name", "the policy is for %q, not %q", spec.Name, old.Name)
	}
	if spec.BirthYear == 0 {
		spec.BirthYear = old.BirthYear
	}
	if len(spec.Accounts) == 0 {
		spec.Accounts = old.Accounts
	}
	if err := a.checkAccounts("accounts", spec.Accounts); err != nil {
		return nil, err
	}
	if _, err := spec.Policy(a.now()); err != nil {
		return nil, api.BadRequest("", "%v", err)
	}
	rec, err := a.st.Child(ctx, old.Name)
	if err != nil {
		return nil, storeErr(err)
	}
	spec.Name = rec.Name
	if rec.BirthYear != spec.BirthYear || !slices.Equal(rec.Accounts, spec.Accounts) {
		rec.BirthYear, rec.Accounts = spec.BirthYear, spec.Accounts
		if err := a.st.UpdateChild(ctx, rec); err != nil {
			return nil, storeErr(err)
		}
	}
	if err := a.savePolicy(ctx, spec, c.Peer.Username); err != nil {
		return nil, err
	}
	if def := a.defaultAccounts(ctx); def[rec.Name] {
		delete(def, rec.Name)
		if err := a.setDefaultAccounts(ctx, def); err != nil {
			return nil, err
		}
	}
	a.event(ctx, rec.Name, "policy_changed", map[string]any{"by": c.Peer.Username})
	return nil, a.reload(ctx)
}

func (a *Agent) currentFile() rules.File {
	a.mu.Lock()
	f := rules.File{Version: rules.FileVersion, DefaultProfile: a.global.DefaultProfile, Help: a.global.Help}
	names := make([]string, 0, len(a.children))
	for n := range a.children {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f.Children = append(f.Children, a.children[n].spec)
	}
	a.mu.Unlock()
	return f
}

func (a *Agent) hPolicy(context.Context, *api.Caller, *http.Request) (any, error) {
	f := a.currentFile()
	b, err := rules.EncodeFile(&f)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(b), nil
}

// hSetPolicy imports a policy file, plain or signed (agent/signed.go):
// while a school key is trusted, only a policy that key signed (or, for an
// administrator with ?rekey=1, a new key) replaces the one in force.
func (a *Agent) hSetPolicy(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	rekey, err := rekeyParam(r)
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := api.Decode(r, &raw); err != nil {
		return nil, err
	}
	importMu.Lock()
	defer importMu.Unlock()
	body, sig, err := a.openPolicy(ctx, c, raw)
	if err != nil {
		return nil, err
	}
	if err := a.checkSigned(ctx, c, sig, rekey); err != nil {
		return nil, err
	}
	f, err := rules.ParseFile(body)
	if err != nil {
		return nil, api.BadRequest(fieldOf(err, ""), "%v", err)
	}
	if err := a.importFile(ctx, f, c.Peer.Username, sig); err != nil {
		return nil, err
	}
	return nil, nil
}

// importFile applies a whole policy file: every child in it is added or
// updated (children not in the file are kept), the default profile and
// help contacts replaced. Everything is checked before anything is written.
// A signed file's key becomes the trusted school key (the caller checked
// that it may).
func (a *Agent) importFile(ctx context.Context, f *rules.File, by string, sig *rules.Signed) error {
	now := a.now()
	for i, ch := range f.Children {
		if err := a.checkAccounts(fmt.Sprintf("children[%d].accounts", i), ch.Accounts); err != nil {
			return err
		}
		if _, err := ch.Policy(now); err != nil {
			return api.BadRequest(fmt.Sprintf("children[%d]", i), "%v", err)
		}
		if age := rules.AgeIn(ch.BirthYear, now); age > 17 {
			return api.BadRequest(fmt.Sprintf("children[%d].birthYear", i), "%d gives an age of %d; kidtime is for children of 0 to 17", ch.BirthYear, age)
		}
	}
	for _, ch := range f.Children {
		if _, adopted, err := a.claimDefault(ctx, ch); err != nil {
			return err
		} else if adopted {
			if err := a.savePolicy(ctx, ch, by); err != nil {
				return err
			}
			continue
		}
		rec, err := a.st.Child(ctx, ch.Name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if _, err := a.st.AddChild(ctx, store.Child{Name: ch.Name, BirthYear: ch.BirthYear, Accounts: ch.Accounts}); err != nil {
				return storeErr(err)
			}
		case err != nil:
			return storeErr(err)
		default:
			rec.BirthYear, rec.Accounts = ch.BirthYear, ch.Accounts
			if err := a.st.UpdateChild(ctx, rec); err != nil {
				return storeErr(err)
			}
		}
		if err := a.savePolicy(ctx, ch, by); err != nil {
			return err
		}
	}
	g := rules.File{Version: rules.FileVersion, DefaultProfile: f.DefaultProfile, Help: f.Help}
	b, err := rules.EncodeFile(&g)
	if err != nil {
		return err
	}
	if err := a.st.SetSetting(ctx, settingGlobal, b); err != nil {
		return err
	}
	if _, err := a.st.SavePolicy(ctx, "", b, by); err != nil {
		a.log.Debug("agent: global policy version not kept", "err", err)
	}
	a.event(ctx, "", "policy_imported", map[string]any{"by": by, "children": len(f.Children)})
	if sig != nil {
		if err := a.recordSigned(ctx, sig, by); err != nil {
			return err
		}
	}
	return a.reload(ctx)
}

// seedPolicy imports a preset policy file at start when none is stored.
func (a *Agent) seedPolicy(ctx context.Context, path string) error {
	if _, err := a.st.Setting(ctx, settingGlobal); err == nil {
		return nil
	}
	// A preset that cannot be applied must not stop the agent (a restart
	// loop would leave the PC unprotected): the agent runs on what it has
	// and the parent is told.
	fail := func(err error) error {
		a.log.Error("agent: preset policy not applied", "file", path, "err", err)
		a.event(ctx, "", "policy_rejected", map[string]any{"file": path, "error": err.Error()})
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fail(fmt.Errorf("read preset policy: %w", err))
	}
	// A signed preset makes its key the school key: trust on first install.
	s, signed, err := rules.OpenSignedPolicy(b)
	if err != nil {
		return fail(fmt.Errorf("preset policy %s: %w", path, err))
	}
	var sig *rules.Signed
	if signed {
		b, sig = s.Policy, &s
	}
	f, err := rules.ParseFile(b)
	if err != nil {
		return fail(fmt.Errorf("preset policy %s: %w", path, err))
	}
	importMu.Lock()
	defer importMu.Unlock()
	if err := a.importFile(ctx, f, "installer", sig); err != nil {
		return fail(fmt.Errorf("import preset policy %s: %w", path, err))
	}
	return nil
}

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
	if k == store.KindGame {
		return apitype.KindGames
	}
	return apitype.KindScreen
}

const maxGrant = 12 * time.Hour

// maxGrantOnSpot caps a grant made in the child's session with the parent
// code or the PIN.
const maxGrantOnSpot = time.Hour

func (a *Agent) hGrant(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.GrantRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	kind, err := kindOf("kind", req.Kind)
	if err != nil {
		return nil, err
	}
	if req.AddSec <= 0 || time.Duration(req.AddSec)*time.Second > maxGrant {
		return nil, api.BadRequest("addSec", "%d is not between 1 and %d seconds", req.AddSec, int64(maxGrant/time.Second))
	}
	child := req.Child
	by := c.Peer.Username
	if !isParent(c) {
		if child == "" {
			child = c.Child
		}
		if !strings.EqualFold(child, c.Child) {
			return nil, api.Forbidden("a child's session can grant time only to that child")
		}
		if time.Duration(req.AddSec)*time.Second > maxGrantOnSpot {
			// What the child's session asks for is not what the parent
			// read on the phone: on the spot, at most an hour.
			return nil, api.BadRequest("addSec", "on the child's computer a parent can give at most %d minutes at a time", int64(maxGrantOnSpot/time.Minute))
		}
		switch {
		case req.Code != "":
			if err := a.checkCode(ctx, c, req.Code); err != nil {
				return nil, err
			}
			by = "parent code"
		case req.PIN != "":
			// Whatever is typed in a child's session is the child's to
			// read (DESIGN §7): the PIN is never accepted from there.
			a.event(ctx, c.Child, "pin_in_child_session", map[string]any{"user": c.Peer.Username})
			return nil, api.Forbidden("the PIN is never typed on a child's computer; use the parent code from your authenticator app")
		default:
			return nil, api.Forbidden("granting time needs a parent: the parent code from the authenticator app")
		}
	}
	if _, ok := a.childSpec(child); !ok {
		return nil, api.NotFound("no child named %q", child)
	}
	rec, err := a.st.Child(ctx, child)
	if err != nil {
		return nil, storeErr(err)
	}
	now := a.now()
	if err := a.st.AddGrant(ctx, rec.Name, dayOf(now), kind, time.Duration(req.AddSec)*time.Second, by); err != nil {
		return nil, storeErr(err)
	}
	return nil, a.refreshChild(ctx, rec.Name)
}

// refreshChild re-resolves a child's day after a grant or pause.
func (a *Agent) refreshChild(ctx context.Context, name string) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	a.mu.Lock()
	cs, ok := a.children[name]
	a.mu.Unlock()
	if !ok {
		return nil
	}
	now := a.now()
	if err := a.prepareDay(ctx, cs, now); err != nil {
		return err
	}
	a.enf.Release(name)
	a.refreshDecision(cs, now)
	return nil
}

// limiterKey: one budget of guesses per OS account, shared by the PIN and
// the parent code.
func limiterKey(c *api.Caller) string {
	return "uid:" + strconv.FormatUint(uint64(c.Peer.UID), 10)
}

func (a *Agent) checkCode(ctx context.Context, c *api.Caller, code string) error {
	a.authMu.Lock()
	defer a.authMu.Unlock()
	key := limiterKey(c)
	if wait, ok := a.limiter.Allow(key); !ok {
		return api.RateLimited(wait, "too many wrong codes; try again in %s", wait.Round(time.Second))
	}
	secret, err := a.st.Setting(ctx, settingTOTP)
	if err != nil {
		return api.Conflict("no parent code is set up yet")
	}
	a.mu.Lock()
	last := a.lastCode
	a.mu.Unlock()
	ok, counter := auth.CheckCode(string(secret), strings.TrimSpace(code), a.now(), last)
	if !ok {
		n, _ := a.limiter.Fail(key)
		a.persistLimiter(ctx)
		a.event(ctx, c.Child, "code_failed", map[string]any{"user": c.Peer.Username, "failures": n})
		return api.Forbidden("wrong or used parent code")
	}
	a.limiter.Success(key)
	a.mu.Lock()
	a.lastCode = counter
	a.mu.Unlock()
	return nil
}

func toAPIRequest(r store.Request) apitype.Request {
	return apitype.Request{ID: r.ID, Child: r.Child, Kind: apiKind(r.Kind), AddSec: int64(r.Amount / time.Second), Reason: r.Reason,
		Status: r.Status, GrantedSec: int64(r.Granted / time.Second), AnsweredBy: r.AnsweredBy, Created: r.CreatedAt, Answered: r.AnsweredAt}
}

func (a *Agent) hRequests(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	child := r.URL.Query().Get("child")
	if !isParent(c) {
		child = c.Child
	}
	status := r.URL.Query().Get("status")
	switch status {
	case "", "pending", "approved", "denied":
	default:
		return nil, api.BadRequest("status", "%q is not pending, approved or denied", status)
	}
	rs, err := a.st.Requests(ctx, child, status)
	if err != nil {
		return nil, storeErr(err)
	}
	out := []apitype.Request{}
	for _, x := range rs {
		out = append(out, toAPIRequest(x))
	}
	return out, nil
}

func (a *Agent) hAsk(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	if c.Role != apitype.RoleChild {
		return nil, api.Forbidden("only a child's account can ask for time")
	}
	var req apitype.AskRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	kind, err := kindOf("kind", req.Kind)
	if err != nil {
		return nil, err
	}
	if req.AddSec <= 0 || time.Duration(req.AddSec)*time.Second > 4*time.Hour {
		return nil, api.BadRequest("addSec", "%d is not between 1 and %d seconds", req.AddSec, int64(4*time.Hour/time.Second))
	}
	if len(req.Reason) > 500 {
		return nil, api.BadRequest("reason", "at most 500 characters")
	}
	pending, err := a.st.Requests(ctx, c.Child, "pending")
	if err == nil && len(pending) >= 5 {
		return nil, api.Conflict("5 requests are already waiting for an answer")
	}
	now := a.now()
	rq, err := a.st.AddRequest(ctx, store.Request{Child: c.Child, Kind: kind, Amount: time.Duration(req.AddSec) * time.Second, Reason: req.Reason, Day: dayOf(now)})
	if err != nil {
		return nil, storeErr(err)
	}
	return toAPIRequest(rq), nil
}

func (a *Agent) hAnswer(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, api.BadRequest("id", "%q is not a request number", r.PathValue("id"))
	}
	var req apitype.AnswerRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	if req.AddSec < 0 || time.Duration(req.AddSec)*time.Second > maxGrant {
		return nil, api.BadRequest("addSec", "%d is not between 0 and %d seconds", req.AddSec, int64(maxGrant/time.Second))
	}
	rq, err := a.st.Request(ctx, id)
	if err != nil {
		return nil, storeErr(err)
	}
	granted := time.Duration(req.AddSec) * time.Second
	if granted == 0 {
		granted = rq.Amount
	}
	if !req.Approve {
		granted = 0
	}
	out, err := a.st.Answer(ctx, id, req.Approve, granted, c.Peer.Username)
	if err != nil {
		return nil, storeErr(err)
	}
	if err := a.refreshChild(ctx, out.Child); err != nil {
		return nil, err
	}
	return toAPIRequest(out), nil
}

func (a *Agent) hUsage(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	q := r.URL.Query()
	child := q.Get("child")
	if c.Role == apitype.RoleChild {
		if child != "" && !strings.EqualFold(child, c.Child) {
			return nil, api.Forbidden("a child may see only their own usage")
		}
		child = c.Child
	}
	if child == "" {
		return nil, api.BadRequest("child", "which child? (usage NAME)")
	}
	now := a.now()
	from, to := q.Get("from"), q.Get("to")
	if to == "" {
		to = dayOf(now)
	}
	if from == "" {
		from = to
	}
	for f, v := range map[string]string{"from": from, "to": to} {
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return nil, api.BadRequest(f, "%q is not a date (YYYY-MM-DD)", v)
		}
	}
	if from > to {
		return nil, api.BadRequest("from", "%s is after %s", from, to)
	}
	if err := checkSpan(from, to); err != nil {
		return nil, err
	}
	by := q.Get("by")
	if by == "" {
		by = "day"
	}
	if by != "day" && by != "app" && by != "category" {
		return nil, api.BadRequest("by", "%q is not day, app or category", by)
	}
	rec, err := a.st.Child(ctx, child)
	if err != nil {
		return nil, storeErr(err)
	}
	// Make what was counted in the last seconds part of the report.
	if err := a.acct.Flush(ctx); err != nil {
		a.log.Warn("agent: flush before report", "err", err)
	}
	rows, err := a.st.Summary(ctx, rec.Name, from, to, by)
	if err != nil {
		return nil, storeErr(err)
	}
	out := apitype.Usage{Child: rec.Name, From: from, To: to, By: by, Rows: []apitype.UsageRow{}}
	for _, row := range rows {
		out.Rows = append(out.Rows, apitype.UsageRow{Key: row.Key, ScreenSec: int64(row.Screen / time.Second), GamesSec: int64(row.Games / time.Second)})
	}
	return out, nil
}

// tamperKinds are the events a parent should look at.
var tamperKinds = map[string]bool{
	"agent_restart": true, "clock_jump": true, "pin_failed": true, "code_failed": true,
	"companion_missing": true, "heartbeat_gap": true, "close_failed": true, "lock_failed": true,
	"restore": true, "new_account": true, "policy_rejected": true, "pin_in_child_session": true, "policy_refused": true,
}

func (a *Agent) hEvents(ctx context.Context, _ *api.Caller, r *http.Request) (any, error) {
	q := r.URL.Query()
	now := a.now()
	since := now.Add(-24 * time.Hour)
	if s := q.Get("since"); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			since = t
		} else if d, err := rules.ParseDuration(s); err == nil {
			since = now.Add(-d)
		} else {
			return nil, api.BadRequest("since", "%q is neither a time (RFC 3339) nor a duration like 2h", s)
		}
	}
	evs, err := a.st.Events(ctx, since, q.Get("child"))
	if err != nil {
		return nil, storeErr(err)
	}
	out := []apitype.Event{}
	for _, e := range evs {
		out = append(out, apitype.Event{ID: e.ID, At: e.At, Child: e.Child, Kind: e.Kind, Tamper: tamperKinds[e.Kind], Detail: e.Detail})
	}
	return out, nil
}

func (a *Agent) hApps(ctx context.Context, _ *api.Caller, r *http.Request) (any, error) {
	q := r.URL.Query()
	child := q.Get("child")
	spec, ok := a.childSpec(child)
	if !ok {
		return nil, api.NotFound("no child named %q", child)
	}
	days := 7
	if s := q.Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 366 {
			return nil, api.BadRequest("days", "%q is not a number of days from 1 to 366", s)
		}
		days = n
	}
	now := a.now()
	rows, err := a.st.Summary(ctx, spec.Name, dayOf(now.AddDate(0, 0, -(days-1))), dayOf(now), "app")
	if err != nil {
		return nil, storeErr(err)
	}
	apps, err := a.st.Apps(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]store.App{}
	for _, ap := range apps {
		byName[ap.Name] = ap
	}
	a.mu.Lock()
	cs, ok := a.children[spec.Name]
	var pol rules.Policy
	if ok {
		pol = cs.policy
	}
	a.mu.Unlock()
	out := []apitype.AppUsage{}
	for _, row := range rows {
		ap := byName[row.Key]
		x := apitype.AppUsage{Name: row.Key, Path: ap.Path, SHA256: ap.SHA256, Category: ap.Category, UsedSec: int64((row.Screen + row.Games) / time.Second)}
		cls := pol.Classify(rules.App{Name: appBase(ap.Path), Path: ap.Path, SHA256: ap.SHA256})
		if cls.Index >= 0 {
			x.Rule = cls.Rule.String()
		}
		out = append(out, x)
	}
	return out, nil
}

func (a *Agent) hCode(ctx context.Context, _ *api.Caller, _ *http.Request) (any, error) {
	secret, err := a.st.Setting(ctx, settingTOTP)
	if err != nil {
		return nil, api.Conflict("no parent code is set up yet; run setup first")
	}
	now := a.now()
	code, err := auth.Code(string(secret), now)
	if err != nil {
		return nil, err
	}
	valid := now.Truncate(30 * time.Second).Add(30 * time.Second)
	return apitype.Code{Code: code, ValidUntil: valid}, nil
}

func (a *Agent) hNewCode(ctx context.Context, c *api.Caller, _ *http.Request) (any, error) {
	secret, url, err := a.newTOTP(ctx)
	if err != nil {
		return nil, err
	}
	a.event(ctx, "", "code_reset", map[string]any{"by": c.Peer.Username})
	return apitype.CodeSetup{Secret: secret, URL: url}, nil
}

func (a *Agent) hHeartbeat(_ context.Context, c *api.Caller, r *http.Request) (any, error) {
	if c.Role != apitype.RoleChild {
		return nil, api.Forbidden("heartbeats come from a child's own session")
	}
	var hb apitype.Heartbeat
	if err := api.Decode(r, &hb); err != nil {
		return nil, err
	}
	if hb.IdleSec < 0 {
		return nil, api.BadRequest("idleSec", "must not be negative")
	}
	if len(hb.Session) > 128 || len(hb.Display) > 128 {
		return nil, api.BadRequest("session", "too long")
	}
	now := a.now()
	a.mu.Lock()
	cs, ok := a.byUID[c.Peer.UID]
	if !ok {
		a.mu.Unlock()
		return nil, api.Forbidden("this account is not a child's")
	}
	fore := hb.ForePID
	if fore > 0 {
		// The foreground app must be the child's own process: a heartbeat
		// can describe only the sender's session.
		if e, ok := a.tracker.Get(fore); !ok || !slices.Contains(cs.uids, e.UID) {
			fore = 0
		}
	}
	a.mu.Unlock()
	cs.witness.Beat(monitor.Heartbeat{At: now, Session: hb.Session, Idle: time.Duration(hb.IdleSec) * time.Second, Locked: hb.Locked, ForePID: fore, Fullscreen: hb.Fullscreen})
	return a.childStatus(cs, now), nil
}

func (a *Agent) hAction(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.ActionRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	a.mu.Lock()
	cs, ok := a.children[req.Child]
	a.mu.Unlock()
	if !ok {
		return nil, api.NotFound("no child named %q", req.Child)
	}
	switch req.Action {
	case apitype.ActionPauseGames, apitype.ActionResume:
		kind := "games_paused"
		if req.Action == apitype.ActionResume {
			kind = "games_resumed"
		}
		a.event(ctx, cs.rec.Name, kind, map[string]any{"by": c.Peer.Username})
		a.mu.Lock()
		cs.day = "" // re-read the day's marks
		a.mu.Unlock()
		return nil, a.refreshChild(ctx, cs.rec.Name)
	case apitype.ActionLock:
		// A one-time lock: the child may unlock with their own password
		// (limits, not this, keep them off when time is up).
		var ids []string
		if a.sessions != nil {
			if ss, err := a.sessions.Sessions(ctx); err == nil {
				for _, s := range cs.sessionsOf(ss) {
					ids = append(ids, s.ID)
				}
			}
		}
		now := a.now()
		hbAlive := cs.witness.CompanionAlive(now)
		via := ""
		for _, id := range ids {
			if err := a.deps.Actions.LockSession(ctx, id); err == nil {
				via = "logind"
			}
		}
		if via == "" && hbAlive {
			a.mu.Lock()
			cs.lockNowUntil = now.Add(20 * time.Second)
			a.mu.Unlock()
			via = "companion"
		}
		if via == "" {
			return nil, api.Conflict("%s's session cannot be locked from here: no login manager (logind) and no companion app is running in it", cs.rec.Name)
		}
		a.event(ctx, cs.rec.Name, "lock_now", map[string]any{"by": c.Peer.Username, "via": via})
		return nil, nil
	}
	return nil, api.BadRequest("action", "%q is not lock, pause-games or resume-games", req.Action)
}

func (a *Agent) hExport(ctx context.Context, _ *api.Caller, r *http.Request) (any, error) {
	b, err := a.st.Export(ctx, r.URL.Query().Get("child"))
	if err != nil {
		return nil, storeErr(err)
	}
	return json.RawMessage(b), nil
}

func (a *Agent) hErase(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var req apitype.EraseRequest
	if err := api.Decode(r, &req); err != nil {
		return nil, err
	}
	if err := a.st.Erase(ctx, req.Child); err != nil {
		return nil, storeErr(err)
	}
	a.event(ctx, "", "child_erased", map[string]any{"child": req.Child, "by": c.Peer.Username})
	return nil, a.reload(ctx)
}

func (a *Agent) options(ctx context.Context) apitype.Settings {
	s := apitype.Settings{DetailRetentionDays: 90, RollupRetentionDays: 730}
	if b, err := a.st.Setting(ctx, settingOptions); err == nil {
		_ = json.Unmarshal(b, &s)
	}
	s.Help = a.helpContacts()
	return s
}

func (a *Agent) hSettings(ctx context.Context, _ *api.Caller, _ *http.Request) (any, error) {
	return a.options(ctx), nil
}

func (a *Agent) hSetSettings(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var s apitype.Settings
	if err := api.Decode(r, &s); err != nil {
		return nil, err
	}
	if s.DetailRetentionDays < 7 || s.DetailRetentionDays > 3660 {
		return nil, api.BadRequest("detailRetentionDays", "%d is not between 7 and 3660", s.DetailRetentionDays)
	}
	if s.RollupRetentionDays < s.DetailRetentionDays || s.RollupRetentionDays > 3660 {
		return nil, api.BadRequest("rollupRetentionDays", "%d is not between detailRetentionDays and 3660", s.RollupRetentionDays)
	}
	if s.Language != "" && s.Language != "vi" && s.Language != "en" {
		return nil, api.BadRequest("language", "%q is not vi or en", s.Language)
	}
	for i, h := range s.Help {
		if strings.TrimSpace(h.Name) == "" || strings.TrimSpace(h.Number) == "" {
			return nil, api.BadRequest(fmt.Sprintf("help[%d]", i), "a help contact needs a name and a number")
		}
	}
	help := s.Help
	s.Help = nil
	b, _ := json.Marshal(s)
	if err := a.st.SetSetting(ctx, settingOptions, b); err != nil {
		return nil, err
	}
	a.applyRetention(s)
	if help != nil {
		f := a.currentFile()
		f.Help = nil
		for _, h := range help {
			f.Help = append(f.Help, rules.HelpContact{Name: h.Name, Number: h.Number})
		}
		g := rules.File{Version: rules.FileVersion, DefaultProfile: f.DefaultProfile, Help: f.Help}
		gb, err := rules.EncodeFile(&g)
		if err != nil {
			return nil, err
		}
		if err := a.st.SetSetting(ctx, settingGlobal, gb); err != nil {
			return nil, err
		}
		a.mu.Lock()
		a.global = g
		a.mu.Unlock()
	}
	a.event(ctx, "", "settings_changed", map[string]any{"by": c.Peer.Username})
	return a.options(ctx), nil
}

// claimDefault turns the default-profile record of an account into the
// named child when a parent adds a child with that account, keeping the
// account's history.
func (a *Agent) claimDefault(ctx context.Context, spec rules.Child) (store.Child, bool, error) {
	def := a.defaultAccounts(ctx)
	for _, acc := range spec.Accounts {
		rec, err := a.st.ChildByAccount(ctx, acc)
		if err != nil || !def[rec.Name] {
			continue
		}
		oldName := rec.Name
		rec.Name, rec.BirthYear, rec.Accounts = spec.Name, spec.BirthYear, spec.Accounts
		if err := a.st.UpdateChild(ctx, rec); err != nil {
			return store.Child{}, false, storeErr(err)
		}
		delete(def, oldName)
		if err := a.setDefaultAccounts(ctx, def); err != nil {
			return store.Child{}, false, err
		}
		return rec, true, nil
	}
	return store.Child{}, false, nil
}

// applyRetention hands the parent's retention setting to the store.
func (a *Agent) applyRetention(s apitype.Settings) {
	day := 24 * time.Hour
	a.st.SetRetention(time.Duration(s.DetailRetentionDays)*day, time.Duration(s.RollupRetentionDays)*day)
}

// hLogout revokes the caller's parent token.
func (a *Agent) hLogout(_ context.Context, c *api.Caller, _ *http.Request) (any, error) {
	if c.Token != "" {
		a.tokens.Revoke(c.Token)
	}
	return nil, nil
}

// checkSpan refuses reports over more than about a year (a request is work
// the daemon does; nobody needs more at once).
func checkSpan(from, to string) error {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 == nil && err2 == nil && t.Sub(f) > 366*24*time.Hour {
		return api.BadRequest("from", "%s to %s is more than 366 days; ask for a year at most", from, to)
	}
	return nil
}
