package platform

import (
	"context"
	"fmt"
	"os/exec"
	"time"
)

// Host gathers the package's functions as methods, so the service can hand
// one value to the small interfaces agent/monitor and agent/enforce declare;
// agent/platform/fake.Platform has the same method set for their tests.
// Hasher and Logind may be nil: HashProc then hashes uncached, and the
// session methods return an error wrapping [ErrNoLogind].
type Host struct {
	Hasher *Hasher
	Logind *Logind
}

// WatchProcs calls [WatchProcs].
func (Host) WatchProcs(ctx context.Context) (<-chan ProcEvent, error) { return WatchProcs(ctx) }

// ReadProc calls [ReadProc].
func (Host) ReadProc(pid int) (Process, error) { return ReadProc(pid) }

// Owner calls [Owner].
func (Host) Owner(pid int) (uint32, error) { return Owner(pid) }

// ScanOwners calls [ScanOwners].
func (Host) ScanOwners() (map[int]uint32, error) { return ScanOwners() }

// ScanProcs calls [ScanProcs].
func (Host) ScanProcs() ([]Process, error) { return ScanProcs() }

// HashProc calls [Hasher.HashProc].
func (h Host) HashProc(pid int) (path, sum string, err error) {
	if h.Hasher == nil {
		return NewHasher(0).HashProc(pid)
	}
	return h.Hasher.HashProc(pid)
}

// Sessions calls [Logind.Sessions].
func (h Host) Sessions(ctx context.Context) ([]Session, error) {
	if h.Logind == nil {
		return nil, fmt.Errorf("platform: sessions: %w", ErrNoLogind)
	}
	return h.Logind.Sessions(ctx)
}

// LockSession calls [Logind.LockSession].
func (h Host) LockSession(ctx context.Context, id string) error {
	if h.Logind == nil {
		return fmt.Errorf("platform: lock session %s: %w", id, ErrNoLogind)
	}
	return h.Logind.LockSession(ctx, id)
}

// TerminateSession calls [Logind.TerminateSession].
func (h Host) TerminateSession(ctx context.Context, id string) error {
	if h.Logind == nil {
		return fmt.Errorf("platform: terminate session %s: %w", id, ErrNoLogind)
	}
	return h.Logind.TerminateSession(ctx, id)
}

// Terminate calls [Terminate].
func (Host) Terminate(ctx context.Context, pid int, grace time.Duration) error {
	return Terminate(ctx, pid, grace)
}

// KillUser calls [KillUser].
func (Host) KillUser(ctx context.Context, uid uint32, grace time.Duration) (int, error) {
	return KillUser(ctx, uid, grace)
}

// UserIsAdmin calls [UserIsAdmin].
func (Host) UserIsAdmin(uid uint32) (bool, error) { return UserIsAdmin(uid) }

// RunAsUser calls [RunAsUser].
func (Host) RunAsUser(ctx context.Context, uid uint32, name string, args []string, env []string) (*exec.Cmd, error) {
	return RunAsUser(ctx, uid, name, args, env)
}
