package agenttest_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/rules"
)

// The figures of the hub's yearly report leave the PC in its rollups:
// late-night use (22:00-06:00), a program stopped as it started, the help
// window opened (once within 10 s however often it is said), and the
// report on the hub counts them.
func TestHubReportFigures(t *testing.T) {
	h := runHub(t)
	real := time.Now()
	now := time.Date(real.Year(), real.Month(), real.Day(), 23, 0, 0, 0, time.Local)
	w := agenttest.Start(t, agenttest.Options{Now: now})
	joinWorld(t, h, w, "lab-1")
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	p := fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],
		"allowed":{"daily":["00:00-24:00"]},"apps":[{"match":{"name":"minecraft"},"rule":"block"}]}]}`, now.Year()-11)
	raw, err := rules.Sign([]byte(p), priv, real)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Publish(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the policy applied", func() bool {
		f, err := root(w).Policy(context.Background())
		return err == nil && len(f.Children) == 1 && len(f.Children[0].Apps) == 1
	})
	day := now.Format(time.DateOnly)
	at := func(hhmm string) time.Time {
		tm, _ := time.ParseInLocation("2006-01-02 15:04", day+" "+hhmm, time.Local)
		return tm
	}
	w.History(agenttest.Use{Child: "An", App: "gcompris", Category: "education", Start: at("20:00"), End: at("21:00")},
		agenttest.Use{Child: "An", App: "gcompris", Category: "education", Start: at("22:10"), End: at("22:40")})
	pid := w.OS.Exec(facts.Process{UID: w.UID(agenttest.Kid), Exe: "/usr/games/minecraft"})
	eventually(t, "minecraft stopped as it started", func() bool { return killed(w.OS, pid) })
	kid := w.Client(agenttest.Kid)
	for range 3 {
		if err := kid.HelpOpened(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if err := root(w).HelpOpened(context.Background()); err == nil {
		t.Error("an administrator said the help window was opened; only a child's account may")
	}
	var got wire.Rollup
	eventually(t, "the figures on the hub", func() bool {
		for _, r := range h.Rollups(day) {
			if r.Child == wire.ChildKey("An") {
				got = r
			}
		}
		return got.HelpOpened > 0 && len(got.Blocked) > 0 && got.LateSec > 0
	})
	if got.LateSec < 1790 || got.LateSec > 1810 || got.HelpOpened != 1 || got.Blocked["unknown"] != 1 {
		t.Errorf("the rollup's figures: %+v; want 30 min late, the help window once, one program stopped (category unknown)", got.ReportFigures)
	}
	rep, err := h.Report(context.Background(), day, day, "age")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Children != 1 || rep.Total.LateDays != 1 || rep.Total.HelpOpened != 1 || rep.Total.Blocked["unknown"] != 1 || len(rep.Groups) != 1 || rep.Groups[0].Key != "9-11" {
		t.Errorf("the report: %+v", rep)
	}
}
