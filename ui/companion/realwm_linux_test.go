package companion_test

import (
	"bytes"
	"context"
	"image"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/desktop"
	"github.com/kidtime/kidtime/internal/xvfbtest"
	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/companion"
	"github.com/kidtime/kidtime/ui/i18n"
)

// wmEnv, set, makes the test binary run the real companion (Fyne's GLFW
// driver) on $DISPLAY, under the window manager there: TestMain runs the
// app on the main thread and the tests beside it.
const wmEnv = "KIDTIME_COMPANION_WM_TEST"

var realApp fyne.App

func TestMain(m *testing.M) {
	if os.Getenv(wmEnv) == "" {
		os.Exit(m.Run())
	}
	realApp = app.NewWithID("org.kidtime.placetest")
	code := 0
	go func() {
		code = m.Run()
		fyne.Do(realApp.Quit)
	}()
	realApp.Run()
	os.Exit(code)
}

// The companion and its countdown as a child sees them under openbox, on
// the screens schools have: the companion wholly on the screen (it is put
// off the bottom first, as the trial saw it open), its buttons reachable;
// the countdown small, in a corner, covering none of the companion.
func TestPlacementUnderOpenbox(t *testing.T) {
	if os.Getenv(wmEnv) != "" {
		t.Skip("the parent test")
	}
	if _, err := exec.LookPath("openbox"); err != nil {
		t.Skip("openbox is not installed (installer/dev/setup.sh installs it); this test needs a real window manager")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []image.Point{{1024, 768}, {1366, 768}} {
		t.Run(strings.ReplaceAll(size.String(), ",", "x"), func(t *testing.T) {
			display := xvfbtest.StartSize(t, size.X, size.Y)
			wm := exec.Command("openbox", "--sm-disable")
			wm.Env = []string{"DISPLAY=" + display, "HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}
			if err := wm.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = wm.Process.Kill(); _ = wm.Wait() })
			time.Sleep(time.Second) // openbox takes the screen
			cmd := exec.Command(self, "-test.run=^TestCompanionWindowsPlaced$", "-test.v")
			cmd.Env = []string{wmEnv + "=1", "DISPLAY=" + display, "HOME=" + t.TempDir(), "XDG_RUNTIME_DIR=" + t.TempDir(),
				"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "DBUS_SESSION_BUS_ADDRESS=unix:path=" + t.TempDir() + "/none"}
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(120 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("the companion did not finish within 120 s:\n%s", out.String())
			}
			log := filterLog(out.String())
			if err != nil || !strings.Contains(log, "--- PASS: TestCompanionWindowsPlaced") {
				t.Fatalf("the real companion at %v: %v\n%s", size, err, log)
			}
			t.Log(log)
		})
	}
}

func filterLog(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "Fyne error") || strings.Contains(l, "Cause:") || strings.Contains(l, "At: /") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// TestCompanionWindowsPlaced is the child side of TestPlacementUnderOpenbox.
func TestCompanionWindowsPlaced(t *testing.T) {
	if os.Getenv(wmEnv) == "" {
		t.Skip("runs inside TestPlacementUnderOpenbox, on its display")
	}
	w := agenttest.Start(t, agenttest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := w.Client(agenttest.Root)
	if _, err := root.Setup(ctx, "246810"); err != nil {
		t.Fatal(err)
	}
	if _, err := root.NewCode(ctx); err != nil { // the parent code's button too
		t.Fatal(err)
	}
	if _, err := root.AddChild(ctx, apitype.AddChildRequest{Name: "Nguyễn Thị Mai", BirthYear: time.Now().Year() - 9, Accounts: []string{agenttest.Kid}}); err != nil {
		t.Fatal(err)
	}
	budget, warn := rules.Duration(50*time.Second), rules.Duration(time.Minute)
	spec, err := root.ChildPolicy(ctx, "Nguyễn Thị Mai")
	if err != nil {
		t.Fatal(err)
	}
	spec.Screen = &rules.BudgetSpec{Daily: &budget}
	spec.Allowed = map[string][]rules.Window{"daily": {rules.AllDay}}
	spec.Warnings = []rules.Duration{warn}
	if err := root.SetChildPolicy(ctx, spec.Name, spec); err != nil {
		t.Fatal(err)
	}
	if err := i18n.Setup("vi"); err != nil { // the longer words
		t.Fatal(err)
	}
	c := companion.New(realApp, w.Client(agenttest.Kid), nil)
	c.KeepAbove = companion.KeepAbove
	c.Placer = companion.DesktopPlacer{}
	var startErr error
	var title string
	fyne.DoAndWait(func() {
		if startErr = c.Start(ctx); startErr == nil {
			title = c.Window().Title()
			c.Window().Show()
		}
	})
	if startErr != nil {
		t.Fatal(startErr)
	}
	work, err := desktop.WorkArea()
	if err != nil {
		t.Fatal(err)
	}
	// as the trial saw it: the window opened so low that its buttons
	// were under the screen's edge
	var first image.Rectangle
	if !waitFor(10*time.Second, func() bool { first, err = desktop.Frame(title); return err == nil && first.Dx() > 0 }) {
		t.Fatalf("the companion's window never appeared: %v", err)
	}
	low := image.Rectangle{Min: image.Pt(first.Min.X, work.Max.Y-120)}
	low.Max = low.Min.Add(first.Size())
	if err := desktop.Move(title, low); err != nil {
		t.Fatal(err)
	}
	waitFor(5*time.Second, func() bool { f, err := desktop.Frame(title); return err == nil && f.Max.Y > work.Max.Y })
	moved, _ := desktop.Frame(title)
	t.Logf("work area %v; the companion opened at %v, then pushed down to %v", work, first, moved)
	go c.Run(ctx)

	var comp, cd image.Rectangle
	placed := waitFor(30*time.Second, func() bool {
		var err1, err2 error
		comp, err1 = desktop.Frame(title)
		cd = image.Rectangle{}
		if cw := c.CountdownWindow(); cw != nil {
			var ct string
			fyne.DoAndWait(func() { ct = cw.Title() })
			cd, err2 = desktop.Frame(ct)
		} else {
			err2 = os.ErrNotExist
		}
		return err1 == nil && err2 == nil && comp.In(work) && cd.In(work) && !cd.Overlaps(comp)
	})
	t.Logf("companion at %v (%v), countdown at %v (%v), countdown %q", comp, comp.Size(), cd, cd.Size(), c.Countdown())
	if !placed {
		t.Fatalf("after 30 s: companion %v, countdown %v, work area %v: want both on the screen and apart", comp, cd, work)
	}
	if cd.Dx() > 360 || cd.Dy() > 220 {
		t.Errorf("the countdown is %v: want a small window (the trial saw 300 px wide and the screen's height)", cd.Size())
	}
	if c.KeepAboveCalls() == 0 {
		t.Error("the countdown never asked to stay above")
	}
	if c.Countdown() == "" {
		t.Error("the countdown shows no time")
	}
}

func waitFor(d time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
	return true
}
