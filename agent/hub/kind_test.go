package hub_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/hub"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/hubsync"
	"github.com/nats-io/nats.go"
)

// A hub is a school's unless it is started with --family (Config.Family):
// a school's PCs read no other PC's usage or requests, a family's do. The
// kind of the present run wins, is kept in hub.json, and reaches the PCs
// (the enrolment's reply, then each connect).

func startFamilyHub(t *testing.T, dir string) *running {
	t.Helper()
	return startHubConfig(t, hub.Config{DataDir: dir, Listen: "127.0.0.1:0", Logger: quiet, Family: true})
}

// warnings records what a client logs at warning level or above.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, string(p))
	return len(p), nil
}

func (w *warnings) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.msgs, "")
}

func registryKind(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "hub.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st.Kind
}

func TestSchoolHubKeepsEachPCToItself(t *testing.T) {
	dir := t.TempDir()
	r := startHub(t, dir, nil)
	if r.Kind() != wire.KindSchool || registryKind(t, dir) != wire.KindSchool {
		t.Fatalf("a hub run without --family is %q (hub.json %q); want school", r.Kind(), registryKind(t, dir))
	}
	a, b := join(t, r, "pc-a"), join(t, r, "pc-b")
	if a.Kind != wire.KindSchool {
		t.Errorf("the enrolment's reply said kind %q; want school", a.Kind)
	}
	today := time.Now().Format(time.DateOnly)
	// pc-b's own rollup and request go through (the report reads them).
	cb := connect(t, b, hubsync.Options{})
	waitFor(t, "pc-b connected", 10*time.Second, cb.Connected)
	if err := cb.PublishRollup(context.Background(), wire.Rollup{Child: wire.ChildKey("An"), Day: today, Rev: 1, ScreenSec: 60}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pc-b's rollup", 5*time.Second, func() bool { p, _ := pcNamed(t, r, "pc-b"); return p.ChildrenToday == 1 })

	// pc-a, as a compromised PC would, asks for the others' data: refused.
	errs := make(chan error, 16)
	nc := rawConn(t, a, errs)
	for _, subj := range []string{wire.UsageWildcard(a.HubID), wire.RequestsWildcard(a.HubID), wire.AnswersTo(a.HubID, a.PC)} {
		if _, err := nc.Subscribe(subj, func(*nats.Msg) {}); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-errs:
			if !violation(err) {
				t.Errorf("subscribe %s: %v; want a permissions violation", subj, err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("subscribe %s in a school hub: the server said nothing", subj)
		}
	}
	req, _ := json.Marshal(map[string]any{"multi_last": []string{wire.UsageOfDay(a.HubID, today)}, "batch": 100})
	for _, api := range []string{wire.DirectGetUsage(), wire.DirectGetRequests()} {
		if err := nc.PublishRequest(api, nc.NewInbox(), req); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-errs:
			if !violation(err) {
				t.Errorf("direct get on %s: %v; want a permissions violation", api, err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("direct get on %s in a school hub: the server said nothing", api)
		}
	}
	// The policy is still its to read.
	if m, err := nc.Request(wire.DirectGetPolicy(a.HubID), nil, 5*time.Second); err != nil {
		t.Errorf("direct get of the policy: %v", err)
	} else if s := m.Header.Get("Status"); s != "" && s != "404" {
		t.Errorf("direct get of the policy: status %s", s)
	}

	// The real client of a school's PC does not ask: no error, no warning.
	var w warnings
	var got sync.Map
	o := hubsync.Options{OnUsage: func(r wire.Rollup) { got.Store(r.PC, r) }, Today: func() string { return today },
		OnRequest: func(wire.FamilyRequest) {}, OnAnswer: func(string, wire.Answer) wire.AnswerReply { return wire.AnswerReply{} }}
	o.Logger = slogTo(&w)
	ca, err := hubsync.Connect(a, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ca.Close)
	waitFor(t, "pc-a connected", 10*time.Second, ca.Connected)
	if err := ca.PublishRequest(context.Background(), wire.FamilyRequest{ID: 1, Child: wire.ChildKey("An"), Kind: "screen", AddSec: 60, Status: "pending"}); err != nil {
		t.Errorf("a school PC's request: %v; want nothing sent, no error", err)
	}
	time.Sleep(time.Second)
	if _, ok := got.Load(b.PC); ok {
		t.Error("a school PC got another PC's rollup")
	}
	if s := w.String(); strings.Contains(s, "level=WARN") || strings.Contains(s, "level=ERROR") || strings.Contains(s, "could not be read") {
		t.Errorf("a school PC's client logged:\n%s", s)
	}
	if ca.Kind() != wire.KindSchool {
		t.Errorf("the client says kind %q; want school", ca.Kind())
	}

	// The hub restarted as a family's: the kind is kept, and a connected
	// PC learns it at its reconnect.
	kinds := make(chan string, 4)
	o2 := hubsync.Options{OnKind: func(k string) { kinds <- k }}
	cb2 := connect(t, b, o2)
	waitFor(t, "pc-b connected", 10*time.Second, cb2.Connected)
	addr := r.Addr()
	r.stop()
	f := startHubConfig(t, hub.Config{DataDir: dir, Listen: addr, Logger: quiet, Family: true})
	if f.Kind() != wire.KindFamily || registryKind(t, dir) != wire.KindFamily {
		t.Errorf("run with --family: kind %q, hub.json %q; want family", f.Kind(), registryKind(t, dir))
	}
	select {
	case k := <-kinds:
		if k != wire.KindFamily {
			t.Errorf("the PC learnt kind %q; want family", k)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a connected PC did not learn that the hub became a family's")
	}
	if cb2.Kind() != wire.KindFamily {
		t.Errorf("the client says %q after the change; want family", cb2.Kind())
	}
	// In a family hub the usage is the family's to read.
	nc2 := rawConn(t, b, errs)
	if _, err := nc2.Subscribe(wire.UsageWildcard(b.HubID), func(*nats.Msg) {}); err != nil {
		t.Fatal(err)
	}
	if err := nc2.Flush(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		t.Errorf("a family PC's subscription to the usage: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
}

func slogTo(w *warnings) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
