package agent

import (
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/rules"
)

// The family's budget (issue 13): what the other PCs' rollups add to a
// child's day here, before rules.Evaluate.
func TestAddAway(t *testing.T) {
	game := monitor.ViewApp{App: rules.App{Name: "castle"}, Key: "sha-castle"}
	other := monitor.ViewApp{App: rules.App{Name: "paint"}, Key: "sha-paint"}
	for _, tc := range []struct {
		name                string
		own                 rules.Usage
		away                away
		wantScreen, wantGms time.Duration
		wantApps            []time.Duration
	}{
		{"nothing elsewhere adds nothing",
			rules.Usage{Screen: time.Minute, Apps: []rules.AppUsage{{Used: time.Minute}}}, away{},
			time.Minute, 0, []time.Duration{time.Minute}},
		{"screen and game time elsewhere add up",
			rules.Usage{Screen: 10 * time.Minute, Games: 5 * time.Minute}, away{screen: 20 * time.Minute, games: 15 * time.Minute},
			30 * time.Minute, 20 * time.Minute, nil},
		{"the same game elsewhere counts against its cap here; another game does not",
			rules.Usage{Apps: []rules.AppUsage{{Used: 20 * time.Minute}, {Used: time.Minute}}},
			away{perGame: map[string]time.Duration{wire.GameKey("sha-castle"): 45 * time.Minute, wire.GameKey("sha-other"): time.Hour}},
			0, 0, []time.Duration{65 * time.Minute, time.Minute}},
		{"time given on another PC counts here too",
			rules.Usage{Screen: 50 * time.Minute}, away{screen: 40 * time.Minute, grantedScreen: 30 * time.Minute},
			60 * time.Minute, 0, nil},
		{"a grant elsewhere never makes the day negative",
			rules.Usage{Screen: time.Minute, Games: time.Minute}, away{grantedScreen: time.Hour, grantedGames: time.Hour},
			0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := tc.own
			apps := []monitor.ViewApp{game, other}[:len(u.Apps)]
			addAway(&u, tc.away, apps)
			if u.Screen != tc.wantScreen || u.Games != tc.wantGms {
				t.Errorf("screen %v games %v; want %v %v", u.Screen, u.Games, tc.wantScreen, tc.wantGms)
			}
			for i, w := range tc.wantApps {
				if u.Apps[i].Used != w {
					t.Errorf("app %d: %v; want %v", i, u.Apps[i].Used, w)
				}
			}
		})
	}
}

// Another PC's request is listed under a number of its own, which leads
// back to it, and never one of this PC's.
func TestRemoteID(t *testing.T) {
	h := &hubLink{}
	for _, pc := range []string{"abcd1234", "zzzz9999", "kitchen01"} {
		for _, id := range []int64{1, 42, 999_999} {
			h.onRequest("self", wire.FamilyRequest{PC: pc, ID: id, Status: "pending", Created: time.Now()})
			n := remoteID(pc, id)
			if n < remoteBase || (n-remoteBase)%1_000_000 != id {
				t.Errorf("remoteID(%s, %d) = %d", pc, id, n)
			}
		}
	}
	h.onRequest("self", wire.FamilyRequest{PC: "self", ID: 7})
	h.onRequest("self", wire.FamilyRequest{PC: "abcd1234", ID: 1_000_000})
	if _, mine := h.fam.remote["self"]; mine || len(h.fam.remote["abcd1234"]) != 3 {
		t.Errorf("kept %v; want only the other PCs' requests below 10⁶", h.fam.remote)
	}
	// Requests older than the stream keeps are forgotten at the next one.
	h.fam.remote["zzzz9999"][42] = wire.FamilyRequest{PC: "zzzz9999", ID: 42, Created: time.Now().Add(-72 * time.Hour)}
	h.onRequest("self", wire.FamilyRequest{PC: "abcd1234", ID: 5, Created: time.Now()})
	if _, kept := h.fam.remote["zzzz9999"][42]; kept || len(h.fam.remote["abcd1234"]) != 4 {
		t.Errorf("after a new request: %v; want the 3-day-old one gone", h.fam.remote)
	}
}
