package agenttest_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/hubsync"
)

// An answer to a PC that is off (issue 13): a parent at the kitchen PC
// approves a request asked on the laptop while the laptop's agent is
// stopped; the hub keeps the answer, and the laptop takes it when it runs
// again, once (a second start hands it again and changes nothing). A kept
// answer signed with another PIN's key is refused and recorded.
func TestKeptAnswerForAPCThatIsOff(t *testing.T) {
	const pin = "246813"
	h := runHub(t)
	kitchen, laptop := agenttest.Start(t, agenttest.Options{}), agenttest.Start(t, agenttest.Options{})
	joinWorld(t, h, kitchen, "kitchen")
	joinWorld(t, h, laptop, "laptop")
	ctx := context.Background()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := h.Publish(ctx, signPolicy(t, priv, time.Now(), "1h")); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*agenttest.World{kitchen, laptop} {
		eventually(t, "the policy applied", func() bool { return dailyOf(t, root(w)) == "1h" })
		if _, err := root(w).Setup(ctx, pin); err != nil { // the same PIN on both
			t.Fatal(err)
		}
	}
	mum := kitchen.Client(agenttest.Mum)
	if _, err := mum.Login(ctx, pin); err != nil {
		t.Fatal(err)
	}
	limit := func() int64 {
		st, err := root(laptop).Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range st.Children {
			if c.Name == "An" {
				return c.ScreenLimitSec
			}
		}
		return -2
	}
	refused := func() int {
		evs, err := root(laptop).Events(ctx, time.Time{}, "")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range evs {
			if e.Kind == "answer_refused" {
				n++
			}
		}
		return n
	}
	// ask asks on the laptop and returns the request as the kitchen PC
	// lists it.
	ask := func(sec int64) (local, remote apitype.Request) {
		t.Helper()
		local, err := laptop.Client(agenttest.Kid).Ask(ctx, apitype.AskRequest{Kind: apitype.KindScreen, AddSec: sec})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the laptop's request listed on the kitchen PC", func() bool {
			rs, err := mum.Requests(ctx, apitype.StatusPending)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.PC == "laptop" && r.ID%1_000_000 == local.ID {
					remote = r
					return true
				}
			}
			return false
		})
		return local, remote
	}
	connected := func(w *agenttest.World) func() bool {
		return func() bool { s := hubStatus(t, root(w)); return s != nil && s.Connected }
	}

	local, remote := ask(600)
	before := limit()
	laptop.Stop()
	got, err := mum.Answer(ctx, remote.ID, apitype.AnswerRequest{Approve: true})
	if err != nil || !got.Kept || got.Status != apitype.StatusPending || got.PC != "laptop" {
		t.Fatalf("approve at the kitchen PC with the laptop off: %+v %v; want the answer kept, the request still pending", got, err)
	}
	start := time.Now()
	laptop.Restart()
	eventually(t, "the laptop took the kept answer", func() bool { return limit() == before+600 })
	t.Logf("the laptop started again → the kept answer taken in %v", time.Since(start).Round(time.Millisecond))
	rs, err := root(laptop).Requests(ctx, apitype.StatusApproved)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].ID != local.ID || rs[0].AnsweredBy != "mum (kitchen)" {
		t.Errorf("the laptop's approved requests: %+v; want request %d, answered by mum at the kitchen PC", rs, local.ID)
	}
	eventually(t, "the kitchen PC lists it approved", func() bool {
		rs, _ := mum.Requests(ctx, apitype.StatusApproved)
		for _, r := range rs {
			if r.ID == remote.ID {
				return true
			}
		}
		return false
	})
	// A second start: the hub hands the kept answer again; it is taken
	// once, and it is no refusal.
	laptop.Restart()
	eventually(t, "the laptop connected again", connected(laptop))
	time.Sleep(2 * time.Second) // the collect at the connect
	if l := limit(); l != before+600 {
		t.Errorf("after a second start An's limit is %d; want %d (the answer counted once)", l, before+600)
	}
	if n := refused(); n != 0 {
		t.Errorf("%d answer_refused events for a kept answer taken already; want none", n)
	}

	// A rogue PC of the hub (another PIN's key) answers the laptop's next
	// request while it is off: the hub keeps it, the laptop refuses it.
	local, remote = ask(900)
	creds, ok, err := hubsync.LoadCreds(laptop.Data)
	if err != nil || !ok {
		t.Fatalf("the laptop's hub credentials: %v %v", ok, err)
	}
	tok, err := h.Invite("rogue", time.Hour, h.Addr())
	if err != nil {
		t.Fatal(err)
	}
	rogue, err := hubsync.Enrol(ctx, tok.String(), "rogue", "linux", "test")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := hubsync.Connect(rogue, hubsync.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	eventually(t, "the rogue PC connected", rc.Connected)
	before = limit()
	laptop.Stop()
	forged := wire.Answer{PC: creds.PC, ID: local.ID, Child: wire.ChildKey("An"), Approve: true, AddSec: 4 * 3600, By: "rogue",
		At: time.Now().UTC(), Asked: remote.Created}
	hubsync.SignAnswer(hubsync.FamilyKey("135799", rogue.HubID), rogue.HubID, &forged)
	if rep, err := rc.Answer(ctx, forged); err != nil || !rep.Kept {
		t.Fatalf("the rogue's answer to the laptop, off: %+v %v; want kept (the hub cannot judge it)", rep, err)
	}
	laptop.Restart()
	eventually(t, "the laptop recorded the forged kept answer", func() bool { return refused() == 1 })
	if l := limit(); l != before {
		t.Errorf("a forged kept answer changed An's limit: %d → %d", before, l)
	}
	if rs, _ := root(laptop).Requests(ctx, apitype.StatusPending); len(rs) != 1 || rs[0].ID != local.ID {
		t.Errorf("pending on the laptop: %+v; want request %d still waiting", rs, local.ID)
	}
}
