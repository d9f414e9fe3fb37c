package main

import (
	"context"

	"github.com/kidtime/kidtime/agent"
	"github.com/kidtime/kidtime/agent/platform"
)

// sessionHost is, on Windows, the session actor: the Terminal Services API
// (WTS), which needs no connection to keep.
type sessionHost struct{ wts platform.WTSSessions }

// openSessions checks that WTS answers and returns it as the session source
// (the Sessions dependency of systemDeps).
func openSessions(ctx context.Context, host *sessionHost) (agent.SessionSource, error) {
	if _, err := host.wts.Sessions(ctx); err != nil {
		return nil, err
	}
	return host.wts, nil
}

// LockSession fails with an error wrapping errors.ErrUnsupported: a service
// cannot lock another session; the companion locks it (LockWorkStation).
func (a actions) LockSession(ctx context.Context, id string) error {
	return a.host.wts.LockSession(ctx, id)
}

// TerminateSession logs the session off (WTSLogoffSession).
func (a actions) TerminateSession(ctx context.Context, id string) error {
	return a.host.wts.TerminateSession(ctx, id)
}

// notifyFunc is nil on Windows: a service cannot show a toast in a user's
// session; the companion shows the warnings there, and a child without a
// companion is reported (companion_missing) and logged off at the end.
var notifyFunc func(ctx context.Context, uid uint32, title, body string) error
