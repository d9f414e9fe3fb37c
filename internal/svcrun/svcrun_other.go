//go:build !windows

package svcrun

import (
	"os"

	"github.com/kardianos/service"
)

// StartedBySCM reports whether the service manager (systemd, launchd)
// started this process, as kardianos/service tells.
func StartedBySCM() bool { return !service.Interactive() }

// Run runs s, the service named name, under the service manager.
func Run(s service.Service, name string) error { return s.Run() }

// ProgramData is %ProgramData% (only a Windows build uses it).
func ProgramData() string { return os.Getenv("ProgramData") }
