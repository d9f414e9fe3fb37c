package agent_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/platform"
)

// Between quiet ticks nothing is lost or misplaced: a status shows the time
// used as of the moment it is asked, and a game that starts between two
// ticks counts from its exec, not from the tick before.
func TestAgentQuietTicks(t *testing.T) {
	w := newWorld(t)
	w.flushEvery = 10 * time.Second                  // no flush bounds the wait
	c, _ := w.startWithTick(w.deps(), 2*time.Second) // a quiet tick: 4 s
	setUp(t, c)
	if err := c.SetPolicy(ctxT(t), policy(t, fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],
	"screen":{"daily":"3h"},"games":{"daily":"1h"},"allowed":{"daily":["00:00-24:00"]},
	"apps":[{"match":{"name":"kt-game"},"category":"game"}]}]}`, time.Now().Year()-11))); err != nil {
		t.Fatal(err)
	}
	w.os.SetHash("/usr/games/kt-game", sum("kt-game"))
	w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/xterm"})
	if !eventually(10*time.Second, func() bool { return childStatus(t, c, "An").Active }) {
		t.Fatal("the child is not at the PC")
	}
	a := w.agent
	// afterTick waits for the next tick, then d more.
	afterTick := func(d time.Duration) {
		n := a.Ticks()
		for deadline := time.Now().Add(10 * time.Second); a.Ticks() == n; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("no tick in 10 s")
			}
		}
		time.Sleep(d)
	}
	for _, tc := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"a status between two ticks is current", func(t *testing.T) {
			afterTick(100 * time.Millisecond)
			n := a.Ticks()
			first := childStatus(t, c, "An").ScreenUsedSec
			time.Sleep(2500 * time.Millisecond)
			second := childStatus(t, c, "An").ScreenUsedSec
			if a.Ticks() != n {
				t.Skip("a tick came within 2.6 s of the last one (a loaded machine): nothing to judge")
			}
			if got := second - first; got < 2 || got > 3 {
				t.Errorf("a status 2.5 s after another, with no tick between, says %d s more; want 2 or 3", got)
			}
		}},
		{"a game counts from its exec", func(t *testing.T) {
			before := childStatus(t, c, "An").GamesUsedSec
			// 1 s before the next quiet tick, and nothing asked since the
			// last (a status counts up to its moment too).
			afterTick(3 * time.Second)
			started := time.Now()
			w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/games/kt-game"})
			afterTick(500 * time.Millisecond) // the tick that sees the game
			games := childStatus(t, c, "An").GamesUsedSec - before
			ran := time.Since(started)
			t.Logf("game time %d s for a game that ran %v", games, ran.Round(time.Millisecond))
			if d := time.Duration(games)*time.Second - ran; d > time.Second || d < -time.Second-500*time.Millisecond {
				t.Errorf("%d s of game time for a game that ran %v: counted from the tick before its exec?", games, ran.Round(time.Millisecond))
			}
		}},
	} {
		t.Run(tc.name, tc.run)
	}
}

// A burst of a child's new processes has the daemon hand back the memory
// it no longer uses (Deps.Trim) along the way, once per 512 taken in;
// others' processes and a few of the child's do not.
func TestAgentTrimsAfterABurst(t *testing.T) {
	w := newWorld(t)
	var trims atomic.Int64
	deps := w.deps()
	deps.Trim = func() { trims.Add(1) }
	c, _ := w.startWith(deps)
	setUp(t, c)
	if err := c.SetPolicy(ctxT(t), policy(t, fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],
	"allowed":{"daily":["00:00-24:00"]}}]}`, time.Now().Year()-11))); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		uid       uint32
		n         int
		wantTrims int64
	}{
		{"others' processes", 0, 600, 0},
		{"a few of the child's", w.kid, 100, 0},
		{"a burst of the child's", w.kid, 1100, 2}, // 1,200 of theirs in all
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := trims.Load()
			for range tc.n {
				w.os.Exec(platform.Process{UID: tc.uid, Exe: "/usr/bin/sleep"})
			}
			if tc.uid == w.kid && !eventually(10*time.Second, func() bool { return trims.Load()-before >= tc.wantTrims }) {
				t.Fatalf("%d trims after %d of the child's processes; want %d", trims.Load()-before, tc.n, tc.wantTrims)
			}
			time.Sleep(200 * time.Millisecond)
			if got := trims.Load() - before; got != tc.wantTrims {
				t.Errorf("%d trims; want %d", got, tc.wantTrims)
			}
		})
	}
}
