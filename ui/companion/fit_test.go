package companion_test

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/internal/fittest"
)

// The companion's window and its dialogs fit, in both languages: no
// button's text spills out of it and no button lies over another (issue 12
// §6: "Close" sat on top of "Give time" in the parent-code dialog). The
// window is drawn at its own size and at a smaller one a window manager
// may give it.
func TestCompanionButtonsFit(t *testing.T) {
	sizes := []fyne.Size{fyne.NewSize(440, 500), fyne.NewSize(360, 420)}
	for _, language := range []string{"vi", "en"} {
		for _, size := range sizes {
			f := agenttest.StartFamily(t, now)
			c, _ := start(t, f, probe{})
			if err := i18n.Setup(language); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = i18n.Setup("en") })
			w := c.Window()
			w.Resize(size)
			check := func(what string) {
				t.Helper()
				for _, s := range fittest.Window(w) {
					t.Errorf("%s, %.0f×%.0f, %s: %s", language, size.Width, size.Height, what, s)
				}
			}
			check("the window")
			test.Tap(c.CodeButton())
			check("the parent-code dialog")
			c.LastCode().Close()
			test.Tap(c.AskButton())
			check("asking for more time")
		}
	}
}
