// Package service holds how kidtimed is installed as an OS service with
// github.com/kardianos/service: its name, arguments, and the systemd unit
// (our own template: kardianos' default waits 120 s before a restart, and a
// parental-control agent that a child killed must be back within seconds).
package service

import (
	"github.com/kardianos/service"
)

// Name is the service name on every OS.
const Name = "kidtimed"

// Config is the service configuration; args are the daemon's arguments
// after "run" (e.g. --data-dir).
func Config(args []string) *service.Config {
	return &service.Config{
		Name:        Name,
		DisplayName: "kidtime agent",
		Description: "kidtime: children's screen time and game time on this computer",
		Arguments:   append([]string{"run"}, args...),
		Option: service.KeyValue{
			"SystemdScript": SystemdUnit,
			"Restart":       "always",
			// Windows: restart at once on failure, three times, then every minute.
			"OnFailure":              "restart",
			"OnFailureDelayDuration": "2s",
			"OnFailureResetPeriod":   60,
			"DelayedAutoStart":       false,
			// OpenRC / SysV: the same program and arguments.
		},
	}
}

// SystemdUnit is the unit kardianos renders with its mini template engine.
// Its limits are set on purpose (installer/deb/kidtimed.service says why):
// LimitNOFILE, TasksMax, MemoryHigh/MemoryMax, OOMScoreAdjust and Nice.
const SystemdUnit = `[Unit]
Description={{Description}}
ConditionFileIsExecutable={{Path | cmdEscape}}
After=systemd-logind.service dbus.service
Wants=systemd-logind.service

[Service]
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}
Restart=always
RestartSec=2
StartLimitIntervalSec=0
KillMode=mixed
TimeoutStopSec=10
RuntimeDirectory=kidtime
RuntimeDirectoryPreserve=yes
StateDirectory=kidtime
StateDirectoryMode=0700
UMask=0077
LimitNOFILE=8192
TasksMax=512
MemoryHigh=96M
MemoryMax=192M
OOMScoreAdjust=-900
Nice=-10
EnvironmentFile=-/etc/default/{{Name}}

[Install]
WantedBy=multi-user.target
`
