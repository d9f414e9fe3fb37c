package enforce

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

type recActions struct {
	mu      sync.Mutex
	lockErr error
	calls   []string
}

func (r *recActions) add(s string) { r.mu.Lock(); r.calls = append(r.calls, s); r.mu.Unlock() }
func (r *recActions) Terminate(context.Context, int, time.Duration) error {
	r.add("terminate")
	return nil
}
func (r *recActions) KillUser(context.Context, uint32, time.Duration) (int, error) {
	r.add("kill-user")
	return 1, nil
}
func (r *recActions) LockSession(context.Context, string) error { r.add("lock"); return r.lockErr }
func (r *recActions) TerminateSession(context.Context, string) error {
	r.add("terminate-session")
	return nil
}

type recEvents struct {
	mu    sync.Mutex
	kinds []string
}

func (r *recEvents) Record(_ context.Context, _, kind string, _ map[string]any) {
	r.mu.Lock()
	r.kinds = append(r.kinds, kind)
	r.mu.Unlock()
}

func TestLockThatTheOSCannotDo(t *testing.T) {
	unsupported := fmt.Errorf("wts: a service cannot lock a session: %w", errors.ErrUnsupported)
	cases := []struct {
		sentence  string
		lockErr   error
		companion bool
		wantVia   string
		wantKill  bool
	}{
		{"an unsupported lock with a companion running leaves it to the companion", unsupported, true, "companion", false},
		{"an unsupported lock with no companion logs the child out", unsupported, false, "killed", true},
		{"a lock that failed for another reason logs the child out", errors.New("dbus: access denied"), true, "killed", true},
		{"a lock that worked is a lock", nil, true, "logind", false},
	}
	for _, c := range cases {
		act := &recActions{lockErr: c.lockErr}
		e := New(act, &recEvents{}, nil, time.Now)
		e.StopSession(context.Background(), Target{Child: "An", UIDs: []uint32{1000}, Sessions: []string{"1"}, Companion: c.companion, Active: true})
		_, via, ok := e.Blocked("An")
		if !ok || via != c.wantVia {
			t.Errorf("%s: via %q, want %q", c.sentence, via, c.wantVia)
		}
		killed := false
		for _, call := range act.calls {
			killed = killed || call == "kill-user"
		}
		if killed != c.wantKill {
			t.Errorf("%s: killed=%v, want %v (calls %v)", c.sentence, killed, c.wantKill, act.calls)
		}
	}
}
