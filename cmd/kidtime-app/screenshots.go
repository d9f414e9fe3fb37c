package main

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/ui/companion"
	"github.com/kidtime/kidtime/ui/console"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/uitest"
)

// screenshots renders every console screen and the companion in both
// languages with fyne's software painter and writes PNGs to dir/{vi,en}/.
// installer/dev/screenshots.sh runs it.
//
// With real set, the console's PIN screen and tabs show that agent (a
// daemon seeded with `kidtimed demo-seed`), as of the real time; the caller
// must be an admin or pin the agent's PIN. The first-run screens need an
// agent with no PIN and the companion's need a child's account, so those
// always come from the in-memory demo agent (as does everything when real is
// nil).
func screenshots(dir string, real console.Backend, pin string) error {
	a := test.NewApp()
	a.Settings().SetTheme(theme.DefaultTheme())
	now := time.Date(2026, 3, 21, 16, 45, 0, 0, time.Local) // a Saturday afternoon
	clock := func() time.Time { return now }
	ctx := context.Background()
	if real != nil {
		h, err := real.Health(ctx)
		if err != nil {
			return fmt.Errorf("screenshots: reach kidtimed: %w", err)
		}
		if !h.Setup {
			return errors.New("screenshots: the agent has no PIN yet; set one first (kidtime setup)")
		}
		if h.Role != apitype.RoleAdmin && h.Role != apitype.RoleParent {
			if pin == "" {
				return fmt.Errorf("screenshots: the agent sees %s as %q; give the PIN (--pin or $KIDTIME_PIN)", h.User, h.Role)
			}
			if _, err := real.Login(ctx, pin); err != nil {
				return fmt.Errorf("screenshots: log in with the PIN: %w", err)
			}
		}
	}
	for _, l := range i18n.Languages {
		if err := i18n.Setup(l); err != nil {
			return err
		}
		out := filepath.Join(dir, l)
		if err := os.MkdirAll(out, 0o755); err != nil {
			return fmt.Errorf("screenshots: %w", err)
		}
		n := 0
		shot := func(w fyne.Window, name string) error {
			n++
			path := filepath.Join(out, fmt.Sprintf("%02d-%s.png", n, name))
			f, err := os.Create(path)
			if err != nil {
				return fmt.Errorf("screenshot %s: %w", name, err)
			}
			defer f.Close()
			if err := png.Encode(f, w.Canvas().Capture()); err != nil {
				return fmt.Errorf("screenshot %s: %w", name, err)
			}
			return f.Close()
		}
		size := fyne.NewSize(1024, 720)

		// first run
		fresh := uitest.New()
		fresh.Now = clock
		w := a.NewWindow("kidtime")
		w.Resize(size)
		c := console.New(w, fresh, console.Options{Sync: true, Now: clock})
		if err := c.Start(ctx); err != nil {
			return err
		}
		fr := c.FirstRun
		if err := shot(w, "firstrun-pin"); err != nil {
			return err
		}
		fr.PIN.SetText("246810")
		fr.PIN2.SetText("246810")
		test.Tap(fr.Next)
		fr.Name.SetText("An")
		fr.BirthYear.SetText(strconv.Itoa(now.Year() - 12))
		fr.Account.SetSelected("an")
		if err := shot(w, "firstrun-child"); err != nil {
			return err
		}
		test.Tap(fr.Next)
		if err := shot(w, "firstrun-preset"); err != nil {
			return err
		}
		test.Tap(fr.Next)
		if err := shot(w, "firstrun-summary"); err != nil {
			return err
		}
		w.Close()

		// later runs
		demo := uitest.Demo(now)
		demo.Role = apitype.RoleOther
		var b console.Backend = demo
		opt := console.Options{Sync: true, Now: clock}
		codePIN := uitest.DemoPIN
		if real != nil {
			b, opt.Now, codePIN = real, time.Now, pin
		}
		w = a.NewWindow("kidtime")
		w.Resize(size)
		c = console.New(w, b, opt)
		c.ShowLogin() // what a parent who is not an admin sees first
		if err := shot(w, "login"); err != nil {
			return err
		}
		demo.Role = apitype.RoleParent
		c.ShowMain()
		for i, name := range []string{"today", "rules", "activity", "requests", "events", "settings"} {
			c.Main.Select(i)
			if name == "rules" { // tall enough for the week and the game rules
				w.Resize(tall(w))
			}
			if err := shot(w, name); err != nil {
				return err
			}
			w.Resize(size)
		}
		c.Main.Select(1)
		w.Resize(tall(w))
		c.Main.Rules.Days[0].Screen.SetText("25h")
		test.Tap(c.Main.Rules.Save)
		if err := shot(w, "rules-refused"); err != nil {
			return err
		}
		w.Resize(size)
		c.Main.Select(5)
		if codePIN != "" { // a new parent code needs the PIN again
			c.Main.Settings.CodePIN.SetText(codePIN)
			test.Tap(c.Main.Settings.ShowCode)
			if err := shot(w, "settings-code"); err != nil {
				return err
			}
		}
		w.Close()

		// companion
		kid := uitest.Demo(now)
		kid.Role = apitype.RoleChild
		comp := companion.New(a, kid, nil)
		comp.SetClock(clock)
		comp.Sync = true
		if err := comp.Start(ctx); err != nil {
			return err
		}
		cw := comp.Window()
		cw.Resize(fyne.NewSize(460, 420))
		if err := shot(cw, "companion"); err != nil {
			return err
		}
		st := kid.Statuses["An"]
		st.ScreenLeftSec, st.GamesLeftSec, st.ScreenUsedSec, st.GamesUsedSec = 42, 42, st.ScreenLimitSec-42, st.GamesLimitSec-42
		comp.Tick(ctx)
		if err := shot(cw, "companion-last-minute"); err != nil {
			return err
		}
		if cd := comp.CountdownWindow(); cd != nil {
			if err := shot(cd, "companion-countdown"); err != nil {
				return err
			}
		}
		test.Tap(comp.AskButton())
		if err := shot(cw, "companion-ask"); err != nil {
			return err
		}
		comp.LastAsk().Close()
		test.Tap(comp.CodeButton())
		if err := shot(cw, "companion-parent-code"); err != nil {
			return err
		}
		comp.LastCode().Close()
		st.State, st.ReasonKey, st.ScreenLeftSec, st.GamesLeftSec = apitype.StateBlocked, "reason.screen.spent", 0, 0
		st.ScreenUsedSec = st.ScreenLimitSec
		st.BackAt = time.Date(now.Year(), now.Month(), now.Day()+1, 6, 0, 0, 0, now.Location())
		comp.Tick(ctx)
		if err := shot(cw, "companion-blocked"); err != nil {
			return err
		}
		test.Tap(comp.HelpButton())
		if hw := comp.HelpWindow(); hw != nil {
			hw.Resize(fyne.NewSize(460, 480))
			if err := shot(hw, "companion-help"); err != nil {
				return err
			}
		}
		cw.Close()
	}
	return nil
}

// tall is a window size that shows the whole week and the game rules of the
// rules editor, at least as wide as the content needs.
func tall(w fyne.Window) fyne.Size {
	return fyne.NewSize(max(1024, w.Content().MinSize().Width), 940)
}
