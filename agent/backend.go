package agent

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/auth"
	"github.com/kidtime/kidtime/agent/catalog"
	"github.com/kidtime/kidtime/agent/enforce"
	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/agent/localapi"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// The agent is the local API's backend.
var (
	_ localapi.Backend         = (*Agent)(nil)
	_ localapi.InstalledLister = (*Agent)(nil)
)

// Installed lists the apps installed on the computer, as the classifier
// found them (none when it cannot list them).
func (a *Agent) Installed() []apitype.InstalledApp {
	il, ok := a.deps.Classifier.(interface{ Installed() []catalog.InstalledApp })
	if !ok {
		return nil
	}
	var out []apitype.InstalledApp
	for _, app := range il.Installed() {
		out = append(out, apitype.InstalledApp{Name: app.Name, Programs: app.Programs, Category: string(app.Category)})
	}
	return out
}

// Now is the trusted time in the local zone.
func (a *Agent) Now() time.Time { return a.now() }

// Store is the agent's store.
func (a *Agent) Store() *store.Store { return a.st }

// Auth is the parent's PIN, code and tokens.
func (a *Agent) Auth() *auth.Guard { return a.guard }

// Family is the stored family.
func (a *Agent) Family() *family.Family { return a.fam }

// Record appends an event.
func (a *Agent) Record(ctx context.Context, child, kind string, detail map[string]any) {
	a.event(ctx, child, kind, detail)
}

// Reload re-reads the children.
func (a *Agent) Reload(ctx context.Context) error {
	defer a.poke()
	return a.reload(ctx)
}

// Flush writes what was counted.
func (a *Agent) Flush(ctx context.Context) error {
	a.drainEvents(ctx)
	return a.acct.Flush(ctx)
}

// ChildOf names the child whose account uid is.
func (a *Agent) ChildOf(uid uint32) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if cs, ok := a.byUID[uid]; ok {
		return cs.rec.Name, true
	}
	return "", false
}

// child finds a child by name, in any case.
func (a *Agent) child(name string) (*childState, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if cs, ok := a.children[name]; ok {
		return cs, true
	}
	for _, cs := range a.children {
		if strings.EqualFold(cs.rec.Name, name) {
			return cs, true
		}
	}
	return nil, false
}

// Rules are a child's rules in force and today's policy from them.
func (a *Agent) Rules(name string) (rules.Child, rules.Policy, bool) {
	cs, ok := a.child(name)
	if !ok {
		return rules.Child{}, rules.Policy{}, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return cs.spec, cs.policy, true
}

// PolicyFile is the whole policy in force.
func (a *Agent) PolicyFile() rules.File {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := rules.File{Version: rules.FileVersion, DefaultProfile: a.global.DefaultProfile, Help: a.global.Help}
	names := make([]string, 0, len(a.children))
	for n := range a.children {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f.Children = append(f.Children, a.children[n].spec)
	}
	return f
}

// Statuses are the children's states now, sorted by name.
func (a *Agent) Statuses(only string) []localapi.ChildState {
	now := a.now()
	a.mu.Lock()
	kids := make([]*childState, 0, len(a.children))
	for _, cs := range a.children {
		if only == "" || strings.EqualFold(cs.rec.Name, only) {
			kids = append(kids, cs)
		}
	}
	a.mu.Unlock()
	slices.SortFunc(kids, func(x, y *childState) int { return strings.Compare(x.rec.Name, y.rec.Name) })
	out := make([]localapi.ChildState, 0, len(kids))
	for _, cs := range kids {
		out = append(out, a.childState(cs, now))
	}
	return out
}

// Heartbeat records a heartbeat of the companion in uid's session. The
// foreground app it names must be the child's own process: a heartbeat can
// describe only the sender's session.
func (a *Agent) Heartbeat(_ context.Context, uid uint32, hb monitor.Heartbeat) (localapi.ChildState, error) {
	a.mu.Lock()
	cs, ok := a.byUID[uid]
	a.mu.Unlock()
	if !ok {
		return localapi.ChildState{}, localapi.ErrNotChild
	}
	if hb.ForePID > 0 {
		if e, ok := a.tracker.Get(hb.ForePID); !ok || !slices.Contains(cs.uids, e.UID) {
			hb.ForePID = 0
		}
	}
	a.catchUp(a.now()) // until this beat, the child was as the last tick judged
	cs.witness.Beat(hb)
	if !cs.witness.Last().Present {
		a.poke()
	}
	return a.childState(cs, hb.At), nil
}

// Refresh re-resolves a child's day after a grant or an answer.
func (a *Agent) Refresh(ctx context.Context, name string) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	cs, ok := a.child(name)
	if !ok {
		return nil
	}
	now := a.now()
	a.loadApprovals(ctx) // an answer about a program may have come
	if err := a.prepareDay(ctx, cs, now); err != nil {
		return err
	}
	a.enf.Release(cs.rec.Name)
	a.refreshDecision(cs, now)
	a.poke()
	return nil
}

// PauseGames pauses or resumes a child's games for the rest of the day.
func (a *Agent) PauseGames(ctx context.Context, name string, pause bool, by string) error {
	cs, ok := a.child(name)
	if !ok {
		return fmt.Errorf("child %q: %w", name, store.ErrNotFound)
	}
	kind := "games_resumed"
	if pause {
		kind = "games_paused"
	}
	a.event(ctx, cs.rec.Name, kind, map[string]any{"by": by})
	a.mu.Lock()
	cs.day = "" // re-read the day's marks
	a.mu.Unlock()
	return a.Refresh(ctx, cs.rec.Name)
}

// LockNow locks a child's session once, through the enforcer.
func (a *Agent) LockNow(ctx context.Context, name, by string) error {
	cs, ok := a.child(name)
	if !ok {
		return fmt.Errorf("child %q: %w", name, store.ErrNotFound)
	}
	var ids []string
	if a.sessions != nil {
		if ss, err := a.sessions.Sessions(ctx); err == nil {
			for _, s := range cs.sessionsOf(ss) {
				ids = append(ids, s.ID)
			}
		}
	}
	t := enforce.Target{Child: cs.rec.Name, UIDs: cs.uids, Sessions: ids, Companion: cs.witness.CompanionAlive(a.now())}
	if err := a.enf.LockNow(ctx, t, by); err != nil {
		return fmt.Errorf("%s: %w", cs.rec.Name, err)
	}
	return nil
}

// childState is what the agent knows of a child now.
func (a *Agent) childState(cs *childState, now time.Time) localapi.ChildState {
	if cs.active() {
		// Between quiet ticks: the time used and left as of now.
		a.catchUp(now)
		a.refreshDecision(cs, now)
	}
	hb := cs.witness.Heartbeat()
	st := localapi.ChildState{CompanionSeen: hb.At, LockRequested: a.enf.LockRequested(cs.rec.Name), Active: cs.active(),
		LogoutAt: a.enf.LogoutAt(cs.rec.Name)}
	a.acct.Read(cs.rec.Name, dayOf(now), func(t *monitor.Totals) { st.Screen, st.Games = t.Screen, t.Games })
	// The family's day: the child's time on the hub's other PCs too.
	w := a.hub.elsewhere(cs.rec.Name, dayOf(now))
	st.Screen, st.Games = st.Screen+w.screen, st.Games+w.games
	if hb.ForePID > 0 {
		if e, ok := a.tracker.Get(hb.ForePID); ok {
			st.Foreground = e.App.Name
		}
	}
	a.mu.Lock()
	st.Child, st.Decision, st.GamesPaused, st.ByDefault = cs.rec, cs.dec, cs.gamesOff, cs.byDefault
	st.AppStopped = a.appr.lastStopped(cs.rec.Name)
	st.Policy, st.PolicyOK = cs.policy, cs.policyErr == nil
	a.mu.Unlock()
	st.Web = a.web.status(context.Background(), cs.rec.Name, st.Policy.Web, now)
	return st
}
