package agent

import (
	"context"
	"errors"
	"io/fs"
	"sync"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/assets"
	"github.com/kidtime/kidtime/rules"
)

// New programs need a parent's yes (policy field approveNew): a program
// the child obtained — in a place the child can write, not installed by an
// administrator (monitor.Obtained) — is killed at its exec until a parent
// allows it. The first time, a request of kind "app" is filed (one per
// program per child, at most maxAppPending waiting); a parent's yes lets it
// run from then on, a no keeps it stopped without asking again. Programs
// installed by an administrator and the policy's always-allowed apps are
// never stopped. The answers are kept in memory (loaded from the store at
// each reload and after each answer), so the exec path reads no database
// for a program already decided; the file is stat'ed only while the mode
// is on and the program is not allowed, and the verdict is remembered.

// ReasonApproval is the reason of an app_closed event for a program that
// waits for a parent's yes (or was refused).
const ReasonApproval = "app.approval"

// maxAppPending caps the programs of one child waiting for an answer.
const maxAppPending = 20

// maxVerdicts bounds the remembered "obtained" verdicts.
const maxVerdicts = 4096

// restopAfter: a program stopped again within this long is the same try
// for the child's notification.
const restopAfter = 30 * time.Second

// approvals is what the agent knows of the parents' answers about
// programs, and the last program each child was stopped at.
type approvals struct {
	mu      sync.Mutex
	answers map[string]map[string]string // child → program key → status
	verdict map[string]bool              // path + key → obtained
	last    map[string]apitype.AppStopped
	lastKey map[string]string
}

// loadApprovals reads every program request's state from the store.
func (a *Agent) loadApprovals(ctx context.Context) {
	m, err := a.st.AppAnswers(ctx)
	if err != nil {
		a.log.Error("agent: the parents' answers about programs were not read", "err", err)
		return
	}
	a.appr.mu.Lock()
	a.appr.answers = m
	a.appr.mu.Unlock()
}

// appStatus is a child's program's request state ("" when never asked).
func (p *approvals) status(child, key string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.answers[child][key]
}

// pending counts a child's programs waiting for an answer.
func (p *approvals) pending(child string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.answers[child] {
		if s == store.StatusPending {
			n++
		}
	}
	return n
}

func (p *approvals) set(child, key, status string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.answers == nil {
		p.answers = map[string]map[string]string{}
	}
	if p.answers[child] == nil {
		p.answers[child] = map[string]string{}
	}
	p.answers[child][key] = status
}

// stopped records the program a child was just stopped at; it reports
// whether this is a new try (another program, another answer, or a while
// since), for which the child is told.
func (p *approvals) stopped(child, key, name, status string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		p.last, p.lastKey = map[string]apitype.AppStopped{}, map[string]string{}
	}
	prev, ok := p.last[child]
	if ok && p.lastKey[child] == key && prev.Status == status && now.Sub(prev.At) < restopAfter {
		return false
	}
	p.last[child] = apitype.AppStopped{Name: name, Status: status, At: now}
	p.lastKey[child] = key
	return true
}

// lastStopped is the child's last stopped program (nil: none since the
// agent started).
func (p *approvals) lastStopped(child string) *apitype.AppStopped {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.last[child]
	if !ok {
		return nil
	}
	return &s
}

// holdForApproval stops a new process of the child's that runs a program
// the child obtained and no parent allowed. It reports whether it did.
func (a *Agent) holdForApproval(ctx context.Context, cs *childState, e *monitor.Entry, pol *rules.Policy) bool {
	if !pol.ApproveNew || a.isCompanion(e) {
		return false
	}
	key := monitor.ApprovalKey(e.App)
	child := cs.rec.Name
	status := a.appr.status(child, key)
	if key == "" || status == store.StatusApproved {
		return false
	}
	if pol.Classify(monitor.RulesApp(e.App)).Rule == rules.RuleAlways || !a.obtained(e, key) {
		return false
	}
	if err := a.enf.KillNow(ctx, child, e.PID, e.App.Name, ReasonApproval); err != nil {
		a.log.Warn("agent: stopping a program that waits for a parent's yes failed", "child", child, "app", e.App.Name, "err", err)
	}
	if status == "" {
		status = a.fileAppRequest(ctx, child, key, e.App)
	}
	if a.appr.stopped(child, key, e.App.Name, status, a.now()) {
		a.tellApprovalStop(cs, e.App.Name, status)
	}
	return true
}

// obtained tells whether the process's program is one the child obtained,
// remembering the verdict by path and identity (the file's owner and
// folder do not change under the same content without an administrator).
func (a *Agent) obtained(e *monitor.Entry, key string) bool {
	vk := e.App.Path + "\x00" + key
	a.appr.mu.Lock()
	v, ok := a.appr.verdict[vk]
	a.appr.mu.Unlock()
	if ok {
		return v
	}
	sx, isStater := a.deps.Procs.(monitor.ExeStater)
	if !isStater {
		return false
	}
	f, err := sx.ExeFile(e.PID, e.App.Path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			a.log.Warn("agent: a child's program could not be looked at; it runs", "pid", e.PID, "path", e.App.Path, "err", err)
		}
		return false
	}
	v = monitor.Obtained(f, e.UID)
	a.appr.mu.Lock()
	if a.appr.verdict == nil || len(a.appr.verdict) >= maxVerdicts {
		a.appr.verdict = map[string]bool{}
	}
	a.appr.verdict[vk] = v
	a.appr.mu.Unlock()
	return v
}

// fileAppRequest files the child's request for a program (once), and
// returns its state for the child: pending, denied (answered meanwhile)
// or "full" when too many wait already.
func (a *Agent) fileAppRequest(ctx context.Context, child, key string, app monitor.App) string {
	if a.appr.pending(child) >= maxAppPending {
		return "full"
	}
	r, _, err := a.st.AddAppRequest(context.WithoutCancel(ctx), child,
		store.RequestApp{Key: key, Name: app.Name, Path: app.Path}, maxAppPending)
	switch {
	case errors.Is(err, store.ErrTooManyPending):
		return "full"
	case err != nil:
		a.log.Error("agent: a program's request was not filed", "child", child, "app", app.Name, "err", err)
		return store.StatusPending
	}
	a.appr.set(child, key, r.Status)
	return r.Status
}

// tellApprovalStop shows the child why the program closed, when no
// companion does (the companion tells from the status' appStopped).
func (a *Agent) tellApprovalStop(cs *childState, name, status string) {
	if a.deps.Notify == nil || cs.witness.CompanionAlive(a.now()) {
		return
	}
	lang := a.lang()
	title := assets.T(lang, "approval.title")
	body := assets.T(lang, "approval."+status, name) + " " + assets.T(lang, "warn.help")
	for _, uid := range cs.uids {
		select {
		case a.notes <- note{child: cs.rec.Name, uid: uid, title: title, body: body}:
		default:
			a.log.Warn("agent: too many notifications waiting; one dropped", "child", cs.rec.Name)
		}
	}
}
