package localapi

import (
	"maps"
	"testing"

	"github.com/kidtime/kidtime/agent/apitype"
)

// The errors a parent or a child can meet carry the key of their sentence
// and its arguments, for the apps to say in the person's language (the
// sentences themselves are checked in assets).
func TestErrorsCarryTheirSentence(t *testing.T) {
	cases := []struct {
		sentence string
		before   func(hs *harness)
		c        caller
		method   string
		path     string
		body     any
		key      string
		args     map[string]string // those given must be there
	}{
		{"a wrong PIN", nil, asMum, "POST", "/v1/login", apitype.LoginRequest{PIN: "135790"}, "err.pin.wrong", nil},
		{"too many wrong PINs, with the wait", func(hs *harness) {
			for _, pin := range []string{"135790", "135791", "135792"} {
				hs.do(asMum, "POST", "/v1/login", apitype.LoginRequest{PIN: pin})
			}
		}, asMum, "POST", "/v1/login", apitype.LoginRequest{PIN: testPIN}, "err.rateLimited", map[string]string{"waitSec": "1"}},
		{"a parent's route for a child", nil, asChild, "GET", "/v1/children", nil, "err.role.parent", map[string]string{"role": "child", "need": "parent"}},
		{"a child's route for a parent", nil, asParent, "POST", "/v1/requests", apitype.AskRequest{Kind: apitype.KindScreen, AddSec: 600}, "err.ask.notChild", nil},
		{"a child that does not exist", nil, asParent, "POST", "/v1/grant", apitype.GrantRequest{Child: "Cuc", Kind: apitype.KindScreen, AddSec: 600}, "err.child.notFound", map[string]string{"name": "Cuc"}},
		{"a child that exists", nil, asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "an", BirthYear: year - 9, Accounts: []string{"cuc"}}, "err.child.exists", map[string]string{"name": "An"}},
		{"an account another child has", nil, asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "Cuc", BirthYear: year - 9, Accounts: []string{"kid"}}, "err.account.taken", map[string]string{"account": "kid"}},
		{"a child born 35 years ago", nil, asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "Cuc", BirthYear: year - 35, Accounts: []string{"cuc"}}, "err.child.age", map[string]string{"age": "35", "field": "birthYear"}},
		{"a child without a name", nil, asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: " ", BirthYear: year - 9, Accounts: []string{"cuc"}}, "err.child.name", map[string]string{"field": "name"}},
		{"a child on an administrator's account", nil, asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "Cuc", BirthYear: year - 9, Accounts: []string{"dad"}}, "err.account.admin", map[string]string{"account": "dad"}},
		{"a child on an account the computer lacks", nil, asParent, "POST", "/v1/children", apitype.AddChildRequest{Name: "Cuc", BirthYear: year - 9, Accounts: []string{"ghost"}}, "err.account.unknown", map[string]string{"account": "ghost"}},
		{"rules with a duration no one can read", nil, asParent, "PUT", "/v1/children/An/policy", anSpec(`"screen":{"daily":"3 ngày"}`), "err.duration", map[string]string{"value": "3 ngày", "field": "screen.daily"}},
		{"rules with a day of 25 hours", nil, asParent, "PUT", "/v1/children/An/policy", anSpec(`"screen":{"daily":"25 giờ"}`), "err.duration.max", map[string]string{"value": "25 giờ"}},
		{"rules with hours that are not hours", nil, asParent, "PUT", "/v1/children/An/policy", anSpec(`"allowed":{"daily":["25:00-26:00"]}`), "err.window", map[string]string{"value": "25:00-26:00"}},
		{"a sixth request while five wait", func(hs *harness) {
			for range 5 {
				hs.ask(asChild)
			}
		}, asChild, "POST", "/v1/requests", apitype.AskRequest{Kind: apitype.KindScreen, AddSec: 600}, "err.ask.full", map[string]string{"max": "5"}},
		{"a request for too long", nil, asChild, "POST", "/v1/requests", apitype.AskRequest{Kind: apitype.KindScreen, AddSec: 5 * 3600}, "err.amount", map[string]string{"maxSec": "14400"}},
		{"the PIN typed in a child's session", nil, asChild, "POST", "/v1/grant", apitype.GrantRequest{Kind: apitype.KindScreen, AddSec: 600, PIN: testPIN}, "err.pin.childSession", nil},
		{"a second answer", func(hs *harness) {
			rq := hs.ask(asChild)
			hs.do(asParent, "POST", "/v1/requests/1/answer", apitype.AnswerRequest{Approve: true})
			_ = rq
		}, asParent, "POST", "/v1/requests/1/answer", apitype.AnswerRequest{Approve: false}, "err.answered", nil},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t, options{})
			if tc.before != nil {
				tc.before(hs)
			}
			r := hs.do(tc.c, tc.method, tc.path, tc.body)
			if r.Err.Key != tc.key || r.Err.Error == "" {
				t.Fatalf("%s; want key %s (and the English sentence)", r, tc.key)
			}
			got := maps.Clone(r.Err.Args)
			for k, v := range tc.args {
				if got[k] != v {
					t.Errorf("%s: argument %s = %q, want %q (args %v)", r, k, got[k], v, got)
				}
			}
		})
	}
}
