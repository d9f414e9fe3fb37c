//go:build !windows

package main

import (
	"os"

	"github.com/kardianos/service"
)

// startedBySCM reports whether the service manager (systemd, launchd)
// started this process, as kardianos/service tells.
func startedBySCM() bool { return !service.Interactive() }

// runService runs s under the service manager.
func runService(s service.Service) error { return s.Run() }

// programData is %ProgramData% (only a Windows build uses it).
func programData() string { return os.Getenv("ProgramData") }
