// Command kidtime-app is kidtime's desktop app: the parents' console, and
// with the `companion` subcommand the child's companion that runs in every
// session (started by the XDG autostart entry).
//
//	kidtime-app [--socket PATH] [--lang vi|en] [--demo]
//	kidtime-app companion [--socket PATH] [--lang vi|en] [--demo]
//
// --demo runs against an in-memory agent with made-up data. The hidden
// --screenshot DIR [--socket PATH] [--pin PIN] renders every screen in both
// languages to DIR/{vi,en}/ with the software painter and exits: the
// console's PIN screen and tabs from the daemon at --socket when one is
// given, the rest (first run, companion) from the demo agent.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/lang"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/desktop"
	"github.com/kidtime/kidtime/ui/companion"
	"github.com/kidtime/kidtime/ui/console"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/uitest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kidtime-app:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	mode := "console"
	if len(args) > 0 && args[0] == "companion" {
		mode, args = "companion", args[1:]
	}
	fs := flag.NewFlagSet("kidtime-app", flag.ContinueOnError)
	socket := fs.String("socket", os.Getenv("KIDTIME_SOCKET"), "path of kidtimed's socket (default: the system's)")
	language := fs.String("lang", "", "language: vi or en (default: the setting, then the system's)")
	demo := fs.Bool("demo", false, "run against an in-memory agent with made-up data")
	shots := fs.String("screenshot", "", "render every screen to `DIR`/{vi,en}/ and exit")
	pin := fs.String("pin", os.Getenv("KIDTIME_PIN"), "with --screenshot: the PIN, when the caller is not an admin")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *shots != "" {
		// with --socket (or $KIDTIME_SOCKET) the console's screens show that
		// daemon; with --demo, or neither, the in-memory demo agent
		var real console.Backend
		if *socket != "" && !*demo {
			real = &client.Client{Socket: *socket}
		}
		return screenshots(*shots, real, *pin)
	}
	if err := i18n.Setup(*language); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	a := app.NewWithID("org.kidtime.app")
	// SIGTERM (the session ending) or Ctrl-C: quit the app, not only the loops
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	if mode == "companion" {
		var b companion.Backend = &client.Client{Socket: *socket}
		if *demo {
			f := uitest.Demo(time.Now())
			f.Role = apitype.RoleChild
			b = f
		}
		return runCompanion(ctx, a, b)
	}
	var b console.Backend = &client.Client{Socket: *socket}
	if *demo {
		b = uitest.Demo(time.Now())
	}
	return runConsole(ctx, a, b, *language)
}

func runConsole(ctx context.Context, a fyne.App, b console.Backend, language string) error {
	w := a.NewWindow(lang.L("app.name"))
	w.Resize(fyne.NewSize(1000, 720))
	var c *console.Console
	opt := console.Options{}
	opt.OnLanguage = func(choice string) {
		if language != "" {
			return // the command line wins
		}
		if err := i18n.Setup(choice); err != nil {
			slog.Warn("language", "err", err)
			return
		}
		w.SetTitle(lang.L("app.name"))
		c.ShowMain()
		c.Main.Select(5)
	}
	c = console.New(w, b, opt)
	if language == "" {
		// the parent's setting overrides the system's language
		if s, err := b.Settings(ctx); err == nil && s.Language != "" {
			_ = i18n.Setup(s.Language)
			w.SetTitle(lang.L("app.name"))
		}
	}
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("reach kidtimed (is it running?): %w", err)
	}
	w.ShowAndRun()
	return nil
}

func runCompanion(ctx context.Context, a fyne.App, b companion.Backend) error {
	var probe companion.Probe
	if p, err := desktop.Open(""); err == nil {
		defer p.Close()
		probe = p
	} else {
		slog.Info("companion: no desktop probe; heartbeats report idle 0", "err", err)
	}
	c := companion.New(a, b, probe)
	c.KeepAbove = companion.KeepAbove
	c.ScreenLocked = desktop.ScreenLocked
	c.LockScreen = desktop.LockScreen
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	switch err := c.Start(ctx); {
	case errors.Is(err, companion.ErrNotChild):
		return nil // not a child's session: quit quietly
	case err != nil:
		// the agent does not answer (yet: the session may start before
		// kidtimed): show help and the reason, and keep asking
		slog.Warn("companion: the agent does not answer; trying again", "every", companion.RetryEvery, "err", err)
		c.ShowWaiting()
		go func() {
			switch err := c.WaitStart(ctx); {
			case err == nil:
				c.Run(ctx)
			case errors.Is(err, companion.ErrNotChild):
				fyne.Do(a.Quit)
			}
		}()
	default:
		go c.Run(ctx)
	}
	c.SetupTray()
	c.Window().ShowAndRun()
	return nil
}
