package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/agenttest"
)

// A family's hub (issue 13): Chi, a child known only on the kitchen PC,
// shows on the family PC's Today with where she was seen and her day
// there, and Today still fits a lab's screen in both languages.
func TestTodayShowsTheFamilysOtherChildren(t *testing.T) {
	for _, language := range []string{"vi", "en"} {
		t.Run(language, func(t *testing.T) {
			f := agenttest.StartFamily(t, now)
			h := agenttest.StartHub(t, agenttest.HubOptions{Family: true})
			h.Join(f.World, "lab-1")
			kitchen := agenttest.Start(t, agenttest.Options{})
			ctx := context.Background()
			chi := `{"version":1,"children":[{"name":"Chi","birthYear":2014,"accounts":["kid"],"screen":{"daily":"3h"},"allowed":{"daily":["00:00-24:00"]}}]}`
			if err := kitchen.Client(agenttest.Root).SetPolicyFile(ctx, []byte(chi), false); err != nil {
				t.Fatal(err)
			}
			h.Join(kitchen, "kitchen")
			end := kitchen.Clock.Wall()
			start := end.Add(-10 * time.Minute)
			if midnight := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, end.Location()); start.Before(midnight) {
				start = midnight
			}
			kitchen.History(agenttest.Use{Child: "Chi", App: "minecraft", Category: "game", Game: true, Start: start, End: end})
			deadline := time.Now().Add(45 * time.Second)
			for {
				st, err := f.Parent().Status(ctx)
				if err != nil {
					t.Fatal(err)
				}
				seen := false
				for _, cs := range st.Children {
					seen = seen || (cs.Name == "Chi" && cs.Elsewhere && cs.ScreenUsedSec > 0)
				}
				if seen {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("Chi is not on the family PC's status within 45 s: %+v", st.Children)
				}
				time.Sleep(100 * time.Millisecond)
			}
			con := openIn(t, f.Parent(), language)
			con.Main.Select(0)
			today := con.Main.Today
			today.Refresh()
			if len(today.Elsewhere) != 1 || !strings.Contains(today.Elsewhere[0].Text, "kitchen") {
				t.Fatalf("Today's children of the other PCs: %v; want Chi's card naming kitchen", today.Elsewhere)
			}
			if len(today.Cards) < 2 {
				t.Errorf("Today has %d cards of this PC's children; want An's and Bình's still", len(today.Cards))
			}
			tabs := con.Main.Tabs
			var widestScreen float32
			for _, item := range tabs.Items {
				widestScreen = max(widestScreen, item.Content.MinSize().Width)
			}
			fits(t, fmt.Sprintf("%s: Today with a child of another PC", language), con.Window(), tabs.Items[0].Content, tabs.MinSize().Width-widestScreen)
		})
	}
}
