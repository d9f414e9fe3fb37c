// Command kidtime-app is kidtime's desktop app: the parents' console, and
// with the `companion` subcommand the child's companion that runs in every
// session (started by the XDG autostart entry).
//
//	kidtime-app [--socket PATH] [--lang vi|en]
//	kidtime-app companion [--socket PATH] [--lang vi|en]
//	kidtime-app --version | --self-check
//
// --version prints the build and exits; --self-check also loads both
// translations and opens the desktop probe, without a window or the daemon:
// it proves a build (the Windows one under Wine, say) links and loads.
//
// The screenshots and the demo against an in-memory agent are tests of this
// package (screenshots_test.go, demo_test.go: `make screenshots`, `make
// demo`), so that the app shipped links no test code.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/lang"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/desktop"
	"github.com/kidtime/kidtime/ui/companion"
	"github.com/kidtime/kidtime/ui/console"
	"github.com/kidtime/kidtime/ui/i18n"
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
	version := fs.Bool("version", false, "print the build and exit")
	check := fs.Bool("self-check", false, "print the build, load the translations and the desktop probe, and exit (no window, no daemon)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *version || *check {
		fmt.Println(buildLine())
		if *check {
			return selfCheck(os.Stdout)
		}
		return nil
	}
	if err := i18n.Setup(*language); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	a := app.NewWithID("org.kidtime.app")
	a.SetIcon(appIcon)
	// SIGTERM (the session ending) or Ctrl-C: quit the app, not only the loops
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	b := &client.Client{Socket: *socket}
	if mode == "companion" {
		return runCompanion(ctx, a, b)
	}
	return runConsole(ctx, a, b, *language)
}

// buildLine names this build: module version, commit, system and Go.
func buildLine() string {
	ver, rev := "(unknown)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		ver = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " " + s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("kidtime-app %s%s %s/%s %s", ver, rev, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// selfCheck loads what the app needs before its first window: each
// language's translations (a missing one is an error) and the desktop probe
// of this session (an error is said, not fatal: a session without one still
// runs the app).
func selfCheck(w io.Writer) error {
	for _, l := range []string{"vi", "en"} {
		if err := i18n.Setup(l); err != nil {
			return fmt.Errorf("self-check: translations %s: %w", l, err)
		}
		name := lang.L("app.name")
		if name == "app.name" {
			return fmt.Errorf("self-check: translations %s: app.name is not translated", l)
		}
		fmt.Fprintf(w, "translations %s: ok (%s)\n", l, name)
	}
	if p, err := desktop.Open(""); err != nil {
		fmt.Fprintf(w, "desktop probe: %v\n", err)
	} else {
		p.Close()
		fmt.Fprintln(w, "desktop probe: ok")
	}
	return nil
}

func runConsole(ctx context.Context, a fyne.App, b *client.Client, language string) error {
	w := a.NewWindow(lang.L("app.name"))
	w.Resize(fyne.NewSize(1000, 720))
	var c *console.Console
	opt := console.Options{Hub: hubClient()}
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

// hubClient is a client of the hub's admin socket when this machine runs
// the hub ($KIDTIME_HUB_SOCKET names one, or the system's socket is
// there): the console then shows its Hub tab. nil: no hub here.
func hubClient() *client.Client {
	path, named := apitype.HubSocket()
	if !named {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	slog.Info("console: the hub's socket is here; the Hub tab shows", "socket", path)
	return &client.Client{Socket: path}
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
	c.TrayHost = desktop.TrayHost
	c.Placer = companion.DesktopPlacer{}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	switch err := c.Start(ctx); {
	case errors.Is(err, companion.ErrNotChild):
		return nil // not a child's session: quit quietly
	case err != nil:
		// the agent does not answer (yet: the session may start before
		// kidtimed): show help and the reason, and keep asking
		slog.Warn("companion: the agent does not answer; trying again", "every", companion.RetryEvery, "err", err)
		c.ShowWaiting(err)
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
