package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/kardianos/service"
	"github.com/kidtime/kidtime/agent/hub"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/ipc"
	svcconf "github.com/kidtime/kidtime/installer/service"
	"github.com/kidtime/kidtime/internal/svcrun"
	"golang.org/x/sync/errgroup"
)

// Command kidtime-hub is the family's or school's hub (issue 13): an
// embedded NATS JetStream server and its admin socket. People run it as
// "kidtimed hub …", which starts this program beside kidtimed: the daemon
// that runs on every PC then does not carry the NATS server (about 12 MB
// of code, and 3–4 MB of memory at start even unused).
//
//	kidtimed hub run [--family] [--data-dir DIR] [--listen HOST:PORT] [--socket PATH]
//	kidtimed hub install [--family] [--data-dir DIR] [--listen HOST:PORT] [--socket PATH]
//	kidtimed hub uninstall | start | stop | status

const hubUsage = `usage:
  kidtimed hub run [--family] [--data-dir DIR] [--listen HOST:PORT] [--socket PATH] [--log-level LEVEL]
  kidtimed hub install [--family] [--data-dir DIR] [--listen HOST:PORT] [--socket PATH]   install the hub as an OS service (root)
  --family: a family's hub (its PCs share the children's days, names and apps); without it, a school's
  kidtimed hub uninstall | start | stop | status                              manage the hub's service (root)
`

type hubFlags struct {
	dataDir, listen, socket, logLevel, advertise string
	family                                       bool
}

func defaultHubDataDir() string {
	if os.PathSeparator == '\\' {
		return filepath.Join(svcrun.ProgramData(), "kidtime-hub")
	}
	return hub.DefaultDataDir
}

func parseHubFlags(cmd string, args []string, stderr io.Writer) (hubFlags, error) {
	var f hubFlags
	fs := flag.NewFlagSet("kidtimed hub "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.dataDir, "data-dir", defaultHubDataDir(), "folder of the hub's streams, keys and registry")
	fs.StringVar(&f.listen, "listen", ":"+strconv.Itoa(wire.DefaultPort), "HOST:PORT the PCs connect to (TLS)")
	fs.StringVar(&f.socket, "socket", "", "the hub's local admin socket (default $"+hub.EnvSocket+", else "+hub.DefaultSocket()+")")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.advertise, "advertise", "", "HOST:PORT that tokens name when kidtime hub invite gives no --hub")
	fs.BoolVar(&f.family, "family", false, "a family's hub: its PCs share the children's days, names and apps (default: a school's, which shares neither)")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if f.socket == "" {
		f.socket = hub.DefaultSocket()
	}
	return f, nil
}

func hubCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, hubUsage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run", "install":
	case "uninstall", "start", "stop", "status":
		s, err := service.New(&hubProgram{}, svcconf.HubConfig(nil))
		if err != nil {
			fmt.Fprintf(stderr, "kidtimed hub %s: %v\n", cmd, err)
			return 1
		}
		if code := svcrun.Control(s, "hub "+cmd, cmd, stdout, stderr); code != 0 || cmd == "status" {
			return code
		}
		fmt.Fprintf(stdout, "kidtimed: hub %s done\n", cmd)
		return 0
	case "-h", "--help", "help":
		fmt.Fprint(stdout, hubUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "kidtimed hub: unknown command %q\n%s", cmd, hubUsage)
		return 2
	}
	f, err := parseHubFlags(cmd, rest, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "kidtimed hub %s: %v\n", cmd, err)
		return 2
	}
	log, err := svcrun.Logger(f.logLevel, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "kidtimed hub: %v\n", err)
		return 2
	}
	if cmd == "install" {
		return installHub(f, stdout, stderr)
	}
	if ran, code := svcrun.UnderManager(&hubProgram{f: f, log: log}, svcconf.HubConfig(nil), log, stderr); ran {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runHub(ctx, f, log); err != nil {
		fmt.Fprintf(stderr, "kidtimed hub: %v\n", err)
		return 1
	}
	return 0
}

// runHub serves the hub and its admin socket until ctx ends.
func runHub(ctx context.Context, f hubFlags, log *slog.Logger) error {
	h, err := hub.Open(hub.Config{DataDir: f.dataDir, Listen: f.listen, Advertise: f.advertise, Logger: log, Family: f.family})
	if err != nil {
		return err
	}
	l, err := ipc.Listen(f.socket)
	if err != nil {
		return fmt.Errorf("hub socket: %w", err)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return h.Run(ctx) })
	g.Go(func() error {
		defer l.Close()
		select {
		case <-h.Ready():
		case <-ctx.Done():
			return nil
		}
		log.Info("hub: admin socket", "path", f.socket)
		return h.Serve(ctx, l, log)
	})
	return g.Wait()
}

type hubProgram struct {
	f      hubFlags
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan error
}

func (p *hubProgram) Start(service.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan error, 1)
	go func() { p.done <- runHub(ctx, p.f, p.log) }()
	return nil
}

func (p *hubProgram) Stop(service.Service) error {
	if p.cancel == nil {
		return nil
	}
	p.cancel()
	select {
	case err := <-p.done:
		return err
	case <-time.After(12 * time.Second):
		return errors.New("the kidtime hub did not stop within 12 s")
	}
}

func installHub(f hubFlags, stdout, stderr io.Writer) int {
	args, code := serviceArgs(f, stderr)
	if code != 0 {
		return code
	}
	s, err := service.New(&hubProgram{}, svcconf.HubConfig(args))
	if err != nil {
		fmt.Fprintf(stderr, "kidtimed hub install: %v\n", err)
		return 1
	}
	if err := s.Install(); err != nil {
		fmt.Fprintf(stderr, "kidtimed hub install: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "the kidtime hub is installed as a %s service; start it with: kidtimed hub start\n", service.Platform())
	return 0
}

// serviceArgs are the arguments the service runs "hub run" with: the
// flags given to install that differ from the defaults (--family included).
func serviceArgs(f hubFlags, stderr io.Writer) ([]string, int) {
	var args []string
	if f.family {
		args = append(args, "--family")
	}
	if f.dataDir != defaultHubDataDir() {
		abs, err := filepath.Abs(f.dataDir)
		if err != nil {
			fmt.Fprintf(stderr, "kidtimed hub install: --data-dir: %v\n", err)
			return nil, 2
		}
		args = append(args, "--data-dir", abs)
	}
	if f.listen != ":"+strconv.Itoa(wire.DefaultPort) {
		args = append(args, "--listen", f.listen)
	}
	if f.socket != hub.DefaultSocket() {
		args = append(args, "--socket", f.socket)
	}
	if f.advertise != "" {
		args = append(args, "--advertise", f.advertise)
	}
	return args, 0
}
