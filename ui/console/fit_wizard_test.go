package console_test

import (
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/kidtime/kidtime/agent/agenttest"
)

// TestWizardButtonsFit walks the first run's steps at 1024×768 in both
// languages and fails when a button's text is wider than the button.
//
// The first run (firstrun.go, addchild.go, childsteps.go, login.go) is the
// area of issue 12 §4's helper, who reworks it in parallel; this walk
// found there, on main at 92fe903, the last step's button squeezed below
// its text ("Mở bảng điều khiển": 70 px for 179 px; "Open the console":
// 74 px for 162 px), the defect the screenshots showed as "ảng điều khiển
// ✓". Remove the skip once the wizard's branch is merged.
func TestWizardButtonsFit(t *testing.T) {
	t.Skip("the first-run wizard is issue 12 §4's helper's area (firstrun.go): its last button is squeezed on main; enable after that branch is merged")
	for _, language := range []string{"vi", "en"} {
		w := fresh(t)
		c := openIn(t, w.Client(agenttest.Dad), language)
		fr := c.FirstRun
		for step := 0; step < 6 && c.Screen == "firstrun"; step++ {
			var bad []string
			c.Window().Resize(labScreen)
			tooWide(c.Window().Content(), "", &bad)
			for _, s := range bad {
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
	}
}
