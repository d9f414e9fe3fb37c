package console_test

import (
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/ui/internal/fittest"
)

// TestWizardButtonsFit walks the first run's steps at 1024×768 in both
// languages, to the console, and fails when a button's text is wider than
// the button or a button lies over another. It found the last step's
// button squeezed below its text ("Mở bảng điều khiển": 70 px for 179 px),
// the "ảng điều khiển ✓" of the old screenshots, fixed on the wizard's
// branch (wt-uxfirst).
func TestWizardButtonsFit(t *testing.T) {
	for _, language := range []string{"vi", "en"} {
		w := fresh(t)
		c := openIn(t, w.Client(agenttest.Dad), language)
		fr := c.FirstRun
		for step := 0; step < 6 && c.Screen == "firstrun"; step++ {
			c.Window().Resize(labScreen)
			for _, s := range fittest.Faults(c.Window().Content(), "") {
				t.Errorf("%s, first run step %d: %s", language, fr.Step, s)
			}
			switch fr.Step {
			case 1:
				test.Type(fr.PIN, "246810")
				test.Type(fr.PIN2, "246810")
			case 2:
				test.Type(fr.Name, "Lan")
				test.Type(fr.BirthYear, strconv.Itoa(time.Now().Year()-10))
				fr.Account.SetSelected(freeAccounts[0])
			}
			test.Tap(fr.Next)
		}
		if c.Screen != "main" {
			t.Errorf("%s: the walk stopped at step %d (%q)", language, fr.Step, fr.Error.Text)
		}
	}
}
