package agent

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/hubsync"
	"github.com/kidtime/kidtime/agent/localapi"
	"github.com/kidtime/kidtime/agent/store"
)

// The family across its PCs (issue 13): a child's requests for time asked
// on one PC are published to the hub; a parent at any PC of the family
// lists them with the local ones and answers them there. The answer goes
// to the asking PC as a request/reply through the hub, signed with the
// family's parent key (hubsync.FamilyKey, from the PIN): the asking PC
// checks it against the key it derived itself the last time a parent typed
// the PIN there, so a PC where no parent typed the PIN cannot forge an
// answer for another PC's child.

// settingParentKey is the family's parent public key (hex) this PC checks
// answers from other PCs with.
const settingParentKey = "hub.parentKey"

// remoteBase: another PC's request is listed here as remoteBase +
// tag(PC)·10⁶ + its number there (a local request's number never gets
// near it).
const remoteBase int64 = 1_000_000_000_000

// keepRemote is how long another PC's request is kept (the stream's age).
const keepRemote = 48 * time.Hour

type hubFamily struct {
	mu      sync.Mutex
	refused map[string]time.Time                    // PC → when its last refused answer was recorded
	remote  map[string]map[int64]wire.FamilyRequest // PC → number → request
	sentReq map[string]string                       // subject → message id published
	priv    ed25519.PrivateKey                      // the parent's key, while logged in here
	until   time.Time
	// clean: this PC's requests are on the hub as they are (set after a
	// push, cleared when a child asks or a parent answers here, and at
	// each connect), so an idle push reads no requests.
	clean atomic.Bool
}

var _ localapi.FamilyLink = (*hubLink)(nil)

func pcTag(pc string) int64 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(pc))
	return int64(h.Sum32() % 1_000_000)
}

func remoteID(pc string, id int64) int64 { return remoteBase + pcTag(pc)*1_000_000 + id }

// onRequest keeps another PC's request.
func (h *hubLink) onRequest(self string, r wire.FamilyRequest) {
	if r.PC == self || r.ID <= 0 || r.ID >= 1_000_000 {
		return
	}
	f := &h.fam
	f.mu.Lock()
	if f.remote == nil {
		f.remote = map[string]map[int64]wire.FamilyRequest{}
	}
	old := time.Now().Add(-keepRemote) // the stream's age, on the hub's (wall) clock
	for pc, byID := range f.remote {
		for id, q := range byID {
			if !q.Created.IsZero() && q.Created.Before(old) {
				delete(byID, id)
			}
		}
		if len(byID) == 0 {
			delete(f.remote, pc)
		}
	}
	if f.remote[r.PC] == nil {
		f.remote[r.PC] = map[int64]wire.FamilyRequest{}
	}
	f.remote[r.PC][r.ID] = r
	f.mu.Unlock()
}

// childNames maps child keys to the names this PC knows.
func (a *Agent) childNames(ctx context.Context) map[string]string {
	out := map[string]string{}
	kids, err := a.st.Children(ctx)
	if err != nil {
		return out
	}
	for _, c := range kids {
		out[wire.ChildKey(c.Name)] = c.Name
	}
	return out
}

func (a *Agent) remoteToAPI(r wire.FamilyRequest, names map[string]string) apitype.Request {
	name := names[r.Child]
	if name == "" {
		name = r.Name
	}
	if name == "" {
		name = "?" + r.Child[:min(6, len(r.Child))]
	}
	pc := r.PCName
	if pc == "" {
		pc = r.PC
	}
	return apitype.Request{ID: remoteID(r.PC, r.ID), Child: name, Kind: r.Kind, AddSec: r.AddSec, Reason: r.Reason,
		Status: r.Status, GrantedSec: r.GrantedSec, AnsweredBy: r.AnsweredBy, Created: r.Created, Answered: r.Answered, PC: pc}
}

// FamilyRequests are the requests asked on the family's other PCs.
func (h *hubLink) FamilyRequests(ctx context.Context, child, status string) []apitype.Request {
	if h.client() == nil {
		return nil
	}
	names := h.a.childNames(ctx)
	h.fam.mu.Lock()
	var out []apitype.Request
	for _, byID := range h.fam.remote {
		for _, r := range byID {
			q := h.a.remoteToAPI(r, names)
			if (child == "" || strings.EqualFold(child, q.Child)) && (status == "" || status == q.Status) {
				out = append(out, q)
			}
		}
	}
	h.fam.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

func familyErr(key, msg string) error { return &wire.Error{Key: key, Msg: msg} }

// AnswerFamily answers a request asked on another PC; handled is false
// for a number that is not another PC's request.
func (h *hubLink) AnswerFamily(ctx context.Context, id int64, approve bool, addSec int64, by string) (apitype.Request, bool, error) {
	if id < remoteBase {
		return apitype.Request{}, false, nil
	}
	cl := h.client()
	if cl == nil {
		return apitype.Request{}, true, notJoined()
	}
	var r wire.FamilyRequest
	found := false
	h.fam.mu.Lock()
	for pc, byID := range h.fam.remote {
		if q, ok := byID[id-remoteBase-pcTag(pc)*1_000_000]; ok && remoteID(pc, q.ID) == id {
			r, found = q, true
		}
	}
	priv, until := h.fam.priv, h.fam.until
	h.fam.mu.Unlock()
	if !found {
		return apitype.Request{}, true, fmt.Errorf("request %d: %w", id, store.ErrNotFound)
	}
	if priv == nil || !h.a.now().Before(until) {
		return apitype.Request{}, true, familyErr("err.hub.familyLocked",
			"answering a request of another PC needs a parent logged in here with the PIN (kidtime login)")
	}
	c := cl.Creds()
	ans := wire.Answer{PC: r.PC, ID: r.ID, Child: r.Child, Approve: approve, AddSec: addSec,
		By: by + " (" + c.Name + ")", At: h.a.now().UTC(), Asked: r.Created}
	hubsync.SignAnswer(priv, c.HubID, &ans)
	rep, err := cl.Answer(ctx, ans)
	if errors.Is(err, hubsync.ErrUnreachable) {
		return apitype.Request{}, true, &wire.Error{Key: "err.hub.unreachable", Args: map[string]string{"reason": err.Error()}, Msg: err.Error()}
	}
	if err != nil {
		return apitype.Request{}, true, err
	}
	if rep.Kept {
		// The asking PC is out of reach: the hub keeps the answer, and
		// the PC takes it when it connects. The request waits till then.
		h.a.log.Info("hub: a request of another PC was answered; the hub keeps the answer until that PC connects", "pc", r.PC, "request", r.ID)
		out := h.a.remoteToAPI(r, h.a.childNames(ctx))
		out.Kept = true
		return out, true, nil
	}
	if rep.Request == nil {
		return apitype.Request{}, true, errors.New("the other PC's reply holds no request")
	}
	rep.Request.PC = r.PC
	h.onRequest(c.PC, *rep.Request)
	return h.a.remoteToAPI(*rep.Request, h.a.childNames(ctx)), true, nil
}

// ParentPIN derives the family's parent key from a PIN a parent just typed
// here (a login, a setup, a change): this PC checks other PCs' answers
// with its public half from now on, and signs this parent's answers with
// it until the login expires.
func (h *hubLink) ParentPIN(ctx context.Context, pin string, until time.Time) {
	cl := h.client()
	if cl == nil {
		return
	}
	priv := hubsync.FamilyKey(pin, cl.Creds().HubID)
	pub := priv.Public().(ed25519.PublicKey)
	if err := h.a.st.SetSetting(ctx, settingParentKey, []byte(hex.EncodeToString(pub))); err != nil {
		h.a.log.Warn("hub: keep the family's parent key", "err", err)
	}
	h.fam.mu.Lock()
	h.fam.priv, h.fam.until = priv, until
	h.fam.mu.Unlock()
}

// ParentLogout forgets the parent's key (a logout).
func (h *hubLink) ParentLogout() {
	h.fam.mu.Lock()
	h.fam.priv, h.fam.until = nil, time.Time{}
	h.fam.mu.Unlock()
}

// RequestsChanged asks for a push of the requests now (a child asked, a
// parent answered here).
func (h *hubLink) RequestsChanged() {
	h.fam.clean.Store(false)
	h.wake()
}

// onAnswer takes a parent's answer from another PC to a request asked
// here: its signature must verify with the family key, the request must be
// this child's, the one it was given to (its creation time) and still
// pending.
func (h *hubLink) onAnswer(from string, ans wire.Answer) wire.AnswerReply {
	return h.takeAnswer(from, ans, false)
}

// onKept takes an answer the hub kept for this PC while it was out of
// reach (hubsync.Options.OnKept), as onAnswer does, once: it may come
// again (live and at each connect, for two days), and an answer to a
// request no longer pending is ignored, not recorded.
func (h *hubLink) onKept(from string, ans wire.Answer) {
	if rep := h.takeAnswer(from, ans, true); rep.OK {
		h.a.log.Info("hub: an answer kept while this PC was out of reach was taken", "from", from, "request", ans.ID, "status", rep.Request.Status)
	}
}

// takeAnswer checks and takes an answer from another PC; kept: one the hub
// kept (an answer to a request no longer pending is no refusal then).
func (h *hubLink) takeAnswer(from string, ans wire.Answer, kept bool) wire.AnswerReply {
	a := h.a
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl := h.client()
	if cl == nil {
		return wire.AnswerReply{Error: notJoined().(*wire.Error)}
	}
	c := cl.Creds()
	refuse := func(key, why string) wire.AnswerReply {
		a.log.Warn("hub: an answer from another PC was refused", "from", from, "request", ans.ID, "why", why)
		// Recorded for the parent, once a minute per PC at most: a rogue
		// PC cannot fill the store with them.
		now := a.now()
		h.fam.mu.Lock()
		record := now.Sub(h.fam.refused[from]) >= time.Minute
		if record {
			if h.fam.refused == nil || len(h.fam.refused) > 1000 {
				h.fam.refused = map[string]time.Time{}
			}
			h.fam.refused[from] = now
		}
		h.fam.mu.Unlock()
		if record {
			a.event(ctx, "", "answer_refused", map[string]any{"from": from, "request": ans.ID, "reason": why})
		}
		return wire.AnswerReply{Error: &wire.Error{Key: key, Msg: why}}
	}
	var pub ed25519.PublicKey
	if b, err := a.st.Setting(ctx, settingParentKey); err == nil {
		pub, _ = hex.DecodeString(string(b))
	}
	if ans.PC != c.PC {
		return refuse("err.hub.answerBad", "the answer is for another PC")
	}
	rq, rqErr := a.st.Request(ctx, ans.ID)
	if kept && (rqErr != nil || rq.Status != store.StatusPending) {
		// Taken already (live, or at an earlier connect), answered here
		// meanwhile, or gone: nothing to do.
		a.log.Debug("hub: a kept answer to a request no longer waiting is ignored", "from", from, "request", ans.ID)
		return wire.AnswerReply{}
	}
	if err := hubsync.VerifyAnswer(pub, c.HubID, ans); err != nil {
		return refuse("err.hub.answerForged", err.Error())
	}
	if rqErr != nil || wire.ChildKey(rq.Child) != ans.Child || rq.Kind == store.KindApp {
		return refuse("err.hub.answerBad", fmt.Sprintf("request %d is not this child's request for time here", ans.ID))
	}
	// Bound to the request's instance (replay protection): a genuine
	// answer to an earlier request of the same number (before a
	// reinstall) is not this one's.
	if ans.Asked.UnixMilli() != rq.CreatedAt.UnixMilli() {
		return refuse("err.hub.answerBad", fmt.Sprintf("the answer is for a request %d asked at %s; this PC's was asked at %s (replayed, or from an older version)",
			ans.ID, ans.Asked.UTC().Format(time.RFC3339), rq.CreatedAt.UTC().Format(time.RFC3339)))
	}
	if ans.AddSec < 0 || ans.AddSec > 12*3600 {
		return refuse("err.hub.answerBad", "the time given is out of bounds")
	}
	out, err := a.st.Answer(ctx, ans.ID, ans.Approve, time.Duration(ans.AddSec)*time.Second, ans.By)
	if kept && errors.Is(err, store.ErrAlreadyAnswered) {
		return wire.AnswerReply{} // answered meanwhile
	}
	if err != nil {
		msg := err.Error()
		return wire.AnswerReply{Error: &wire.Error{Key: "err.hub.answerLate", Args: map[string]string{"reason": msg}, Msg: msg}}
	}
	if err := a.Refresh(ctx, out.Child); err != nil {
		a.log.Error("hub: refresh after an answer from another PC", "child", out.Child, "err", err)
	}
	a.log.Info("hub: a request was answered from another PC", "from", from, "request", ans.ID, "status", out.Status)
	h.RequestsChanged()
	fr := a.familyRequest(out, c.Name)
	fr.PC = c.PC
	return wire.AnswerReply{OK: true, Request: &fr}
}

func (a *Agent) familyRequest(r store.Request, pcName string) wire.FamilyRequest {
	kind := apitype.KindScreen
	if r.Kind == store.KindGame {
		kind = apitype.KindGames
	}
	fr := wire.FamilyRequest{ID: r.ID, Child: wire.ChildKey(r.Child), Kind: kind, AddSec: int64(r.Amount / time.Second),
		Reason: r.Reason, Status: r.Status, GrantedSec: int64(r.Granted / time.Second), AnsweredBy: r.AnsweredBy,
		Created: r.CreatedAt, Answered: r.AnsweredAt, PCName: pcName}
	if a.hubPolicyTaken() {
		// The children's names are in the hub's signed policy already.
		fr.Name = r.Child
	}
	return fr
}

func (a *Agent) hubPolicyTaken() bool {
	b, err := a.st.Setting(context.Background(), settingHubPolicy)
	return err == nil && len(b) > 0
}

// pushRequests publishes this PC's requests for time of today and
// yesterday whose state changed.
func (a *Agent) pushRequests(ctx context.Context, cl *hubsync.Client, today, yesterday string) {
	if a.hub.fam.clean.Swap(true) {
		return
	}
	rs, err := a.st.Requests(ctx, "", "")
	if err != nil {
		a.hub.fam.clean.Store(false)
		a.log.Warn("hub: the requests could not be read", "err", err)
		return
	}
	c := cl.Creds()
	for _, r := range rs {
		if r.Kind == store.KindApp || (r.Day != today && r.Day != yesterday) || r.ID >= 1_000_000 {
			continue
		}
		fr := a.familyRequest(r, c.Name)
		fr.PC = c.PC
		subj := wire.RequestSubject(c.HubID, c.PC, fr.Child, fr.ID)
		a.hub.fam.mu.Lock()
		same := a.hub.fam.sentReq[subj] == fr.MsgID()
		a.hub.fam.mu.Unlock()
		if same {
			continue
		}
		if err := cl.PublishRequest(ctx, fr); err != nil {
			a.hub.fam.clean.Store(false)
			a.log.Info("hub: a request was not taken; it goes again next time", "err", err)
			return
		}
		a.hub.fam.mu.Lock()
		if a.hub.fam.sentReq == nil {
			a.hub.fam.sentReq = map[string]string{}
		}
		a.hub.fam.sentReq[subj] = fr.MsgID()
		a.hub.fam.mu.Unlock()
	}
}
