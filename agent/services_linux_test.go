package agent_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/internal/ntptest"
	"github.com/kidtime/kidtime/agent/platform"
	"github.com/kidtime/kidtime/agent/platform/fake"
)

// slowKills is the fake OS whose Terminate takes until the agent stops.
type slowKills struct {
	*fake.Platform
	started chan struct{}
	once    sync.Once
}

func (s *slowKills) Terminate(ctx context.Context, pid int, grace time.Duration) error {
	s.once.Do(func() { close(s.started) })
	<-ctx.Done()
	return s.Platform.Terminate(context.Background(), pid, 0)
}

// Nothing the agent starts outlives its Run: a notification still being
// shown and a game still being closed when the agent stops are finished
// (and recorded) before the store closes.
func TestAgentNothingOutlivesShutdown(t *testing.T) {
	w := newWorld(t)
	kills := &slowKills{Platform: w.os, started: make(chan struct{})}
	var inflight atomic.Int32
	notified := make(chan struct{}, 16)
	deps := w.deps()
	deps.Actions = kills
	deps.Notify = func(ctx context.Context, uid uint32, _, _ string) error {
		inflight.Add(1)
		defer inflight.Add(-1)
		notified <- struct{}{}
		<-ctx.Done() // a notification daemon that never answers
		return ctx.Err()
	}
	c, stop := w.startWith(deps)
	setUp(t, c)
	ctx := ctxT(t)
	// A game with no time: it is closed at once; the warnings go to a
	// child without a companion, so the agent notifies.
	if err := c.SetPolicy(ctx, policy(t, fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],
	"screen":{"daily":"1h"},"games":{"daily":"1s"},"allowed":{"daily":["00:00-24:00"]},"warnings":["1s"],"grace":"1s",
	"apps":[{"match":{"name":"kt-game"},"category":"game"}]}]}`, time.Now().Year()-11))); err != nil {
		t.Fatal(err)
	}
	w.os.SetHash("/usr/games/kt-game", sum("kt-game"))
	w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/games/kt-game"})
	select {
	case <-kills.started:
	case <-time.After(15 * time.Second):
		t.Fatal("the game was never closed")
	}
	select {
	case <-notified:
	case <-time.After(5 * time.Second):
		t.Fatal("no notification was started")
	}
	stop()
	if n := inflight.Load(); n != 0 {
		t.Errorf("%d notifications were still being shown after Run returned", n)
	}
	// The closing was recorded before the store closed: a new agent finds it.
	c2, _ := w.start()
	var evs []apitype.Event
	if !eventually(5*time.Second, func() bool { evs = eventsOf(t, c2, "app_closed"); return len(evs) > 0 }) {
		t.Errorf("the game's closing, under way at shutdown, was not recorded")
	}
}

// With no child logged in the agent sleeps (no ticks, no writes); a child's
// program wakes it at once, and time counts from then.
func TestAgentSleepsWhileNoChildIsThere(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	allDay(t, c)
	a := w.agent
	time.Sleep(300 * time.Millisecond) // the tick after the set-up
	before := a.Ticks()
	time.Sleep(time.Second)
	if n := a.Ticks() - before; n > 2 {
		t.Errorf("%d ticks in 1 s with no child logged in (tick 50 ms); want the agent asleep", n)
	}
	w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/xterm"})
	if !eventually(2*time.Second, func() bool { return childStatus(t, c, "An").Active }) {
		t.Fatal("the child's program did not wake the agent")
	}
	before = a.Ticks()
	time.Sleep(time.Second)
	// Awake: a quiet tick (5 ticks, 250 ms) or sooner when a flush is
	// due; asleep would be none (the idle tick is 15 s).
	if n := a.Ticks() - before; n < 2 || n > 15 {
		t.Errorf("%d ticks in 1 s with the child at the PC; want about 4 to 5 (a quiet tick, 250 ms, or a flush)", n)
	}
	if used := childStatus(t, c, "An").ScreenUsedSec; used > 2 {
		t.Errorf("%d s counted after about 1 s at the PC: the time asleep was counted", used)
	}
}

// While a child may not use the PC, a new process of theirs that cannot be
// read (the daemon short of descriptors, say) is forbidden, not allowed.
func TestAgentUnreadableProcessOfABlockedChildIsClosed(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	setOneSecond(t, c)
	w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/xterm"})
	if !eventually(10*time.Second, func() bool { return childStatus(t, c, "An").State == apitype.StateBlocked }) {
		t.Fatalf("the child is not blocked: %+v", childStatus(t, c, "An"))
	}
	w.os.Unreadable("/home/kid/hidden", errors.New("too many open files"))
	pid := w.os.Exec(platform.Process{UID: w.kid, Exe: "/home/kid/hidden"})
	if !eventually(2*time.Second, func() bool { return len(terminated(w.os, pid)) > 0 }) {
		t.Error("a blocked child's unreadable process was let run")
	}
}

// A process that forks and never runs a new program is judged at each
// fork: once the child is logged out for the day, a fork of theirs dies at
// once, not at the next rescan.
func TestAgentForkOfALoggedOutChildDies(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	setOneSecond(t, c)
	hopper := w.os.Exec(platform.Process{UID: w.kid, Exe: "/home/kid/hopper"})
	w.os.Stubborn(hopper) // it survives the logout's kills
	if !eventually(15*time.Second, func() bool { return len(eventsOf(t, c, "logout")) > 0 }) {
		t.Fatal("the child was not logged out")
	}
	at := time.Now()
	pid := w.os.Fork(hopper)
	if !eventually(time.Second, func() bool { return len(terminated(w.os, pid)) > 0 }) {
		t.Fatal("the fork of a logged-out child was let run")
	}
	if took := time.Since(at); took > 300*time.Millisecond {
		t.Errorf("the fork died %v after it appeared; want it at its fork event", took)
	}
}

// A clock set a day forward while the agent was off would start a new day
// with fresh budgets; a reachable time server puts the trusted time back,
// and the parent is told.
func TestAgentClockSetForwardIsPutBackByATimeServer(t *testing.T) {
	w := newWorld(t)
	w.timeServers = []string{ntptest.Serve(t, time.Now)}
	c, stop := w.start()
	setUp(t, c)
	stop()
	// The PC is restarted with the firmware clock moved on: across a reboot
	// nothing on the machine tells this from a real night.
	w.clock.boot.Store("second-boot")
	w.clock.offset.Store(int64(26 * time.Hour))
	c, _ = w.start()
	var evs []apitype.Event
	if !eventually(10*time.Second, func() bool {
		evs = eventsOf(t, c, "clock_jump")
		for _, e := range evs {
			if e.Detail["source"] == "network" {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no clock_jump from the time server; events %+v", evs)
	}
	st, err := c.Status(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(st.Now); d > time.Minute || d < -time.Minute {
		t.Errorf("the trusted time is %v away from the real time; want it put back", d.Round(time.Second))
	}
}

// The child's own companion cannot delay the end: with no login manager to
// lock the session, a heartbeat saying "locked" does not let a blocked
// child start programs; each dies at its exec, and the log says the lock
// was only asked for.
func TestAgentForgedLockedHeartbeatDoesNotLetProgramsStart(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	// Only what follows counts: before An's rules, the default profile
	// held the account, and outside its hours (after 19:30 for an
	// 8-year-old) it logged a "lock" (none needed).
	mark := time.Now()
	setOneSecond(t, c)
	w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/xterm"})
	var st apitype.ChildStatus
	if e := w.asChild("lying-heartbeat", &st); e != nil {
		t.Fatalf("heartbeat refused: %v", e)
	}
	if !eventually(10*time.Second, func() bool { return childStatus(t, c, "An").State == apitype.StateBlocked }) {
		t.Fatalf("the child is not blocked: %+v", childStatus(t, c, "An"))
	}
	if e := w.asChild("lying-heartbeat", &st); e != nil {
		t.Fatalf("heartbeat refused: %v", e)
	}
	at := time.Now()
	pid := w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/games/kt-game"})
	if !eventually(2*time.Second, func() bool { return len(terminated(w.os, pid)) > 0 }) {
		t.Fatal("a blocked child started a program behind a forged 'locked' heartbeat")
	}
	if took := time.Since(at); took > 500*time.Millisecond {
		t.Errorf("the program died %v after its exec; want it at the exec", took)
	}
	since := func(kind string) (n int) {
		for _, e := range eventsOf(t, c, kind) {
			// (the default profile's lock may be written just after mark;
			// An is allowed the whole day, so a lock for the hours is not An's)
			if !e.At.Before(mark) && e.Detail["reason"] != "hours.outside" {
				n++
			}
		}
		return n
	}
	if since("lock") > 0 || since("lock_requested") == 0 {
		t.Errorf("the log says the session was locked: lock %d, lock_requested %d", since("lock"), since("lock_requested"))
	}
}

// allDay lets An use the PC at any hour (the age preset otherwise): tests
// that are not about the hours must pass at any time of day (CI runs in
// the evening, after an 11-year-old's preset hours).
func allDay(t *testing.T, c *client.Client) {
	t.Helper()
	if err := c.SetPolicy(ctxT(t), policy(t, fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],
	"allowed":{"daily":["00:00-24:00"]}}]}`, time.Now().Year()-11))); err != nil {
		t.Fatal(err)
	}
}

// setOneSecond gives An one second of screen time and one of grace: the
// shortest way to a blocked child.
func setOneSecond(t *testing.T, c *client.Client) {
	t.Helper()
	if err := c.SetPolicy(ctxT(t), policy(t, fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],
	"screen":{"daily":"1s"},"allowed":{"daily":["00:00-24:00"]},"warnings":["1s"],"grace":"1s"}]}`, time.Now().Year()-11))); err != nil {
		t.Fatal(err)
	}
}

// The OS's event filter follows the children's accounts: set at each
// reload before their processes are looked for, emptied when the last
// child goes. While the kernel filters, the safety-net scan runs less
// often.
func TestAgentNarrowsProcessEventsToTheChildren(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	var sets [][]uint32
	deps := w.deps()
	deps.WatchAccounts = func(uids []uint32) {
		mu.Lock()
		defer mu.Unlock()
		sets = append(sets, slices.Clone(uids))
	}
	inKernel := atomic.Bool{}
	deps.EventsInKernel = inKernel.Load
	c, _ := w.startWith(deps)
	setUp(t, c)
	last := func() []uint32 {
		mu.Lock()
		defer mu.Unlock()
		if len(sets) == 0 {
			return nil
		}
		return sets[len(sets)-1]
	}
	if !eventually(5*time.Second, func() bool { return slices.Contains(last(), w.kid) }) {
		t.Fatalf("the child's account %d was never given to the filter: %v", w.kid, sets)
	}
	a := w.agent
	every := a.ScanEvery()
	inKernel.Store(true)
	if got := a.ScanEvery(); got <= every {
		t.Errorf("scan every %v with the kernel filtering, %v without; want longer", got, every)
	}
}
