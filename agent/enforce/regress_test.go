package enforce_test

// Regression tests of the bugs found while writing locknow_test.go (each fixed; the
// comment says what was wrong).

import (
	"context"
	"testing"

	"github.com/kidtime/kidtime/agent/enforce"
	"github.com/kidtime/kidtime/agent/platform"
)

// Was a bug (enforce.go LockNow): with two sessions of which logind locks one
// and fails the other, LockNow reports via logind and does not ask the
// live companion: the other session stays unlocked while the parent is
// told it is locked. Fix: track whether any session failed; if one did
// and the companion is alive, also set lockNow[child] (via
// "logind+companion"), and fail with ErrCannotLock only when nothing
// locked.
func TestRegressionLockNowPartialLogind(t *testing.T) {
	s := newScene(t)
	s.os.SetSession(platform.Session{ID: "c1", UID: kidUID, Active: true})
	// "c2" is a session logind cannot lock (the fake knows no such session).
	err := s.e.LockNow(context.Background(), enforce.Target{Child: "an", UIDs: []uint32{kidUID}, Sessions: []string{"c1", "c2"}, Companion: true}, "mum")
	if err != nil {
		t.Fatal(err)
	}
	if !s.e.LockRequested("an") {
		t.Errorf("session c2 was not locked and the companion was not asked; event %+v", s.rec.last())
	}
}
