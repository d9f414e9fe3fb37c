package auth

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Limiter policy.
const (
	FreeFailures = 3               // failures allowed before any delay
	FirstDelay   = time.Second     // the delay after the (FreeFailures)th failure
	MaxDelay     = 5 * time.Minute // delays double up to this
	// ForgetAfter is how long after its last failure a key's count is
	// forgotten, so that a parent who mistyped last week starts afresh.
	ForgetAfter = 24 * time.Hour
)

// Limiter slows down guessing: after FreeFailures failures for a key (for
// example a caller's uid), each next attempt must wait 1 s, 2 s, 4 s, ... up
// to 5 min after the last failure. A success resets the key. Its state
// marshals to JSON so that the agent can persist it and a child cannot reset
// it by killing the agent. A Limiter is safe for concurrent use.
type Limiter struct {
	now  func() time.Time
	free int // failures allowed before any delay (FreeFailures)
	mu   sync.Mutex
	keys map[string]limitState
}

type limitState struct {
	Failures int       `json:"failures"`
	Last     time.Time `json:"last"`
}

// NewLimiter returns an empty limiter reading time from now (time.Now if nil).
func NewLimiter(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now, free: FreeFailures, keys: make(map[string]limitState)}
}

// NewLimiterFree is a limiter that allows free failures before any delay,
// then delays like every limiter.
func NewLimiterFree(now func() time.Time, free int) *Limiter {
	l := NewLimiter(now)
	l.free = free
	return l
}

// delayAfter is the wait imposed after n consecutive failures when free
// are allowed.
func delayAfter(n, free int) time.Duration {
	if n < free {
		return 0
	}
	shift := n - free
	if shift >= 30 {
		return MaxDelay
	}
	return min(FirstDelay<<shift, MaxDelay)
}

// state returns key's current state, forgetting it if it is old; the caller
// holds l.mu.
func (l *Limiter) state(key string, now time.Time) limitState {
	s, ok := l.keys[key]
	if ok && now.Sub(s.Last) > ForgetAfter {
		delete(l.keys, key)
		return limitState{}
	}
	return s
}

// Allow reports whether key may make an attempt now, and if not how long it
// must still wait. A wall clock set back does not lengthen the wait beyond
// the full delay.
func (l *Limiter) Allow(key string) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	s := l.state(key, now)
	d := delayAfter(s.Failures, l.freeFailures())
	if d == 0 {
		return 0, true
	}
	wait = min(s.Last.Add(d).Sub(now), d)
	if wait <= 0 {
		return 0, true
	}
	return wait, false
}

// Fail records a failed attempt by key and returns the number of
// consecutive failures and the wait before its next attempt.
func (l *Limiter) Fail(key string) (failures int, nextWait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	s := l.state(key, now)
	s.Failures++
	s.Last = now
	l.keys[key] = s
	return s.Failures, delayAfter(s.Failures, l.freeFailures())
}

// freeFailures is FreeFailures for a zero Limiter.
func (l *Limiter) freeFailures() int {
	if l.free == 0 {
		return FreeFailures
	}
	return l.free
}

// Success forgets key's failures.
func (l *Limiter) Success(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

// MarshalJSON encodes the state as {"key": {"failures": n, "last": time}}.
func (l *Limiter) MarshalJSON() ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := json.Marshal(l.keys)
	if err != nil {
		return nil, fmt.Errorf("marshal limiter state: %w", err)
	}
	return b, nil
}

// UnmarshalJSON replaces the state with one made by MarshalJSON. It works
// on a zero Limiter too (which then reads time.Now).
func (l *Limiter) UnmarshalJSON(b []byte) error {
	keys := make(map[string]limitState)
	if err := json.Unmarshal(b, &keys); err != nil {
		return fmt.Errorf("unmarshal limiter state: %w", err)
	}
	for k, s := range keys {
		if s.Failures < 0 {
			return fmt.Errorf("unmarshal limiter state: key %q has %d failures", k, s.Failures)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.now == nil {
		l.now = time.Now
	}
	l.keys = keys
	return nil
}
