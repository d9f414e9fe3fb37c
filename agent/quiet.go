package agent

import (
	"time"
)

// catchUp counts the time since the last count as the last tick judged
// it, up to now. It runs before whatever changes what counts (a session's
// state, a heartbeat, a child's process) and before a child's status is
// read: the ticks may then be quiet (Config.QuietTick) and still lose or
// misplace nothing, and the time left a status shows is exact.
func (a *Agent) catchUp(now time.Time) {
	a.mu.Lock()
	ps := a.lastPresence
	a.mu.Unlock()
	a.acct.Tick(now, dayOf(now), ps)
}

// sessionsChanged is told by the session source that a session changed
// (logind's signals): the time until now counts as it was, and the ticks
// judge the new state at once.
func (a *Agent) sessionsChanged() {
	if a.acct != nil && a.trusted.Load() {
		a.catchUp(a.now())
	}
	a.poke()
}

// flushBound shortens a wait so that the next tick comes no later than
// the next flush is due while a child is at the PC: a kill -9 loses at
// most FlushEvery of counted time.
func (a *Agent) flushBound(wait time.Duration, now, lastFlush time.Time) time.Duration {
	if !a.anyonePresent() {
		return wait
	}
	if d := lastFlush.Add(a.cfg.FlushEvery).Sub(now); d < wait {
		return max(d, 20*time.Millisecond)
	}
	return wait
}
