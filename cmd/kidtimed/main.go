// Command kidtimed is kidtime's background service: it knows which child
// uses the computer, counts screen and game time, warns, and enforces.
//
//	kidtimed run [--data-dir DIR] [--socket PATH] [--log-level LEVEL] [--policy FILE] [--dns-upstream HOST:PORT[,…]]
//	kidtimed install [--policy FILE] [--data-dir DIR]
//	kidtimed uninstall | start | stop | status
//	kidtimed web-remove
//	kidtimed hub run [--data-dir DIR] [--listen HOST:PORT] [--socket PATH]
//	kidtimed hub install | uninstall | start | stop | status
//
// "run" serves in the foreground (systemd and the Windows service manager
// start it that way). The other commands manage the OS service through
// github.com/kardianos/service and need root / Administrator.
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
	"strings"
	"syscall"
	"time"

	"github.com/kardianos/service"
	"github.com/kidtime/kidtime/agent"
	"github.com/kidtime/kidtime/agent/clock"
	"github.com/kidtime/kidtime/agent/desktop/notify"
	"github.com/kidtime/kidtime/agent/ipc"
	svcconf "github.com/kidtime/kidtime/installer/service"
	"github.com/kidtime/kidtime/internal/svcrun"
)

const usage = `kidtimed: kidtime's background service

usage:
  kidtimed run [--data-dir DIR] [--socket PATH] [--log-level debug|info|warn|error] [--policy FILE]
              [--dns-upstream HOST:PORT[,HOST:PORT...]]
  kidtimed install [--data-dir DIR] [--policy FILE]   install the OS service (root)
  kidtimed uninstall | start | stop | status          manage the OS service (root)
  kidtimed web-remove                                 remove the safe web's firewall table (uninstall does it too)
  kidtimed hub run|install|uninstall|start|stop|status   the family's or school's hub (kidtimed hub --help)
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run", "install":
		return runOrInstall(cmd, rest, stdout, stderr)
	case "uninstall", "start", "stop", "status":
		return control(cmd, stdout, stderr)
	case "web-remove":
		return webRemove(stdout, stderr)
	case "notify":
		return notifyCmd(rest, stderr)
	case "hub":
		return hubCmd(rest, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage+pprofHelp)
		return 0
	}
	fmt.Fprintf(stderr, "kidtimed: unknown command %q\n%s", cmd, usage)
	return 2
}

type runFlags struct {
	dataDir, socket, logLevel, policy string
	dnsUpstream                       []string
}

func parseRunFlags(cmd string, args []string, stderr io.Writer) (runFlags, error) {
	var f runFlags
	fs := flag.NewFlagSet("kidtimed "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.dataDir, "data-dir", defaultDataDir(), "folder of the database")
	fs.StringVar(&f.socket, "socket", "", "API socket or named pipe (default $KIDTIME_SOCKET, else "+ipc.DefaultPath()+")")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.policy, "policy", "", "a policy file imported at start when none is stored (school preset)")
	upstream := fs.String("dns-upstream", "", "resolvers for children's allowed lookups, HOST:PORT[,HOST:PORT...] (default: the system's, from /etc/resolv.conf)")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	up, err := agent.WebUpstreams(*upstream)
	if err != nil {
		return f, err
	}
	f.dnsUpstream = up
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return f, nil
}

func defaultDataDir() string {
	if service.Platform() == "windows-service" || os.PathSeparator == '\\' {
		return filepath.Join(svcrun.ProgramData(), "kidtime")
	}
	return "/var/lib/kidtime"
}

// program adapts the agent to kardianos/service: Start returns at once,
// Stop cancels and waits a bounded time.
type program struct {
	f      runFlags
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan error
}

func (p *program) Start(service.Service) error {
	deps, err := systemDeps(p.log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.done = make(chan error, 1)
	a := agent.New(agent.Config{DataDir: p.f.dataDir, Socket: p.f.socket, PolicyFile: p.f.policy, Logger: p.log, TimeServers: timeServers(), Companion: companionPath(), DNSUpstream: p.f.dnsUpstream, WebPortBase: webPortBase()}, deps)
	go func() { p.done <- a.Run(ctx) }()
	go releaseAfterStart(ctx, a.Ready(), p.log)
	return nil
}

func (p *program) Stop(service.Service) error {
	if p.cancel == nil {
		return nil
	}
	p.cancel()
	select {
	case err := <-p.done:
		return err
	case <-time.After(8 * time.Second):
		return errors.New("kidtimed did not stop within 8 s")
	}
}

func runOrInstall(cmd string, args []string, stdout, stderr io.Writer) int {
	f, err := parseRunFlags(cmd, args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "kidtimed %s: %v\n", cmd, err)
		return 2
	}
	log, err := svcrun.Logger(f.logLevel, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "kidtimed: %v\n", err)
		return 2
	}
	if cmd == "install" {
		return install(f, stdout, stderr)
	}
	fixProcs()
	setGC()
	releaseImage(log, "init")
	if ran, code := svcrun.UnderManager(&program{f: f, log: log}, svcconf.Config(nil), log, stderr); ran {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Profiles for measuring (make bench-idle): pprof.go.
	stopProfiles, err := startProfiles()
	if err != nil {
		fmt.Fprintf(stderr, "kidtimed: %v\n", err)
		return 1
	}
	defer stopProfiles()
	deps, err := systemDeps(log)
	if err != nil {
		fmt.Fprintf(stderr, "kidtimed: %v\n", err)
		return 1
	}
	a := agent.New(agent.Config{DataDir: f.dataDir, Socket: f.socket, PolicyFile: f.policy, Logger: log, TimeServers: timeServers(), Companion: companionPath(), DNSUpstream: f.dnsUpstream, WebPortBase: webPortBase()}, deps)
	go releaseAfterStart(ctx, a.Ready(), log)
	if err := a.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "kidtimed: %v\n", err)
		return 1
	}
	return 0
}

func install(f runFlags, stdout, stderr io.Writer) int {
	var args []string
	if f.dataDir != defaultDataDir() {
		args = append(args, "--data-dir", f.dataDir)
	}
	if f.policy != "" {
		abs, err := filepath.Abs(f.policy)
		if err != nil {
			fmt.Fprintf(stderr, "kidtimed install: --policy: %v\n", err)
			return 2
		}
		if _, err := os.Stat(abs); err != nil {
			fmt.Fprintf(stderr, "kidtimed install: --policy: %v\n", err)
			return 1
		}
		args = append(args, "--policy", abs)
	}
	s, err := service.New(&program{}, svcconf.Config(args))
	if err != nil {
		fmt.Fprintf(stderr, "kidtimed install: %v\n", err)
		return 1
	}
	if err := s.Install(); err != nil {
		fmt.Fprintf(stderr, "kidtimed install: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "kidtimed installed as a %s service; start it with: kidtimed start\n", service.Platform())
	return 0
}

func control(cmd string, stdout, stderr io.Writer) int {
	s, err := service.New(&program{}, svcconf.Config(nil))
	if err != nil {
		fmt.Fprintf(stderr, "kidtimed %s: %v\n", cmd, err)
		return 1
	}
	if code := svcrun.Control(s, cmd, cmd, stdout, stderr); code != 0 || cmd == "status" {
		return code
	}
	if cmd == "uninstall" {
		if code := webRemove(stdout, stderr); code != 0 {
			return code
		}
	}
	fmt.Fprintf(stdout, "kidtimed: %s done\n", cmd)
	return 0
}

// notifyCmd shows one desktop notification in the caller's session; the
// daemon runs it as the child, on the child's session bus.
func notifyCmd(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("kidtimed notify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	title := fs.String("title", "kidtime", "title")
	body := fs.String("body", "", "text")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := notify.New(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "kidtimed notify: %v\n", err)
		return 1
	}
	defer n.Close()
	if _, err := n.Notify(ctx, *title, *body, notify.UrgencyCritical); err != nil {
		fmt.Fprintf(stderr, "kidtimed notify: %v\n", err)
		return 1
	}
	return 0
}

// timeServers are the time servers the daemon checks its clock with:
// $KIDTIMED_TIME_SERVERS (host[:port],... or "off"), else the NTP pool.
func timeServers() []string {
	v := strings.TrimSpace(os.Getenv("KIDTIMED_TIME_SERVERS"))
	switch v {
	case "":
		return clock.DefaultTimeServers
	case "off":
		return nil
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
