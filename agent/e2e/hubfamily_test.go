//go:build e2e && linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/hubsync"
	"github.com/kidtime/kidtime/agent/internal/ostest"
)

// The family across PCs (issue 13), end to end: a real hub process, two
// real daemons (the laptop and the kitchen PC), the real CLI. Both daemons
// watch this machine's processes, so the child An has an OS account of her
// own on each "PC" (kte2e-an on the laptop, kte2e-binh on the kitchen PC;
// each daemon's policy names only its own): neither daemon counts or stops
// the other's, as on two real PCs.

// family starts a hub and two joined daemons where An has the screen time
// given (each daemon's own policy, the same child; extra is more of her
// profile's fields).
func family(t *testing.T, daily string, extra ...string) (h *hubProc, laptop, kitchen *daemon) {
	t.Helper()
	ostest.NeedRoot(t)
	h = startHubProc(t, "--family")
	laptop, kitchen = startDaemon(t, t.TempDir()), startDaemon(t, t.TempDir())
	laptop.must("join", h.invite().Token, "--name", "laptop")
	kitchen.must("join", h.invite().Token, "--name", "kitchen")
	for _, p := range []struct {
		d    *daemon
		user string
	}{{laptop, "kte2e-an"}, {kitchen, "kte2e-binh"}} {
		p.d.policy(fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":[%q],
			"screen":{"daily":%q},"allowed":{"daily":["00:00-24:00"]},"warnings":["10s"],"grace":"1s"%s}]}`,
			time.Now().Year()-11, env.users[p.user].name, daily, strings.Join(append([]string{""}, extra...), ",")))
		waitUntil(t, "joined and connected", 15*time.Second, func() bool {
			st := p.d.status()
			return st.Hub != nil && st.Hub.Connected
		})
	}
	return h, laptop, kitchen
}

// The family's budget: An at both PCs at once, 2 minutes a day. Each PC
// stops her when the sum over both reaches the limit; the overshoot is at
// most 30 s (one sync, 15 s, plus a flush and a tick).
func TestHubFamilyBudget(t *testing.T) {
	const limit = 120
	_, laptop, kitchen := family(t, "2m")
	beats := map[*daemon]*exec.Cmd{
		laptop:  startBeat(t, env.users["kte2e-an"], laptop.socket, false),
		kitchen: startBeat(t, env.users["kte2e-binh"], kitchen.socket, false),
	}
	start := time.Now()
	stopped := map[*daemon]time.Duration{}
	for len(stopped) < 2 && time.Since(start) < 4*time.Minute {
		for d, b := range beats {
			if _, done := stopped[d]; done {
				continue
			}
			if c := d.child("An"); c.State == "grace" || c.State == "blocked" {
				// The companion locks the screen (and says so): An's time
				// there stops.
				_ = b.Process.Kill()
				startBeat(t, map[*daemon]account{laptop: env.users["kte2e-an"], kitchen: env.users["kte2e-binh"]}[d], d.socket, true)
				stopped[d] = time.Since(start)
				t.Logf("%s stopped An after %v (she has used %d s across the family there)", map[*daemon]string{laptop: "the laptop", kitchen: "the kitchen PC"}[d], stopped[d].Round(time.Millisecond), c.ScreenUsedSec)
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(stopped) < 2 {
		t.Fatalf("An was not stopped on both PCs within 4 minutes: %v", stopped)
	}
	// Both PCs come to agree on her day (the last rollups): that is the
	// family's sum, counted once.
	var sum int64
	waitUntil(t, "both PCs agree on An's day", 60*time.Second, func() bool {
		a, b := laptop.child("An").ScreenUsedSec, kitchen.child("An").ScreenUsedSec
		if a == b && a == sum {
			return true
		}
		if a == b {
			sum = a
			time.Sleep(3 * time.Second) // and again, once settled
		}
		return false
	})
	over := sum - limit
	t.Logf("the family's sum: %d s for a limit of %d s: overshoot %d s (two PCs at once)", sum, limit, over)
	if over > 30 {
		t.Errorf("An used %d s across two PCs for a %d s limit: %d s over; want at most 30 s", sum, limit, over)
	}
	if sum < limit-2 {
		t.Errorf("An used only %d s of %d s when both PCs stopped her: time was counted twice or lost", sum, limit)
	}
}

// The per-game cap across PCs: the same game at both PCs at once, 40 s a
// day for it. Each PC closes its copy when the game's time over both
// reaches the cap: each ran well under the 41 s one PC alone allows, and
// the game's time over both is at most 30 s past the cap.
func TestHubFamilyPerGame(t *testing.T) {
	const perGame = 40
	_, laptop, kitchen := family(t, "1h", `"games":{"daily":"1h","perGame":"40s"}`,
		`"apps":[{"match":{"name":"kt-game"},"category":"game"}]`)
	games := map[string]*proc{
		"the laptop":     runAs(t, env.users["kte2e-an"], env.game, "300"),
		"the kitchen PC": runAs(t, env.users["kte2e-binh"], env.game, "300"),
	}
	for where, g := range games {
		if !g.exitedWithin(90 * time.Second) {
			t.Fatalf("the game still runs at %s 90 s after starting with 40 s for it", where)
		}
		ran := g.ended.Sub(g.started)
		t.Logf("the game ran %v at %s", ran.Round(time.Millisecond), where)
		if ran > 38*time.Second {
			t.Errorf("the game ran %v at %s: the time at the other PC did not count (one PC alone allows 41 s)", ran, where)
		}
	}
	var sum int64
	waitUntil(t, "both PCs agree on An's game time", 60*time.Second, func() bool {
		a, b := laptop.child("An").GamesUsedSec, kitchen.child("An").GamesUsedSec
		if a == b && a == sum {
			return true
		}
		if a == b {
			sum = a
			time.Sleep(3 * time.Second)
		}
		return false
	})
	t.Logf("the game's time over both PCs: %d s for a cap of %d s: %d s over", sum, perGame, sum-perGame)
	if sum-perGame > 30 {
		t.Errorf("the game ran %d s over both PCs for a %d s cap; want at most 30 s over", sum, perGame)
	}
}

// requestsOn lists a PC's requests as its parent (root) sees them.
func requestsOn(t *testing.T, d *daemon, status string) []apitype.Request {
	t.Helper()
	var rs []apitype.Request
	if err := json.Unmarshal([]byte(d.must("--json", "requests", "--status", status)), &rs); err != nil {
		t.Fatal(err)
	}
	return rs
}

// A child asks on the laptop; a parent at the kitchen PC sees it and
// approves it there; the laptop gives An the time within 2 s. A PC where
// no parent typed the PIN, and a rogue PC with a key of its own, cannot.
func TestHubFamilyRequests(t *testing.T) {
	h, laptop, kitchen := family(t, "1h")
	an := env.users["kte2e-an"]
	ctx := context.Background()
	lc := &client.Client{Socket: laptop.socket, Timeout: 2 * time.Second}
	limitOnLaptop := func() int64 {
		st, err := lc.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range st.Children {
			if c.Name == "An" {
				return c.ScreenLimitSec
			}
		}
		return -1
	}
	ask := func() int64 {
		out, errs, code := laptop.cli(&an, "--json", "ask", "10m", "--reason", "homework")
		var r apitype.Request
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("ask on the laptop: exit %d %q %q", code, out, errs)
		}
		return r.ID
	}
	listed := func(local int64) apitype.Request {
		var got apitype.Request
		waitUntil(t, "the laptop's request listed on the kitchen PC", 10*time.Second, func() bool {
			for _, r := range requestsOn(t, kitchen, "pending") {
				if r.PC == "laptop" && r.Child == "An" && r.AddSec == 600 && r.Reason == "homework" && r.ID%1_000_000 == local {
					got = r
					return true
				}
			}
			return false
		})
		return got
	}

	// No parent has typed the PIN at the kitchen PC: it cannot answer.
	id := ask()
	r := listed(id)
	if _, errs, code := kitchen.cli(nil, "approve", strconv.FormatInt(r.ID, 10)); code == 0 || !strings.Contains(errs, "PIN") {
		t.Errorf("approve with no parent logged in at the kitchen PC: exit %d %q; want refused, asking for the PIN", code, errs)
	}
	// The same PIN on both PCs, typed on each once (set up on the laptop,
	// a login at the kitchen PC).
	for _, d := range []*daemon{laptop, kitchen} {
		if out, errs, code := d.cliIn(nil, "246810\n", "setup", "--pin-stdin"); code != 0 {
			t.Fatalf("setup: exit %d %q %q", code, out, errs)
		}
	}
	if out, errs, code := kitchen.cliIn(nil, "246810\n", "login", "--pin-stdin"); code != 0 {
		t.Fatalf("login at the kitchen PC: exit %d %q %q", code, out, errs)
	}

	// A rogue PC of the hub (its own key, another PIN) answers the
	// laptop's request: refused, and the laptop records it.
	rogue, err := hubsync.Enrol(ctx, h.invite().Token, "rogue", "linux", "test")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := hubsync.Connect(rogue, hubsync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	waitUntil(t, "the rogue PC connected", 10*time.Second, rc.Connected)
	var laptopPC string
	if c, ok, err := hubsync.LoadCreds(laptop.data); err != nil || !ok {
		t.Fatalf("the laptop's credentials: %v %v", ok, err)
	} else {
		laptopPC = c.PC
	}
	forged := wire.Answer{PC: laptopPC, ID: id, Child: wire.ChildKey("An"), Approve: true, AddSec: 4 * 3600, By: "rogue", At: time.Now().UTC()}
	hubsync.SignAnswer(hubsync.FamilyKey("135790", rogue.HubID), rogue.HubID, &forged)
	before := limitOnLaptop()
	if rep, err := rc.Answer(ctx, forged); err == nil || rep.OK {
		t.Errorf("a forged answer from a rogue PC: %+v %v; want refused", rep, err)
	} else if we, ok := err.(*wire.Error); !ok || we.Key != "err.hub.answerForged" {
		t.Errorf("a forged answer: %v; want err.hub.answerForged", err)
	}
	if got := limitOnLaptop(); got != before {
		t.Errorf("a forged answer changed An's limit on the laptop: %d → %d", before, got)
	}
	if evs := laptop.events("answer_refused"); len(evs) == 0 {
		t.Error("the laptop recorded no answer_refused for the forged answer")
	}
	// A genuine answer (the family key itself, as if captured) given to
	// an earlier request of the same number (asked an hour ago, before a
	// reinstall): refused, it is bound to that request's creation.
	replay := wire.Answer{PC: laptopPC, ID: id, Child: wire.ChildKey("An"), Approve: true, AddSec: 600, By: "dad (kitchen)", At: time.Now().Add(-time.Hour).UTC(), Asked: time.Now().Add(-time.Hour).UTC()}
	hubsync.SignAnswer(hubsync.FamilyKey("246810", rogue.HubID), rogue.HubID, &replay)
	if rep, err := rc.Answer(ctx, replay); err == nil || rep.OK {
		t.Errorf("an answer signed an hour ago: %+v %v; want refused", rep, err)
	}
	if got := limitOnLaptop(); got != before {
		t.Errorf("a replayed answer changed An's limit on the laptop: %d → %d", before, got)
	}

	// Answered from the kitchen PC: the laptop gives the time, within 2 s.
	var took []time.Duration
	for i := range 5 {
		if i > 0 {
			id = ask()
			r = listed(id)
		}
		before := limitOnLaptop()
		start := time.Now()
		out, errs, code := kitchen.cli(nil, "--json", "approve", strconv.FormatInt(r.ID, 10))
		if code != 0 {
			t.Fatalf("approve on the kitchen PC: exit %d %q %q", code, out, errs)
		}
		for limitOnLaptop() != before+600 {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("the laptop did not give An the 10 minutes within 10 s (limit %d, was %d)", limitOnLaptop(), before)
			}
			time.Sleep(5 * time.Millisecond)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	p50, worst := took[len(took)/2], took[len(took)-1]
	t.Logf("approved at the kitchen PC → An's time on the laptop: p50 %v, max %v over %d runs (including the CLI's start)", p50.Round(time.Millisecond), worst.Round(time.Millisecond), len(took))
	bound := 2 * time.Second
	if load, high := overloaded(); high {
		bound = 5 * time.Second // a machine this busy delays any process
		t.Logf("load %.1f: judged against %v", load, bound)
	}
	if worst > bound {
		t.Errorf("an answer took %v to reach the laptop; want within %v", worst, bound)
	}
	// The laptop's list says who answered, and the kitchen PC's shows it
	// answered.
	var rs []apitype.Request
	if err := json.Unmarshal([]byte(laptop.must("--json", "requests", "--status", "approved")), &rs); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 5 || !strings.Contains(rs[0].AnsweredBy, "(kitchen)") {
		t.Errorf("the laptop's approved requests: %+v; want 5, answered at the kitchen PC", rs)
	}
	waitUntil(t, "the kitchen PC lists the answered requests", 20*time.Second, func() bool {
		n := 0
		for _, r := range requestsOn(t, kitchen, "approved") {
			if r.PC == "laptop" {
				n++
			}
		}
		return n == 5
	})

	// The laptop off: the kitchen PC's answer is kept by the hub, and the
	// laptop takes it when it is back, once.
	id = ask()
	r = listed(id)
	before = limitOnLaptop()
	refusedBefore := len(laptop.events("answer_refused"))
	laptop.stop()
	out, errs, code := kitchen.cli(nil, "--json", "approve", strconv.FormatInt(r.ID, 10))
	var kept apitype.Request
	if code != 0 || json.Unmarshal([]byte(out), &kept) != nil || !kept.Kept || kept.Status != apitype.StatusPending {
		t.Fatalf("approve at the kitchen PC with the laptop off: exit %d %q %q; want the answer kept, the request still waiting", code, out, errs)
	}
	if out, _, code := kitchen.cli(nil, "approve", strconv.FormatInt(r.ID, 10)); code != 0 || !strings.Contains(out, "keeps the answer") {
		t.Errorf("approve again, as a person reads it: exit %d %q; want it said that the hub keeps the answer", code, out)
	}
	start := time.Now()
	laptop.start()
	waitUntil(t, "the laptop, back, took the kept answer", 30*time.Second, func() bool { return limitOnLaptop() == before+600 })
	t.Logf("laptop started again → the kept answer taken in %v (daemon start included)", time.Since(start).Round(time.Millisecond))
	// Once: a restart hands the kept answers again, and changes nothing.
	laptop.stop()
	laptop.start()
	waitUntil(t, "the laptop connected again", 15*time.Second, func() bool { st := laptop.status(); return st.Hub != nil && st.Hub.Connected })
	time.Sleep(3 * time.Second) // the collect at the connect
	if got := limitOnLaptop(); got != before+600 {
		t.Errorf("after a second start An's limit on the laptop is %d; want %d (the kept answers counted once)", got, before+600)
	}
	if n := len(laptop.events("answer_refused")); n != refusedBefore {
		t.Errorf("the laptop recorded %d answer_refused events for the kept answers (two of the same); want none", n-refusedBefore)
	}
	waitUntil(t, "the kitchen PC lists the kept answer taken", 20*time.Second, func() bool {
		for _, q := range requestsOn(t, kitchen, "approved") {
			if q.ID == r.ID {
				return true
			}
		}
		return false
	})
}
