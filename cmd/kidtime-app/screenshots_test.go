package main

import (
	"context"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/companion"
	"github.com/kidtime/kidtime/ui/console"
	"github.com/kidtime/kidtime/ui/i18n"
)

var shotsDir = flag.String("out", "", "TestScreenshots: write every screen to `DIR`/{vi,en}/")

// TestScreenshots renders every console screen and the companion in both
// languages with fyne's software painter, as PNGs in -out/{vi,en}/ (`make
// screenshots` runs it; without -out it is skipped). The screens show the
// whole agent in-process (agent/agenttest) as of today at 16:45: an agent
// with no PIN yet for the first run, and the agenttest family (two
// children, a month of use, asks, events) for the rest.
func TestScreenshots(t *testing.T) {
	if *shotsDir == "" {
		t.Skip("screenshots: go test -run TestScreenshots ./cmd/kidtime-app -args -out DIR")
	}
	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.DefaultTheme())
	y, m, d := time.Now().Date()
	now := time.Date(y, m, d, 16, 45, 0, 0, time.Local)
	clock := func() time.Time { return now }
	ctx := context.Background()
	for _, l := range i18n.Languages {
		if err := i18n.Setup(l); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(*shotsDir, l)
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		n := 0
		shot := func(w fyne.Window, name string) {
			t.Helper()
			n++
			path := filepath.Join(out, fmt.Sprintf("%02d-%s.png", n, name))
			f, err := os.Create(path)
			if err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
			defer f.Close()
			if err := png.Encode(f, w.Canvas().Capture()); err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
			if err := f.Close(); err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
		}
		size := fyne.NewSize(1024, 768) // a school lab's screen (issue 12)

		// first run, by an administrator on an agent with no PIN yet
		fresh := agenttest.Start(t, agenttest.Options{Now: now})
		for i, name := range []string{"an", "binh"} {
			fresh.Users.Add(name, uint32(51001+i), false)
		}
		w := a.NewWindow("kidtime")
		w.Resize(size)
		c := console.New(w, fresh.Client(agenttest.Dad), console.Options{Sync: true, Now: clock})
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		fr := c.FirstRun
		shot(w, "firstrun-pin")
		fr.PIN.SetText("246810")
		fr.PIN2.SetText("246810")
		test.Tap(fr.Next)
		fr.Name.SetText("An")
		fr.BirthYear.SetText(strconv.Itoa(now.Year() - 12))
		fr.Account.SetSelected("an")
		shot(w, "firstrun-child")
		test.Tap(fr.Next)
		shot(w, "firstrun-preset")
		test.Tap(fr.Next)
		shot(w, "firstrun-summary")
		w.Close()
		fresh.Stop()

		// later runs: a parent who is not an administrator types the PIN
		fam := agenttest.StartFamily(t, now)
		w = a.NewWindow("kidtime")
		w.Resize(size)
		c = console.New(w, fam.Client(agenttest.Mum), console.Options{Sync: true, Now: clock})
		if err := c.Start(ctx); err != nil || c.Screen != "login" {
			t.Fatalf("the PIN screen: %q, %v", c.Screen, err)
		}
		shot(w, "login")
		c.Login.PIN.SetText(agenttest.FamilyPIN)
		test.Tap(c.Login.Submit)
		if c.Screen != "main" {
			t.Fatalf("the PIN did not open the console: %q", c.Login.Error.Text)
		}
		for i, name := range []string{"today", "rules", "activity", "requests", "events", "settings"} {
			c.Main.Select(i)
			if name == "rules" { // tall enough for the week and the game rules
				w.Resize(tall(w))
			}
			shot(w, name)
			w.Resize(size)
		}
		c.Main.Select(1)
		w.Resize(tall(w))
		c.Main.Rules.Days[0].Hours.SetText("25:00-26:00")
		test.Tap(c.Main.Rules.Save)
		shot(w, "rules-refused")
		w.Resize(size)
		c.Main.Select(5)
		c.Main.Settings.CodePIN.SetText(agenttest.FamilyPIN) // a new parent code needs the PIN again
		test.Tap(c.Main.Settings.ShowCode)
		shot(w, "settings-code")
		w.Close()

		// An's companion
		comp := companion.New(a, fam.Client(agenttest.Kid), nil)
		comp.SetClock(fam.Clock.Wall)
		comp.Sync = true
		if err := comp.Start(ctx); err != nil {
			t.Fatal(err)
		}
		cw := comp.Window()
		cw.Resize(fyne.NewSize(460, 420))
		shot(cw, "companion")
		setAn(t, fam, func(s *rules.Child) { // the last minute: 42 s left
			s.Screen = &rules.BudgetSpec{Daily: dur(105*time.Minute + 42*time.Second)}
			s.Games = &rules.GamesSpec{Daily: dur(50*time.Minute + 42*time.Second)}
		}, func(st apitype.ChildStatus) bool { return st.ScreenLeftSec == 42 })
		comp.Tick(ctx)
		shot(cw, "companion-last-minute")
		if cd := comp.CountdownWindow(); cd != nil {
			shot(cd, "companion-countdown")
		}
		test.Tap(comp.AskButton())
		shot(cw, "companion-ask")
		comp.LastAsk().Close()
		test.Tap(comp.CodeButton())
		shot(cw, "companion-parent-code")
		comp.LastCode().Close()
		setAn(t, fam, func(s *rules.Child) { // screen time spent
			s.Screen = &rules.BudgetSpec{Daily: dur(105 * time.Minute)}
			s.Grace = dur(0)
		}, func(st apitype.ChildStatus) bool { return st.State == apitype.StateBlocked })
		comp.Tick(ctx)
		shot(cw, "companion-blocked")
		test.Tap(comp.HelpButton())
		if hw := comp.HelpWindow(); hw != nil {
			hw.Resize(fyne.NewSize(460, 480))
			shot(hw, "companion-help")
		}
		cw.Close()
		fam.Stop()

		// the first run's child step making the child's account (last, so
		// that the numbers of the shots above stay)
		fresh = agenttest.Start(t, agenttest.Options{Now: now})
		fresh.Users.Add("an", 51001, false)
		fresh.Users.SetFullName("an", "Nguyễn Thị An")
		w = a.NewWindow("kidtime")
		w.Resize(fyne.NewSize(1024, 768))
		c = console.New(w, fresh.Client(agenttest.Dad), console.Options{Sync: true, Now: clock})
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		fr = c.FirstRun
		fr.PIN.SetText("246810")
		fr.PIN2.SetText("246810")
		test.Tap(fr.Next)
		fr.Name.SetText("Bé Đức")
		fr.BirthYear.SetText(strconv.Itoa(now.Year() - 7))
		test.Tap(fr.MakeAccount)
		fr.NewAccount.Password.SetText("duc2019")
		fr.NewAccount.Password2.SetText("duc2018")
		test.Tap(fr.NewAccount.Create)
		// the real driver lays a form out again when an error line shows
		// (EnsureMinSize); the test canvas does when the window's size changes
		w.Resize(fyne.NewSize(1023, 768))
		w.Resize(fyne.NewSize(1024, 768))
		shot(w, "firstrun-newaccount")
		w.Close()
		fresh.Stop()
	}
}

// tall is a window size that shows the whole week and the game rules of the
// rules editor, at least as wide as the content needs.
func tall(w fyne.Window) fyne.Size {
	return fyne.NewSize(max(1024, w.Content().MinSize().Width), 940)
}

// setAn changes An's rules as a parent would and waits until the agent
// decides with them.
func setAn(t *testing.T, f *agenttest.Family, change func(s *rules.Child), until func(apitype.ChildStatus) bool) {
	t.Helper()
	ctx := context.Background()
	root := f.Client(agenttest.Root)
	s, err := root.ChildPolicy(ctx, "An")
	if err != nil {
		t.Fatal(err)
	}
	change(&s)
	if err := root.SetChildPolicy(ctx, "An", s); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := root.Status(ctx)
		if err == nil && len(st.Children) > 0 && until(st.Children[0]) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent did not decide with An's new rules: %+v, %v", st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func dur(d time.Duration) *rules.Duration {
	v := rules.Duration(d)
	return &v
}
