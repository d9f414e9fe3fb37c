package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentWritersAndReaders runs the agent's heartbeats, the
// console's reports and a CLI answering requests at once. The CLI opens the
// file separately (its own connections, as another process would), so the
// two compete for SQLite's write lock; nobody may see "database is locked".
func TestConcurrentWritersAndReaders(t *testing.T) {
	ctx := context.Background()
	agent, _ := newStore(t)
	cli, err := Open(ctx, agent.Path(), WithLogger(quietLog()), WithNow(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	addChild(t, agent, "An")
	app := addApp(t, agent, "minecraft", "game")

	const heartbeats, requests = 500, 40
	var (
		wg       sync.WaitGroup
		done     = make(chan struct{})
		errs     = make(chan error, 100)
		reads    atomic.Int64
		approved atomic.Int64
		slowest  [2]atomic.Int64 // heartbeat, answer (ns)
	)
	note := func(i int, since time.Time) {
		d := int64(time.Since(since))
		for {
			old := slowest[i].Load()
			if d <= old || slowest[i].CompareAndSwap(old, d) {
				return
			}
		}
	}
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	wg.Add(1)
	go func() { // the agent
		defer wg.Done()
		defer close(done)
		for i := 0; i < heartbeats; i++ {
			start := t0.Add(time.Duration(i) * time.Second)
			for _, k := range []Kind{KindScreen, KindGame} {
				began := time.Now()
				if err := agent.AddUsage(ctx, Interval{Child: "An", AppID: app.ID, Kind: k, Session: "s1", Day: day0, Start: start, End: start.Add(time.Second)}); err != nil {
					report(fmt.Errorf("heartbeat %d: %w", i, err))
					return
				}
				note(0, began)
			}
		}
	}()
	wg.Add(1)
	go func() { // the child asks, the CLI answers
		defer wg.Done()
		for i := 0; i < requests; i++ {
			r, err := agent.AddRequest(ctx, Request{Child: "An", Kind: KindScreen, Amount: time.Minute, Day: day0})
			if err != nil {
				report(fmt.Errorf("request %d: %w", i, err))
				return
			}
			began := time.Now()
			if _, err := cli.Answer(ctx, r.ID, i%2 == 0, 0, "parent"); err != nil {
				report(fmt.Errorf("answer %d: %w", i, err))
				return
			}
			note(1, began)
			if i%2 == 0 {
				approved.Add(1)
			}
		}
	}()
	for _, st := range []*Store{agent, agent, cli, cli} { // the console and the CLI read
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := st.Today(ctx, "An", day0); err != nil {
					report(fmt.Errorf("Today: %w", err))
					return
				}
				if _, err := st.Summary(ctx, "An", "2026-01-01", "2026-12-31", "app"); err != nil {
					report(fmt.Errorf("Summary: %w", err))
					return
				}
				if _, err := st.Requests(ctx, "An", ""); err != nil {
					report(fmt.Errorf("Requests: %w", err))
					return
				}
				reads.Add(3)
			}
		}()
	}
	wg.Wait()
	close(errs)
	t.Logf("slowest heartbeat %v, slowest answer %v (both waited for the other's write lock)",
		time.Duration(slowest[0].Load()), time.Duration(slowest[1].Load()))
	for err := range errs {
		if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "busy") {
			t.Errorf("lock error: %v", err)
		} else {
			t.Error(err)
		}
	}
	u, err := cli.Today(ctx, "An", day0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"every heartbeat was counted once as screen time", u.Screen == heartbeats*time.Second},
		{"every heartbeat was counted once as game time", u.Games == heartbeats*time.Second},
		{"every approval granted its minute", u.GrantedScreen == time.Duration(approved.Load())*time.Minute},
		{"the readers did read while writes went on", reads.Load() > 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("Today = %+v, approved %d, reads %d", u, approved.Load(), reads.Load())
			}
		})
	}
	if pending, err := agent.Requests(ctx, "An", StatusPending); err != nil || len(pending) != 0 {
		t.Errorf("pending requests left: %d, %v", len(pending), err)
	}
	if errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
}
