package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/hubsync"
	"github.com/kidtime/kidtime/agent/localapi"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// The PC's link to its hub (issue 13): joined with kidtime join, its
// credentials root-only in the data folder (hubsync.CredsFile). While
// joined, the "hub" service says hello and publishes each child's day
// every HubSyncEvery (and at each reconnect), and every signed policy the
// hub hands over is checked against the school key and applied, or
// refused and recorded (policy_refused). The link never stops the daemon:
// a hub out of reach only means nothing is synced until it is back.

// settingHubPolicy is the hash of the last policy taken from the hub (a
// restart does not import it again).
const settingHubPolicy = "hub.policy"

type hubLink struct {
	a *Agent

	// joinMu: one join, leave or start at a time. mu is never held while
	// the hub is waited for: the ticks read others under it.
	joinMu sync.Mutex
	mu     sync.Mutex
	cl     *hubsync.Client  // nil when not joined
	sent   map[string]int64 // rollup subject → the revision the hub took
	push   chan struct{}    // asks the service for a push now
	// others are the other PCs' rollups of today, by child key then PC:
	// the family's budget is the sum over its PCs.
	others map[string]map[string]wire.Rollup
	// fam is the family's requests and the parent's key (hubfamily.go).
	fam hubFamily
	// shareNames: the hub's signed policy in force here says shareNames
	// (hubdetail.go).
	shareNames atomic.Bool
}

var _ localapi.HubBackend = (*Agent)(nil)

// Hub is the PC's hub link.
func (a *Agent) Hub() localapi.HubLink { return a.hub }

func (h *hubLink) client() *hubsync.Client {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cl
}

// Status is the hub joined, nil when none.
func (h *hubLink) Status() *apitype.HubStatus {
	cl := h.client()
	if cl == nil {
		return nil
	}
	s := &apitype.HubStatus{URL: cl.Creds().URL(), Connected: cl.Connected(), Kind: cl.Kind()}
	if t := cl.LastSync(); !t.IsZero() {
		s.LastSync = &t
	}
	return s
}

func notJoined() error {
	return &wire.Error{Key: "err.hub.notJoined", Msg: "this PC has joined no hub (kidtime join TOKEN)"}
}

// Join enrols with the hub a token names, keeps the credentials and
// connects.
func (h *hubLink) Join(ctx context.Context, token, name string) (apitype.HubStatus, error) {
	h.joinMu.Lock()
	defer h.joinMu.Unlock()
	if cl := h.client(); cl != nil {
		c := cl.Creds()
		return apitype.HubStatus{}, &wire.Error{Key: "err.hub.joined", Args: map[string]string{"hub": c.Hub},
			Msg: fmt.Sprintf("this PC has joined the hub at %s already; kidtime leave first", c.Hub)}
	}
	creds, err := hubsync.Enrol(ctx, token, name, runtime.GOOS, localapi.Version)
	if errors.Is(err, hubsync.ErrUnreachable) {
		return apitype.HubStatus{}, &wire.Error{Key: "err.hub.unreachable", Args: map[string]string{"reason": err.Error()}, Msg: err.Error()}
	}
	if err != nil {
		return apitype.HubStatus{}, err
	}
	if err := hubsync.SaveCreds(h.a.cfg.DataDir, creds); err != nil {
		return apitype.HubStatus{}, err
	}
	if err := h.connect(creds); err != nil {
		return apitype.HubStatus{}, err
	}
	h.a.event(ctx, "", "hub_joined", map[string]any{"hub": creds.Hub, "name": creds.Name, "pc": creds.PC})
	return apitype.HubStatus{URL: creds.URL(), Connected: h.client().Connected(), Kind: wire.NormKind(creds.Kind)}, nil
}

// connect starts the connection (joinMu held).
func (h *hubLink) connect(creds hubsync.Creds) error {
	h.mu.Lock()
	h.others, h.sent = map[string]map[string]wire.Rollup{}, map[string]int64{}
	h.mu.Unlock()
	h.shareNames.Store(false) // until the hub's policy is handed again (catch-up, before the first push)
	h.fam.mu.Lock()
	h.fam.remote, h.fam.sentReq = nil, nil
	h.fam.mu.Unlock()
	h.fam.clean.Store(false)
	cl, err := hubsync.Connect(creds, hubsync.Options{Logger: h.a.log, OnPolicy: h.a.applyHubPolicy, OnConnect: h.wake,
		OnUsage: func(r wire.Rollup) { h.otherUsage(creds.PC, r) }, Today: func() string { return dayOf(h.a.now()) },
		OnRequest: func(r wire.FamilyRequest) { h.onRequest(creds.PC, r) }, OnAnswer: h.onAnswer, OnKept: h.onKept,
		OnKind: func(string) { go h.kindChanged() }})
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.cl = cl
	h.mu.Unlock()
	h.wake()
	return nil
}

// kindChanged follows a hub whose kind is not the credentials' (it was
// restarted with or without --family): the credentials keep the new kind,
// and the link connects again, reading (or no longer reading) the other
// PCs' data.
func (h *hubLink) kindChanged() {
	h.joinMu.Lock()
	defer h.joinMu.Unlock()
	cl := h.client()
	if cl == nil {
		return
	}
	creds := cl.Creds()
	k := cl.Kind()
	if k == wire.NormKind(creds.Kind) {
		return
	}
	creds.Kind = k
	// The link connects again with the new kind whatever happens here, and
	// then never sees a change again: the file must take it now. On Windows
	// a reader holding hub-creds.json open (an antivirus, a backup) makes
	// the rename fail for a moment, so a failed write is tried again.
	var err error
	for try := 0; try < 10; try++ {
		if err = hubsync.SaveCreds(h.a.cfg.DataDir, creds); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		h.a.log.Warn("hub: the hub's new kind was not kept", "kind", k, "err", err)
	}
	h.a.log.Info("hub: the hub's kind changed; connecting again", "kind", k)
	cl.Close()
	h.mu.Lock()
	h.cl = nil
	h.mu.Unlock()
	if err := h.connect(creds); err != nil {
		h.a.log.Error("hub: cannot start the link", "err", err)
	}
}

// otherUsage keeps another PC's rollup of today, and wakes the ticks: the
// child's time left there counts it at once.
func (h *hubLink) otherUsage(self string, r wire.Rollup) {
	if r.PC == self || r.Child == wire.PCChild {
		return
	}
	today := dayOf(h.a.now())
	if r.Day != today {
		return
	}
	h.mu.Lock()
	if h.others == nil {
		h.others = map[string]map[string]wire.Rollup{}
	}
	byPC := h.others[r.Child]
	if byPC == nil {
		byPC = map[string]wire.Rollup{}
		h.others[r.Child] = byPC
	}
	old, had := byPC[r.PC]
	changed := !had || old.Day != r.Day || old.Rev < r.Rev
	if changed {
		byPC[r.PC] = r
	}
	h.mu.Unlock()
	if changed {
		h.a.poke()
	}
}

// away is a child's day on the family's other PCs.
type away struct {
	screen, games time.Duration
	// granted is the time given there (it counts here too).
	grantedScreen, grantedGames time.Duration
	// perGame is each game's time there, by wire.GameKey.
	perGame map[string]time.Duration
}

// elsewhere is a child's time today on the family's other PCs, as their
// last rollups said (zero when the PC joined no hub).
func (h *hubLink) elsewhere(child, day string) away {
	h.mu.Lock()
	defer h.mu.Unlock()
	var w away
	if len(h.others) == 0 {
		return w
	}
	for _, r := range h.others[wire.ChildKey(child)] {
		if r.Day != day {
			continue
		}
		w.screen += time.Duration(r.ScreenSec) * time.Second
		w.games += time.Duration(r.GamesSec) * time.Second
		w.grantedScreen += time.Duration(r.GrantedScreen) * time.Second
		w.grantedGames += time.Duration(r.GrantedGames) * time.Second
		for k, s := range r.PerGame {
			if w.perGame == nil {
				w.perGame = map[string]time.Duration{}
			}
			w.perGame[k] += time.Duration(s) * time.Second
		}
	}
	return w
}

// addAway adds the child's time on the family's other PCs to u: screen
// and game time, each running game's time (the per-game cap is across
// PCs), less the time given there (a grant counts on every PC).
func addAway(u *rules.Usage, w away, apps []monitor.ViewApp) {
	u.Screen = max(u.Screen+w.screen-w.grantedScreen, 0)
	u.Games = max(u.Games+w.games-w.grantedGames, 0)
	if len(w.perGame) == 0 {
		return
	}
	for i, x := range apps {
		if i < len(u.Apps) && x.Key != "" {
			u.Apps[i].Used += w.perGame[wire.GameKey(x.Key)]
		}
	}
}

func (h *hubLink) wake() {
	select {
	case h.push <- struct{}{}:
	default:
	}
}

// Leave tells the hub (when it can be reached), forgets the credentials
// and disconnects.
func (h *hubLink) Leave(ctx context.Context) error {
	h.joinMu.Lock()
	defer h.joinMu.Unlock()
	h.mu.Lock()
	cl := h.cl
	h.cl, h.others = nil, nil
	h.mu.Unlock()
	if cl == nil {
		return notJoined()
	}
	c := cl.Creds()
	told := cl.Leave(ctx)
	if told != nil {
		h.a.log.Warn("hub: the hub was not told this PC leaves; its administrator can remove it (kidtime hub remove)", "err", told)
	}
	if err := hubsync.RemoveCreds(h.a.cfg.DataDir); err != nil {
		return err
	}
	h.a.event(ctx, "", "hub_left", map[string]any{"hub": c.Hub, "name": c.Name, "told": told == nil})
	return nil
}

// Forward sends a signed policy for the hub to publish to every PC.
func (h *hubLink) Forward(ctx context.Context, raw []byte) (apitype.HubPublished, error) {
	cl := h.client()
	if cl == nil {
		return apitype.HubPublished{}, notJoined()
	}
	s, signed, err := rules.OpenSignedPolicy(raw)
	switch {
	case errors.Is(err, rules.ErrBadSignature):
		return apitype.HubPublished{}, &wire.Error{Key: "err.hub.policyBadSignature", Msg: "the policy's signature does not verify: " + err.Error()}
	case err != nil:
		return apitype.HubPublished{}, &wire.Error{Key: "err.hub.policyUnreadable", Args: map[string]string{"reason": err.Error()}, Msg: "the signed policy is unreadable: " + err.Error()}
	case !signed:
		return apitype.HubPublished{}, &wire.Error{Key: "err.hub.policyUnsigned", Msg: "a hub publishes signed policies only (kidtime policy sign)"}
	}
	rep, err := cl.Forward(ctx, raw)
	if errors.Is(err, hubsync.ErrUnreachable) {
		return apitype.HubPublished{}, &wire.Error{Key: "err.hub.unreachable", Args: map[string]string{"reason": err.Error()}, Msg: err.Error()}
	}
	if err != nil {
		return apitype.HubPublished{}, err
	}
	return apitype.HubPublished{OK: true, Seq: rep.Seq, KeyID: s.KeyID(), SignedAt: s.SignedAt}, nil
}

// hubSync is the hub service: it connects when the PC has joined, then
// pushes the children's days every HubSyncEvery and at each reconnect.
func (a *Agent) hubSync(ctx context.Context) error {
	h := a.hub
	creds, ok, err := hubsync.LoadCreds(a.cfg.DataDir)
	if err != nil {
		a.log.Error("hub: credentials unreadable; this PC does not sync (leave and join again)", "err", err)
	}
	h.joinMu.Lock()
	if ok && h.client() == nil {
		if err := h.connect(creds); err != nil {
			a.log.Error("hub: cannot start the link", "err", err)
		}
	}
	h.joinMu.Unlock()
	defer func() {
		h.joinMu.Lock()
		defer h.joinMu.Unlock()
		if cl := h.client(); cl != nil {
			cl.Close()
		}
		h.mu.Lock()
		h.cl = nil // a late kindChanged finds no link to start again
		h.mu.Unlock()
	}()
	// Not joined, the service sleeps until a join wakes it (an idle PC
	// pays nothing for the hub).
	t := time.NewTicker(a.cfg.HubSyncEvery)
	defer t.Stop()
	for {
		var tick <-chan time.Time
		if h.client() != nil {
			tick = t.C
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
		case <-h.push:
		}
		if cl := h.client(); cl != nil && cl.Connected() {
			a.pushHub(ctx, cl)
		}
	}
}

// pushHub says hello and publishes each child's today and yesterday
// (a day's last minutes are sent after midnight), when they changed.
func (a *Agent) pushHub(ctx context.Context, cl *hubsync.Client) {
	now := a.now()
	c := cl.Creds()
	if err := cl.Hello(wire.Hello{Name: c.Name, OS: runtime.GOOS, Version: localapi.Version, At: now}); err != nil {
		a.log.Info("hub: hello not sent", "err", err)
		return
	}
	// Usage reaches the database every StoreEvery (2 min); the family's
	// budget cannot wait that long (the overshoot bound is 30 s), so what
	// was counted is written first.
	if err := a.Flush(ctx); err != nil {
		a.log.Warn("hub: usage not written before the day's totals", "err", err)
	}
	pcName := ""
	if a.hub.detail(cl) {
		pcName = c.Name
	}
	rolls, err := a.rollups(ctx, now, pcName)
	if err != nil {
		a.log.Warn("hub: the day's totals could not be read", "err", err)
		return
	}
	for _, r := range rolls {
		key := wire.UsageSubject(c.HubID, c.PC, r.Child, r.Day)
		a.hub.mu.Lock()
		same := a.hub.sent[key] == r.Rev && r.Rev != 0
		a.hub.mu.Unlock()
		if same {
			continue
		}
		if err := cl.PublishRollup(ctx, r); err != nil {
			a.log.Info("hub: a rollup was not taken; it goes again next time", "err", err)
			return
		}
		a.hub.mu.Lock()
		if a.hub.sent != nil {
			a.hub.sent[key] = r.Rev
		}
		a.hub.mu.Unlock()
	}
	y, m, d := now.Date()
	a.pushRequests(ctx, cl, dayOf(now), dayOf(time.Date(y, m, d-1, 12, 0, 0, 0, now.Location())))
}

// rollups are the children's days (and the PC's own tamper events) since
// yesterday. Their revision is the sum of every counter: the counters only
// grow within a day, so a changed day has a higher revision, and the same
// day resent after a crash has the same message id (JetStream drops it).
// A child is their ChildKey; with detailOf (the PC's name, "" = none:
// hubdetail.go) the child's name and per-app totals go too.
func (a *Agent) rollups(ctx context.Context, now time.Time, detailOf string) ([]wire.Rollup, error) {
	today := dayOf(now)
	y, m, d := now.Date()
	yesterday := dayOf(time.Date(y, m, d-1, 12, 0, 0, 0, now.Location()))
	since := time.Date(y, m, d-1, 0, 0, 0, 0, now.Location())
	kids, err := a.st.Children(ctx)
	if err != nil {
		return nil, err
	}
	evs, err := a.st.Events(ctx, since, "")
	if err != nil {
		return nil, err
	}
	tamper := map[string]map[string]int{} // child|day → kind → n
	for _, e := range evs {
		if !localapi.TamperKind(e.Kind) {
			continue
		}
		k := e.Child + "|" + dayOf(e.At.In(now.Location()))
		if tamper[k] == nil {
			tamper[k] = map[string]int{}
		}
		tamper[k][e.Kind]++
	}
	figs, err := a.reportFigures(ctx, kids, []string{yesterday, today}, evs, now)
	if err != nil {
		return nil, err
	}
	var apps map[int64]store.App
	if detailOf != "" {
		if apps, err = a.appsByID(ctx); err != nil {
			return nil, err
		}
	}
	var out []wire.Rollup
	for _, day := range []string{yesterday, today} {
		for _, ch := range kids {
			r, err := a.childRollup(ctx, ch, day, now)
			if err != nil {
				return nil, err
			}
			if detailOf != "" {
				if err := a.addDetail(ctx, &r, ch, detailOf, apps); err != nil {
					return nil, err
				}
			}
			r.Tamper = tamper[ch.Name+"|"+day]
			r.ReportFigures = figs[ch.Name+"|"+day]
			r.Rev = rollupRev(r)
			if r.Rev > 0 {
				out = append(out, r)
			}
		}
		if t := tamper["|"+day]; len(t) > 0 {
			r := wire.Rollup{Child: wire.PCChild, Day: day, Tamper: t, At: now}
			r.Rev = rollupRev(r)
			out = append(out, r)
		}
	}
	return out, nil
}

func (a *Agent) childRollup(ctx context.Context, ch store.Child, day string, now time.Time) (wire.Rollup, error) {
	r := wire.Rollup{Child: wire.ChildKey(ch.Name), Day: day, Age: rules.AgeIn(ch.BirthYear, now), At: now}
	u, err := a.st.Today(ctx, ch.Name, day)
	if err != nil {
		return r, err
	}
	r.ScreenSec, r.GamesSec = int64(u.Screen/time.Second), int64(u.Games/time.Second)
	r.GrantedScreen, r.GrantedGames = int64(u.GrantedScreen/time.Second), int64(u.GrantedGames/time.Second)
	for k, d := range a.apps.Keyed(u.PerGame) {
		if s := int64(d / time.Second); s > 0 && k != "" {
			if r.PerGame == nil {
				r.PerGame = map[string]int64{}
			}
			r.PerGame[wire.GameKey(k)] += s
		}
	}
	if r.ScreenSec+r.GamesSec > 0 {
		rows, err := a.st.Summary(ctx, ch.Name, day, day, "category")
		if err != nil {
			return r, err
		}
		for _, row := range rows {
			if r.Category == nil {
				r.Category = map[string]int64{}
			}
			key := row.Key
			if key == "" {
				key = "unknown"
			}
			r.Category[key] += int64((row.Screen + row.Games) / time.Second)
		}
	}
	reqs, err := a.st.Requests(ctx, ch.Name, "")
	if err != nil {
		return r, err
	}
	for _, q := range reqs {
		if q.Day != day {
			continue
		}
		r.Requests++
		if q.Status != apitype.StatusPending {
			r.Answered++
		}
		if q.Status == apitype.StatusApproved {
			r.Granted++
		}
	}
	return r, nil
}

func rollupRev(r wire.Rollup) int64 {
	n := r.ScreenSec + r.GamesSec + int64(r.Requests+r.Answered+r.Granted) + r.GrantedScreen + r.GrantedGames
	for _, v := range r.PerGame {
		n += v
	}
	for _, v := range r.Category {
		n += v
	}
	for _, v := range r.Tamper {
		n += int64(v)
	}
	for _, x := range r.PerApp {
		n += x.Sec
	}
	return n + r.ReportFigures.Sum()
}

// applyHubPolicy takes a signed policy from the hub: checked against the
// school key as an import is (the first one sets the key: joining was an
// administrator's act), applied, or refused and recorded.
func (a *Agent) applyHubPolicy(raw []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	if b, err := a.st.Setting(ctx, settingHubPolicy); err == nil && string(b) == hash {
		a.hub.shareNames.Store(policyShares(raw)) // the one in force, handed again at a connect
		return
	}
	s, signed, err := rules.OpenSignedPolicy(raw)
	if err != nil || !signed {
		reason := "unsigned"
		if err != nil {
			reason = err.Error()
		}
		a.log.Warn("hub: a policy from the hub was refused", "why", reason)
		a.event(ctx, "", "policy_refused", map[string]any{"by": "hub", "reason": reason})
		return
	}
	trusted := a.fam.SchoolKeyID(ctx) != ""
	err = a.fam.Import(ctx, family.Actor{User: "hub", Role: "hub", Admin: !trusted}, raw, false)
	if err != nil {
		var re *family.RefusedError
		if !errors.As(err, &re) {
			// Refusals are recorded by the family; anything else is a
			// policy this PC cannot apply.
			a.event(ctx, "", "policy_refused", map[string]any{"by": "hub", "reason": "invalid", "error": err.Error(), "keyId": s.KeyID()})
		}
		a.log.Warn("hub: a policy from the hub was refused", "keyId", s.KeyID(), "err", err)
		return
	}
	a.hub.shareNames.Store(policyShares(raw)) // before the reload: the next push follows it
	if err := a.st.SetSetting(ctx, settingHubPolicy, []byte(hash)); err != nil {
		a.log.Warn("hub: keep the policy's mark", "err", err)
	}
	if err := a.Reload(ctx); err != nil {
		a.log.Error("hub: reload after the hub's policy", "err", err)
	}
	a.log.Info("hub: policy applied", "keyId", s.KeyID(), "signedAt", s.SignedAt)
}
