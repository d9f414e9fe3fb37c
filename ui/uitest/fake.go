// Package uitest holds Fake, an in-memory kidtimed for the console's and the
// companion's tests and for `kidtime-app --demo`. It answers like the real
// agent: the same wire types, *client.APIError errors with the same codes,
// policies resolved and validated by the rules package.
package uitest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/rules"
)

// Fake is an in-memory agent. Its exported fields may be set before use;
// its methods are safe for concurrent use.
type Fake struct {
	mu sync.Mutex

	Now  func() time.Time
	Role string // the caller's role: admin, parent, child or other
	User string // the caller's account
	// ChildName is the child the caller is when Role is child.
	ChildName string

	PIN      string
	Code     string // the parent code that Grant accepts
	Kids     []rules.Child
	Statuses map[string]*apitype.ChildStatus
	Reqs     []apitype.Request
	Evs      []apitype.Event
	AppsUsed map[string][]apitype.AppUsage
	Daily    map[string]map[string][2]int64            // child → day → {screen, games} seconds
	PerApp   map[string]map[string]map[string][2]int64 // child → day → app → {screen, games}
	Sess     map[string][]apitype.SessionRow           // child → sessions of screen use, any order
	Sett     apitype.Settings
	Accts    []apitype.Account
	Calls    []string
	Beats    []apitype.Heartbeat
	Saved    int // SetChildPolicy calls that stored a policy
}

// New is an agent before the first run: no PIN, no child; the caller is an
// ordinary user (the console asks for the setup).
func New() *Fake {
	return &Fake{
		Now:  time.Now,
		Role: apitype.RoleOther, User: "parent",
		Statuses: map[string]*apitype.ChildStatus{},
		AppsUsed: map[string][]apitype.AppUsage{},
		Daily:    map[string]map[string][2]int64{},
		PerApp:   map[string]map[string]map[string][2]int64{},
		Sess:     map[string][]apitype.SessionRow{},
		Sett:     apitype.Settings{DetailRetentionDays: 90, RollupRetentionDays: 730, Help: []apitype.Contact{{Name: "Tổng đài quốc gia bảo vệ trẻ em", Number: "111", Note: "miễn phí, 24/7"}}},
		Accts: []apitype.Account{
			{Name: "root", UID: 0, Admin: true}, {Name: "parent", UID: 1000, Admin: true},
			{Name: "an", UID: 1001}, {Name: "binh", UID: 1002}, {Name: "guest", UID: 1003},
		},
	}
}

func (f *Fake) call(name string) {
	f.Calls = append(f.Calls, name)
}

func apiErr(status int, code, msg string) error {
	e := &client.APIError{Status: status}
	setAPIError(e, code, msg)
	return e
}

func (f *Fake) needParent() error {
	if f.Role == apitype.RoleAdmin || f.Role == apitype.RoleParent {
		return nil
	}
	return apiErr(403, apitype.CodeNotAllowed, "a parent's PIN is needed")
}

// Health implements the backend.
func (f *Fake) Health(context.Context) (apitype.Health, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Health")
	return apitype.Health{OK: true, Version: "demo", Now: f.Now(), Role: f.Role, User: f.User, Setup: f.PIN != ""}, nil
}

// Status implements the backend: a child sees only their own status.
func (f *Fake) Status(context.Context) (apitype.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Status")
	st := apitype.Status{Now: f.Now(), Day: f.Now().Format(time.DateOnly), Role: f.Role, User: f.User, Setup: f.PIN != "", Help: f.Sett.Help}
	for _, k := range f.Kids {
		cs := f.status(k.Name)
		if f.Role == apitype.RoleChild && k.Name != f.ChildName {
			continue
		}
		if f.Role == apitype.RoleOther {
			continue
		}
		st.Children = append(st.Children, cs)
	}
	for _, r := range f.Reqs {
		if r.Status == "pending" && (f.Role == apitype.RoleParent || f.Role == apitype.RoleAdmin) {
			st.Pending++
		}
	}
	return st, nil
}

func (f *Fake) status(name string) apitype.ChildStatus {
	cs, ok := f.Statuses[name]
	if !ok {
		cs = &apitype.ChildStatus{Name: name, State: apitype.StateOK}
		for _, k := range f.Kids {
			if k.Name == name {
				cs.Accounts, cs.Age = k.Accounts, rules.AgeIn(k.BirthYear, f.Now())
				if p, err := k.Policy(f.Now()); err == nil {
					cs.ScreenLimitSec = secs(p.Screen[f.Now().Weekday()])
					cs.GamesLimitSec = secs(min(p.Games[f.Now().Weekday()], p.Screen[f.Now().Weekday()]))
					cs.ScreenLeftSec, cs.GamesLeftSec = cs.ScreenLimitSec, cs.GamesLimitSec
				}
			}
		}
		f.Statuses[name] = cs
	}
	return *cs
}

func secs(d time.Duration) int64 {
	if d == rules.Unlimited {
		return 24 * 3600
	}
	return int64(d / time.Second)
}

// Setup implements the backend: the first PIN, once.
func (f *Fake) Setup(_ context.Context, pin string) (apitype.LoginResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Setup")
	if f.PIN != "" {
		return apitype.LoginResponse{}, apiErr(409, apitype.CodeConflict, "the PIN is already set")
	}
	if len(pin) < 6 {
		return apitype.LoginResponse{}, apiErr(400, apitype.CodeBadRequest, "the PIN needs at least 6 digits")
	}
	f.PIN, f.Role = pin, apitype.RoleParent
	return apitype.LoginResponse{Token: "token", Expires: f.Now().Add(time.Hour)}, nil
}

// Login implements the backend.
func (f *Fake) Login(_ context.Context, pin string) (apitype.LoginResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Login")
	if pin != f.PIN || f.PIN == "" {
		f.Evs = append(f.Evs, apitype.Event{ID: int64(len(f.Evs) + 1), At: f.Now(), Kind: "pin_failed", Tamper: true})
		return apitype.LoginResponse{}, apiErr(403, apitype.CodeNotAllowed, "wrong PIN")
	}
	if f.Role != apitype.RoleAdmin {
		f.Role = apitype.RoleParent
	}
	return apitype.LoginResponse{Token: "token", Expires: f.Now().Add(time.Hour)}, nil
}

// ChangePIN implements the backend.
func (f *Fake) ChangePIN(_ context.Context, old, next string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("ChangePIN")
	if err := f.needParent(); err != nil {
		return err
	}
	if old != f.PIN {
		return apiErr(403, apitype.CodeNotAllowed, "wrong PIN")
	}
	f.PIN = next
	f.expire() // like the agent, a new PIN ends the tokens of the old one
	return nil
}

// ExpireToken makes the parent's token expire: the next parent call is
// refused with not_allowed until Login.
func (f *Fake) ExpireToken() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expire()
}

func (f *Fake) expire() {
	if f.Role == apitype.RoleParent {
		f.Role = apitype.RoleOther
	}
}

// Accounts implements the backend, marking the accounts children claim.
func (f *Fake) Accounts(context.Context) ([]apitype.Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Accounts")
	if err := f.needParent(); err != nil {
		return nil, err
	}
	out := append([]apitype.Account(nil), f.Accts...)
	for i := range out {
		for _, k := range f.Kids {
			if k.Claims(out[i].Name) {
				out[i].Child = k.Name
			}
		}
	}
	return out, nil
}

// Children implements the backend.
func (f *Fake) Children(context.Context) ([]apitype.Child, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Children")
	if err := f.needParent(); err != nil {
		return nil, err
	}
	var out []apitype.Child
	for _, k := range f.Kids {
		out = append(out, apitype.Child{Name: k.Name, BirthYear: k.BirthYear, Accounts: k.Accounts, Age: rules.AgeIn(k.BirthYear, f.Now())})
	}
	return out, nil
}

// AddChild implements the backend.
func (f *Fake) AddChild(_ context.Context, r apitype.AddChildRequest) (apitype.Child, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("AddChild")
	if err := f.needParent(); err != nil {
		return apitype.Child{}, err
	}
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		return apitype.Child{}, apiErr(400, apitype.CodeBadRequest, "name: the child's name is missing")
	}
	if age := rules.AgeIn(r.BirthYear, f.Now()); r.BirthYear == 0 || age < 0 || age > 17 {
		return apitype.Child{}, apiErr(400, apitype.CodeBadRequest, fmt.Sprintf("birthYear: %d gives an age of %d; kidtime is for children of 0 to 17", r.BirthYear, age))
	}
	if err := f.checkAccounts(r.Accounts); err != nil {
		return apitype.Child{}, err
	}
	for _, k := range f.Kids {
		if strings.EqualFold(k.Name, r.Name) {
			return apitype.Child{}, apiErr(409, apitype.CodeConflict, fmt.Sprintf("a child named %q already exists", k.Name))
		}
		for _, a := range r.Accounts {
			if k.Claims(a) {
				return apitype.Child{}, apiErr(409, apitype.CodeConflict, fmt.Sprintf("account %q already belongs to %q", a, k.Name))
			}
		}
	}
	k := rules.Child{Name: r.Name, BirthYear: r.BirthYear, Accounts: r.Accounts}
	k.Preset = r.Preset
	if _, err := k.Policy(f.Now()); err != nil {
		return apitype.Child{}, apiErr(400, apitype.CodeBadRequest, err.Error())
	}
	f.Kids = append(f.Kids, k)
	return apitype.Child{Name: k.Name, BirthYear: k.BirthYear, Accounts: k.Accounts, Age: rules.AgeIn(k.BirthYear, f.Now())}, nil
}

// checkAccounts refuses, like the agent, unknown and administrator accounts
// for a child.
func (f *Fake) checkAccounts(accounts []string) error {
	if len(accounts) == 0 {
		return apiErr(400, apitype.CodeBadRequest, "accounts: a child needs at least one OS account")
	}
	for i, acc := range accounts {
		found := false
		for _, a := range f.Accts {
			if a.Name != acc {
				continue
			}
			found = true
			if a.Admin {
				return apiErr(400, apitype.CodeBadRequest, fmt.Sprintf("accounts[%d]: %q is an administrator account; a child needs a standard account", i, acc))
			}
		}
		if !found {
			return apiErr(400, apitype.CodeBadRequest, fmt.Sprintf("accounts[%d]: no OS account %q on this computer", i, acc))
		}
	}
	return nil
}

func (f *Fake) kid(name string) (int, error) {
	for i, k := range f.Kids {
		if k.Name == name {
			return i, nil
		}
	}
	return -1, apiErr(404, apitype.CodeNotFound, fmt.Sprintf("no child %q", name))
}

// ChildPolicy implements the backend.
func (f *Fake) ChildPolicy(_ context.Context, name string) (rules.Child, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("ChildPolicy")
	i, err := f.kid(name)
	if err != nil {
		return rules.Child{}, err
	}
	return clone(f.Kids[i]), nil
}

// clone deep-copies a child through its JSON form, as the wire would.
func clone(k rules.Child) rules.Child {
	b, _ := json.Marshal(k)
	var out rules.Child
	_ = json.Unmarshal(b, &out)
	return out
}

// SetChildPolicy implements the backend; an invalid policy is refused whole.
func (f *Fake) SetChildPolicy(_ context.Context, name string, spec rules.Child) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("SetChildPolicy")
	if err := f.needParent(); err != nil {
		return err
	}
	i, err := f.kid(name)
	if err != nil {
		return err
	}
	if _, err := spec.Policy(f.Now()); err != nil {
		return apiErr(400, apitype.CodeBadRequest, err.Error())
	}
	f.Kids[i] = clone(spec)
	delete(f.Statuses, name)
	f.Saved++
	return nil
}

// Grant implements the backend: a parent, or a child with the parent code.
// Like the agent, it refuses a PIN from a child's session: a PIN typed
// there could be read by the child's programs.
func (f *Fake) Grant(_ context.Context, r apitype.GrantRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Grant")
	if f.Role == apitype.RoleChild {
		if r.PIN != "" {
			return apiErr(403, apitype.CodeNotAllowed, "a child's session may not send the PIN; use the parent code")
		}
		if r.Code == "" || r.Code != f.Code {
			return apiErr(403, apitype.CodeNotAllowed, "wrong parent code")
		}
	} else if err := f.needParent(); err != nil {
		return err
	}
	if _, err := f.kid(r.Child); err != nil {
		return err
	}
	f.grant(r.Child, r.Kind, r.AddSec)
	f.Evs = append(f.Evs, apitype.Event{ID: int64(len(f.Evs) + 1), At: f.Now(), Child: r.Child, Kind: "grant", Detail: map[string]any{"seconds": float64(r.AddSec), "kind": r.Kind}})
	return nil
}

func (f *Fake) grant(child, kind string, sec int64) {
	f.status(child)
	cs := f.Statuses[child]
	cs.ScreenLimitSec += sec
	cs.ScreenLeftSec += sec
	if kind == apitype.KindGames {
		cs.GamesLimitSec += sec
		cs.GamesLeftSec += sec
	}
	if cs.ScreenLeftSec > 5*60 {
		cs.State, cs.Reason, cs.ReasonKey, cs.BackAt = apitype.StateOK, "", "", time.Time{}
	}
}

// Action implements the backend.
func (f *Fake) Action(_ context.Context, r apitype.ActionRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Action:" + r.Action)
	if err := f.needParent(); err != nil {
		return err
	}
	if _, err := f.kid(r.Child); err != nil {
		return err
	}
	f.status(r.Child)
	cs := f.Statuses[r.Child]
	switch r.Action {
	case apitype.ActionPauseGames:
		cs.GamesPaused = true
	case apitype.ActionResume:
		cs.GamesPaused = false
	case apitype.ActionLock:
		cs.State, cs.Reason, cs.ReasonKey = apitype.StateBlocked, "parent.lock", "reason.parent.lock"
	default:
		return apiErr(400, apitype.CodeBadRequest, "unknown action")
	}
	kind := map[string]string{apitype.ActionLock: "lock_now", apitype.ActionPauseGames: "games_paused", apitype.ActionResume: "games_resumed"}[r.Action]
	f.Evs = append(f.Evs, apitype.Event{ID: int64(len(f.Evs) + 1), At: f.Now(), Child: r.Child, Kind: kind, Detail: map[string]any{"by": "parent"}})
	return nil
}

// Ask implements the backend (child only).
func (f *Fake) Ask(_ context.Context, r apitype.AskRequest) (apitype.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Ask")
	if f.Role != apitype.RoleChild {
		return apitype.Request{}, apiErr(403, apitype.CodeNotAllowed, "only a child asks")
	}
	q := apitype.Request{ID: int64(len(f.Reqs) + 1), Child: f.ChildName, Kind: r.Kind, AddSec: r.AddSec, Reason: r.Reason, Status: "pending", Created: f.Now()}
	f.Reqs = append(f.Reqs, q)
	return q, nil
}

// Requests implements the backend: a child sees their own.
func (f *Fake) Requests(_ context.Context, status string) ([]apitype.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Requests")
	var out []apitype.Request
	for _, r := range f.Reqs {
		if (status == "" || r.Status == status) && (f.Role != apitype.RoleChild || r.Child == f.ChildName) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Answer implements the backend.
func (f *Fake) Answer(_ context.Context, id int64, a apitype.AnswerRequest) (apitype.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Answer")
	if err := f.needParent(); err != nil {
		return apitype.Request{}, err
	}
	for i := range f.Reqs {
		r := &f.Reqs[i]
		if r.ID != id {
			continue
		}
		if r.Status != "pending" {
			return *r, apiErr(409, apitype.CodeConflict, "already answered")
		}
		r.Answered, r.AnsweredBy = f.Now(), "parent"
		if a.Approve {
			r.Status, r.GrantedSec = "approved", a.AddSec
			if r.GrantedSec == 0 {
				r.GrantedSec = r.AddSec
			}
			f.grant(r.Child, r.Kind, r.GrantedSec)
		} else {
			r.Status = "denied"
		}
		return *r, nil
	}
	return apitype.Request{}, apiErr(404, apitype.CodeNotFound, "no such request")
}

// Usage implements the backend: by day, app or category over [from, to].
func (f *Fake) Usage(_ context.Context, child, from, to, by string) (apitype.Usage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Usage:" + by)
	u := apitype.Usage{Child: child, From: from, To: to, By: by}
	switch by {
	case "day":
		for day, v := range f.Daily[child] {
			if day >= from && day <= to {
				u.Rows = append(u.Rows, apitype.UsageRow{Key: day, ScreenSec: v[0], GamesSec: v[1]})
			}
		}
	case "app", "category":
		sum := map[string][2]int64{}
		cats := map[string]string{}
		for _, a := range f.AppsUsed[child] {
			cats[a.Name] = a.Category
		}
		for day, apps := range f.PerApp[child] {
			if day < from || day > to {
				continue
			}
			for app, v := range apps {
				k := app
				if by == "category" {
					k = cats[app]
				}
				s := sum[k]
				sum[k] = [2]int64{s[0] + v[0], s[1] + v[1]}
			}
		}
		for k, v := range sum {
			u.Rows = append(u.Rows, apitype.UsageRow{Key: k, ScreenSec: v[0], GamesSec: v[1]})
		}
	default:
		return u, apiErr(400, apitype.CodeBadRequest, "by must be day, app or category")
	}
	sort.Slice(u.Rows, func(i, j int) bool { return u.Rows[i].Key < u.Rows[j].Key })
	return u, nil
}

// Sessions implements the backend like the agent: a child sees only their
// own; the days default to the last 7 up to today; sorted by start.
func (f *Fake) Sessions(_ context.Context, child, from, to string) (apitype.Sessions, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Sessions")
	if f.Role == apitype.RoleChild {
		if child != "" && child != f.ChildName {
			return apitype.Sessions{}, apiErr(403, apitype.CodeNotAllowed, "a child may see only their own sessions")
		}
		child = f.ChildName
	} else if err := f.needParent(); err != nil {
		return apitype.Sessions{}, err
	}
	if _, err := f.kid(child); err != nil {
		return apitype.Sessions{}, err
	}
	if to == "" {
		to = f.Now().Format(time.DateOnly)
	}
	last, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return apitype.Sessions{}, apiErr(400, apitype.CodeBadRequest, fmt.Sprintf("%q is not a date (YYYY-MM-DD)", to))
	}
	if from == "" {
		from = last.AddDate(0, 0, -6).Format(time.DateOnly)
	}
	if _, err := time.Parse(time.DateOnly, from); err != nil || from > to {
		return apitype.Sessions{}, apiErr(400, apitype.CodeBadRequest, fmt.Sprintf("bad days %q..%q", from, to))
	}
	out := apitype.Sessions{Child: child, From: from, To: to, Sessions: []apitype.SessionRow{}}
	for _, s := range f.Sess[child] {
		if s.Day >= from && s.Day <= to {
			out.Sessions = append(out.Sessions, s)
		}
	}
	sort.Slice(out.Sessions, func(i, j int) bool { return out.Sessions[i].Start.Before(out.Sessions[j].Start) })
	return out, nil
}

// Events implements the backend.
func (f *Fake) Events(_ context.Context, since time.Time, child string) ([]apitype.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Events")
	if err := f.needParent(); err != nil {
		return nil, err
	}
	var out []apitype.Event
	for _, e := range f.Evs {
		if !e.At.Before(since) && (child == "" || e.Child == child) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Apps implements the backend.
func (f *Fake) Apps(_ context.Context, child string, _ int) ([]apitype.AppUsage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Apps")
	return append([]apitype.AppUsage(nil), f.AppsUsed[child]...), nil
}

// NewCode implements the backend.
func (f *Fake) NewCode(context.Context) (apitype.CodeSetup, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("NewCode")
	if err := f.needParent(); err != nil {
		return apitype.CodeSetup{}, err
	}
	secret := "JBSWY3DPEHPK3PXP"
	return apitype.CodeSetup{Secret: secret, URL: "otpauth://totp/kidtime:parent?secret=" + secret + "&issuer=kidtime"}, nil
}

// Export implements the backend.
func (f *Fake) Export(_ context.Context, child string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Export")
	return json.Marshal(map[string]any{"child": child, "daily": f.Daily[child]})
}

// Erase implements the backend like the agent: it removes the child and
// everything kept about them, which frees their accounts.
func (f *Fake) Erase(_ context.Context, child string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Erase")
	if err := f.needParent(); err != nil {
		return err
	}
	i, err := f.kid(child)
	if err != nil {
		return err
	}
	f.Kids = append(f.Kids[:i], f.Kids[i+1:]...)
	delete(f.Statuses, child)
	delete(f.AppsUsed, child)
	delete(f.Daily, child)
	delete(f.PerApp, child)
	delete(f.Sess, child)
	reqs := f.Reqs[:0]
	for _, r := range f.Reqs {
		if r.Child != child {
			reqs = append(reqs, r)
		}
	}
	f.Reqs = reqs
	evs := f.Evs[:0]
	for _, e := range f.Evs {
		if e.Child != child {
			evs = append(evs, e)
		}
	}
	f.Evs = append(evs, apitype.Event{ID: int64(len(evs) + 1), At: f.Now(), Kind: "child_removed", Detail: map[string]any{"child": child, "by": f.User}})
	return nil
}

// Settings implements the backend.
func (f *Fake) Settings(context.Context) (apitype.Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Settings")
	return f.Sett, f.needParent()
}

// SetSettings implements the backend.
func (f *Fake) SetSettings(_ context.Context, s apitype.Settings) (apitype.Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("SetSettings")
	if err := f.needParent(); err != nil {
		return f.Sett, err
	}
	f.Sett = s
	return s, nil
}

// Heartbeat implements the backend: it records the heartbeat and returns the
// caller's status.
func (f *Fake) Heartbeat(_ context.Context, hb apitype.Heartbeat) (apitype.ChildStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Heartbeat")
	if f.Role != apitype.RoleChild {
		return apitype.ChildStatus{}, apiErr(403, apitype.CodeNotAllowed, "heartbeats come from a child's session")
	}
	f.Beats = append(f.Beats, hb)
	cs := f.status(f.ChildName)
	f.Statuses[f.ChildName].CompanionSeen = f.Now()
	return cs, nil
}

// SetStatus replaces a child's status (tests move the clock of a child's day).
func (f *Fake) SetStatus(cs apitype.ChildStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := cs
	f.Statuses[cs.Name] = &c
}

// Called reports how many times a method was called.
func (f *Fake) Called(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.Calls {
		if c == name {
			n++
		}
	}
	return n
}
