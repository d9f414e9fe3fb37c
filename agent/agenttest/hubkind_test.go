package agenttest_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/hub"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/hubsync"
	"github.com/kidtime/kidtime/rules"
)

// What leaves a PC, by the hub's kind: a family's hub gets the child's
// name, the PC's name and each app's time; a school's gets neither names
// nor apps unless its signed policy says shareNames. Read from what the
// hub took from its KT_USAGE stream.
func TestHubRollupDetailByKind(t *testing.T) {
	for _, c := range []struct {
		sentence   string
		family     bool
		shareNames bool
		detail     bool
	}{
		{"a school's hub gets no name and no apps", false, false, false},
		{"a school's hub whose signed policy says shareNames gets names and apps", false, true, true},
		{"a family's hub gets names and apps", true, false, true},
	} {
		t.Run(c.sentence, func(t *testing.T) {
			h := runHubKind(t, c.family)
			w := agenttest.Start(t, agenttest.Options{})
			joinWorld(t, h, w, "kitchen")
			wantKind := wire.KindSchool
			if c.family {
				wantKind = wire.KindFamily
			}
			if s := hubStatus(t, root(w)); s == nil || s.Kind != wantKind {
				t.Errorf("the status' hub: %+v; want kind %s", s, wantKind)
			}
			_, priv, _ := ed25519.GenerateKey(rand.Reader)
			share := ""
			if c.shareNames {
				share = `,"shareNames":true`
			}
			p := `{"version":1` + share + `,"children":[{"name":"An","birthYear":2015,"accounts":["kid"],"screen":{"daily":"3h"},"allowed":{"daily":["00:00-24:00"]}}]}`
			signedP, err := rules.Sign([]byte(p), priv, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.Publish(context.Background(), signedP); err != nil {
				t.Fatal(err)
			}
			eventually(t, "the policy applied", func() bool { return dailyOf(t, root(w)) == "3h" })
			now := w.Clock.Wall()
			start := now.Add(-20 * time.Minute)
			if midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location()); start.Before(midnight) {
				start = midnight
			}
			w.History(agenttest.Use{Child: "An", App: "minecraft", Category: "game", Game: true, Start: start, End: now})
			want := int64(now.Sub(start) / time.Second)
			// A push that began before the policy came may send the day
			// once without detail; the next one (a new revision) has it.
			var got wire.Rollup
			eventually(t, "the day on the hub", func() bool {
				for _, r := range h.Rollups(now.Format(time.DateOnly)) {
					if r.Child == wire.ChildKey("An") && r.ScreenSec >= want-2 && (!c.detail || r.Name != "") {
						got = r
						return true
					}
				}
				return false
			})
			if !c.detail {
				time.Sleep(time.Second) // a later push: still none
				for _, r := range h.Rollups(now.Format(time.DateOnly)) {
					if r.Child == got.Child {
						got = r
					}
				}
				if got.Name != "" || got.PCName != "" || len(got.PerApp) != 0 {
					t.Errorf("the hub got %q on %q and apps %+v; want no name and no apps", got.Name, got.PCName, got.PerApp)
				}
				return
			}
			if got.Name != "An" {
				t.Errorf("the hub got the name %q; want An", got.Name)
			}
			if len(got.PerApp) != 1 || !strings.Contains(strings.ToLower(got.PerApp[0].Name), "minecraft") ||
				got.PerApp[0].Category != "game" || got.PerApp[0].Sec < want-2 || got.PerApp[0].Sec > want+2 {
				t.Errorf("the hub got the apps %+v; want minecraft (game) for %d s", got.PerApp, want)
			}
			for _, x := range got.PerApp {
				if strings.ContainsAny(x.Name, `/\`) {
					t.Errorf("an app's name is a path: %q", x.Name)
				}
			}
		})
	}
}

// A hub restarted with --family: a joined PC learns it at its reconnect,
// keeps it in hub-creds.json and says it in its status.
func TestHubKindChangeReachesThePC(t *testing.T) {
	dir := t.TempDir()
	start := func(listen string, family bool) (*hub.Hub, func()) {
		h, err := hub.Open(hub.Config{DataDir: dir, Listen: listen, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Family: family})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- h.Run(ctx) }()
		select {
		case <-h.Ready():
		case err := <-done:
			t.Fatalf("hub: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("hub not ready")
		}
		var once sync.Once
		stop := func() { once.Do(func() { cancel(); <-done }) }
		t.Cleanup(stop)
		return h, stop
	}
	h, stop := start("127.0.0.1:0", false)
	w := agenttest.Start(t, agenttest.Options{})
	joinWorld(t, h, w, "kitchen")
	if s := hubStatus(t, root(w)); s == nil || s.Kind != wire.KindSchool {
		t.Fatalf("joined to a school's hub, the status says %+v", s)
	}
	addr := h.Addr()
	stop()
	start(addr, true)
	eventually(t, "the PC says the hub is a family's", func() bool {
		s := hubStatus(t, root(w))
		return s != nil && s.Kind == wire.KindFamily && s.Connected
	})
	eventually(t, "hub-creds.json keeps the new kind", func() bool {
		c, ok, err := hubsync.LoadCreds(w.Data)
		return err == nil && ok && c.Kind == wire.KindFamily
	})
}
