package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// Default session lifetimes.
const (
	DefaultIdle     = 15 * time.Minute
	DefaultAbsolute = 12 * time.Hour
)

// Sessions are the parent role's tokens: 32 random bytes in hex, bound to the
// uid that logged in, expiring after an idle time or an absolute time,
// whichever comes first. They live in memory only: restarting the agent logs
// every parent out. Tokens are kept by their SHA-256, so a lookup's timing
// says nothing about a token's bytes. Sessions are safe for concurrent use.
type Sessions struct {
	now            func() time.Time
	idle, absolute time.Duration
	mu             sync.Mutex
	byHash         map[[32]byte]session
}

type session struct {
	uid            uint32
	created, since time.Time // since: last use
}

// NewSessions returns an empty set of sessions reading time from now
// (time.Now if nil); idle or absolute <= 0 take the defaults.
func NewSessions(now func() time.Time, idle, absolute time.Duration) *Sessions {
	if now == nil {
		now = time.Now
	}
	if idle <= 0 {
		idle = DefaultIdle
	}
	if absolute <= 0 {
		absolute = DefaultAbsolute
	}
	return &Sessions{now: now, idle: idle, absolute: absolute, byHash: make(map[[32]byte]session)}
}

// New starts a session for uid and returns its token and when it expires if
// left idle.
func (s *Sessions) New(uid uint32) (token string, expires time.Time) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("auth: crypto/rand failed: " + err.Error()) // never returns an error since Go 1.24
	}
	token = hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.pruneLocked(now)
	sess := session{uid: uid, created: now, since: now}
	s.byHash[sha256.Sum256([]byte(token))] = sess
	return token, s.expiresLocked(sess)
}

func (s *Sessions) expiresLocked(sess session) time.Time {
	idle := sess.since.Add(s.idle)
	abs := sess.created.Add(s.absolute)
	if abs.Before(idle) {
		return abs
	}
	return idle
}

func (s *Sessions) pruneLocked(now time.Time) {
	for h, sess := range s.byHash {
		if !now.Before(s.expiresLocked(sess)) {
			delete(s.byHash, h)
		}
	}
}

// Check reports whether token is a live session of uid, and if so counts
// this as a use (the idle time starts again). A token presented by another
// uid has leaked: it is revoked.
func (s *Sessions) Check(token string, uid uint32) bool {
	h := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byHash[h]
	if !ok {
		return false
	}
	now := s.now()
	if !now.Before(s.expiresLocked(sess)) || sess.uid != uid {
		delete(s.byHash, h)
		return false
	}
	// A clock set back must not extend a session: since never moves back.
	if now.After(sess.since) {
		sess.since = now
	}
	s.byHash[h] = sess
	return true
}

// Revoke ends the session of token, if any.
func (s *Sessions) Revoke(token string) {
	h := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byHash, h)
}

// RevokeAll ends every session (for example when the PIN changes).
func (s *Sessions) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.byHash)
}
