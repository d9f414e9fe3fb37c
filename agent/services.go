package agent

import (
	"context"
	"os/user"
	"strconv"
	"time"

	"github.com/kidtime/kidtime/agent/clock"
)

// service is one long-lived part of the agent: it serves until its context
// ends, and an error stops the whole agent (the service manager restarts
// it).
type service struct {
	name  string
	serve func(ctx context.Context) error
}

// ticks counts, decides and enforces until ctx ends: every QuietTick while
// a child is at the PC (every Tick while polling the process table), and
// also at the moment the rules said a decision changes next (a warning
// threshold, the end of a budget or of the grace), so limits land on time
// rather than up to a tick late.
func (a *Agent) ticks(ctx context.Context) error {
	timer := time.NewTimer(a.cfg.Tick)
	defer timer.Stop()
	lastFlush, lastStore, lastScan, lastAccounts := a.now(), a.now(), a.now(), a.now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-a.wake:
		}
		now := a.now()
		if !a.anyonePresent() {
			// Coming back from a sleep with nobody at the PC: the time slept
			// is nobody's, count from now.
			a.acct.Tick(now, dayOf(now), nil)
		}
		poll := a.polling.Load()
		if poll || now.Sub(lastScan) >= a.scanEvery() {
			lastScan = now
			if _, err := a.reconcileWith(ctx, !poll); err != nil {
				a.log.Warn("agent: process scan failed", "err", err)
			}
		}
		if now.Sub(lastAccounts) >= 30*time.Second {
			lastAccounts = now
			a.checkNewAccounts(ctx)
		}
		a.tick(ctx, now)
		if a.deps.Pace != nil {
			a.deps.Pace(a.anyonePresent())
		}
		if now.Sub(lastFlush) >= a.cfg.FlushEvery {
			lastFlush = now
			// Most flushes are one pwrite of the checkpoint; the database
			// is written every StoreEvery, or when the checkpoint cannot
			// take it all.
			if now.Sub(lastStore) >= a.cfg.StoreEvery || !a.checkpoint(ctx) {
				lastStore = now
				a.flush(ctx)
			}
		}
		after := a.now()
		timer.Reset(a.flushBound(a.nextWake(after), after, lastFlush))
	}
}

// filteredScanFactor is how much less often the process table is scanned
// while the kernel filters the process events by account (every 2 min):
// the events then miss nothing but what the ring refused, which is counted
// and rescanned at once (Overrun). Listing /proc is the kernel's work, about
// 4 µs a process on the machine whoever owns it (9 ms for 2,070, measured),
// and was most of the idle cost with 2,000 of a child's processes.
const filteredScanFactor = 8

// scanEvery is the period of the safety-net scan of the process table.
func (a *Agent) scanEvery() time.Duration {
	if a.deps.EventsInKernel != nil && a.deps.EventsInKernel() {
		return filteredScanFactor * a.cfg.ReconcileEvery
	}
	return a.cfg.ReconcileEvery
}

// maintenance backs the store up and prunes old data once a day, the first
// time 10 minutes after start (not during start-up).
func (a *Agent) maintenance(ctx context.Context) error {
	wait := 10 * time.Minute
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = 24 * time.Hour
		if _, err := a.st.Backup(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("agent: daily backup failed", "err", err)
		}
		if err := a.st.Prune(ctx, a.now()); err != nil && ctx.Err() == nil {
			a.log.Warn("agent: pruning old data failed", "err", err)
		}
	}
}

// networkClock checks the trusted clock against time servers at start and
// every 6 h: a wall clock set forward in the firmware while the agent was
// off would otherwise start a new day with fresh budgets. Offline, it does
// nothing (and says so at debug level).
func (a *Agent) networkClock(ctx context.Context) error {
	if len(a.cfg.TimeServers) == 0 {
		return nil
	}
	for {
		qctx, cancel := context.WithTimeout(ctx, 6*time.Second)
		ref, server, err := clock.NetworkTime(qctx, a.cfg.TimeServers)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			a.log.Debug("agent: no network time; the clock is trusted as at start", "err", err)
		default:
			if j := a.clk.Rebase(ref, a.startMark.Wall); j != nil {
				a.log.Warn("agent: the clock disagreed with a time server; the trusted time follows the server", "server", server, "jump", j.String())
				a.event(ctx, "", "clock_jump", map[string]any{"wall": j.Wall, "trusted": j.Trusted,
					"deltaSec": int64(j.Delta / time.Second), "source": "network", "server": server})
				a.poke()
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(6 * time.Hour):
		}
	}
}

// note is a desktop notification to show in a child's session.
type note struct {
	child       string
	uid         uint32
	title, body string
}

// notifications shows the agent's notifications one at a time (a child
// with no companion gets the warnings this way).
func (a *Agent) notifications(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case n := <-a.notes:
			nctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if err := a.deps.Notify(nctx, n.uid, n.title, n.body); err != nil {
				a.log.Debug("agent: notification not shown", "child", n.child, "uid", n.uid, "err", err)
			}
			cancel()
		}
	}
}

// flooded records, once an hour per account, that an account's connections
// to the API are refused over the caps: someone tries to exhaust the
// daemon. Enforcement goes on regardless (it needs no connection).
func (a *Agent) flooded(uid uint32, refused int) {
	now := a.now()
	a.mu.Lock()
	if a.floodSeen == nil {
		a.floodSeen = map[uint32]time.Time{}
	}
	last, seen := a.floodSeen[uid]
	if seen && now.Sub(last) < time.Hour {
		a.mu.Unlock()
		return
	}
	a.floodSeen[uid] = now
	child := ""
	if cs, ok := a.byUID[uid]; ok {
		child = cs.rec.Name
	}
	a.mu.Unlock()
	account := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(account); err == nil {
		account = u.Username
	}
	a.Record(context.Background(), child, "connection_flood", map[string]any{"uid": uid, "account": account, "refused": refused})
}
