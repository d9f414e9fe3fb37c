package agenttest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/platform/fake"
	"github.com/kidtime/kidtime/rules"
)

// approvalWorld is a world with An, 7 (new programs need a parent's yes
// by her age preset), and a parent logged in; gcompris is always allowed.
func approvalWorld(t *testing.T) (*agenttest.World, uint32, func(*agenttest.World, ...string) []apitype.Request) {
	t.Helper()
	w := agenttest.Start(t, agenttest.Options{Now: time.Now().Truncate(24 * time.Hour).Add(10 * time.Hour)})
	ctx := context.Background()
	root := w.Client(agenttest.Root)
	if _, err := root.Setup(ctx, "246810"); err != nil {
		t.Fatal(err)
	}
	year := w.Clock.Wall().Year() - 7
	if _, err := root.AddChild(ctx, apitype.AddChildRequest{Name: "An", BirthYear: year, Accounts: []string{agenttest.Kid}}); err != nil {
		t.Fatal(err)
	}
	if err := root.SetChildPolicy(ctx, "An", rules.Child{Name: "An", BirthYear: year, Accounts: []string{agenttest.Kid},
		Profile: rules.Profile{Preset: "auto", Apps: []rules.AppRule{{Match: rules.Match{Name: "gcompris"}, Rule: rules.RuleAlways}}}}); err != nil {
		t.Fatal(err)
	}
	// list lists the requests once the one for each of paths is filed
	// (right after the kill, on the agent's side).
	list := func(w *agenttest.World, paths ...string) []apitype.Request {
		t.Helper()
		cl := w.Client(agenttest.Root) // one client for the polls: root may hold 16 connections at most
		defer cl.Close()
		for range 100 {
			rs, err := cl.Requests(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			missing := 0
			for _, p := range paths {
				if !slices.ContainsFunc(rs, func(r apitype.Request) bool { return r.App != nil && r.App.Path == p }) {
					missing++
				}
			}
			if missing == 0 {
				return rs
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("no request for %v", paths)
		return nil
	}
	return w, w.UID(agenttest.Kid), list
}

// run starts a program as uid and reports whether the agent killed it
// within a second.
func run(t *testing.T, w *agenttest.World, uid uint32, exe string) bool {
	t.Helper()
	pid := w.OS.Exec(facts.Process{UID: uid, Exe: exe})
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if killed(w.OS, pid) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.OS.Exit(pid)
	return false
}

func killed(os *fake.Platform, pid int) bool {
	for _, a := range os.Actions() {
		if a.Kind == fake.ActTerminate && a.PID == pid {
			return true
		}
	}
	return false
}

func TestNewProgramWaitsForAParent(t *testing.T) {
	w, kid, list := approvalWorld(t)
	ctx := context.Background()
	parent := w.Client(agenttest.Root)

	if run(t, w, kid, "/usr/bin/sleep") {
		t.Fatal("a system program was stopped")
	}
	if run(t, w, kid, "/home/kid/gcompris") {
		t.Fatal("an always-allowed app in the child's home was stopped")
	}
	if !run(t, w, kid, "/home/kid/game") {
		t.Fatal("a program the child copied into her home ran without a parent's yes")
	}
	if !run(t, w, kid, "/home/kid/game") {
		t.Fatal("the second try ran")
	}
	rs := list(w, "/home/kid/game")
	if len(rs) != 1 || rs[0].Kind != apitype.KindApp || rs[0].Status != apitype.StatusPending || rs[0].App == nil ||
		rs[0].App.Name != "game" || rs[0].App.Path != "/home/kid/game" || rs[0].App.Key == "" {
		t.Fatalf("requests after two tries: %+v (want one pending request for game)", rs)
	}
	st, err := w.Client(agenttest.Kid).Status(ctx)
	if err != nil || len(st.Children) != 1 || st.Children[0].AppStopped == nil ||
		st.Children[0].AppStopped.Name != "game" || st.Children[0].AppStopped.Status != apitype.StatusPending {
		t.Fatalf("the child's status does not say why: %+v, %v", st.Children, err)
	}
	if _, err := parent.Answer(ctx, rs[0].ID, apitype.AnswerRequest{Approve: true, AddSec: 60}); err == nil {
		t.Fatal("an answer giving time to a program's request was taken")
	}
	if _, err := parent.Answer(ctx, rs[0].ID, apitype.AnswerRequest{Approve: true}); err != nil {
		t.Fatal(err)
	}
	if run(t, w, kid, "/home/kid/game") {
		t.Fatal("an allowed program was stopped")
	}
	w.OS.SetHash("/tmp/copy-of-game", "sha256-of:/home/kid/game")
	if run(t, w, kid, "/tmp/copy-of-game") {
		t.Fatal("a copy of an allowed program (same content) was stopped")
	}

	if !run(t, w, kid, "/tmp/other") {
		t.Fatal("another new program ran")
	}
	other := list(w, "/tmp/other")[0]
	if _, err := parent.Answer(ctx, other.ID, apitype.AnswerRequest{Approve: false}); err != nil {
		t.Fatal(err)
	}
	if !run(t, w, kid, "/tmp/other") {
		t.Fatal("a refused program ran")
	}
	if n := len(list(w, "/tmp/other")); n != 2 {
		t.Fatalf("%d requests after a refused program's retry, want 2 (no new ask)", n)
	}
	w.Restart()
	if run(t, w, kid, "/home/kid/game") || !run(t, w, kid, "/tmp/other") {
		t.Fatal("the answers did not survive a restart")
	}
	evs, err := parent.Events(ctx, time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range evs {
		if e.Kind == "app_closed" && e.Detail["reason"] == "app.approval" {
			seen["blocked"]++
		} else {
			seen[e.Kind]++
		}
	}
	if seen["blocked"] < 4 || seen["app_request"] != 2 || seen["app_allowed"] != 1 || seen["app_denied"] != 1 {
		t.Fatalf("events: %v", seen)
	}
}

func TestApprovalFollowsThePolicy(t *testing.T) {
	w, kid, list := approvalWorld(t)
	ctx := context.Background()
	root := w.Client(agenttest.Root)
	spec, err := root.ChildPolicy(ctx, "An")
	if err != nil {
		t.Fatal(err)
	}
	off := false
	spec.ApproveNew = &off
	if err := root.SetChildPolicy(ctx, "An", spec); err != nil {
		t.Fatal(err)
	}
	if run(t, w, kid, "/home/kid/game") {
		t.Fatal("with approveNew off, a new program was stopped")
	}
	if n := len(list(w)); n != 0 {
		t.Fatalf("%d requests with the mode off", n)
	}
}

func TestApprovalCapsWaitingPrograms(t *testing.T) {
	w, kid, list := approvalWorld(t)
	for i := range 22 {
		if !run(t, w, kid, "/tmp/p"+string(rune('a'+i))) {
			t.Fatalf("program %d ran", i)
		}
	}
	if n := len(list(w, "/tmp/pa", "/tmp/pt")); n != 20 {
		t.Fatalf("%d requests waiting, want the cap (20)", n)
	}
	var last *apitype.AppStopped
	kc := w.Client(agenttest.Kid) // one client for the polls
	defer kc.Close()
	for range 100 {
		st, err := kc.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if last = st.Children[0].AppStopped; last != nil && last.Status == "full" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the child is not told the list is full: %+v", last)
}
