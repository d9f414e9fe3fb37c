package agent_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/platform"
)

// BenchmarkTick is one tick of the agent's loop (count, decide, enforce)
// with one child active at the PC in a logind session, running about 600
// processes, one of them a game. It is the figure the agent's house issue
// compares across the old and the new middle (allocations per tick).
func BenchmarkTick(b *testing.B) {
	w := newWorld(b)
	w.os.SetSession(platform.Session{ID: "s1", UID: w.kid, Active: true, Class: "user", State: "active"})
	c, _ := w.startWithTick(withLogind(w.deps(), w.os), time.Hour)
	setUp(b, c)
	ctx := context.Background()
	body := fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],
	"screen":{"daily":"10h"},"games":{"daily":"9h"},"allowed":{"daily":["00:00-24:00"]},
	"apps":[{"match":{"name":"kt-game"},"category":"game"}]}]}`, time.Now().Year()-11)
	if err := c.SetPolicy(ctx, policy(b, body)); err != nil {
		b.Fatalf("policy: %v", err)
	}
	w.os.SetHash("/usr/games/kt-game", sum("kt-game"))
	w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/games/kt-game"})
	for i := range 599 {
		exe := fmt.Sprintf("/usr/bin/tool%d", i%40)
		w.os.SetHash(exe, sum(exe))
		w.os.Exec(platform.Process{UID: w.kid, Exe: exe})
	}
	// The exec events are taken in, and a tick finds the child at the PC.
	if !eventually(10*time.Second, func() bool { w.agent.TickNow(ctx); return childStatus(b, c, "An").Active }) {
		b.Fatalf("the child is not active: %+v", childStatus(b, c, "An"))
	}
	b.ReportAllocs()
	for b.Loop() {
		w.agent.TickNow(ctx)
	}
}
