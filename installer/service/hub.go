package service

import "github.com/kardianos/service"

// HubName is the hub's service name on every OS (kidtimed hub install).
const HubName = "kidtime-hub"

// HubConfig is the hub's service configuration; args are the arguments
// after "hub run" (e.g. --data-dir).
func HubConfig(args []string) *service.Config {
	return &service.Config{
		Name:        HubName,
		DisplayName: "kidtime hub",
		Description: "kidtime hub: the family's or school's PCs sync their policy and daily totals here (NATS JetStream)",
		Arguments:   append([]string{"hub", "run"}, args...),
		Option: service.KeyValue{
			"SystemdScript":          HubSystemdUnit,
			"Restart":                "always",
			"OnFailure":              "restart",
			"OnFailureDelayDuration": "2s",
			"OnFailureResetPeriod":   60,
			"DelayedAutoStart":       false,
		},
	}
}

// HubSystemdUnit is the hub's unit: its own state folder, the shared
// runtime folder for its socket, and no priority over the desktop.
const HubSystemdUnit = `[Unit]
Description={{Description}}
ConditionFileIsExecutable={{Path | cmdEscape}}
After=network-online.target
Wants=network-online.target

[Service]
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}
Restart=always
RestartSec=2
StartLimitIntervalSec=0
TimeoutStopSec=15
RuntimeDirectory=kidtime
RuntimeDirectoryPreserve=yes
StateDirectory=kidtime-hub
StateDirectoryMode=0700
UMask=0077
LimitNOFILE=16384
EnvironmentFile=-/etc/default/{{Name}}

[Install]
WantedBy=multi-user.target
`
