package agent

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/auth"
	"github.com/kidtime/kidtime/agent/enforce"
	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/agent/localapi"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// The agent is the local API's backend.
var _ localapi.Backend = (*Agent)(nil)

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
func (a *Agent) Reload(ctx context.Context) error { return a.reload(ctx) }

// Flush writes what was counted.
func (a *Agent) Flush(ctx context.Context) error { return a.acct.Flush(ctx) }

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
func (a *Agent) Statuses(only string) []apitype.ChildStatus {
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
	out := make([]apitype.ChildStatus, 0, len(kids))
	for _, cs := range kids {
		out = append(out, a.childStatus(cs, now))
	}
	return out
}

// Heartbeat records a heartbeat of the companion in uid's session. The
// foreground app it names must be the child's own process: a heartbeat can
// describe only the sender's session.
func (a *Agent) Heartbeat(_ context.Context, uid uint32, hb monitor.Heartbeat) (apitype.ChildStatus, error) {
	a.mu.Lock()
	cs, ok := a.byUID[uid]
	a.mu.Unlock()
	if !ok {
		return apitype.ChildStatus{}, localapi.ErrNotChild
	}
	if hb.ForePID > 0 {
		if e, ok := a.tracker.Get(hb.ForePID); !ok || !slices.Contains(cs.uids, e.UID) {
			hb.ForePID = 0
		}
	}
	cs.witness.Beat(hb)
	return a.childStatus(cs, hb.At), nil
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
	if err := a.prepareDay(ctx, cs, now); err != nil {
		return err
	}
	a.enf.Release(cs.rec.Name)
	a.refreshDecision(cs, now)
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

// childStatus is a child's state for the API.
func (a *Agent) childStatus(cs *childState, now time.Time) apitype.ChildStatus {
	hb := cs.witness.Heartbeat()
	t := a.acct.Totals(cs.rec.Name, dayOf(now))
	a.mu.Lock()
	defer a.mu.Unlock()
	dec := cs.dec
	st := apitype.ChildStatus{
		Name: cs.rec.Name, Accounts: cs.rec.Accounts, Age: rules.AgeIn(cs.rec.BirthYear, now),
		State: dec.State.String(), Reason: string(dec.Reason), ReasonKey: dec.Reason.MessageKey(),
		Active: cs.active(), ScreenUsedSec: secs(t.Screen), GamesUsedSec: secs(t.Games),
		ScreenLeftSec: secs(dec.Screen.Left), GamesLeftSec: secs(dec.Games.Left),
		GamesPaused: cs.gamesOff, CompanionSeen: hb.At,
		LockRequested: a.enf.LockRequested(cs.rec.Name),
	}
	if dec.At.IsZero() {
		st.State = apitype.StateOK
	}
	if dec.State == rules.StateOK {
		// A warning about a running app (a game's last minutes) shows too.
		for _, ad := range dec.Apps {
			if ad.State == rules.StateWarn || ad.State == rules.StateGrace {
				st.State, st.Reason, st.ReasonKey = ad.State.String(), string(ad.Reason), ad.Reason.MessageKey()
				if ad.Class.Game() && ad.Left < dec.Games.Left {
					st.GamesLeftSec = secs(ad.Left)
				}
			}
		}
	}
	if cs.policyErr == nil {
		wd := now.Weekday()
		var gs, gg time.Duration
		for _, g := range cs.policy.Grants {
			gs += g.Screen
			gg += g.Games
		}
		st.ScreenLimitSec = limitSecs(cs.policy.Screen[wd], gs)
		st.GamesLimitSec = limitSecs(cs.policy.Games[wd], gg)
	}
	if !dec.Next.IsZero() {
		st.NextChange = dec.Next
	}
	if dec.State == rules.StateBlocked {
		st.BackAt = backAt(cs.policy, now)
	}
	if hb.ForePID > 0 {
		if e, ok := a.tracker.Get(hb.ForePID); ok {
			st.Foreground = e.App.Name
		}
	}
	return st
}

// secs is a duration for the API, -1 for no limit.
func secs(d time.Duration) int64 {
	if d == rules.Unlimited {
		return -1
	}
	return int64(d / time.Second)
}

func limitSecs(d, grant time.Duration) int64 {
	if d == rules.Unlimited {
		return -1
	}
	return int64((d + grant) / time.Second)
}

// backAt is when screen time comes back: the next allowed window's start
// after today, or the next midnight.
func backAt(p rules.Policy, now time.Time) time.Time {
	y, m, d := now.Date()
	for i := 1; i <= 7; i++ {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, now.Location())
		if p.Screen[day.Weekday()] <= 0 {
			continue
		}
		for _, w := range p.Allowed[day.Weekday()] {
			// today's budget is what blocks; time comes back on another day
			return day.Add(time.Duration(w.Start) * time.Minute)
		}
	}
	return time.Date(y, m, d+1, 0, 0, 0, 0, now.Location())
}
