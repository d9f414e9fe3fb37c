package auth_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/auth"
)

// fakeClock is a settable clock for tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 6, 1, 20, 0, 0, 0, time.UTC)}
}
func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestLimiterDelaysGrow(t *testing.T) {
	clk := newClock()
	l := auth.NewLimiter(clk.Now)
	wantWaits := []time.Duration{0, 0, 1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	for i, want := range wantWaits {
		if wait, ok := l.Allow("1001"); !ok {
			t.Fatalf("attempt %d refused (wait %v) after its delay passed", i+1, wait)
		}
		n, next := l.Fail("1001")
		if n != i+1 || next != want {
			t.Fatalf("failure %d: got (%d, %v), want (%d, %v)", i+1, n, next, i+1, want)
		}
		if want > 0 {
			clk.Add(want / 2)
			wait, ok := l.Allow("1001")
			if ok || wait != want/2 {
				t.Fatalf("halfway through the %v delay: Allow = (%v, %v), want (%v, false)", want, wait, ok, want/2)
			}
			clk.Add(want / 2)
		}
	}
	if _, ok := l.Allow("1002"); !ok {
		t.Error("another key is delayed by 1001's failures")
	}
	l.Success("1001")
	if _, next := l.Fail("1001"); next != 0 {
		t.Errorf("after a success the first failure waits %v, want 0", next)
	}
}

func TestLimiterCap(t *testing.T) {
	clk := newClock()
	l := auth.NewLimiter(clk.Now)
	var next time.Duration
	for range 100 {
		_, next = l.Fail("k")
	}
	if next != auth.MaxDelay {
		t.Errorf("after 100 failures the wait is %v, want the cap %v", next, auth.MaxDelay)
	}
	clk.Add(-time.Hour) // wall clock set back
	if wait, ok := l.Allow("k"); ok || wait != auth.MaxDelay {
		t.Errorf("clock set back: Allow = (%v, %v), want at most the cap %v", wait, ok, auth.MaxDelay)
	}
	clk.Add(time.Hour + auth.ForgetAfter + time.Second)
	if _, next := l.Fail("k"); next != 0 {
		t.Errorf("a day after the last failure the count is not forgotten (next wait %v)", next)
	}
}

func TestLimiterPersists(t *testing.T) {
	clk := newClock()
	l := auth.NewLimiter(clk.Now)
	for range 5 {
		l.Fail("1001") // next wait 4 s
	}
	l.Fail("1002")
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	restarted := auth.NewLimiter(clk.Now)
	if err := json.Unmarshal(b, restarted); err != nil {
		t.Fatal(err)
	}
	if wait, ok := restarted.Allow("1001"); ok || wait != 3*time.Second {
		t.Errorf("after a restart 1001 may try in %v (ok %v), want 3s: killing the agent reset the delay", wait, ok)
	}
	if n, _ := restarted.Fail("1002"); n != 2 {
		t.Errorf("after a restart 1002 has %d failures, want 2", n)
	}
	if err := json.Unmarshal([]byte(`{"x":{"failures":-1}}`), restarted); err == nil {
		t.Error("a negative failure count was accepted")
	}
	if err := json.Unmarshal([]byte(`[1]`), restarted); err == nil {
		t.Error("state that is not an object was accepted")
	}
}
