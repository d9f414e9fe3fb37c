package enforce_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/enforce"
	"github.com/kidtime/kidtime/agent/platform"
	"github.com/kidtime/kidtime/agent/platform/fake"
)

// events records what the enforcer tells the parent.
type events struct {
	mu  sync.Mutex
	got []event
}

type event struct {
	child, kind string
	detail      map[string]any
}

func (r *events) Record(_ context.Context, child, kind string, detail map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, event{child, kind, detail})
}

func (r *events) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.got {
		out = append(out, e.kind)
	}
	return out
}

func (r *events) last() event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) == 0 {
		return event{}
	}
	return r.got[len(r.got)-1]
}

// waitFor waits until n events were recorded (CloseApp works in the background).
func (r *events) waitFor(t *testing.T, n int) []event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		if len(r.got) >= n {
			out := slices.Clone(r.got)
			r.mu.Unlock()
			return out
		}
		r.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("only %v recorded; want %d events", r.kinds(), n)
	return nil
}

// clock is a hand-moved clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

const kidUID = 5001

type scene struct {
	os  *fake.Platform
	rec *events
	clk *clock
	e   *enforce.Enforcer
}

func newScene(t *testing.T) *scene {
	t.Helper()
	clk := &clock{now: time.Date(2025, 3, 1, 20, 0, 0, 0, time.UTC)}
	os := fake.New()
	os.Now = clk.Now
	rec := &events{}
	e := enforce.New(os, rec, nil, clk.Now)
	e.Escalate = 30 * time.Second
	e.KillGrace = 3 * time.Second
	os.Exec(platform.Process{UID: kidUID, Exe: "/usr/bin/xterm"})
	os.Exec(platform.Process{UID: kidUID, Exe: "/usr/games/supertux"})
	os.Exec(platform.Process{UID: 1000, Exe: "/usr/bin/parent-editor"})
	return &scene{os: os, rec: rec, clk: clk, e: e}
}

// acts is the kinds of the OS actions taken, in order.
func (s *scene) acts() []fake.ActionKind {
	var out []fake.ActionKind
	for _, a := range s.os.Actions() {
		out = append(out, a.Kind)
	}
	return out
}

func (s *scene) target(sessions []string, companion, active, logout bool) enforce.Target {
	return enforce.Target{Child: "an", UIDs: []uint32{kidUID}, Sessions: sessions,
		Companion: companion, Active: active, Logout: logout, Reason: "screen.spent"}
}

func TestStopSessionLadder(t *testing.T) {
	L, TS, KU := fake.ActLockSession, fake.ActTerminateSession, fake.ActKillUser
	type step struct {
		after  time.Duration // clock moved before the call
		active bool
	}
	cases := []struct {
		sentence  string
		sessions  []string
		companion bool
		logout    bool
		lockFails bool
		steps     []step
		wantActs  []fake.ActionKind
		wantKinds []string
		wantVia   string
	}{
		{"a logind session is locked once and left alone while the lock holds",
			[]string{"c1"}, false, false, false,
			[]step{{0, true}, {time.Second, false}, {40 * time.Second, false}},
			[]fake.ActionKind{L}, []string{"lock"}, "logind"},
		{"a locked session still in use after Escalate is terminated and the child's processes killed",
			[]string{"c1"}, false, false, false,
			[]step{{0, true}, {10 * time.Second, true}, {20 * time.Second, true}},
			[]fake.ActionKind{L, TS, KU}, []string{"lock", "lock_failed", "logout"}, "killed"},
		{"a lock that fails logs the child out at once",
			[]string{"c1"}, false, false, true,
			[]step{{0, true}},
			[]fake.ActionKind{L, TS, KU}, []string{"lock_failed", "logout"}, "killed"},
		{"a live companion is asked to lock the screen: no OS action, and the log says asked, not locked",
			nil, true, false, false,
			[]step{{0, true}, {2 * time.Second, true}},
			nil, []string{"lock_requested"}, "companion"},
		{"a companion whose child goes on using the PC: within seconds the lock is recorded as failed, and their processes killed",
			nil, true, false, false,
			[]step{{0, true}, {3 * time.Second, true}},
			[]fake.ActionKind{KU}, []string{"lock_requested", "lock_failed", "logout"}, "killed"},
		{"with no way to lock, an active child is logged out at once",
			nil, false, false, false,
			[]step{{0, true}},
			[]fake.ActionKind{KU}, []string{"logout"}, "killed"},
		{"with no way to lock, an idle child needs nothing until they come back",
			nil, false, false, false,
			[]step{{0, false}, {10 * time.Second, false}},
			nil, []string{"lock"}, "idle"},
		{"the logout policy logs out instead of locking",
			[]string{"c1"}, false, true, false,
			[]step{{0, true}},
			[]fake.ActionKind{TS, KU}, []string{"logout"}, "killed"},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			s := newScene(t)
			for _, id := range tc.sessions {
				s.os.SetSession(platform.Session{ID: id, UID: kidUID, Active: true})
			}
			if tc.lockFails {
				s.os.Fail(fake.ActLockSession, errors.New("no screen locker"))
			}
			ctx := context.Background()
			for _, st := range tc.steps {
				s.clk.add(st.after)
				s.e.StopSession(ctx, s.target(tc.sessions, tc.companion, st.active, tc.logout))
			}
			if got := s.acts(); !slices.Equal(got, tc.wantActs) {
				t.Errorf("OS actions %v; want %v", got, tc.wantActs)
			}
			if got := s.rec.kinds(); !slices.Equal(got, tc.wantKinds) {
				t.Errorf("events %v; want %v", got, tc.wantKinds)
			}
			since, via, ok := s.e.Blocked("an")
			if !ok || via != tc.wantVia || !since.Equal(time.Date(2025, 3, 1, 20, 0, 0, 0, time.UTC)) {
				t.Errorf("Blocked = %v %q %v; want since the first call, via %q", since, via, ok, tc.wantVia)
			}
			if slices.Contains(tc.wantActs, KU) {
				for _, a := range s.os.Actions() {
					if a.Kind == KU && a.UID != kidUID {
						t.Errorf("killed the processes of uid %d", a.UID)
					}
				}
				if ps, _ := s.os.ScanProcs(); len(ps) != 1 || ps[0].UID != 1000 {
					t.Errorf("processes left: %+v; want only the parent's", ps)
				}
			}
		})
	}
}

func TestStopSessionRelogin(t *testing.T) {
	s := newScene(t)
	ctx := context.Background()
	s.e.StopSession(ctx, s.target(nil, false, true, false)) // logged out at once
	before := len(s.os.Actions())
	// The child logs in again: new processes appear while blocked.
	s.os.Exec(platform.Process{UID: kidUID, Exe: "/usr/bin/xterm"})
	s.clk.add(time.Second)
	s.e.StopSession(ctx, s.target(nil, false, true, false))
	acts := s.os.Actions()[before:]
	if len(acts) != 1 || acts[0].Kind != fake.ActKillUser {
		t.Fatalf("after a new login: %+v; want one kill of the child's processes", acts)
	}
	if ev := s.rec.last(); ev.kind != "logout" || ev.detail["why"] != "relogin" || ev.detail["killed"] != 1 {
		t.Errorf("last event %+v; want a relogin logout that killed 1", ev)
	}
}

func TestReleaseResetsLadder(t *testing.T) {
	s := newScene(t)
	s.os.SetSession(platform.Session{ID: "c1", UID: kidUID, Active: true})
	ctx := context.Background()
	tg := s.target([]string{"c1"}, false, true, false)
	s.e.StopSession(ctx, tg)
	s.e.Release("an")
	if _, _, ok := s.e.Blocked("an"); ok {
		t.Error("still blocked after Release")
	}
	// Time was granted; much later the time is spent again: a fresh lock,
	// not an escalation from the old lock time.
	s.clk.add(time.Hour)
	s.e.StopSession(ctx, tg)
	if got := s.acts(); !slices.Equal(got, []fake.ActionKind{fake.ActLockSession, fake.ActLockSession}) {
		t.Errorf("OS actions %v; want two locks and no logout", got)
	}
}

func TestCloseApp(t *testing.T) {
	cases := []struct {
		sentence string
		stubborn bool
		kind     string
	}{
		{"a closed app is recorded with its pid, app and reason", false, "app_closed"},
		{"an app that survives SIGKILL is recorded as a failure with the error", true, "close_failed"},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			s := newScene(t)
			pid := s.os.Exec(platform.Process{UID: kidUID, Exe: "/usr/games/game"})
			if tc.stubborn {
				s.os.Stubborn(pid)
			}
			s.e.CloseApp(context.Background(), "an", []int{pid}, "game", "games.spent")
			evs := s.rec.waitFor(t, 1)
			ev := evs[0]
			if ev.child != "an" || ev.kind != tc.kind || ev.detail["pid"] != pid || ev.detail["app"] != "game" || ev.detail["reason"] != "games.spent" {
				t.Errorf("event %+v; want %s for pid %d", ev, tc.kind, pid)
			}
			if _, hasErr := ev.detail["error"]; hasErr != tc.stubborn {
				t.Errorf("error in detail = %v; want %v", hasErr, tc.stubborn)
			}
			acts := s.os.Actions()
			if len(acts) != 1 || acts[0].Kind != fake.ActTerminate || acts[0].PID != pid || acts[0].Grace != 3*time.Second {
				t.Errorf("actions %+v; want one Terminate of %d with the kill grace", acts, pid)
			}
			if _, err := s.os.ReadProc(pid); (err == nil) != tc.stubborn {
				t.Errorf("process alive = %v; want %v", err == nil, tc.stubborn)
			}
		})
	}
}

// slowActions blocks Terminate until released, to catch double closes.
type slowActions struct {
	*fake.Platform
	release chan struct{}
	mu      sync.Mutex
	calls   int
}

func (s *slowActions) Terminate(ctx context.Context, pid int, grace time.Duration) error {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	<-s.release
	return s.Platform.Terminate(ctx, pid, grace)
}

func TestCloseAppOnceWhileClosing(t *testing.T) {
	act := &slowActions{Platform: fake.New(), release: make(chan struct{})}
	rec := &events{}
	e := enforce.New(act, rec, nil, time.Now)
	pid := act.Exec(platform.Process{UID: kidUID, Exe: "/usr/games/game"})
	ctx := context.Background()
	e.CloseApp(ctx, "an", []int{pid}, "game", "games.spent")
	e.CloseApp(ctx, "an", []int{pid}, "game", "games.spent") // next tick, still closing
	deadline := time.Now().Add(5 * time.Second)
	for {
		act.mu.Lock()
		n := act.calls
		act.mu.Unlock()
		if n >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(act.release)
	rec.waitFor(t, 1)
	time.Sleep(20 * time.Millisecond)
	act.mu.Lock()
	defer act.mu.Unlock()
	if act.calls != 1 {
		t.Errorf("Terminate called %d times for one pid being closed; want 1", act.calls)
	}
	if n := len(rec.kinds()); n != 1 {
		t.Errorf("%d events; want 1", n)
	}
}

func TestKillNow(t *testing.T) {
	cases := []struct {
		sentence string
		stubborn bool
		kind     string
	}{
		{"a relaunch is killed at once, synchronously, without grace", false, "app_closed"},
		{"a kill that fails is an error and a close_failed event", true, "close_failed"},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			s := newScene(t)
			pid := s.os.Exec(platform.Process{UID: kidUID, Exe: "/usr/games/game"})
			if tc.stubborn {
				s.os.Stubborn(pid)
			}
			err := s.e.KillNow(context.Background(), "an", pid, "game", "games.spent")
			if (err != nil) != tc.stubborn {
				t.Fatalf("KillNow error = %v; want error %v", err, tc.stubborn)
			}
			// Synchronous: the event is there when KillNow returns.
			ev := s.rec.last()
			if ev.kind != tc.kind || ev.detail["onExec"] != true || ev.detail["pid"] != pid {
				t.Errorf("event %+v; want %s on exec", ev, tc.kind)
			}
			acts := s.os.Actions()
			if len(acts) != 1 || acts[0].Kind != fake.ActTerminate || acts[0].Grace != 0 {
				t.Errorf("actions %+v; want one Terminate with no grace", acts)
			}
		})
	}
}

// The parent is told when a child who goes on using the PC will be logged
// out; nothing is announced once they are, or while they are away.
func TestLogoutAt(t *testing.T) {
	now := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	clk := func() time.Time { return now }
	e := enforce.New(fake.New(), &events{}, nil, clk)
	if at := e.LogoutAt("an"); !at.IsZero() {
		t.Errorf("before any lock: %v; want none", at)
	}
	e.StopSession(context.Background(), enforce.Target{Child: "an", UIDs: []uint32{5001}, Companion: true, Active: true})
	if at := e.LogoutAt("an"); !at.Equal(now.Add(e.CompanionEscalate)) {
		t.Errorf("after the companion was asked to lock: %v; want %v", at, now.Add(e.CompanionEscalate))
	}
	now = now.Add(e.CompanionEscalate + time.Second)
	e.StopSession(context.Background(), enforce.Target{Child: "an", UIDs: []uint32{5001}, Companion: true, Active: true})
	if at := e.LogoutAt("an"); !at.IsZero() {
		t.Errorf("after the logout: %v; want none", at)
	}
}
