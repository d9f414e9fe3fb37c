package localapi

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/store"
)

// TestAppRequests: a program waiting for a parent's yes is a request of
// kind "app" on the routes of the asks for time.
func TestAppRequests(t *testing.T) {
	hs := newHarness(t, options{})
	ctx := context.Background()
	file := func(child, name string) store.Request {
		t.Helper()
		r, _, err := hs.b.st.AddAppRequest(ctx, child, store.RequestApp{Key: fmt.Sprintf("%064x", len(name)), Name: name, Path: "/home/kid/" + name}, 20)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	game := file("An", "game")

	t.Run("the parent sees the program", func(t *testing.T) {
		var rs []apitype.Request
		hs.do(asParent, "GET", "/v1/requests?status=pending", nil).decode(t, &rs)
		i := slices.IndexFunc(rs, func(r apitype.Request) bool { return r.ID == game.ID })
		if i < 0 || rs[i].Kind != apitype.KindApp || rs[i].App == nil || rs[i].App.Name != "game" ||
			rs[i].App.Path != "/home/kid/game" || rs[i].App.Key != game.App.Key || rs[i].AddSec != 0 {
			t.Fatalf("requests %+v", rs)
		}
	})
	t.Run("the child sees their own, not their brother's", func(t *testing.T) {
		file("Binh", "other")
		var rs []apitype.Request
		hs.do(asChild, "GET", "/v1/requests", nil).decode(t, &rs)
		for _, r := range rs {
			if r.Child != "An" {
				t.Errorf("An sees %s's request", r.Child)
			}
		}
		if !slices.ContainsFunc(rs, func(r apitype.Request) bool { return r.ID == game.ID }) {
			t.Errorf("An does not see her program's request: %+v", rs)
		}
	})
	t.Run("programs waiting do not stop the child asking for time", func(t *testing.T) {
		for _, n := range []string{"aa", "bbb", "cccc", "ddddd", "eeeeee"} {
			file("An", n)
		}
		r := hs.do(asChild, "POST", "/v1/requests", apitype.AskRequest{Kind: apitype.KindScreen, AddSec: 600})
		if r.Status != 200 {
			t.Fatalf("ask with 6 programs waiting: %s", r)
		}
	})
	t.Run("an answer giving time to a program is refused, naming addSec", func(t *testing.T) {
		r := hs.do(asParent, "POST", fmt.Sprintf("/v1/requests/%d/answer", game.ID), apitype.AnswerRequest{Approve: true, AddSec: 600})
		if r.Status != 400 || r.Err.Field != "addSec" {
			t.Fatalf("%s", r)
		}
	})
	t.Run("a child cannot answer", func(t *testing.T) {
		r := hs.do(asChild, "POST", fmt.Sprintf("/v1/requests/%d/answer", game.ID), apitype.AnswerRequest{Approve: true})
		if r.Status != 403 {
			t.Fatalf("%s", r)
		}
	})
	t.Run("one tap allows it, and the agent is told", func(t *testing.T) {
		hs.b.takeCalls()
		var out apitype.Request
		hs.do(asParent, "POST", fmt.Sprintf("/v1/requests/%d/answer", game.ID), apitype.AnswerRequest{Approve: true}).decode(t, &out)
		if out.Status != apitype.StatusApproved || out.GrantedSec != 0 || out.AnsweredBy != "mum" || out.App == nil {
			t.Fatalf("answer %+v", out)
		}
		if calls := hs.b.takeCalls(); !slices.Contains(calls, "Refresh An") {
			t.Errorf("calls %v; want Refresh An", calls)
		}
		if evs := hs.events("app_allowed"); len(evs) != 1 || evs[0].Detail["app"] != "game" {
			t.Errorf("app_allowed events %+v", evs)
		}
		r := hs.do(asParent, "POST", fmt.Sprintf("/v1/requests/%d/answer", game.ID), apitype.AnswerRequest{Approve: false})
		if r.Status != 409 {
			t.Errorf("a second answer: %s", r)
		}
	})
}
