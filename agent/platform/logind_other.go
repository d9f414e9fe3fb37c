//go:build !linux

package platform

import (
	"context"
	"fmt"
	"time"
)

// Logind is a client of systemd-logind, which runs on Linux only. Here it
// has the Linux methods so that callers compile on every system, but
// [ConnectLogind] never returns one: every call fails with [ErrNoLogind].
// Leaving the D-Bus client out keeps D-Bus out of the Windows binaries.
type Logind struct{}

func noLogind(what string) error {
	return fmt.Errorf("platform: logind: %s: %w on this system", what, ErrNoLogind)
}

// ConnectLogind returns an error wrapping [ErrNoLogind].
func ConnectLogind(ctx context.Context) (*Logind, error) { return nil, noLogind("connect") }

// ConnectLogindAddress returns an error wrapping [ErrNoLogind].
func ConnectLogindAddress(ctx context.Context, addr string) (*Logind, error) {
	return nil, noLogind("connect to " + addr)
}

// Close does nothing.
func (l *Logind) Close() error { return nil }

// Sessions returns an error wrapping [ErrNoLogind].
func (l *Logind) Sessions(ctx context.Context) ([]Session, error) {
	return nil, noLogind("list sessions")
}

// LockSession returns an error wrapping [ErrNoLogind].
func (l *Logind) LockSession(ctx context.Context, id string) error {
	return noLogind("lock session " + id)
}

// TerminateSession returns an error wrapping [ErrNoLogind].
func (l *Logind) TerminateSession(ctx context.Context, id string) error {
	return noLogind("terminate session " + id)
}

// Changes returns an error wrapping [ErrNoLogind].
func (l *Logind) Changes(ctx context.Context) (<-chan struct{}, error) {
	return nil, noLogind("watch sessions")
}

// WatchedSessions is, without logind, the Logind stub.
type WatchedSessions struct{ *Logind }

// WatchSessions returns an error wrapping [ErrNoLogind].
func WatchSessions(ctx context.Context, l *Logind, refresh time.Duration) (*WatchedSessions, error) {
	return nil, noLogind("watch sessions")
}
