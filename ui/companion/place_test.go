package companion_test

import (
	"context"
	"image"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/ui/companion"
	"github.com/kidtime/kidtime/ui/i18n"
)

// The countdown goes to a corner of the screen where it covers none of the
// companion's window; the companion's window is moved wholly onto the
// screen, at the screens schools have.
func TestPlacementOnSmallScreens(t *testing.T) {
	countdown := image.Pt(220, 120)
	for _, size := range []image.Point{{1024, 768}, {1366, 768}} {
		// a panel of 30 px at the top, as GNOME and openbox setups have
		work := image.Rect(0, 30, size.X, size.Y)
		cases := []struct {
			sentence string
			comp     image.Rectangle // where the window manager put the companion
			want     image.Rectangle // where it must be
		}{
			{"opened too low, its buttons under the screen's edge", image.Rect(300, 500, 740, 1000), image.Rect(300, size.Y-500, 740, size.Y)},
			{"opened off the right edge", image.Rect(size.X-100, 100, size.X+340, 600), image.Rect(size.X-440, 100, size.X, 600)},
			{"taller than the screen: cut to it", image.Rect(0, 0, 440, 900), image.Rect(0, 30, 440, size.Y)},
			{"already on the screen: left alone", image.Rect(100, 100, 540, 600), image.Rect(100, 100, 540, 600)},
		}
		for _, c := range cases {
			got := companion.OnScreen(work, c.comp)
			if got != c.want || !got.In(work) {
				t.Errorf("%v, %s: placed at %v, want %v", size, c.sentence, got, c.want)
			}
			spot := companion.CountdownSpot(work, got, countdown)
			if !spot.In(work) || spot.Overlaps(got) || spot.Dx() != countdown.X || spot.Dy() != countdown.Y {
				t.Errorf("%v, %s: the countdown at %v covers the companion at %v (or leaves the screen)", size, c.sentence, spot, got)
			}
		}
		// the companion in the middle, where a window manager centres it
		mid := image.Rect(size.X/2-220, 134, size.X/2+220, 634)
		if spot := companion.CountdownSpot(work, mid, countdown); spot.Overlaps(mid) || spot.Min.Y != work.Min.Y+companion.Margin || spot.Max.X != size.X-companion.Margin {
			t.Errorf("%v: a centred companion leaves the top right corner free; countdown at %v", size, spot)
		}
	}
}

// The companion offers "parent code" only when a parent has set one up
// (its secret shown for an authenticator app); once set up, the button
// comes within a minute, without a restart.
func TestParentCodeOnlyOnceSetUp(t *testing.T) {
	w := agenttest.Start(t, agenttest.Options{})
	ctx := context.Background()
	root := w.Client(agenttest.Root)
	if _, err := root.Setup(ctx, "246810"); err != nil {
		t.Fatal(err)
	}
	if _, err := root.AddChild(ctx, apitype.AddChildRequest{Name: "Mai", BirthYear: time.Now().Year() - 9, Accounts: []string{agenttest.Kid}}); err != nil {
		t.Fatal(err)
	}
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	c := companion.New(test.NewTempApp(t), w.Client(agenttest.Kid), nil)
	c.Sync = true
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if visible(c, c.CodeButton()) {
		t.Fatal("no parent code is set up: the button should not be offered")
	}
	if !visible(c, c.HelpButton()) || !visible(c, c.AskButton()) {
		t.Fatal("help and ask are always there")
	}
	if _, err := root.NewCode(ctx); err != nil {
		t.Fatal(err)
	}
	for range 12 {
		c.Tick(ctx)
	}
	if !visible(c, c.CodeButton()) {
		t.Error("a parent set up the parent code: the button should come within a minute")
	}
}

func visible(c *companion.Companion, o interface{ Visible() bool }) bool {
	for _, x := range test.LaidOutObjects(c.Window().Content()) {
		if x == o {
			return o.Visible()
		}
	}
	return false
}
