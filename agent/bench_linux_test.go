package agent_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/agent/monitor"
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

// readOnly hides the platform's cheap owner read: the tracker then reads
// every new process in full, as it did before (the baseline).
type readOnly struct{ h platform.Host }

func (r readOnly) ReadProc(pid int) (facts.Process, error)  { return r.h.ReadProc(pid) }
func (r readOnly) ScanProcs() ([]facts.Process, error)      { return r.h.ScanProcs() }
func (r readOnly) ScanOwners() (map[int]uint32, error)      { return r.h.ScanOwners() }
func (r readOnly) HashProc(pid int) (string, string, error) { return r.h.HashProc(pid) }

// BenchmarkExecOtherAccount is the agent's work on an exec event of a
// process that is no child's (a real process of the account nobody, on the
// real /proc): "owner" decides from one stat, "full read" reads the
// process as the tracker did before.
func BenchmarkExecOtherAccount(b *testing.B) {
	ostest.NeedRoot(b)
	sleeper := ostest.StartAs(b, 65534, 65534, "sleep", "600")
	host := platform.Host{Hasher: platform.NewHasher(64)}
	for _, bc := range []struct {
		name string
		src  monitor.ProcessSource
	}{{"owner", host}, {"full read", readOnly{host}}} {
		b.Run(bc.name, func(b *testing.B) {
			tr := monitor.NewTracker(bc.src, host, nothingKnown{}, nil)
			tr.Watch([]uint32{4242424}) // a child's uid: not ours
			pid := sleeper.Process.Pid
			b.ReportAllocs()
			for b.Loop() {
				if e, err := tr.Exec(pid); err != nil || e != nil {
					b.Fatalf("Exec = %v, %v; want nothing tracked", e, err)
				}
			}
		})
	}
}

// BenchmarkExecKill is the fast path as a whole: from a blocked app's exec
// event (the fake OS) to its kill, through the watcher, the tracker, the
// rules and the enforcer.
func BenchmarkExecKill(b *testing.B) {
	w := newWorld(b)
	c, _ := w.startWithTick(w.deps(), time.Hour)
	setUp(b, c)
	body := fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],
	"screen":{"daily":"10h"},"allowed":{"daily":["00:00-24:00"]},
	"apps":[{"match":{"name":"badapp"},"rule":"block"}]}]}`, time.Now().Year()-11)
	if err := c.SetPolicy(context.Background(), policy(b, body)); err != nil {
		b.Fatalf("policy: %v", err)
	}
	w.os.SetHash("/usr/bin/badapp", sum("badapp"))
	b.ResetTimer()
	for b.Loop() {
		pid := w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/badapp"})
		for { // until the fake OS has no such process
			if _, err := w.os.ReadProc(pid); err != nil {
				break
			}
			runtime.Gosched()
		}
	}
}
