package agent

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/kidtime/kidtime/agent/enforce"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// childState is what the agent holds for one child between ticks.
type childState struct {
	rec       store.Child
	spec      rules.Child
	uids      []uint32 // the child's accounts that are enforced (not administrators')
	byDefault bool     // an account no parent named, held by the default profile

	policy    rules.Policy
	policyErr error
	polGen    uint64    // changes with policy, so views are rebuilt
	view      *procView // cached meaning of the running processes
	day       string
	warned    []string
	dec       rules.Decision
	gamesOff  bool // games paused by a parent for this day

	// witness keeps the companion's heartbeats and judges presence; it
	// survives reloads.
	witness *monitor.Witness
}

// sessionsOf is the child's login sessions among all of them: a person's
// sessions (not a greeter's, not closing) of one of the child's accounts.
func (cs *childState) sessionsOf(all []facts.Session) []facts.Session {
	var out []facts.Session
	for _, s := range all {
		if s.Person() && slices.Contains(cs.uids, s.UID) {
			out = append(out, s)
		}
	}
	return out
}

// active reports whether the child was at the PC at the last tick.
func (cs *childState) active() bool { return cs.witness.Last().Active }

// reload reads children and policies from the store.
func (a *Agent) reload(ctx context.Context) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	a.loadApprovals(ctx)
	stored, global, err := a.fam.Children(ctx)
	if err != nil {
		return err
	}
	now := a.now()
	children := map[string]*childState{}
	byUID := map[uint32]*childState{}
	var uids []uint32
	for _, sc := range stored {
		r := sc.Record
		cs := &childState{rec: r, spec: sc.Spec, uids: sc.UIDs, byDefault: sc.ByDefault, witness: monitor.NewWitness(a.presenceRules())}
		for _, uid := range sc.UIDs {
			byUID[uid] = cs
			uids = append(uids, uid)
		}
		a.mu.Lock()
		if old, ok := a.children[r.Name]; ok {
			cs.witness, cs.warned, cs.day, cs.gamesOff = old.witness, slices.Clone(old.warned), old.day, old.gamesOff
			cs.policy, cs.policyErr, cs.polGen, cs.dec = old.policy, old.policyErr, old.polGen, old.dec
		}
		a.mu.Unlock()
		// Resolve the policy before the state is published: nothing may
		// ever judge a child against an unresolved (empty) policy.
		if err := a.prepareDay(ctx, cs, now); err != nil {
			a.log.Error("agent: preparing the day failed", "child", cs.rec.Name, "err", err)
		}
		children[r.Name] = cs
	}
	a.mu.Lock()
	a.children, a.byUID, a.global = children, byUID, global
	a.mu.Unlock()
	if a.deps.WatchAccounts != nil {
		a.deps.WatchAccounts(uids)
	}
	a.tracker.Watch(uids)
	for _, cs := range children {
		a.rememberRuleApps(cs)
	}
	a.tracker.Relink() // what runs now, judged against what the rules name
	// Processes of newly watched accounts count from now, not from the
	// next periodic scan (policies are resolved first: a process is judged
	// only against a policy).
	if added, err := a.tracker.Check(); err != nil {
		a.log.Warn("agent: scan after reload failed", "err", err)
	} else {
		for _, e := range added {
			a.onNewProcess(ctx, e)
		}
	}
	for _, cs := range children {
		a.refreshDecision(cs, now)
	}
	a.web.changed()
	return nil
}

// rememberRuleApps lets the tracker know the programs the child's rules
// name, before they ever run.
func (a *Agent) rememberRuleApps(cs *childState) {
	var hash func(string) (string, error)
	if h, ok := a.deps.Hasher.(interface{ Hash(string) (string, error) }); ok {
		hash = h.Hash
	}
	a.tracker.RememberRules(cs.spec.Apps, hash)
}

// prepareDay resolves the child's policy for now's day, with today's grants,
// and seeds the accountant from the store after a restart or at midnight.
func (a *Agent) prepareDay(ctx context.Context, cs *childState, now time.Time) error {
	day := dayOf(now)
	today, err := a.st.Today(ctx, cs.rec.Name, day)
	if err != nil {
		return fmt.Errorf("today's usage: %w", err)
	}
	if !a.acct.HasDay(cs.rec.Name, day) {
		// In memory a game's per-app time is its game time (counted whether
		// or not it is in front); the store keeps that as PerGame.
		perApp := a.apps.Keyed(today.PerApp)
		perGame := a.apps.Keyed(today.PerGame)
		maps.Copy(perApp, perGame)
		a.acct.Seed(cs.rec.Name, monitor.Totals{Day: day, Screen: today.Screen, Games: today.Games, PerApp: perApp, PerGame: perGame})
	}
	p, perr := cs.spec.Policy(now)
	if perr != nil {
		// Fail closed: a policy that cannot be resolved gives way to the
		// age preset, and the parent is told.
		age := min(max(rules.AgeIn(cs.rec.BirthYear, now), 0), 17)
		a.log.Error("agent: a child's policy cannot be applied; the age preset applies", "child", cs.rec.Name, "err", perr)
		a.event(ctx, cs.rec.Name, "policy_rejected", map[string]any{"error": perr.Error(), "fallback": fmt.Sprintf("age:%d", age)})
		p, perr = rules.Preset(age), nil
		p.Age = age
	}
	a.mu.Lock()
	sameDay := cs.day == day
	gamesOff := cs.gamesOff
	a.mu.Unlock()
	var warned []string
	if !sameDay {
		y, m, d := now.Date()
		warned, gamesOff, err = a.st.DayMarks(ctx, cs.rec.Name, time.Date(y, m, d, 0, 0, 0, 0, now.Location()))
		if err != nil {
			return err
		}
		a.enf.Release(cs.rec.Name)
	}
	p.Grants = []rules.Grant{{Day: rules.DateOf(now), Screen: today.GrantedScreen, Games: today.GrantedGames}}
	if gamesOff {
		p.Games[now.Weekday()] = 0
	}
	a.mu.Lock()
	cs.policy, cs.policyErr, cs.day, cs.gamesOff = p, perr, day, gamesOff
	if !sameDay {
		// Same day: keep the warnings given meanwhile by the tick.
		cs.warned = warned
	}
	cs.polGen++
	a.mu.Unlock()
	return nil
}

// tick counts, decides and enforces for every child.
func (a *Agent) tick(ctx context.Context, now time.Time) {
	a.ticked.Add(1)
	if j := a.clk.Check(); j != nil {
		a.log.Warn("agent: clock jump", "jump", j.String())
		a.event(ctx, "", "clock_jump", map[string]any{"wall": j.Wall, "trusted": j.Trusted, "deltaSec": int64(j.Delta / time.Second)})
	}
	var sessions []facts.Session
	if a.sessions != nil {
		s, err := a.sessions.Sessions(ctx)
		if err != nil {
			a.log.Debug("agent: listing sessions failed", "err", err)
		}
		sessions = s
	}
	a.mu.Lock()
	a.lastSessions = sessions // for the exec path, which must not wait on D-Bus
	a.mu.Unlock()
	a.mu.Lock()
	kids := make([]*childState, 0, len(a.children))
	for _, cs := range a.children {
		kids = append(kids, cs)
	}
	a.mu.Unlock()

	day := dayOf(now)
	var presence []monitor.Presence
	for _, cs := range kids {
		a.mu.Lock()
		stale := cs.day != day
		a.mu.Unlock()
		if stale {
			if err := a.prepareDay(ctx, cs, now); err != nil {
				a.log.Error("agent: new day failed", "child", cs.rec.Name, "err", err)
			}
		}
		presence = append(presence, a.presence(cs, sessions, now))
	}
	a.acct.Tick(now, day, presence)
	a.mu.Lock()
	a.lastPresence = presence
	a.mu.Unlock()
	for i, cs := range kids {
		a.decide(ctx, cs, sessions, presence[i], now)
	}
}

// presence asks the child's witness whether they are at the PC, from their
// sessions and processes, and records what the parent must be told.
func (a *Agent) presence(cs *childState, sessions []facts.Session, now time.Time) monitor.Presence {
	a.mu.Lock()
	perr := cs.policyErr
	a.mu.Unlock()
	v := a.view(cs)
	verdict := cs.witness.Judge(now, monitor.Observation{Sessions: cs.sessionsOf(sessions), Procs: v.NProcs})
	p := monitor.Presence{Child: cs.rec.Name, Active: verdict.Active, Session: verdict.Session}
	if hb := cs.witness.Heartbeat(); verdict.Companion && hb.ForePID > 0 {
		if e, ok := a.tracker.Get(hb.ForePID); ok && slices.Contains(cs.uids, e.UID) {
			app := e.App
			p.Fore = &app
		}
	}
	if perr == nil {
		// Every running game counts, in front or not: the foreground comes
		// from the child's own heartbeat, so it may not lower the count.
		p.Games = v.Games
	}
	for _, al := range verdict.Alerts {
		a.event(context.Background(), cs.rec.Name, al.Kind, al.Detail)
	}
	return p
}

// procView is the child's monitor.View, rebuilt only when the processes or
// the policy change, so that a tick with hundreds of processes costs next
// to nothing.
type procView struct {
	ver, polGen uint64
	monitor.View
}

// view returns the child's current procView.
func (a *Agent) view(cs *childState) *procView {
	ver := a.tracker.Version()
	a.mu.Lock()
	v, pol, gen := cs.view, cs.policy, cs.polGen
	a.mu.Unlock()
	if v != nil && v.ver == ver && v.polGen == gen {
		return v
	}
	v = &procView{ver: ver, polGen: gen, View: a.tracker.View(cs.uids, &pol)}
	a.mu.Lock()
	cs.view = v
	a.mu.Unlock()
	return v
}

// usageOf builds the rules' view of today for a child with these apps
// running.
func (a *Agent) usageOf(cs *childState, apps []monitor.ViewApp) rules.Usage {
	a.mu.Lock()
	// warned is only appended to (or replaced) under a.mu: what is within
	// its length now never changes, so it is shared, not copied.
	day, warned := cs.day, cs.warned
	a.mu.Unlock()
	u := rules.Usage{Warned: warned[:len(warned):len(warned)], Apps: make([]rules.AppUsage, 0, len(apps))}
	a.acct.Read(cs.rec.Name, day, func(t *monitor.Totals) {
		u.Screen, u.Games = t.Screen, t.Games
		for _, x := range apps {
			u.Apps = append(u.Apps, rules.AppUsage{App: x.App, Used: t.PerApp[x.Key], Running: true})
		}
	})
	// The family's budget: the child's time on the other PCs of the hub
	// counts here too, per game as well (hublink.go).
	addAway(&u, a.hub.elsewhere(cs.rec.Name, day), apps)
	return u
}

// decide evaluates the rules for a child and carries out the decision.
func (a *Agent) decide(ctx context.Context, cs *childState, sessions []facts.Session, pres monitor.Presence, now time.Time) {
	a.mu.Lock()
	pol, perr := cs.policy, cs.policyErr
	a.mu.Unlock()
	if perr != nil {
		return
	}
	v := a.view(cs)
	u := a.usageOf(cs, v.Apps)
	dec := rules.Evaluate(pol, u, now)
	a.mu.Lock()
	cs.dec = dec
	a.mu.Unlock()

	for _, w := range dec.Warnings {
		a.warn(ctx, cs, w)
	}
	for _, c := range dec.Close {
		var pids []int
		for _, pg := range v.Progs {
			if monitor.SameApp(monitor.Judge(pg.App, &pol), c.App) {
				pids = append(pids, pg.PIDs...)
			}
		}
		if len(pids) > 0 {
			a.enf.CloseApp(ctx, cs.rec.Name, pids, c.App.Name, string(c.Reason))
		}
	}
	if !dec.Lock {
		a.enf.Release(cs.rec.Name)
		return
	}
	var ids []string
	for _, s := range cs.sessionsOf(sessions) {
		ids = append(ids, s.ID)
	}
	// Whether the lock worked is judged on what the OS says (logind, or
	// the child's processes where there is none), never on the heartbeat.
	active := pres.Active || (len(ids) == 0 && v.NProcs > 0)
	a.enf.StopSession(ctx, enforce.Target{
		Child: cs.rec.Name, UIDs: cs.uids, Sessions: ids, Companion: cs.witness.CompanionAlive(now),
		Active: active, Logout: dec.Action == rules.ActionLogout, Reason: string(dec.Reason),
	})
}

// warn records a warning once and shows it in the child's session.
func (a *Agent) warn(ctx context.Context, cs *childState, w rules.Warning) {
	a.mu.Lock()
	if slices.Contains(cs.warned, w.Key) {
		a.mu.Unlock()
		return
	}
	cs.warned = append(cs.warned, w.Key)
	a.mu.Unlock()
	a.event(ctx, cs.rec.Name, "warning", map[string]any{"key": w.Key, "subject": w.Subject, "reason": string(w.Reason),
		"thresholdSec": int64(w.Threshold / time.Second), "leftSec": int64(w.Left / time.Second)})
	if a.deps.Notify == nil || cs.witness.CompanionAlive(a.now()) {
		// A live companion shows the warning itself (one notification, not
		// two); without it the agent notifies in the child's session.
		return
	}
	title, body := warningText(a.lang(), w)
	for _, uid := range cs.uids {
		select {
		case a.notes <- note{child: cs.rec.Name, uid: uid, title: title, body: body}:
		default:
			a.log.Warn("agent: too many notifications waiting; one dropped", "child", cs.rec.Name)
		}
	}
}

// reconcile rescans the process table and enforces on processes that
// appeared without an exec event.
func (a *Agent) reconcile(ctx context.Context) (int, error) { return a.reconcileWith(ctx, false) }

// reconcileWith rescans: cheaply (owners only) while exec events flow,
// fully otherwise.
func (a *Agent) reconcileWith(ctx context.Context, cheap bool) (int, error) {
	scan := a.tracker.Reconcile
	if cheap {
		scan = a.tracker.Check
	}
	added, err := scan()
	if err != nil {
		return 0, err
	}
	for _, e := range added {
		a.onNewProcess(ctx, e)
	}
	return len(added), nil
}

// watch handles process events as they come: the fast path that kills a
// blocked app within milliseconds of its exec. When the events stop (the
// kernel's connector closed), the ticks poll the process table instead.
func (a *Agent) watch(ctx context.Context, events <-chan facts.ProcEvent) error {
	taken := 0 // a child's new processes since the last Trim
	took := func() {
		if taken++; taken >= trimEvery && a.deps.Trim != nil {
			taken = 0
			a.deps.Trim()
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				if ctx.Err() == nil {
					a.log.Warn("agent: process events stopped; polling the process table every tick")
					a.polling.Store(true)
				}
				return nil
			}
			switch ev.Kind {
			case facts.Overrun:
				if _, err := a.reconcile(ctx); err != nil {
					a.log.Warn("agent: rescan after lost events failed", "err", err)
				}
			case facts.Exit:
				ver := a.tracker.Version()
				a.tracker.Exit(ev.PID)
				if a.tracker.Version() != ver {
					a.catchUp(a.now()) // a child's process ended: a game may have
				}
			case facts.Fork:
				if e := a.tracker.Fork(ev.PID, ev.PPID, ev.Time); e != nil {
					a.catchUp(a.now())
					a.onNewProcess(ctx, e)
					took()
				}
			case facts.Exec:
				e, err := a.tracker.Exec(ev.PID)
				var ue *monitor.UnreadableError
				if errors.As(err, &ue) {
					a.onUnreadable(ctx, ue)
					continue
				}
				if err != nil {
					a.log.Debug("agent: exec not read", "pid", ev.PID, "err", err)
					continue
				}
				if e != nil {
					a.catchUp(a.now()) // until now, the child's processes were as before
					a.onNewProcess(ctx, e)
					took()
				}
			}
		}
	}
}

// trimEvery is how many of a child's new processes the watcher takes in
// between two Deps.Trim calls (each costs about 0.1 ms and the refaults of
// the code in use, against 0.2 ms to take in one process).
const trimEvery = 512

// onUnreadable decides about a child's new process that could not be read:
// while the child may not use the PC (blocked, or logged out for the day)
// it is forbidden, not allowed (fail closed).
func (a *Agent) onUnreadable(ctx context.Context, ue *monitor.UnreadableError) {
	a.mu.Lock()
	cs, ok := a.byUID[ue.UID]
	blocked := ok && (cs.dec.Lock || cs.policyErr != nil)
	a.mu.Unlock()
	if !ok {
		return
	}
	if _, _, stopped := a.enf.Blocked(cs.rec.Name); stopped || blocked {
		a.log.Warn("agent: a blocked child's process could not be read; closing it", "child", cs.rec.Name, "pid", ue.PID, "err", ue.Err)
		_ = a.enf.KillNow(ctx, cs.rec.Name, ue.PID, "", "unreadable")
	}
}

// onNewProcess decides at once about a process that just started.
func (a *Agent) onNewProcess(ctx context.Context, e *monitor.Entry) {
	a.mu.Lock()
	cs, ok := a.byUID[e.UID]
	if !ok || cs.policyErr != nil || cs.day == "" {
		// Not a child's, or their policy is not resolved yet: never judge
		// a process against an empty policy (which allows nothing).
		a.mu.Unlock()
		return
	}
	pol := cs.policy
	a.mu.Unlock()
	if !cs.witness.Last().Present {
		a.poke() // the child has just come: the ticks count from now
	}
	now := a.now()
	if _, via, blocked := a.enf.Blocked(cs.rec.Name); blocked && via == "killed" {
		// Logged out for the day: nothing of theirs may start again.
		_ = a.enf.KillNow(ctx, cs.rec.Name, e.PID, e.App.Name, "session.stopped")
		return
	}
	if a.holdForApproval(ctx, cs, e, &pol) {
		return // a program the child obtained waits for a parent's yes
	}
	ra := monitor.Judge(e.App, &pol)
	// The exec path never waits on the database (a backup may hold its
	// writer): today's time is kept by identity in memory.
	u := a.usageOf(cs, []monitor.ViewApp{{App: ra, Key: e.App.Key()}})
	dec := rules.Evaluate(pol, u, now)
	if dec.Lock && !a.osLocked(cs) && !a.isCompanion(e) {
		// The child may not use the PC now (outside allowed hours, time
		// spent) and no login manager holds their session locked: nothing
		// of theirs may start. The companion's word that the screen is
		// locked does not count here (the child can forge it); the
		// companion itself may start, to say why and where to find help.
		_ = a.enf.KillNow(ctx, cs.rec.Name, e.PID, e.App.Name, string(dec.Reason))
		return
	}
	for _, c := range dec.Close {
		if monitor.SameApp(ra, c.App) {
			if err := a.enf.KillNow(ctx, cs.rec.Name, e.PID, e.App.Name, string(c.Reason)); err != nil {
				a.log.Warn("agent: kill on exec failed", "err", err)
			}
			return
		}
	}
}

// osLocked reports whether the OS holds every session of the child locked
// (logind's LockedHint): only then may their programs start while they are
// blocked (a screen locker's helpers).
func (a *Agent) osLocked(cs *childState) bool {
	a.mu.Lock()
	ss := a.lastSessions
	a.mu.Unlock()
	mine := cs.sessionsOf(ss)
	for _, s := range mine {
		if !s.Locked {
			return false
		}
	}
	return len(mine) > 0
}

// isCompanion reports whether a process is the installed companion (its
// path is the administrator-installed kidtime-app's, which a child cannot
// write).
func (a *Agent) isCompanion(e *monitor.Entry) bool {
	return a.cfg.Companion != "" && e.App.Path == a.cfg.Companion
}

func (a *Agent) presenceRules() monitor.PresenceRules {
	return monitor.PresenceRules{HeartbeatTimeout: a.cfg.HeartbeatTimeout, IdleThreshold: a.cfg.IdleThreshold, CompanionGrace: a.cfg.CompanionGrace}
}

// refreshDecision re-evaluates a child's rules without acting, so that
// status answers are current right after a grant, a policy change or a
// start (the next tick acts on it).
func (a *Agent) refreshDecision(cs *childState, now time.Time) {
	a.mu.Lock()
	pol, perr := cs.policy, cs.policyErr
	a.mu.Unlock()
	if perr != nil {
		return
	}
	dec := rules.Evaluate(pol, a.usageOf(cs, a.view(cs).Apps), now)
	a.mu.Lock()
	cs.dec = dec
	a.mu.Unlock()
}
