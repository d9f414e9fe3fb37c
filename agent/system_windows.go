package agent

import (
	"context"
	"fmt"

	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/agent/platform"
)

// sessionHost is, on Windows, the session actor: the Terminal Services API
// (WTS), which needs no connection to keep.
type sessionHost struct{ wts platform.WTSSessions }

// openSessions checks that WTS answers and returns it as the session source
// (the Sessions dependency of SystemDeps).
func openSessions(ctx context.Context, host *sessionHost) (SessionSource, error) {
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

// Lookup returns the uid (platform.SIDToUID of the SID) of an account name:
// "alice" for a local account, "DOMAIN\bob" or "AzureAD\Carol" otherwise.
func (systemUsers) Lookup(name string) (uint32, error) {
	uid, err := platform.LookupAccount(name)
	if err != nil {
		return 0, fmt.Errorf("look up account %q: %w", name, err)
	}
	return uid, nil
}

// List returns the accounts people log in with: enabled local accounts and
// every person's account with a profile on the machine.
func (systemUsers) List() ([]family.Account, error) {
	accs, err := platform.ListAccounts()
	out := make([]family.Account, 0, len(accs))
	for _, a := range accs {
		out = append(out, family.Account{Name: a.Name, UID: a.UID, Admin: a.Admin})
	}
	return out, err
}
