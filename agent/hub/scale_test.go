package hub_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/hubsync"
	"github.com/kidtime/kidtime/agent/internal/ostest"
)

// TestScaleFanOut joins light simulated PCs (the real client, in this
// process) to one hub and measures how long a signed policy takes to
// reach every one of them, and the usage lag of a rollup from each. A
// normal run uses 20 PCs; KIDTIME_HUB_SCALE=200 simulates a school. The
// figures are logged, not judged, unless the machine is idle: they are
// for the note (a loaded machine measures its load).
func TestScaleFanOut(t *testing.T) {
	if w := ostest.Wine(); w != "" {
		// 20 TLS clients under Wine on 2 shared cores missed the 30 s
		// bound once; the figure is Linux's (and the e2e's 200 PCs)
		t.Skipf("under Wine %s: a scale figure means nothing there", w)
	}
	n := 20
	if v, err := strconv.Atoi(os.Getenv("KIDTIME_HUB_SCALE")); err == nil && v > 0 {
		n = v
	}
	r := startHub(t, t.TempDir(), nil)
	type pc struct {
		creds hubsync.Creds
		got   chan time.Time
		cl    *hubsync.Client
	}
	pcs := make([]*pc, n)
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range pcs {
		pcs[i] = &pc{got: make(chan time.Time, 4)}
		tok := r.invite(t, time.Hour)
		wg.Add(1)
		go func(p *pc, name string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := hubsync.Enrol(context.Background(), tok, name, "linux", "scale")
			if err != nil {
				t.Errorf("enrol %s: %v", name, err)
				return
			}
			p.creds = c
		}(pcs[i], "pc-"+strconv.Itoa(i))
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	enrolled := time.Since(start)
	for _, p := range pcs {
		p := p
		p.cl = connect(t, p.creds, hubsync.Options{OnPolicy: func([]byte) { p.got <- time.Now() }})
	}
	waitFor(t, "every PC connected", 60*time.Second, func() bool {
		for _, p := range pcs {
			if !p.cl.Connected() {
				return false
			}
		}
		return true
	})
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	sent := time.Now()
	if _, err := r.Publish(context.Background(), signed(t, priv, time.Now(), "2h")); err != nil {
		t.Fatal(err)
	}
	var lags []time.Duration
	for i, p := range pcs {
		select {
		case at := <-p.got:
			lags = append(lags, at.Sub(sent))
		case <-time.After(30 * time.Second):
			t.Fatalf("pc-%d did not get the policy within 30 s", i)
		}
	}
	slices.Sort(lags)
	p99 := lags[(len(lags)*99+99)/100-1]

	// Usage lag: each PC publishes a rollup; when has the hub indexed all?
	today := time.Now().Format(time.DateOnly)
	sent = time.Now()
	for _, p := range pcs {
		wg.Add(1)
		go func(cl *hubsync.Client) {
			defer wg.Done()
			if err := cl.PublishRollup(context.Background(), wire.Rollup{Child: wire.ChildKey("An"), Day: today, Rev: 1, ScreenSec: 60}); err != nil {
				t.Errorf("rollup: %v", err)
			}
		}(p.cl)
	}
	wg.Wait()
	waitFor(t, "every rollup indexed", 60*time.Second, func() bool { return len(r.Rollups(today)) == n })
	usageLag := time.Since(sent)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("%d PCs: enrolled in %v; policy fan-out median %v, p99 %v, max %v; %d rollups indexed in %v; Go heap in use %d MiB (hub and the %d clients in one process)",
		n, enrolled.Round(time.Millisecond), lags[len(lags)/2].Round(time.Millisecond), p99.Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond),
		n, usageLag.Round(time.Millisecond), ms.HeapInuse>>20, n)
	if p99 > 5*time.Second {
		t.Errorf("policy fan-out p99 %v; the target is under 5 s", p99)
	}
}
