//go:build linux

package platform

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// WatchedSessions are logind's sessions kept current from its signals
// (SessionNew, SessionRemoved, PropertiesChanged of Active, LockedHint,
// IdleHint, State...): reading them costs no D-Bus call unless logind said
// something changed, or the last read is older than a safety interval.
type WatchedSessions struct {
	l       *Logind
	refresh time.Duration
	stale   atomic.Bool
	changed atomic.Pointer[func()] // told of each change (OnChange)
	reads   atomic.Int64           // calls to logind (for tests and profiles)

	mu   sync.Mutex
	cur  []Session
	at   time.Time
	now  func() time.Time
	done <-chan struct{}
}

// WatchSessions follows l's signals until ctx ends. refresh bounds how old
// the list may get when no signal comes (a lost signal costs at most that).
func WatchSessions(ctx context.Context, l *Logind, refresh time.Duration) (*WatchedSessions, error) {
	ch, err := l.Changes(ctx)
	if err != nil {
		return nil, err
	}
	w := &WatchedSessions{l: l, refresh: refresh, now: time.Now, done: ctx.Done()}
	w.stale.Store(true)
	go func() {
		for range ch {
			w.stale.Store(true)
			if f := w.changed.Load(); f != nil {
				(*f)()
			}
		}
		w.stale.Store(true) // the signals stopped: read every time from now on
	}()
	return w, nil
}

// Sessions returns the current sessions: from memory, or read from logind
// when a signal marked them stale or the safety interval passed.
func (w *WatchedSessions) Sessions(ctx context.Context) ([]Session, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	closed := false
	select {
	case <-w.done:
		closed = true
	default:
	}
	if !closed && !w.stale.Load() && now.Sub(w.at) < w.refresh {
		return w.cur, nil
	}
	// Clear the mark before reading: a change during the read marks it
	// again, so it is never lost.
	w.stale.Store(false)
	ss, err := w.l.Sessions(ctx)
	w.reads.Add(1)
	if err != nil {
		w.stale.Store(true)
		return nil, err
	}
	w.cur, w.at = ss, now
	return ss, nil
}

// OnChange has f called after each change logind signals (from the
// signals' goroutine: f must not block).
func (w *WatchedSessions) OnChange(f func()) { w.changed.Store(&f) }

// Reads is how many times logind was asked for its sessions.
func (w *WatchedSessions) Reads() int64 { return w.reads.Load() }

// LockSession calls [Logind.LockSession].
func (w *WatchedSessions) LockSession(ctx context.Context, id string) error {
	return w.l.LockSession(ctx, id)
}

// TerminateSession calls [Logind.TerminateSession].
func (w *WatchedSessions) TerminateSession(ctx context.Context, id string) error {
	return w.l.TerminateSession(ctx, id)
}
