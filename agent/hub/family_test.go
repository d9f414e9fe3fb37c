package hub_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/hubsync"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// The family's requests across PCs (issue 13): a request asked on the
// laptop is seen on the kitchen PC, and answered from there through the
// hub; an answer that is not signed with the family's parent key, or that
// a PC sends as another, is refused (by the server) or ignored (by the
// asking PC).

const familyPIN = "482915"

// asker is the laptop's side: it checks answers as the agent does (with
// the family key of the PIN typed there) and records what it took.
type asker struct {
	mu    sync.Mutex
	taken []wire.Answer
	hub   string
	pub   ed25519.PublicKey
}

func (a *asker) onAnswer(from string, ans wire.Answer) wire.AnswerReply {
	if err := hubsync.VerifyAnswer(a.pub, a.hub, ans); err != nil {
		return wire.AnswerReply{Error: &wire.Error{Key: "err.hub.answerForged", Msg: err.Error()}}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.taken = append(a.taken, ans)
	r := wire.FamilyRequest{ID: ans.ID, Child: ans.Child, Status: "approved", GrantedSec: ans.AddSec, AnsweredBy: ans.By + " from " + from}
	return wire.AnswerReply{OK: true, Request: &r}
}

func (a *asker) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.taken)
}

// rawConn is a PC's own NATS connection (its real key), outside hubsync:
// what a compromised PC can do.
func rawConn(t *testing.T, c hubsync.Creds, errs chan error) *nats.Conn {
	t.Helper()
	kp, err := nkeys.FromSeed([]byte(c.Seed))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	nc, err := nats.Connect(c.URL(), nats.Secure(wire.PinnedTLS(c.Fingerprint)), nats.Nkey(pub, kp.Sign),
		nats.CustomInboxPrefix(wire.Inbox(c.PC)),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// refused does what do does and wants the server's permissions violation
// on errs (the connection's error handler) within 5 s.
func refused(t *testing.T, errs <-chan error, do func() error) {
	t.Helper()
	if err := do(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		if !violation(err) {
			t.Errorf("%v; want a permissions violation", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the server said nothing")
	}
}

func violation(err error) bool {
	return errors.Is(err, nats.ErrPermissionViolation) || strings.Contains(strings.ToLower(err.Error()), "permissions violation")
}

func TestFamilyRequestsAndAnswers(t *testing.T) {
	r := startFamilyHub(t, t.TempDir())
	laptop, kitchen, rogue := join(t, r, "laptop"), join(t, r, "kitchen"), join(t, r, "rogue")
	hubID := laptop.HubID
	family := hubsync.FamilyKey(familyPIN, hubID)
	ask := &asker{hub: hubID, pub: family.Public().(ed25519.PublicKey)}
	lc := connect(t, laptop, hubsync.Options{OnAnswer: ask.onAnswer})

	var seenMu sync.Mutex
	seen := map[int64]wire.FamilyRequest{}
	kc := connect(t, kitchen, hubsync.Options{OnRequest: func(q wire.FamilyRequest) {
		seenMu.Lock()
		seen[q.ID] = q
		seenMu.Unlock()
	}})
	rc := connect(t, rogue, hubsync.Options{})
	for _, c := range []*hubsync.Client{lc, kc, rc} {
		waitFor(t, "connected", 10*time.Second, c.Connected)
	}
	ctx := context.Background()
	child := wire.ChildKey("An")
	if err := lc.PublishRequest(ctx, wire.FamilyRequest{ID: 7, Child: child, Kind: "screen", AddSec: 900, Status: "pending", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the kitchen PC sees the laptop's request", 5*time.Second, func() bool {
		seenMu.Lock()
		defer seenMu.Unlock()
		q, ok := seen[7]
		return ok && q.PC == laptop.PC && q.AddSec == 900
	})

	signed := func(priv ed25519.PrivateKey, change func(*wire.Answer)) wire.Answer {
		a := wire.Answer{PC: laptop.PC, ID: 7, Child: child, Approve: true, AddSec: 900, By: "dad (kitchen)", At: time.Now().UTC()}
		hubsync.SignAnswer(priv, hubID, &a)
		if change != nil {
			change(&a)
		}
		return a
	}
	// Through the real client, on each PC's own subject.
	for _, tc := range []struct {
		name   string
		from   *hubsync.Client
		answer wire.Answer
		want   string // "" = taken, else the refusal's key
	}{
		{"the rogue PC signs with a key of its own (another PIN)", rc, signed(hubsync.FamilyKey("111999", hubID), nil), "err.hub.answerForged"},
		{"the rogue PC changes the time of a signed answer", rc, signed(family, func(a *wire.Answer) { a.AddSec = 43200 }), "err.hub.answerForged"},
		{"the rogue PC sends an unsigned answer", rc, signed(family, func(a *wire.Answer) { a.Sig = "" }), "err.hub.answerForged"},
		{"a key of the family PIN for another hub", rc, signed(hubsync.FamilyKey(familyPIN, "000000000000"), nil), "err.hub.answerForged"},
		{"a parent at the kitchen PC, the family PIN", kc, signed(family, nil), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ask.count()
			start := time.Now()
			rep, err := tc.from.Answer(ctx, tc.answer)
			took := time.Since(start)
			var we *wire.Error
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("answer: %v", err)
			case tc.want == "" && (!rep.OK || rep.Request == nil || rep.Request.GrantedSec != 900 || ask.count() != before+1):
				t.Fatalf("answer: %+v; want it taken", rep)
			case tc.want == "":
				t.Logf("answered in %v", took)
			case !errors.As(err, &we) || we.Key != tc.want:
				t.Fatalf("answer: %+v %v; want refused with %s", rep, err, tc.want)
			case ask.count() != before:
				t.Fatal("the laptop took a forged answer")
			}
		})
	}

	// A compromised PC outside the client: it may not answer as another
	// PC, read the answers to another, or publish another's requests.
	errs := make(chan error, 16)
	nc := rawConn(t, rogue, errs)
	forged, _ := json.Marshal(signed(hubsync.FamilyKey("111999", hubID), nil))
	before := ask.count()
	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"answer as the kitchen PC", func() error {
			return nc.PublishRequest(wire.AnswerSubject(hubID, kitchen.PC, laptop.PC), nc.NewInbox(), forged)
		}},
		{"publish a request as the laptop", func() error {
			return nc.Publish(wire.RequestSubject(hubID, laptop.PC, child, 8), []byte(`{"id":8,"status":"pending"}`))
		}},
		{"read the answers to the laptop", func() error {
			_, err := nc.Subscribe(wire.AnswersTo(hubID, laptop.PC), func(*nats.Msg) {})
			return err
		}},
		{"reply on the kitchen PC's inbox", func() error {
			return nc.Publish(wire.Inbox(kitchen.PC)+".x", []byte(`{"ok":true}`))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { refused(t, errs, tc.do) })
	}
	time.Sleep(200 * time.Millisecond)
	if ask.count() != before {
		t.Error("the laptop took an answer the rogue PC sent as the kitchen PC")
	}
	seenMu.Lock()
	_, forgedReq := seen[8]
	seenMu.Unlock()
	if forgedReq {
		t.Error("the kitchen PC saw a request the rogue PC published as the laptop")
	}
}

// A request's catch-up: a PC that connects later gets the last state of
// each request of the family.
func TestFamilyRequestsCatchUp(t *testing.T) {
	r := startFamilyHub(t, t.TempDir())
	laptop, kitchen := join(t, r, "laptop"), join(t, r, "kitchen")
	lc := connect(t, laptop, hubsync.Options{})
	waitFor(t, "connected", 10*time.Second, lc.Connected)
	ctx := context.Background()
	for _, st := range []string{"pending", "approved"} {
		if err := lc.PublishRequest(ctx, wire.FamilyRequest{ID: 3, Child: wire.ChildKey("An"), Kind: "games", AddSec: 600, Status: st, GrantedSec: 600}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var got []wire.FamilyRequest
	connect(t, kitchen, hubsync.Options{OnRequest: func(q wire.FamilyRequest) { mu.Lock(); got = append(got, q); mu.Unlock() }})
	waitFor(t, "the kitchen PC caught up", 10*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) > 0 })
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Status != "approved" || got[0].PC != laptop.PC {
		t.Errorf("caught up %+v; want the request's last state only, from the laptop", got)
	}
}

// keeper is the laptop's side for kept answers: it takes an answer that
// verifies, to a request still pending (the one it was given to), once.
type keeper struct {
	mu        sync.Mutex
	hub       string
	pub       ed25519.PublicKey
	pending   map[int64]time.Time // request → its creation
	delivered int                 // answers handed, taken or not
	taken     []wire.Answer
	refused   int
}

func (k *keeper) onKept(from string, ans wire.Answer) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.delivered++
	created, ok := k.pending[ans.ID]
	if !ok {
		return // answered already: ignored
	}
	if hubsync.VerifyAnswer(k.pub, k.hub, ans) != nil || !ans.Asked.Equal(created) {
		k.refused++
		return
	}
	delete(k.pending, ans.ID)
	k.taken = append(k.taken, ans)
}

func (k *keeper) counts() (delivered, taken, refused int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.delivered, len(k.taken), k.refused
}

// An answer to a PC out of reach is kept by the hub (KT_ANS) and taken
// when that PC connects again, once; a forged one kept too is refused by
// the PC; no other PC may read or collect them.
func TestFamilyKeptAnswers(t *testing.T) {
	r := startFamilyHub(t, t.TempDir())
	laptop, kitchen, rogue := join(t, r, "laptop"), join(t, r, "kitchen"), join(t, r, "rogue")
	hubID := laptop.HubID
	family := hubsync.FamilyKey(familyPIN, hubID)
	created := time.Now().UTC().Truncate(time.Millisecond)
	k := &keeper{hub: hubID, pub: family.Public().(ed25519.PublicKey), pending: map[int64]time.Time{7: created}}
	noLive := func(string, wire.Answer) wire.AnswerReply {
		t.Error("an answer came live to a PC that was off")
		return wire.AnswerReply{}
	}
	lc := connect(t, laptop, hubsync.Options{OnAnswer: noLive, OnKept: k.onKept})
	kc, rc := connect(t, kitchen, hubsync.Options{}), connect(t, rogue, hubsync.Options{})
	for _, c := range []*hubsync.Client{lc, kc, rc} {
		waitFor(t, "connected", 10*time.Second, c.Connected)
	}
	lc.Close()
	waitFor(t, "the laptop off", 10*time.Second, func() bool { p, _ := pcNamed(t, r, "laptop"); return !p.Online })

	ctx := context.Background()
	child := wire.ChildKey("An")
	answer := func(priv ed25519.PrivateKey, by string) wire.Answer {
		a := wire.Answer{PC: laptop.PC, ID: 7, Child: child, Approve: true, AddSec: 900, By: by, At: time.Now().UTC(), Asked: created}
		hubsync.SignAnswer(priv, hubID, &a)
		return a
	}
	// The rogue PC first (another PIN), then a parent at the kitchen PC.
	for _, c := range []struct {
		name string
		from *hubsync.Client
		a    wire.Answer
	}{{"the rogue PC", rc, answer(hubsync.FamilyKey("111999", hubID), "rogue")}, {"the kitchen PC", kc, answer(family, "dad (kitchen)")}} {
		start := time.Now()
		rep, err := c.from.Answer(ctx, c.a)
		if err != nil || !rep.Kept || rep.OK {
			t.Fatalf("%s answers the laptop, which is off: %+v %v; want kept by the hub", c.name, rep, err)
		}
		t.Logf("%s: kept in %v", c.name, time.Since(start).Round(time.Millisecond))
	}
	if d, _, _ := k.counts(); d != 0 {
		t.Fatal("the laptop got an answer while off")
	}

	// The laptop connects again: it takes the kitchen's answer, once, and
	// refuses the rogue's.
	start := time.Now()
	lc2 := connect(t, laptop, hubsync.Options{OnAnswer: noLive, OnKept: k.onKept})
	waitFor(t, "the laptop took the kept answer", 10*time.Second, func() bool { _, n, _ := k.counts(); return n == 1 })
	t.Logf("connected again → the answer taken in %v", time.Since(start).Round(time.Millisecond))
	waitFor(t, "the laptop refused the rogue's", 5*time.Second, func() bool { _, _, n := k.counts(); return n >= 1 })
	d1, _, _ := k.counts()
	lc2.Close()
	// A second connect hands them again (the hub keeps them two days):
	// the PC takes the answer once.
	connect(t, laptop, hubsync.Options{OnAnswer: noLive, OnKept: k.onKept})
	waitFor(t, "the kept answers handed again", 10*time.Second, func() bool { d, _, _ := k.counts(); return d >= d1+2 })
	if _, n, _ := k.counts(); n != 1 || k.taken[0].By != "dad (kitchen)" {
		t.Errorf("taken %+v; want the kitchen's answer, once", k.taken)
	}

	// Nobody else reads or collects the laptop's kept answers.
	errs := make(chan error, 4)
	nc := rawConn(t, rogue, errs)
	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"follow the answers kept for the laptop", func() error {
			_, err := nc.Subscribe(wire.KeptTo(hubID, laptop.PC), func(*nats.Msg) {})
			return err
		}},
		{"collect as the laptop", func() error {
			return nc.PublishRequest(wire.CollectSubject(hubID, laptop.PC), nc.NewInbox(), nil)
		}},
		{"keep an answer as the kitchen PC", func() error {
			return nc.Publish(wire.KeptSubject(hubID, kitchen.PC, laptop.PC, 7), []byte(`{}`))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { refused(t, errs, tc.do) })
	}
	// Its own collect answers the rogue PC with nothing of the laptop's.
	m, err := nc.Request(wire.CollectSubject(hubID, rogue.PC), nil, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var kept wire.Kept
	if err := json.Unmarshal(m.Data, &kept); err != nil || len(kept.Answers) != 0 {
		t.Errorf("the rogue PC's collect: %s %v; want no answers", m.Data, err)
	}
}
