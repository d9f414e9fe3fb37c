// Package svcrun is what kidtimed and kidtime-hub share to run as an OS
// service (kardianos/service): whether the service manager started the
// process, running under it (Wine's services.exe included), the ProgramData
// folder, the log level flag, and the control commands.
package svcrun

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/kardianos/service"
)

// Logger is a text logger to w at level (debug, info, warn or error). It
// also becomes slog's default, so that what packages log through the
// default (the platform adapters) comes in the same form and at the same
// level, not as the standard log package's lines.
func Logger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
	slog.SetDefault(log)
	return log, nil
}

// Control runs uninstall, start, stop or status on s; what names it in
// messages ("kidtimed what"). status prints running, stopped or unknown,
// and exits 3 unless running.
func Control(s service.Service, what, cmd string, stdout, stderr io.Writer) int {
	if cmd == "status" {
		st, err := s.Status()
		if err != nil {
			fmt.Fprintf(stderr, "kidtimed %s: %v\n", what, err)
			return 1
		}
		word := map[service.Status]string{service.StatusRunning: "running", service.StatusStopped: "stopped"}[st]
		if word == "" {
			word = "unknown"
		}
		fmt.Fprintln(stdout, word)
		if st != service.StatusRunning {
			return 3
		}
		return 0
	}
	if err := service.Control(s, cmd); err != nil {
		fmt.Fprintf(stderr, "kidtimed %s: %v\n", what, err)
		return 1
	}
	return 0
}

// UnderManager runs prg as the service conf describes when the service
// manager started this process, and reports so with the exit status;
// started by a person, it does nothing and reports false.
func UnderManager(prg service.Interface, conf *service.Config, log *slog.Logger, stderr io.Writer) (ran bool, code int) {
	if !StartedBySCM() {
		return false, 0
	}
	s, err := service.New(prg, conf)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", conf.Name, err)
		return true, 1
	}
	if err := Run(s, conf.Name); err != nil {
		log.Error("service failed", "service", conf.Name, "err", err)
		return true, 1
	}
	return true, 0
}
