package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/enforce"
)

// killRecorder is the daemon's actions with KillUser recorded instead of
// done: under Wine every process is the one Wine user's, the test's own
// and the prefix's services included.
type killRecorder struct {
	actions
	mu     sync.Mutex
	killed []uint32
}

func (k *killRecorder) KillUser(_ context.Context, uid uint32, _ time.Duration) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.killed = append(k.killed, uid)
	return 1, nil
}

type eventLog struct {
	mu     sync.Mutex
	kinds  []string
	detail []map[string]any
}

func (e *eventLog) Record(_ context.Context, _, kind string, d map[string]any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.kinds, e.detail = append(e.kinds, kind), append(e.detail, d)
}

// The daemon's log-off on a system whose WTSLogoffSession does nothing
// (Wine's stub; on Windows, a session that is not there): the real call
// fails, the daemon records why and still ends the child's processes
// (DESIGN.md §6, step 5), and nothing crashes.
func TestLogoutFallsBackToKill(t *testing.T) {
	session := "1" // Wine's one session
	if !underWine() {
		session = "65000" // on Windows a real session would be logged off
	}
	acts := &killRecorder{actions: actions{host: &sessionHost{}}}
	ev := &eventLog{}
	e := enforce.New(acts, ev, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	e.StopSession(context.Background(), enforce.Target{Child: "Kid", UIDs: []uint32{4242}, Sessions: []string{session},
		Active: true, Logout: true, Reason: "screen.daily"})
	if len(acts.killed) != 1 || acts.killed[0] != 4242 {
		t.Errorf("after a failed log-off the child's processes were not ended: KillUser %v", acts.killed)
	}
	if len(ev.kinds) != 1 || ev.kinds[0] != "logout" {
		t.Fatalf("events %v, want one logout", ev.kinds)
	}
	msg, _ := ev.detail[0]["error"].(string)
	t.Logf("logout event: %v", ev.detail[0])
	if !strings.Contains(msg, "WTSLogoffSession") {
		t.Errorf("the logout event's error %q does not say WTSLogoffSession failed", msg)
	}
	if underWine() && !strings.Contains(msg, "not implemented") {
		t.Errorf("under Wine the logout event's error %q does not say the call is missing", msg)
	}
}
