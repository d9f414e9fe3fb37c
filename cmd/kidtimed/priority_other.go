//go:build !linux

package main

import "log/slog"

// raisePriority is Linux's; elsewhere the service manager sets it.
func raisePriority(*slog.Logger) {}
