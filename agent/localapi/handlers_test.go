package localapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/auth"
	"github.com/kidtime/kidtime/agent/enforce"
	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/agent/ipc"
	"github.com/kidtime/kidtime/agent/store"
)

var year = start.Year()

// anSpec is An's whole rules (name, birth year) with more fields.
func anSpec(more string) string {
	return fmt.Sprintf(`{"name":"An","birthYear":%d,%s}`, year-11, more)
}

// gateCase is one route with a request that changes nothing when the
// handler runs (a body it refuses, a child that does not exist, a read).
type gateCase struct {
	sentence string
	pattern  string
	role     string // the least role the route needs
	method   string
	path     string
	body     any
}

var gateCases = []gateCase{
	{"anyone may ask whether the daemon is up", "GET /v1/health", apitype.RoleOther, "GET", "/v1/health", nil},
	{"anyone may read the status (of the children they may see)", "GET /v1/status", apitype.RoleOther, "GET", "/v1/status", nil},
	{"only an administrator sets the first PIN", "POST /v1/setup", apitype.RoleAdmin, "POST", "/v1/setup", `{"bogus":1}`},
	{"anyone may try to log in (the handler refuses a child's session)", "POST /v1/login", apitype.RoleOther, "POST", "/v1/login", `{"bogus":1}`},
	{"anyone may log out", "DELETE /v1/login", apitype.RoleOther, "DELETE", "/v1/login", nil},
	{"changing the PIN needs a parent", "POST /v1/pin", apitype.RoleParent, "POST", "/v1/pin", `{"bogus":1}`},
	{"the machine's accounts are for parents", "GET /v1/accounts", apitype.RoleParent, "GET", "/v1/accounts", nil},
	{"the list of children is for parents", "GET /v1/children", apitype.RoleParent, "GET", "/v1/children", nil},
	{"adding a child needs a parent", "POST /v1/children", apitype.RoleParent, "POST", "/v1/children", `{"bogus":1}`},
	{"removing a child needs a parent", "DELETE /v1/children/{name}", apitype.RoleParent, "DELETE", "/v1/children/Nobody", nil},
	{"a child may read rules (their own, the handler says)", "GET /v1/children/{name}/policy", apitype.RoleChild, "GET", "/v1/children/An/policy", nil},
	{"changing a child's rules needs a parent", "PUT /v1/children/{name}/policy", apitype.RoleParent, "PUT", "/v1/children/Nobody/policy", `{}`},
	{"the whole policy is for parents", "GET /v1/policy", apitype.RoleParent, "GET", "/v1/policy", nil},
	{"importing a policy needs a parent", "PUT /v1/policy", apitype.RoleParent, "PUT", "/v1/policy", `{}`},
	{"a child's session may grant with the parent code", "POST /v1/grant", apitype.RoleChild, "POST", "/v1/grant", `{"bogus":1}`},
	{"a child may list requests (their own)", "GET /v1/requests", apitype.RoleChild, "GET", "/v1/requests", nil},
	{"a child may ask for time", "POST /v1/requests", apitype.RoleChild, "POST", "/v1/requests", `{"bogus":1}`},
	{"answering a request needs a parent", "POST /v1/requests/{id}/answer", apitype.RoleParent, "POST", "/v1/requests/999/answer", `{"bogus":1}`},
	{"a child may read usage (their own)", "GET /v1/usage", apitype.RoleChild, "GET", "/v1/usage?child=An", nil},
	{"a child may read sessions (their own)", "GET /v1/sessions", apitype.RoleChild, "GET", "/v1/sessions?child=An", nil},
	{"the event log is for parents", "GET /v1/events", apitype.RoleParent, "GET", "/v1/events", nil},
	{"the apps used are for parents", "GET /v1/apps", apitype.RoleParent, "GET", "/v1/apps?child=An", nil},
	{"the parent code is for parents", "GET /v1/code", apitype.RoleParent, "GET", "/v1/code", nil},
	{"a new parent-code secret needs a parent", "POST /v1/code", apitype.RoleParent, "POST", "/v1/code", nil},
	{"heartbeats come from a child's session", "POST /v1/heartbeat", apitype.RoleChild, "POST", "/v1/heartbeat", `{"bogus":1}`},
	{"locking or pausing needs a parent", "POST /v1/action", apitype.RoleParent, "POST", "/v1/action", `{"bogus":1}`},
	{"exporting a child's data needs a parent", "GET /v1/export", apitype.RoleParent, "GET", "/v1/export?child=An", nil},
	{"erasing a child's data needs a parent", "POST /v1/erase", apitype.RoleParent, "POST", "/v1/erase", `{"bogus":1}`},
	{"the settings are for parents", "GET /v1/settings", apitype.RoleParent, "GET", "/v1/settings", nil},
	{"changing the settings needs a parent", "PUT /v1/settings", apitype.RoleParent, "PUT", "/v1/settings", `{"bogus":1}`},
	{"making an OS account needs an administrator of the machine", "POST /v1/accounts", apitype.RoleAdmin, "POST", "/v1/accounts", `{"bogus":1}`},
	{"the installed apps are for parents", "GET /v1/installed", apitype.RoleParent, "GET", "/v1/installed", nil},
	{"the web lists are for parents", "GET /v1/web/lists", apitype.RoleParent, "GET", "/v1/web/lists", nil},
	{"importing a web list needs a parent", "POST /v1/web/lists", apitype.RoleParent, "POST", "/v1/web/lists?category=bogus&source=x", "0.0.0.0 a.example"},
	{"only an administrator joins the PC to a hub", "POST /v1/hub/join", apitype.RoleAdmin, "POST", "/v1/hub/join", `{"bogus":1}`},
	{"only an administrator makes the PC leave its hub", "DELETE /v1/hub/join", apitype.RoleAdmin, "DELETE", "/v1/hub/join", nil},
	{"only an administrator publishes a policy through the hub", "PUT /v1/hub/policy", apitype.RoleAdmin, "PUT", "/v1/hub/policy", `{}`},
	{"a child's app says its help window was opened", "POST /v1/help", apitype.RoleChild, "POST", "/v1/help", nil},
}

// TestRouteTableRoles checks the route table against the roles above: a
// route added without a line here fails.
func TestRouteTableRoles(t *testing.T) {
	want := map[string]string{}
	for _, c := range gateCases {
		want[c.pattern] = c.role
	}
	h := New(&fakeBackend{}, discard)
	got := map[string]string{}
	for _, rt := range h.Routes() {
		got[rt.Pattern] = rt.Role
		if role, ok := want[rt.Pattern]; !ok {
			t.Errorf("route %s (%s) has no role-gate case", rt.Pattern, rt.Role)
		} else if role != rt.Role {
			t.Errorf("route %s needs %s; the gate cases say %s", rt.Pattern, rt.Role, role)
		}
	}
	for p := range want {
		if _, ok := got[p]; !ok {
			t.Errorf("gate case for %s, which is not in the route table", p)
		}
	}
}

// TestRoleGate sends every route's request as every kind of caller: one
// below the route's role gets 403 before the handler runs; one at or above
// reaches the handler.
func TestRoleGate(t *testing.T) {
	hs := newHarness(t, options{})
	callers := []struct {
		c    caller
		role string
	}{
		{asStranger, apitype.RoleOther},
		{asMum, apitype.RoleOther},
		{asChild, apitype.RoleChild},
		{asParent, apitype.RoleParent},
		{asAdmin, apitype.RoleAdmin},
	}
	for _, tc := range gateCases {
		t.Run(tc.sentence, func(t *testing.T) {
			for _, who := range callers {
				r := hs.do(who.c, tc.method, tc.path, tc.body)
				last := hs.last.Load()
				if api.Allows(who.role, tc.role) {
					if last == nil || last.Pattern != tc.pattern || last.CallerRole != who.role {
						t.Errorf("%s: %s, handler reached %+v; want %s reached as %s", who.c.name, r, last, tc.pattern, who.role)
					}
				} else {
					if r.Status != http.StatusForbidden || r.Err.Code != apitype.CodeNotAllowed || !strings.Contains(r.Err.Error, "needs the "+tc.role+" role") {
						t.Errorf("%s: %s; want 403 not_allowed saying it needs the %s role", who.c.name, r, tc.role)
					}
					if last != nil {
						t.Errorf("%s: the handler ran (%+v) for a caller the route refuses", who.c.name, last)
					}
				}
				// Logging out revokes mum's token: log in again.
				if !hs.b.guard.Parent(hs.token, uidMum) {
					hs.login()
				}
			}
		})
	}
}

// TestIdentify checks the role each kind of caller gets.
func TestIdentify(t *testing.T) {
	hs := newHarness(t, options{})
	cases := []struct {
		sentence  string
		c         caller
		token     string
		wantRole  string
		wantChild string
	}{
		{"an administrator of the machine is admin", asAdmin, "", apitype.RoleAdmin, ""},
		{"an administrator is admin even with a parent token", asAdmin, "tok", apitype.RoleAdmin, ""},
		{"mum with her live token is a parent", asMum, "tok", apitype.RoleParent, ""},
		{"mum without a token is other", asMum, "", apitype.RoleOther, ""},
		{"mum with a made-up token is other", asMum, "deadbeef", apitype.RoleOther, ""},
		{"a child's account is that child", asChild, "", apitype.RoleChild, "An"},
		{"an account no child claims is other", asStranger, "", apitype.RoleOther, ""},
		{"a stranger presenting mum's token is other (and the leaked token is revoked)", asStranger, "tok", apitype.RoleOther, ""},
		{"mum's token, once leaked, is no longer hers", asMum, "tok", apitype.RoleOther, ""},
		{"a child presenting a parent's live token is still the child", asChild, "fresh", apitype.RoleChild, "An"},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			tok := tc.token
			if tok == "fresh" {
				hs.login()
				tok = "tok"
			}
			if tok == "tok" {
				tok = hs.token
			}
			c := hs.h.Identify(context.Background(), tc.c.peer, tok)
			if c.Role != tc.wantRole || c.Child != tc.wantChild {
				t.Errorf("role %q child %q; want %q %q", c.Role, c.Child, tc.wantRole, tc.wantChild)
			}
		})
	}
}

// inputCase is a request whose input is refused, naming the field.
type inputCase struct {
	sentence string
	c        caller
	method   string
	path     string
	body     any
	field    string
}

func TestBadInputNamesTheField(t *testing.T) {
	long := strings.Repeat("x", 501)
	cases := []inputCase{
		{"a login without a PIN", asMum, "POST", "/v1/login", `{}`, "pin"},
		{"a login whose PIN is a number", asMum, "POST", "/v1/login", `{"pin":246810}`, "pin"},
		{"a login with an unknown field", asMum, "POST", "/v1/login", `{"pin":"246810","remember":true}`, "remember"},
		{"a new PIN too simple", asParent, "POST", "/v1/pin", apitype.ChangePINRequest{Old: testPIN, New: "123456"}, "new"},
		{"a child without a name", asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "  ", BirthYear: year - 9, Accounts: []string{"cuc"}}, "name"},
		{"a child whose name is too long for the store", asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: strings.Repeat("C", 65), BirthYear: year - 9, Accounts: []string{"cuc"}}, "name"},
		{"a child born 35 years ago", asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "Cuc", BirthYear: year - 35, Accounts: []string{"cuc"}}, "birthYear"},
		{"a child born next year", asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "Cuc", BirthYear: year + 1, Accounts: []string{"cuc"}}, "birthYear"},
		{"a child without an account", asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "Cuc", BirthYear: year - 9}, "accounts"},
		{"a child on an administrator's account", asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "Cuc", BirthYear: year - 9, Accounts: []string{"dad"}}, "accounts[0]"},
		{"a child on an account this computer does not have", asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "Cuc", BirthYear: year - 9, Accounts: []string{"cuc", "ghost"}}, "accounts[1]"},
		{"a child with an unknown preset", asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "Cuc", BirthYear: year - 9, Accounts: []string{"cuc"}, Preset: "age:99"}, "preset"},
		{"a child's rules without a name or birth year (the rules codec wants the whole child)", asParent, "PUT", "/v1/children/An/policy", `{"screen":{"daily":"1h"}}`, "name"},
		{"a child's rules with a bad duration", asParent, "PUT", "/v1/children/An/policy", anSpec(`"screen":{"daily":"forever"}`), "screen.daily"},
		{"a child's rules naming another child", asParent, "PUT", "/v1/children/An/policy", fmt.Sprintf(`{"name":"Binh","birthYear":%d}`, year-8), "name"},
		{"a child's rules moving them to an administrator's account", asParent, "PUT", "/v1/children/An/policy", anSpec(`"accounts":["dad"]`), "accounts[0]"},
		{"a rekey that is neither 1 nor 0", asAdmin, "PUT", "/v1/policy?rekey=maybe", `{"version":1}`, "rekey"},
		{"a rekey with an unsigned policy", asAdmin, "PUT", "/v1/policy?rekey=1", `{"version":1}`, "rekey"},
		{"a policy file of another version", asParent, "PUT", "/v1/policy", `{"version":2}`, "version"},
		{"a policy file giving a child an administrator's account", asParent, "PUT", "/v1/policy",
			fmt.Sprintf(`{"version":1,"children":[{"name":"Cuc","birthYear":%d,"accounts":["dad"]}]}`, year-9), "children[0].accounts[0]"},
		{"a grant of an unknown kind", asParent, "POST", "/v1/grant", apitype.GrantRequest{Child: "An", Kind: "movies", AddSec: 60}, "kind"},
		{"a grant of nothing", asParent, "POST", "/v1/grant", apitype.GrantRequest{Child: "An", Kind: apitype.KindScreen}, "addSec"},
		{"a grant over 12 hours", asParent, "POST", "/v1/grant", apitype.GrantRequest{Child: "An", Kind: apitype.KindScreen, AddSec: 12*3600 + 1}, "addSec"},
		{"a list of requests of an unknown status", asParent, "GET", "/v1/requests?status=maybe", nil, "status"},
		{"a child asking for an unknown kind", asChild, "POST", "/v1/requests", apitype.AskRequest{Kind: "tv", AddSec: 600}, "kind"},
		{"a child asking for nothing", asChild, "POST", "/v1/requests", apitype.AskRequest{Kind: apitype.KindScreen}, "addSec"},
		{"a child asking for more than 4 hours", asChild, "POST", "/v1/requests", apitype.AskRequest{Kind: apitype.KindScreen, AddSec: 4*3600 + 1}, "addSec"},
		{"a child's reason over 500 characters", asChild, "POST", "/v1/requests", apitype.AskRequest{Kind: apitype.KindScreen, AddSec: 600, Reason: long}, "reason"},
		{"an answer to a request that is not a number", asParent, "POST", "/v1/requests/abc/answer", apitype.AnswerRequest{Approve: true}, "id"},
		{"an answer to request 0", asParent, "POST", "/v1/requests/0/answer", apitype.AnswerRequest{Approve: true}, "id"},
		{"an answer granting negative time", asParent, "POST", "/v1/requests/1/answer", apitype.AnswerRequest{Approve: true, AddSec: -5}, "addSec"},
		{"an answer granting more than 12 hours", asParent, "POST", "/v1/requests/1/answer", apitype.AnswerRequest{Approve: true, AddSec: 12*3600 + 1}, "addSec"},
		{"a parent's usage report without a child", asParent, "GET", "/v1/usage", nil, "child"},
		{"a usage report from a day that is not a date", asParent, "GET", "/v1/usage?child=An&from=yesterday", nil, "from"},
		{"a usage report to a day that is not a date", asParent, "GET", "/v1/usage?child=An&from=2025-03-01&to=2025-13-01", nil, "to"},
		{"a usage report from after to", asParent, "GET", "/v1/usage?child=An&from=2025-03-06&to=2025-03-05", nil, "from"},
		{"a usage report over more than a year", asParent, "GET", "/v1/usage?child=An&from=2024-01-01&to=2025-03-05", nil, "from"},
		{"a usage report by week", asParent, "GET", "/v1/usage?child=An&by=week", nil, "by"},
		{"a sessions report to a day that is not a date", asParent, "GET", "/v1/sessions?child=An&to=x", nil, "to"},
		{"a sessions report from a day that is not a date", asParent, "GET", "/v1/sessions?child=An&from=x", nil, "from"},
		{"a sessions report from after to", asParent, "GET", "/v1/sessions?child=An&from=2025-03-06&to=2025-03-05", nil, "from"},
		{"a sessions report over more than a year", asParent, "GET", "/v1/sessions?child=An&from=2024-01-01&to=2025-03-05", nil, "from"},
		{"events since a time that is neither", asParent, "GET", "/v1/events?since=soon", nil, "since"},
		{"apps over 0 days", asParent, "GET", "/v1/apps?child=An&days=0", nil, "days"},
		{"apps over a number of days that is not a number", asParent, "GET", "/v1/apps?child=An&days=week", nil, "days"},
		{"a heartbeat idle for negative time", asChild, "POST", "/v1/heartbeat", apitype.Heartbeat{IdleSec: -1}, "idleSec"},
		{"a heartbeat with a session name over 128 bytes", asChild, "POST", "/v1/heartbeat", apitype.Heartbeat{Session: strings.Repeat("s", 129)}, "session"},
		{"an action that does not exist", asParent, "POST", "/v1/action", apitype.ActionRequest{Child: "An", Action: "dance"}, "action"},
		{"keeping details for 3 days", asParent, "PUT", "/v1/settings", apitype.Settings{DetailRetentionDays: 3, RollupRetentionDays: 30}, "detailRetentionDays"},
		{"keeping totals for less time than details", asParent, "PUT", "/v1/settings", apitype.Settings{DetailRetentionDays: 30, RollupRetentionDays: 10}, "rollupRetentionDays"},
		{"a language kidtime does not speak", asParent, "PUT", "/v1/settings", apitype.Settings{DetailRetentionDays: 30, RollupRetentionDays: 30, Language: "fr"}, "language"},
		{"a help contact without a name", asParent, "PUT", "/v1/settings", apitype.Settings{DetailRetentionDays: 30, RollupRetentionDays: 30, Help: []apitype.Contact{{Number: "112"}}}, "help[0]"},
		{"an export of no child", asParent, "GET", "/v1/export", nil, "child"},
		{"an erase of no child", asParent, "POST", "/v1/erase", apitype.EraseRequest{}, "child"},
	}
	hs := newHarness(t, options{})
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			r := hs.do(tc.c, tc.method, tc.path, tc.body)
			if r.Status != http.StatusBadRequest || r.Err.Code != apitype.CodeBadRequest || r.Err.Field != tc.field {
				t.Errorf("%s; want 400 naming field %q", r, tc.field)
			}
			if calls := hs.b.takeCalls(); len(calls) > 0 {
				t.Errorf("refused input still called the backend: %v", calls)
			}
		})
	}
}

// TestBodyDecoding: what api.Decode refuses, through a handler.
func TestBodyDecoding(t *testing.T) {
	hs := newHarness(t, options{})
	cases := []struct {
		sentence string
		body     any
		field    string
		inErr    string
	}{
		{"an empty body", nil, "", "empty request body"},
		{"a body that is not JSON", "pin=246810", "", "bad JSON"},
		{"a body with trailing data", `{"pin":"246810"} {"pin":"x"}`, "", "trailing data"},
		{"a body of the wrong type", `["246810"]`, "", "must be"},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			r := hs.do(asMum, "POST", "/v1/login", tc.body)
			if r.Status != http.StatusBadRequest || r.Err.Field != tc.field || !strings.Contains(r.Err.Error, tc.inErr) {
				t.Errorf("%s; want 400 field %q mentioning %q", r, tc.field, tc.inErr)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	cases := []struct {
		sentence string
		c        caller
		method   string
		path     string
		body     any
	}{
		{"a route that does not exist", asStranger, "GET", "/v1/nowhere", nil},
		{"a method a route does not have", asParent, "PATCH", "/v1/children", `{}`},
		{"removing a child who does not exist", asParent, "DELETE", "/v1/children/Nobody", nil},
		{"the rules of a child who does not exist", asParent, "GET", "/v1/children/Nobody/policy", nil},
		{"setting the rules of a child who does not exist", asParent, "PUT", "/v1/children/Nobody/policy", `{}`},
		{"a grant to a child who does not exist", asParent, "POST", "/v1/grant", apitype.GrantRequest{Child: "Nobody", Kind: apitype.KindScreen, AddSec: 60}},
		{"an answer to a request that does not exist", asParent, "POST", "/v1/requests/999/answer", apitype.AnswerRequest{Approve: true}},
		{"the requests of a child who does not exist", asParent, "GET", "/v1/requests?child=Nobody", nil},
		{"the usage of a child who does not exist", asParent, "GET", "/v1/usage?child=Nobody", nil},
		{"the sessions of a child who does not exist", asParent, "GET", "/v1/sessions?child=Nobody", nil},
		{"the events of a child who does not exist", asParent, "GET", "/v1/events?child=Nobody", nil},
		{"the apps of a child who does not exist", asParent, "GET", "/v1/apps?child=Nobody", nil},
		{"locking a child who does not exist", asParent, "POST", "/v1/action", apitype.ActionRequest{Child: "Nobody", Action: apitype.ActionLock}},
		{"exporting a child who does not exist", asParent, "GET", "/v1/export?child=Nobody", nil},
		{"erasing a child who does not exist", asParent, "POST", "/v1/erase", apitype.EraseRequest{Child: "Nobody"}},
	}
	hs := newHarness(t, options{})
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			r := hs.do(tc.c, tc.method, tc.path, tc.body)
			if r.Status != http.StatusNotFound || r.Err.Code != apitype.CodeNotFound {
				t.Errorf("%s; want 404 not_found", r)
			}
			if calls := hs.b.takeCalls(); len(calls) > 0 {
				t.Errorf("a missing thing still called the backend: %v", calls)
			}
		})
	}
}

// ask has the child ask for ten minutes and returns the request.
func (hs *harness) ask(c caller) apitype.Request {
	hs.t.Helper()
	r := hs.do(c, "POST", "/v1/requests", apitype.AskRequest{Kind: apitype.KindScreen, AddSec: 600, Reason: "homework"})
	if r.Status != http.StatusOK {
		hs.t.Fatalf("ask: %s", r)
	}
	var rq apitype.Request
	r.decode(hs.t, &rq)
	return rq
}

func TestConflicts(t *testing.T) {
	cases := []struct {
		sentence string
		opt      options
		before   func(hs *harness) // may set the scene
		c        caller
		method   string
		path     string
		body     any
		inErr    string
	}{
		{"a second setup is refused", options{}, nil,
			asAdmin, "POST", "/v1/setup", apitype.SetupRequest{PIN: "135790"}, "already set"},
		{"a login before any PIN is set", options{noSetup: true}, nil,
			asMum, "POST", "/v1/login", apitype.LoginRequest{PIN: testPIN}, "no PIN"},
		{"a second answer to the same request", options{}, func(hs *harness) {
			rq := hs.ask(asChild)
			if r := hs.do(asParent, "POST", fmt.Sprintf("/v1/requests/%d/answer", rq.ID), apitype.AnswerRequest{Approve: true}); r.Status != http.StatusOK {
				hs.t.Fatalf("first answer: %s", r)
			}
		}, asParent, "POST", "/v1/requests/1/answer", apitype.AnswerRequest{Approve: false}, "already answered"},
		{"a sixth request while five wait", options{}, func(hs *harness) {
			for range 5 {
				hs.ask(asChild)
			}
		}, asChild, "POST", "/v1/requests", apitype.AskRequest{Kind: apitype.KindScreen, AddSec: 600}, "5 requests"},
		{"a child with the name of another (in any case)", options{}, nil,
			asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "an", BirthYear: year - 9, Accounts: []string{"cuc"}}, "already exists"},
		{"a child on an account another child has", options{}, nil,
			asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "Cuc", BirthYear: year - 9, Accounts: []string{"kid"}}, "conflict"},
		{"a lock when the session cannot be locked", options{}, func(hs *harness) {
			hs.b.lockErr = enforce.ErrCannotLock
		}, asParent, "POST", "/v1/action", apitype.ActionRequest{Child: "An", Action: apitype.ActionLock}, "cannot be locked"},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t, tc.opt)
			if tc.before != nil {
				tc.before(hs)
			}
			r := hs.do(tc.c, tc.method, tc.path, tc.body)
			if r.Status != http.StatusConflict || r.Err.Code != apitype.CodeConflict || !strings.Contains(r.Err.Error, tc.inErr) {
				t.Errorf("%s; want 409 conflict mentioning %q", r, tc.inErr)
			}
		})
	}
}

func TestSetup(t *testing.T) {
	hs := newHarness(t, options{noSetup: true})
	steps := []struct {
		sentence string
		c        caller
		pin      string
		status   int
		field    string
	}{
		{"a parent without the admin role cannot set the first PIN", asMum, testPIN, http.StatusForbidden, ""},
		{"a PIN of four digits is refused naming the pin", asAdmin, "1234", http.StatusBadRequest, "pin"},
		{"a straight run is refused naming the pin", asAdmin, "123456", http.StatusBadRequest, "pin"},
		{"the administrator sets the first PIN and is logged in", asAdmin, testPIN, http.StatusOK, ""},
		{"setup twice is a conflict", asAdmin, "135790", http.StatusConflict, ""},
	}
	for _, st := range steps {
		r := hs.do(st.c, "POST", "/v1/setup", apitype.SetupRequest{PIN: st.pin})
		if r.Status != st.status || r.Err.Field != st.field {
			t.Errorf("%s: %s; want %d field %q", st.sentence, r, st.status, st.field)
		}
		if r.Status == http.StatusOK {
			var lr apitype.LoginResponse
			r.decode(t, &lr)
			if !hs.b.guard.Parent(lr.Token, uidDad) || !lr.Expires.After(start) {
				t.Errorf("%s: token %+v is not the administrator's live token", st.sentence, lr)
			}
		}
	}
	if n := len(hs.events("setup")); n != 1 {
		t.Errorf("%d setup events; want 1", n)
	}
	// Setup leaves no account unmanaged: a default profile holds them.
	if dp := hs.b.PolicyFile().DefaultProfile; dp == nil || dp.Preset != "age:8" {
		t.Errorf("default profile after setup %+v; want kidtime's own, age:8 while there is no child", dp)
	}
	if child, ok := hs.b.ChildOf(uidCuc); !ok || child != "cuc" {
		t.Errorf("cuc after setup: child %q %v; want held by the default profile", child, ok)
	}
	var h apitype.Health
	hs.do(asStranger, "GET", "/v1/health", nil).decode(t, &h)
	if !h.OK || !h.Setup || h.Role != apitype.RoleOther || h.User != "stranger" || h.Version != Version {
		t.Errorf("health %+v; want ok, set up, seen as other stranger", h)
	}
}

// TestPINRateLimit: wrong PINs are refused and logged; after the limiter's
// free failures the same account must wait (429 with retryAfterSec), others
// need not; after the wait the right PIN works.
func TestPINRateLimit(t *testing.T) {
	hs := newHarness(t, options{})
	login := func(c caller, pin string) resp {
		return hs.do(c, "POST", "/v1/login", apitype.LoginRequest{PIN: pin})
	}
	steps := []struct {
		sentence string
		c        caller
		pin      string
		wait     time.Duration // the clock moves first
		status   int
		retry    int64
	}{
		{"a first wrong PIN is refused", asMum, "135790", 0, http.StatusForbidden, 0},
		{"a second wrong PIN is refused", asMum, "135791", 0, http.StatusForbidden, 0},
		{"a third wrong PIN is refused", asMum, "135792", 0, http.StatusForbidden, 0},
		{"the next try at once must wait a second", asMum, testPIN, 0, http.StatusTooManyRequests, int64(auth.FirstDelay / time.Second)},
		{"another account is not slowed by mum's failures", asStranger, testPIN, 0, http.StatusOK, 0},
		{"after the wait the right PIN logs mum in", asMum, testPIN, auth.FirstDelay, http.StatusOK, 0},
		{"the success forgot the failures: a wrong PIN is refused, not slowed", asMum, "135790", 0, http.StatusForbidden, 0},
	}
	for _, st := range steps {
		hs.b.clk.Add(st.wait)
		r := login(st.c, st.pin)
		if r.Status != st.status || r.Err.RetryAfterSec != st.retry {
			t.Errorf("%s: %s; want %d with retryAfterSec %d", st.sentence, r, st.status, st.retry)
		}
		if st.status == http.StatusTooManyRequests && (r.Err.Code != apitype.CodeRateLimited || r.Header.Get("Retry-After") != fmt.Sprint(st.retry)) {
			t.Errorf("%s: code %q, Retry-After %q; want rate_limited and %d", st.sentence, r.Err.Code, r.Header.Get("Retry-After"), st.retry)
		}
	}
	fails := hs.events("pin_failed")
	if len(fails) != 4 {
		t.Fatalf("%d pin_failed events; want 4 (the slowed try is not checked)", len(fails))
	}
	if fails[2].Detail["failures"] != float64(3) || fails[2].Detail["user"] != "mum" {
		t.Errorf("third pin_failed %+v; want failures 3 by mum", fails[2].Detail)
	}
}

// TestCodeRateLimit: a child's session guessing the parent code is slowed
// like a PIN.
func TestCodeRateLimit(t *testing.T) {
	hs := newHarness(t, options{})
	for i, want := range []int{http.StatusForbidden, http.StatusForbidden, http.StatusForbidden, http.StatusTooManyRequests} {
		r := hs.do(asChild, "POST", "/v1/grant", apitype.GrantRequest{Kind: apitype.KindScreen, AddSec: 600, Code: fmt.Sprintf("00000%d", i)})
		if r.Status != want {
			t.Errorf("guess %d: %s; want %d", i+1, r, want)
		}
	}
	if evs := hs.events("code_failed"); len(evs) != 3 || evs[0].Child != "An" {
		t.Errorf("code_failed events %+v; want 3, about An", evs)
	}
	if calls := hs.b.takeCalls(); len(calls) > 0 {
		t.Errorf("guesses refreshed the day: %v", calls)
	}
}

// TestPINNeverFromAChildSession: whatever is typed in a child's session is
// the child's to read.
func TestPINNeverFromAChildSession(t *testing.T) {
	cases := []struct {
		sentence string
		path     string
		body     any
		event    bool
	}{
		{"a grant with the PIN from a child's session is refused and logged", "/v1/grant",
			apitype.GrantRequest{Kind: apitype.KindScreen, AddSec: 600, PIN: testPIN}, true},
		{"a login from a child's session is refused", "/v1/login", apitype.LoginRequest{PIN: testPIN}, false},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t, options{})
			used := func() int { return len(hs.events("pin_failed")) + len(hs.events("login")) + len(hs.events("grant")) }
			before := used()
			r := hs.do(asChild, "POST", tc.path, tc.body)
			if r.Status != http.StatusForbidden || r.Err.Code != apitype.CodeNotAllowed {
				t.Errorf("%s; want 403", r)
			}
			evs := hs.events("pin_in_child_session")
			if tc.event && (len(evs) != 1 || evs[0].Child != "An" || evs[0].Detail["user"] != "kid") {
				t.Errorf("pin_in_child_session events %+v; want one about An by kid", evs)
			}
			if !tc.event && len(evs) != 0 {
				t.Errorf("pin_in_child_session events %+v; want none", evs)
			}
			if n := used() - before; n != 0 {
				t.Errorf("the PIN was checked or used (%d events)", n)
			}
		})
	}
}

// TestGrantOnTheSpot: with the parent code a child's session gets at most
// an hour, for that child only, once per code.
func TestGrantOnTheSpot(t *testing.T) {
	type step struct {
		c      caller
		req    apitype.GrantRequest // Code "code" is replaced by the current code
		status int
		field  string
	}
	g := func(child string, sec int64, code string) apitype.GrantRequest {
		return apitype.GrantRequest{Child: child, Kind: apitype.KindScreen, AddSec: sec, Code: code}
	}
	cases := []struct {
		sentence   string
		steps      []step
		wantGrants []string // "child seconds by"
	}{
		{"an hour with the parent code is granted, by the parent code",
			[]step{{asChild, g("", 3600, "code"), 200, ""}}, []string{"An 3600 parent code"}},
		{"more than an hour is refused naming addSec, and the code is not spent",
			[]step{{asChild, g("", 3601, "code"), 400, "addSec"}, {asChild, g("An", 1800, "code"), 200, ""}}, []string{"An 1800 parent code"}},
		{"a code is taken once: its replay is refused",
			[]step{{asChild, g("", 600, "code"), 200, ""}, {asChild, g("", 600, "code"), 403, ""}}, []string{"An 600 parent code"}},
		{"a wrong code is refused",
			[]step{{asChild, g("", 600, "000000"), 403, ""}}, nil},
		{"a child's session cannot grant time to another child",
			[]step{{asChild, g("Binh", 600, "code"), 403, ""}}, nil},
		{"a child's session without the code is refused",
			[]step{{asChild, g("", 600, ""), 403, ""}}, nil},
		{"a parent from their own account may give 12 hours",
			[]step{{asParent, apitype.GrantRequest{Child: "Binh", Kind: apitype.KindGames, AddSec: 12 * 3600}, 200, ""}}, []string{"Binh 43200 mum"}},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t, options{})
			for i, st := range tc.steps {
				if st.req.Code == "code" {
					code, _, err := hs.b.guard.Code(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					st.req.Code = code
				}
				r := hs.do(st.c, "POST", "/v1/grant", st.req)
				if r.Status != st.status || r.Err.Field != st.field {
					t.Errorf("step %d: %s; want %d field %q", i+1, r, st.status, st.field)
				}
			}
			var got []string
			for _, e := range hs.events("grant") {
				got = append(got, fmt.Sprintf("%s %v %v", e.Child, e.Detail["seconds"], e.Detail["by"]))
			}
			if !slices.Equal(got, tc.wantGrants) {
				t.Errorf("grants %q; want %q", got, tc.wantGrants)
			}
			var refreshes []string
			for _, c := range hs.b.takeCalls() {
				if strings.HasPrefix(c, "Refresh") {
					refreshes = append(refreshes, c)
				}
			}
			if len(refreshes) != len(tc.wantGrants) {
				t.Errorf("refreshes %q; want one per grant", refreshes)
			}
		})
	}
}

// TestChildSeesOnlyTheirOwn: a child's session reads only that child's
// usage, requests, sessions, rules and status.
func TestChildSeesOnlyTheirOwn(t *testing.T) {
	hs := newHarness(t, options{})
	hs.ask(asChild)
	hs.ask(asChild2)
	hs.ask(asChild2)
	cases := []struct {
		sentence string
		path     string
		status   int
		check    func(t *testing.T, r resp)
	}{
		{"An cannot read Binh's usage", "/v1/usage?child=Binh", 403, nil},
		{"An's usage without a name is An's", "/v1/usage", 200, func(t *testing.T, r resp) {
			var u apitype.Usage
			r.decode(t, &u)
			if u.Child != "An" {
				t.Errorf("usage of %q", u.Child)
			}
		}},
		{"An's own name in another case is An's", "/v1/usage?child=an", 200, nil},
		{"An cannot read Binh's sessions", "/v1/sessions?child=Binh", 403, nil},
		{"An's sessions without a name are An's", "/v1/sessions", 200, func(t *testing.T, r resp) {
			var s apitype.Sessions
			r.decode(t, &s)
			if s.Child != "An" {
				t.Errorf("sessions of %q", s.Child)
			}
		}},
		{"An asking for Binh's requests gets An's only", "/v1/requests?child=Binh", 200, func(t *testing.T, r resp) {
			var rs []apitype.Request
			r.decode(t, &rs)
			if len(rs) != 1 || rs[0].Child != "An" {
				t.Errorf("requests %+v; want An's one", rs)
			}
		}},
		{"An cannot read Binh's rules", "/v1/children/Binh/policy", 403, nil},
		{"An reads An's rules", "/v1/children/An/policy", 200, nil},
		{"An's status shows An only", "/v1/status", 200, func(t *testing.T, r resp) {
			var s apitype.Status
			r.decode(t, &s)
			if len(s.Children) != 1 || s.Children[0].Name != "An" || s.Role != apitype.RoleChild || s.Pending != 0 {
				t.Errorf("status %+v; want An's only, as a child, no pending count", s)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			r := hs.do(asChild, "GET", tc.path, nil)
			if r.Status != tc.status {
				t.Fatalf("%s; want %d", r, tc.status)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
	// The parent sees both, and the pending count.
	var s apitype.Status
	hs.do(asParent, "GET", "/v1/status", nil).decode(t, &s)
	if len(s.Children) != 2 || s.Pending != 3 {
		t.Errorf("the parent's status %+v; want 2 children and 3 pending", s)
	}
}

// TestAPIErr maps each domain error to its status.
func TestAPIErr(t *testing.T) {
	cases := []struct {
		sentence string
		err      error
		status   int // 0: the error is passed on as it is (a 500)
		code     string
		field    string
		retry    int64
	}{
		{"an API error is kept", api.Conflict("x"), 409, apitype.CodeConflict, "", 0},
		{"a family field error is a 400 naming the field", fmt.Errorf("add: %w", &family.FieldError{Field: "birthYear", Reason: "too old"}), 400, apitype.CodeBadRequest, "birthYear", 0},
		{"a school key's refusal is a 403", &family.RefusedError{Msg: "ask the school"}, 403, apitype.CodeNotAllowed, "", 0},
		{"a wait is a 429 with the seconds to wait, rounded up", &auth.WaitError{Wait: 1500 * time.Millisecond, What: "PINs"}, 429, apitype.CodeRateLimited, "", 2},
		{"a PIN that may not be chosen is a 400 naming the pin", &auth.InvalidPINError{Err: errors.New("too short")}, 400, apitype.CodeBadRequest, "pin", 0},
		{"a wrong PIN is a 403", auth.ErrWrongPIN, 403, apitype.CodeNotAllowed, "", 0},
		{"a wrong code is a 403", fmt.Errorf("grant: %w", auth.ErrWrongCode), 403, apitype.CodeNotAllowed, "", 0},
		{"no PIN yet is a 409", auth.ErrNoPIN, 409, apitype.CodeConflict, "", 0},
		{"a PIN already set is a 409", auth.ErrPINSet, 409, apitype.CodeConflict, "", 0},
		{"no parent code yet is a 409", auth.ErrNoCode, 409, apitype.CodeConflict, "", 0},
		{"a session that cannot be locked is a 409", fmt.Errorf("An: %w", enforce.ErrCannotLock), 409, apitype.CodeConflict, "", 0},
		{"a heartbeat from an account no child has is a 403", ErrNotChild, 403, apitype.CodeNotAllowed, "", 0},
		{"a store validation error is a 400 naming the field", fmt.Errorf("store: %w", &store.ValidationError{Field: "reason", Reason: "too long"}), 400, apitype.CodeBadRequest, "reason", 0},
		{"a store validation error about a missing child is a 404", &store.ValidationError{Field: "child", Reason: "no child", Err: store.ErrNotFound}, 404, apitype.CodeNotFound, "", 0},
		{"a missing thing is a 404", fmt.Errorf("request 9: %w", store.ErrNotFound), 404, apitype.CodeNotFound, "", 0},
		{"a clash in the store is a 409", fmt.Errorf("%w: a child named An exists", store.ErrConflict), 409, apitype.CodeConflict, "", 0},
		{"an answered request is a 409", store.ErrAlreadyAnswered, 409, apitype.CodeConflict, "", 0},
		{"anything else is the daemon's fault", errors.New("disk on fire"), 0, "", "", 0},
	}
	if apiErr(nil) != nil {
		t.Error("apiErr(nil) is not nil")
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			got := apiErr(tc.err)
			var ae *api.Error
			if !errors.As(got, &ae) {
				if tc.status != 0 {
					t.Fatalf("apiErr = %v (%T); want an API error %d", got, got, tc.status)
				}
				if got != tc.err {
					t.Errorf("apiErr = %v; want the error itself", got)
				}
				return
			}
			if ae.Status != tc.status || ae.Body.Code != tc.code || ae.Body.Field != tc.field || ae.Body.RetryAfterSec != tc.retry {
				t.Errorf("apiErr = %d %+v; want %d %s field %q retry %d", ae.Status, ae.Body, tc.status, tc.code, tc.field, tc.retry)
			}
			if ae.Body.Error == "" {
				t.Error("the API error says nothing")
			}
		})
	}
}

// TestHandlersTellTheBackend: the changes the running agent must hear of.
func TestHandlersTellTheBackend(t *testing.T) {
	cases := []struct {
		sentence string
		before   func(hs *harness)
		c        caller
		method   string
		path     string
		body     any
		status   int
		calls    []string
	}{
		{"adding a child reloads the children", nil, asParent, "POST", "/v1/children",
			apitype.AddChildRequest{Name: "Cuc", BirthYear: year - 9, Accounts: []string{"cuc"}}, 200, []string{"Reload"}},
		{"removing a child logs it and reloads", nil, asParent, "DELETE", "/v1/children/Binh", nil, 200, []string{"Record child_removed", "Reload"}},
		{"erasing a child logs it and reloads", nil, asParent, "POST", "/v1/erase", apitype.EraseRequest{Child: "Binh"}, 200, []string{"Record child_erased", "Reload"}},
		{"new rules for a child reload the children", nil, asParent, "PUT", "/v1/children/An/policy", anSpec(`"screen":{"daily":"1h"}`), 200, []string{"Reload"}},
		{"an imported policy reloads the children", nil, asParent, "PUT", "/v1/policy",
			fmt.Sprintf(`{"version":1,"children":[{"name":"Cuc","birthYear":%d,"accounts":["cuc"]}]}`, year-9), 200, []string{"Reload"}},
		{"new help contacts reload the policy", nil, asParent, "PUT", "/v1/settings",
			apitype.Settings{DetailRetentionDays: 30, RollupRetentionDays: 60, Help: []apitype.Contact{{Name: "Bà", Number: "0901"}}}, 200, []string{"Reload", "Record settings_changed"}},
		{"settings without help contacts do not reload", nil, asParent, "PUT", "/v1/settings",
			apitype.Settings{DetailRetentionDays: 30, RollupRetentionDays: 60}, 200, []string{"Record settings_changed"}},
		{"a parent's grant refreshes the child's day", nil, asParent, "POST", "/v1/grant",
			apitype.GrantRequest{Child: "an", Kind: apitype.KindScreen, AddSec: 600}, 200, []string{"Refresh An"}},
		{"an answer refreshes the child's day", func(hs *harness) { hs.ask(asChild) }, asParent, "POST", "/v1/requests/1/answer",
			apitype.AnswerRequest{Approve: true}, 200, []string{"Refresh An"}},
		{"a denial refreshes the child's day too", func(hs *harness) { hs.ask(asChild) }, asParent, "POST", "/v1/requests/1/answer",
			apitype.AnswerRequest{}, 200, []string{"Refresh An"}},
		{"lock now asks the backend to lock, by the parent", nil, asParent, "POST", "/v1/action",
			apitype.ActionRequest{Child: "An", Action: apitype.ActionLock}, 200, []string{"LockNow An mum"}},
		{"pause games asks the backend to pause", nil, asParent, "POST", "/v1/action",
			apitype.ActionRequest{Child: "An", Action: apitype.ActionPauseGames}, 200, []string{"PauseGames An true mum"}},
		{"resume games asks the backend to resume", nil, asAdmin, "POST", "/v1/action",
			apitype.ActionRequest{Child: "An", Action: apitype.ActionResume}, 200, []string{"PauseGames An false dad"}},
		{"a usage report flushes the last seconds first", nil, asChild, "GET", "/v1/usage", nil, 200, []string{"Flush"}},
		{"a sessions report flushes the last seconds first", nil, asParent, "GET", "/v1/sessions?child=An", nil, 200, []string{"Flush"}},
		{"a heartbeat is handed to the backend with the sender's uid", nil, asChild, "POST", "/v1/heartbeat",
			apitype.Heartbeat{IdleSec: 5}, 200, []string{"Heartbeat 50001"}},
		{"a new parent code is logged", nil, asParent, "POST", "/v1/code", nil, 200, []string{"Record code_reset"}},
		{"a heartbeat from a parent's account is refused before the backend", nil, asParent, "POST", "/v1/heartbeat",
			apitype.Heartbeat{}, 403, nil},
		{"a parent cannot ask for time", nil, asParent, "POST", "/v1/requests",
			apitype.AskRequest{Kind: apitype.KindScreen, AddSec: 600}, 403, nil},
		{"a child's rules being read changes nothing", nil, asChild, "GET", "/v1/children/An/policy", nil, 200, nil},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t, options{})
			if tc.before != nil {
				tc.before(hs)
				hs.b.takeCalls()
			}
			r := hs.do(tc.c, tc.method, tc.path, tc.body)
			if r.Status != tc.status {
				t.Errorf("%s; want %d", r, tc.status)
			}
			if got := hs.b.takeCalls(); !slices.Equal(got, tc.calls) {
				t.Errorf("backend calls %q; want %q", got, tc.calls)
			}
		})
	}
}

// TestHandlerAnswers checks what a few handlers answer.
func TestHandlerAnswers(t *testing.T) {
	hs := newHarness(t, options{})
	t.Run("the accounts show which child claims each", func(t *testing.T) {
		var accs []apitype.Account
		hs.do(asParent, "GET", "/v1/accounts", nil).decode(t, &accs)
		got := map[string]string{}
		for _, a := range accs {
			got[a.Name] = fmt.Sprint(a.Child, a.Admin)
		}
		want := map[string]string{"kid": "Anfalse", "kid2": "Binhfalse", "mum": "false", "dad": "true", "cuc": "false"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("account %s: %q; want %q", k, got[k], v)
			}
		}
	})
	t.Run("an added child is answered with their age", func(t *testing.T) {
		var c apitype.Child
		hs.do(asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "Cuc", BirthYear: year - 9, Accounts: []string{"cuc"}}).decode(t, &c)
		if c.Name != "Cuc" || c.Age != 9 || !slices.Equal(c.Accounts, []string{"cuc"}) {
			t.Errorf("child %+v", c)
		}
		var cs []apitype.Child
		hs.do(asParent, "GET", "/v1/children", nil).decode(t, &cs)
		if len(cs) != 3 {
			t.Errorf("children %+v; want 3", cs)
		}
	})
	t.Run("a request is answered with what was granted", func(t *testing.T) {
		rq := hs.ask(asChild)
		if rq.Status != apitype.StatusPending || rq.AddSec != 600 || rq.Child != "An" || rq.Kind != apitype.KindScreen {
			t.Fatalf("asked %+v", rq)
		}
		var out apitype.Request
		hs.do(asParent, "POST", fmt.Sprintf("/v1/requests/%d/answer", rq.ID), apitype.AnswerRequest{Approve: true, AddSec: 300}).decode(t, &out)
		if out.Status != apitype.StatusApproved || out.GrantedSec != 300 || out.AnsweredBy != "mum" {
			t.Errorf("answer %+v; want approved, 300 s by mum", out)
		}
	})
	t.Run("the policy in force is a policy file", func(t *testing.T) {
		r := hs.do(asParent, "GET", "/v1/policy", nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"name": "Cuc"`) || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s", r)
		}
	})
	t.Run("an export is the child's data as JSON", func(t *testing.T) {
		r := hs.do(asParent, "GET", "/v1/export?child=An", nil)
		var doc store.ExportDoc
		r.decode(t, &doc)
		if doc.Child.Name != "An" {
			t.Errorf("export of %q", doc.Child.Name)
		}
	})
	t.Run("the events since a duration ago mark tamper signals", func(t *testing.T) {
		hs.do(asChild, "POST", "/v1/grant", apitype.GrantRequest{Kind: apitype.KindScreen, AddSec: 60, PIN: "x"})
		var evs []apitype.Event
		hs.do(asParent, "GET", "/v1/events?since=1h&child=An", nil).decode(t, &evs)
		found := false
		for _, e := range evs {
			if e.Child != "An" {
				t.Errorf("event of %q in An's events", e.Child)
			}
			if e.Kind == "pin_in_child_session" {
				found = e.Tamper
			}
		}
		if !found {
			t.Errorf("events %+v; want pin_in_child_session marked tamper", evs)
		}
	})
	t.Run("settings are stored and read back with the help contacts", func(t *testing.T) {
		var s apitype.Settings
		hs.do(asParent, "PUT", "/v1/settings", apitype.Settings{DetailRetentionDays: 30, RollupRetentionDays: 365, Language: "en"}).decode(t, &s)
		var got apitype.Settings
		hs.do(asParent, "GET", "/v1/settings", nil).decode(t, &got)
		if got.DetailRetentionDays != 30 || got.RollupRetentionDays != 365 || got.Language != "en" || len(got.Help) == 0 || got.Help[0].Number != "111" {
			t.Errorf("settings %+v", got)
		}
	})
	t.Run("a parent code is 6 digits valid for a while", func(t *testing.T) {
		var c apitype.Code
		hs.do(asParent, "GET", "/v1/code", nil).decode(t, &c)
		if len(c.Code) != 6 || !c.ValidUntil.After(start) {
			t.Errorf("code %+v", c)
		}
	})
	t.Run("logging out revokes the token", func(t *testing.T) {
		if r := hs.do(asParent, "DELETE", "/v1/login", nil); r.Status != 200 {
			t.Fatalf("%s", r)
		}
		if r := hs.do(asParent, "GET", "/v1/children", nil); r.Status != http.StatusForbidden {
			t.Errorf("after logout: %s; want 403", r)
		}
	})
	t.Run("a changed PIN logs every parent out", func(t *testing.T) {
		hs.login()
		dadTok, _, err := hs.b.guard.Login(context.Background(), auth.Who{UID: uidStranger, User: "stranger"}, testPIN)
		if err != nil {
			t.Fatal(err)
		}
		if r := hs.do(asParent, "POST", "/v1/pin", apitype.ChangePINRequest{Old: testPIN, New: "975310"}); r.Status != 200 {
			t.Fatalf("%s", r)
		}
		if hs.b.guard.Parent(hs.token, uidMum) || hs.b.guard.Parent(dadTok, uidStranger) {
			t.Error("a token survived the PIN change")
		}
	})
}

// TestLoginReleasesAGrownUpsAccount: the default profile holds every
// standard account; a grown-up on one proves the PIN and the account is
// theirs for good, while a child a parent named can never log in.
func TestLoginReleasesAGrownUpsAccount(t *testing.T) {
	hs := newHarness(t, options{})
	if err := hs.b.fam.EnsureDefault(context.Background(), "dad"); err != nil {
		t.Fatal(err)
	}
	if err := hs.b.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	asCuc := caller{"cuc", ipc.Peer{UID: uidCuc, Username: "cuc"}, false}
	if child, ok := hs.b.ChildOf(uidCuc); !ok || child != "cuc" {
		t.Fatalf("cuc: child %q %v; want held by the default profile", child, ok)
	}
	var accs []apitype.Account
	hs.do(asParent, "GET", "/v1/accounts", nil).decode(t, &accs)
	for _, a := range accs {
		if a.Name == "cuc" && (a.Child != "" || !a.DefaultProfile) {
			t.Errorf("account cuc %+v; want held by the default profile and free to give a child", a)
		}
		if a.Name == "kid" && (a.Child != "An" || a.DefaultProfile) {
			t.Errorf("account kid %+v; want An's", a)
		}
	}
	if r := hs.do(asChild, "POST", "/v1/login", apitype.LoginRequest{PIN: testPIN}); r.Status != http.StatusForbidden {
		t.Errorf("An (a named child) logging in: %s; want 403", r)
	}
	if r := hs.do(asCuc, "POST", "/v1/login", apitype.LoginRequest{PIN: "999999"}); r.Status == http.StatusOK {
		t.Fatalf("cuc with a wrong PIN: %s", r)
	}
	if _, ok := hs.b.ChildOf(uidCuc); !ok {
		t.Fatal("a wrong PIN released cuc's account")
	}
	r := hs.do(asCuc, "POST", "/v1/login", apitype.LoginRequest{PIN: testPIN})
	if r.Status != http.StatusOK {
		t.Fatalf("cuc with the PIN: %s; want 200", r)
	}
	if child, ok := hs.b.ChildOf(uidCuc); ok {
		t.Errorf("cuc is still the child %q after proving the PIN", child)
	}
	if n := len(hs.events("parent_account")); n != 1 {
		t.Errorf("%d parent_account events; want 1", n)
	}
}
