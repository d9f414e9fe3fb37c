package agenttest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/rules"
)

// A parent at any PC of a family sees every child of the family: Bình,
// known only on the kitchen PC, is listed on the laptop as elsewhere, with
// her day there; her rules cannot be set from the laptop, which says why.
// In a school's hub no PC sees another's children.
func TestFamilyChildrenAcrossPCs(t *testing.T) {
	for _, c := range []struct {
		sentence string
		family   bool
	}{
		{"a family's hub: the laptop lists the kitchen's child", true},
		{"a school's hub: the laptop lists its own children only", false},
	} {
		t.Run(c.sentence, func(t *testing.T) {
			h := runHubKind(t, c.family)
			kitchen, laptop := agenttest.Start(t, agenttest.Options{}), agenttest.Start(t, agenttest.Options{})
			joinWorld(t, h, kitchen, "kitchen")
			joinWorld(t, h, laptop, "laptop")
			ctx := context.Background()
			binh := `{"version":1,"children":[{"name":"Bình","birthYear":2016,"accounts":["kid"],"screen":{"daily":"3h"},"allowed":{"daily":["00:00-24:00"]}}]}`
			if err := root(kitchen).SetPolicyFile(ctx, []byte(binh), false); err != nil {
				t.Fatal(err)
			}
			now := kitchen.Clock.Wall()
			start := now.Add(-15 * time.Minute)
			if midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location()); start.Before(midnight) {
				start = midnight
			}
			kitchen.History(agenttest.Use{Child: "Bình", App: "minecraft", Category: "game", Game: true, Start: start, End: now})
			want := int64(now.Sub(start) / time.Second)
			elsewhere := func() (apitype.ChildStatus, bool) {
				st, err := root(laptop).Status(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, cs := range st.Children {
					if cs.Name == "Bình" {
						return cs, true
					}
				}
				return apitype.ChildStatus{}, false
			}
			if !c.family {
				// The kitchen's day reaches the hub, and still the laptop
				// knows nothing of Bình.
				eventually(t, "the kitchen's day on the hub", func() bool {
					for _, r := range h.Rollups(now.Format(time.DateOnly)) {
						if r.ScreenSec >= want-2 {
							return true
						}
					}
					return false
				})
				time.Sleep(time.Second)
				if cs, ok := elsewhere(); ok {
					t.Errorf("in a school's hub the laptop lists %+v", cs)
				}
				return
			}
			var cs apitype.ChildStatus
			eventually(t, "Bình on the laptop's status", func() bool {
				var ok bool
				cs, ok = elsewhere()
				return ok && cs.ScreenUsedSec >= want-2
			})
			if !cs.Elsewhere || cs.State != apitype.StateElsewhere || !slices.Equal(cs.PCs, []string{"kitchen"}) || cs.Age == 0 {
				t.Errorf("Bình on the laptop: %+v; want elsewhere, on kitchen, with her age", cs)
			}
			if cs.ScreenUsedSec > want+2 || cs.GamesUsedSec < want-2 || cs.GamesUsedSec > want+2 {
				t.Errorf("Bình's day: screen %d s, games %d s; want %d s of each", cs.ScreenUsedSec, cs.GamesUsedSec, want)
			}
			if len(cs.PerApp) != 1 || cs.PerApp[0].Name != "minecraft" || cs.PerApp[0].Category != "game" || cs.PerApp[0].Sec < want-2 {
				t.Errorf("Bình's apps: %+v; want minecraft (game), %d s", cs.PerApp, want)
			}
			kids, err := root(laptop).Children(ctx)
			if err != nil {
				t.Fatal(err)
			}
			listed := false
			for _, k := range kids {
				listed = listed || (k.Name == "Bình" && k.Elsewhere && slices.Equal(k.PCs, []string{"kitchen"}) && k.Accounts != nil)
			}
			if !listed {
				t.Errorf("the laptop's children: %+v; want Bình, elsewhere (kitchen)", kids)
			}
			// Her rules and time are set on the kitchen PC: said, not "no such child".
			spec := rules.Child{Name: "Bình", BirthYear: 2016, Accounts: []string{"kid"}}
			for what, err := range map[string]error{
				"set her rules":  root(laptop).SetChildPolicy(ctx, "Bình", spec),
				"grant her time": root(laptop).Grant(ctx, apitype.GrantRequest{Child: "Bình", Kind: apitype.KindScreen, AddSec: 900}),
			} {
				ae, ok := client.AsAPIError(err)
				if !ok || ae.Code != apitype.CodeConflict || ae.Key != "err.child.elsewhere" || ae.Args["pcs"] != "kitchen" {
					t.Errorf("%s from the laptop: %v (%+v); want conflict err.child.elsewhere naming kitchen", what, err, ae)
				}
			}
		})
	}
}
