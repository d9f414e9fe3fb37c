// Package enforce carries out the enforcement ladder of DESIGN.md §6 and
// checks that each step worked: close an app (SIGTERM, then SIGKILL), lock
// the session, and when the session is still in use after the lock (a lock
// ignored, a companion killed, no way to lock at all) log the child out and
// kill what is left. Every step is recorded as an event.
//
// It depends only on the small interfaces below; the agent wires them to
// agent/platform and agent/store.
package enforce

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Actions are the OS actions the ladder uses.
type Actions interface {
	Terminate(ctx context.Context, pid int, grace time.Duration) error
	KillUser(ctx context.Context, uid uint32, grace time.Duration) (int, error)
	// LockSession and TerminateSession act on a logind (or Windows)
	// session; they return an error wrapping errors.ErrUnsupported where
	// there is none.
	LockSession(ctx context.Context, id string) error
	TerminateSession(ctx context.Context, id string) error
}

// Recorder appends events for the parent.
type Recorder interface {
	Record(ctx context.Context, child, kind string, detail map[string]any)
}

// Target is one child's situation when the session must be stopped.
type Target struct {
	Child    string
	UIDs     []uint32
	Sessions []string // session ids the OS can lock/terminate (none without logind)
	// Companion is set when the child's companion is alive: it locks the
	// screen itself when told the child is blocked.
	Companion bool
	// Active is set while the child still uses the PC (session unlocked,
	// or processes running when nothing better is known).
	Active bool
	// Logout asks for log-out instead of lock (the policy's onLimit).
	Logout bool
	Reason string
}

// Enforcer runs the ladder per child.
type Enforcer struct {
	act Actions
	rec Recorder
	log *slog.Logger
	now func() time.Time

	// Escalate is how long a locked session may stay in use before the
	// child is logged out (DESIGN.md §6: 30 s).
	Escalate time.Duration
	// CompanionEscalate replaces Escalate when only the child's companion
	// was asked to lock: its word cannot be checked (the child may forge
	// it), so a child still at the PC is logged out after this.
	CompanionEscalate time.Duration
	// KillGrace is the time between SIGTERM and SIGKILL.
	KillGrace time.Duration

	mu      sync.Mutex
	ladders map[string]*ladder
	closing map[int]bool
	lockNow map[string]time.Time // a parent's one-time lock for the companion, until
	closers sync.WaitGroup       // CloseApp's kills under way
}

// Wait waits for the kills CloseApp started (before the store they record
// to is closed).
func (e *Enforcer) Wait() { e.closers.Wait() }

type ladder struct {
	lockedAt    time.Time
	loggedOutAt time.Time
	via         string
}

// New builds an enforcer.
func New(act Actions, rec Recorder, log *slog.Logger, now func() time.Time) *Enforcer {
	if log == nil {
		log = slog.Default()
	}
	return &Enforcer{act: act, rec: rec, log: log, now: now,
		Escalate: 30 * time.Second, CompanionEscalate: 3 * time.Second, KillGrace: 3 * time.Second,
		ladders: map[string]*ladder{}, closing: map[int]bool{}, lockNow: map[string]time.Time{}}
}

// ErrCannotLock is returned by LockNow when neither the login manager nor a
// companion can lock the child's session.
var ErrCannotLock = errors.New("the session cannot be locked from here: no login manager (logind) and no companion app is running in it")

// lockNowFor is how long a parent's one-time lock waits for the companion.
const lockNowFor = 20 * time.Second

// LockNow locks a child's sessions once, on a parent's word (the child may
// unlock with their own password: limits, not this, keep them off when
// time is up). The login manager locks what it can; otherwise a live
// companion is asked to (LockRequested) for a few seconds. It records
// lock_now with the way it went, or fails with ErrCannotLock.
func (e *Enforcer) LockNow(ctx context.Context, t Target, by string) error {
	via, failed := "", len(t.Sessions) == 0
	for _, id := range t.Sessions {
		if err := e.act.LockSession(ctx, id); err == nil {
			via = "logind"
		} else {
			failed = true
			e.log.Debug("enforce: lock now through the login manager failed", "child", t.Child, "session", id, "err", err)
		}
	}
	if failed && t.Companion {
		// A session the login manager could not lock: the companion in it
		// locks it.
		e.mu.Lock()
		e.lockNow[t.Child] = e.now().Add(lockNowFor)
		e.mu.Unlock()
		if via == "" {
			via = "companion"
		} else {
			via = "logind+companion"
		}
	}
	if via == "" {
		return ErrCannotLock
	}
	e.rec.Record(ctx, t.Child, "lock_now", map[string]any{"by": by, "via": via})
	return nil
}

// LockRequested reports whether the child's companion should lock the
// session now (a parent's LockNow it must carry out).
func (e *Enforcer) LockRequested(child string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now().Before(e.lockNow[child])
}

// CloseApp terminates the processes of an app (SIGTERM, then SIGKILL) and
// records it. It returns at once; the kill runs in the background and a
// failure is recorded too. A pid already being closed is skipped.
func (e *Enforcer) CloseApp(ctx context.Context, child string, pids []int, app, reason string) {
	var todo []int
	e.mu.Lock()
	for _, pid := range pids {
		if !e.closing[pid] {
			e.closing[pid] = true
			todo = append(todo, pid)
		}
	}
	e.mu.Unlock()
	if len(todo) == 0 {
		return
	}
	start := e.now()
	for _, pid := range todo {
		e.closers.Add(1)
		go func(pid int) {
			defer e.closers.Done()
			err := e.act.Terminate(ctx, pid, e.KillGrace)
			e.mu.Lock()
			delete(e.closing, pid)
			e.mu.Unlock()
			detail := map[string]any{"app": app, "pid": pid, "reason": reason, "tookMs": e.now().Sub(start).Milliseconds()}
			if err != nil && ctx.Err() == nil {
				detail["error"] = err.Error()
				e.log.Warn("enforce: close failed", "child", child, "app", app, "pid", pid, "err", err)
				e.rec.Record(context.WithoutCancel(ctx), child, "close_failed", detail)
				return
			}
			e.log.Info("enforce: app closed", "child", child, "app", app, "pid", pid, "reason", reason)
			e.rec.Record(context.WithoutCancel(ctx), child, "app_closed", detail)
		}(pid)
	}
}

// KillNow terminates one process at once, synchronously (a relaunch while
// blocked): used on exec events, where latency matters.
func (e *Enforcer) KillNow(ctx context.Context, child string, pid int, app, reason string) error {
	err := e.act.Terminate(ctx, pid, 0)
	detail := map[string]any{"app": app, "pid": pid, "reason": reason, "onExec": true}
	rctx := context.WithoutCancel(ctx)
	if err != nil {
		detail["error"] = err.Error()
		e.rec.Record(rctx, child, "close_failed", detail)
		return fmt.Errorf("kill %s (pid %d): %w", app, pid, err)
	}
	e.rec.Record(rctx, child, "app_closed", detail)
	return nil
}

// Release ends the ladder for a child (time was granted, a new day began).
func (e *Enforcer) Release(child string) {
	e.mu.Lock()
	delete(e.ladders, child)
	e.mu.Unlock()
}

// Blocked reports whether the child's session is being stopped, and how.
func (e *Enforcer) Blocked(child string) (since time.Time, via string, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	l, ok := e.ladders[child]
	if !ok {
		return time.Time{}, "", false
	}
	return l.lockedAt, l.via, true
}

// StopSession applies the ladder's session steps; call it on every tick
// while the child must not use the PC. The first call locks (or logs out);
// later calls check and escalate.
func (e *Enforcer) StopSession(ctx context.Context, t Target) {
	now := e.now()
	e.mu.Lock()
	l, ok := e.ladders[t.Child]
	if !ok {
		l = &ladder{lockedAt: now}
		e.ladders[t.Child] = l
	}
	e.mu.Unlock()

	if !ok {
		switch {
		case t.Logout:
			e.logout(ctx, t, l, "policy")
		case len(t.Sessions) > 0:
			var errs []error
			for _, id := range t.Sessions {
				if err := e.act.LockSession(ctx, id); err != nil {
					errs = append(errs, err)
				}
			}
			if err := errors.Join(errs...); err != nil && t.Companion && allUnsupported(errs) {
				// The OS cannot lock from here (a Windows service cannot
				// lock another session): the companion in it does.
				e.set(l, "companion", time.Time{})
				e.rec.Record(ctx, t.Child, "lock_requested", map[string]any{"via": "companion", "reason": t.Reason})
				return
			} else if err != nil {
				e.log.Warn("enforce: lock failed; logging out", "child", t.Child, "err", err)
				e.rec.Record(ctx, t.Child, "lock_failed", map[string]any{"error": err.Error()})
				e.logout(ctx, t, l, "lock failed")
				return
			}
			e.set(l, "logind", time.Time{})
			e.rec.Record(ctx, t.Child, "lock", map[string]any{"via": "logind", "sessions": t.Sessions, "reason": t.Reason})
		case t.Companion:
			// Only the OS can say a session is locked: what the companion
			// does is asked for, and judged by whether the child goes on.
			e.set(l, "companion", time.Time{})
			e.rec.Record(ctx, t.Child, "lock_requested", map[string]any{"via": "companion", "reason": t.Reason})
		case t.Active:
			// Nothing can lock this session: the next step of the ladder.
			e.logout(ctx, t, l, "no way to lock")
		default:
			e.set(l, "idle", time.Time{})
			e.rec.Record(ctx, t.Child, "lock", map[string]any{"via": "none needed", "reason": t.Reason})
		}
		return
	}
	if !t.Active {
		return
	}
	e.mu.Lock()
	lockedAt, loggedOutAt, via := l.lockedAt, l.loggedOutAt, l.via
	e.mu.Unlock()
	switch {
	case loggedOutAt.IsZero() && now.Sub(lockedAt) >= e.escalateAfter(via):
		e.log.Warn("enforce: session still in use after lock; logging out", "child", t.Child, "after", now.Sub(lockedAt))
		e.rec.Record(ctx, t.Child, "lock_failed", map[string]any{"via": via, "reason": t.Reason,
			"error": fmt.Sprintf("still in use %s after the lock", now.Sub(lockedAt).Round(time.Second))})
		e.logout(ctx, t, l, "still in use after lock")
	case !loggedOutAt.IsZero() && (via == "killed" || now.Sub(loggedOutAt) >= e.Escalate):
		// Processes came back (a new login): stop them again.
		e.killAll(ctx, t, "relogin")
	}
}

// LogoutAt is when the child, told to stop, will be logged out if they go
// on using the PC (zero when no lock is under way, or they are logged out).
func (e *Enforcer) LogoutAt(child string) time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	l, ok := e.ladders[child]
	if !ok || !l.loggedOutAt.IsZero() || l.via == "idle" {
		return time.Time{}
	}
	return l.lockedAt.Add(e.escalateAfter(l.via))
}

// escalateAfter is how long a lock may be ignored before the logout: the
// login manager's lock gets Escalate, a lock only asked of the companion
// CompanionEscalate.
func (e *Enforcer) escalateAfter(via string) time.Duration {
	if via == "companion" && e.CompanionEscalate > 0 {
		return e.CompanionEscalate
	}
	return e.Escalate
}

// set changes a ladder under the lock (Blocked reads it from the exec path).
func (e *Enforcer) set(l *ladder, via string, loggedOutAt time.Time) {
	e.mu.Lock()
	l.via = via
	if !loggedOutAt.IsZero() {
		l.loggedOutAt = loggedOutAt
	}
	e.mu.Unlock()
}

func (e *Enforcer) logout(ctx context.Context, t Target, l *ladder, why string) {
	e.set(l, "killed", e.now())
	var errs []error
	for _, id := range t.Sessions {
		if err := e.act.TerminateSession(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	killed := e.killUIDs(ctx, t)
	detail := map[string]any{"why": why, "reason": t.Reason, "sessions": t.Sessions, "killed": killed}
	if err := errors.Join(errs...); err != nil {
		detail["error"] = err.Error()
	}
	e.log.Info("enforce: logged out", "child", t.Child, "why", why, "killed", killed)
	e.rec.Record(ctx, t.Child, "logout", detail)
}

func (e *Enforcer) killAll(ctx context.Context, t Target, why string) {
	killed := e.killUIDs(ctx, t)
	if killed > 0 {
		e.rec.Record(ctx, t.Child, "logout", map[string]any{"why": why, "reason": t.Reason, "killed": killed})
	}
}

func (e *Enforcer) killUIDs(ctx context.Context, t Target) int {
	total := 0
	for _, uid := range t.UIDs {
		n, err := e.act.KillUser(ctx, uid, e.KillGrace)
		total += n
		if err != nil {
			e.log.Warn("enforce: kill user failed", "child", t.Child, "uid", uid, "err", err)
		}
	}
	return total
}

func allUnsupported(errs []error) bool {
	for _, err := range errs {
		if !errors.Is(err, errors.ErrUnsupported) {
			return false
		}
	}
	return len(errs) > 0
}
