package enforce_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/enforce"
	"github.com/kidtime/kidtime/agent/platform"
	"github.com/kidtime/kidtime/agent/platform/fake"
)

// TestLockNow: a parent's one-time lock goes through the login manager
// when it can, else through a live companion (asked for lockNowFor), else
// it fails and nothing is logged.
func TestLockNow(t *testing.T) {
	cases := []struct {
		sentence  string
		sessions  []string // the child's sessions the OS knows
		lockFails bool
		companion bool
		wantErr   error
		wantVia   string // the lock_now event's way; "" for no event
		wantActs  []fake.ActionKind
		requested []bool // LockRequested at +0, +19 s, +20 s
	}{
		{"the login manager locks the session", []string{"c1"}, false, false,
			nil, "logind", []fake.ActionKind{fake.ActLockSession}, []bool{false, false, false}},
		{"the login manager locks every session of the child", []string{"c1", "c2"}, false, false,
			nil, "logind", []fake.ActionKind{fake.ActLockSession, fake.ActLockSession}, []bool{false, false, false}},
		{"when the login manager locks, the companion is not asked", []string{"c1"}, false, true,
			nil, "logind", []fake.ActionKind{fake.ActLockSession}, []bool{false, false, false}},
		{"when the login manager fails, a live companion is asked for 20 s", []string{"c1"}, true, true,
			nil, "companion", []fake.ActionKind{fake.ActLockSession}, []bool{true, true, false}},
		{"without a session the OS knows, a live companion is asked", nil, false, true,
			nil, "companion", nil, []bool{true, true, false}},
		{"when the login manager fails and no companion runs, the lock fails", []string{"c1"}, true, false,
			enforce.ErrCannotLock, "", []fake.ActionKind{fake.ActLockSession}, []bool{false, false, false}},
		{"with neither a session nor a companion, the lock fails", nil, false, false,
			enforce.ErrCannotLock, "", nil, []bool{false, false, false}},
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
			err := s.e.LockNow(context.Background(), enforce.Target{Child: "an", UIDs: []uint32{kidUID}, Sessions: tc.sessions, Companion: tc.companion, Active: true}, "mum")
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("LockNow: %v; want %v", err, tc.wantErr)
			}
			if got := s.acts(); !slices.Equal(got, tc.wantActs) {
				t.Errorf("OS actions %v; want %v", got, tc.wantActs)
			}
			kinds := s.rec.kinds()
			if tc.wantVia == "" {
				if len(kinds) != 0 {
					t.Errorf("events %v; want none", kinds)
				}
			} else if ev := s.rec.last(); len(kinds) != 1 || ev.kind != "lock_now" || ev.child != "an" || ev.detail["via"] != tc.wantVia || ev.detail["by"] != "mum" {
				t.Errorf("events %v, last %+v; want one lock_now via %s by mum", kinds, ev, tc.wantVia)
			}
			for i, after := range []time.Duration{0, 19 * time.Second, time.Second} {
				s.clk.add(after)
				if got := s.e.LockRequested("an"); got != tc.requested[i] {
					t.Errorf("LockRequested after %d s = %v; want %v", []int{0, 19, 20}[i], got, tc.requested[i])
				}
				if s.e.LockRequested("binh") {
					t.Error("LockRequested for another child")
				}
			}
			// A one-time lock is not the ladder: the child is not blocked.
			if _, _, blocked := s.e.Blocked("an"); blocked {
				t.Error("LockNow started the enforcement ladder")
			}
		})
	}
}

// TestLockNowAgainRenews: a second lock while the companion is asked
// asks it for another 20 s.
func TestLockNowAgainRenews(t *testing.T) {
	s := newScene(t)
	tg := enforce.Target{Child: "an", UIDs: []uint32{kidUID}, Companion: true}
	ctx := context.Background()
	if err := s.e.LockNow(ctx, tg, "mum"); err != nil {
		t.Fatal(err)
	}
	s.clk.add(15 * time.Second)
	if err := s.e.LockNow(ctx, tg, "dad"); err != nil {
		t.Fatal(err)
	}
	s.clk.add(15 * time.Second)
	if !s.e.LockRequested("an") {
		t.Error("the second lock did not renew the companion's 20 s")
	}
	s.clk.add(5 * time.Second)
	if s.e.LockRequested("an") {
		t.Error("still requested 20 s after the second lock")
	}
	if got := s.rec.kinds(); !slices.Equal(got, []string{"lock_now", "lock_now"}) {
		t.Errorf("events %v; want two lock_now", got)
	}
}
