package platform

import (
	"errors"
	"time"
)

// ErrNoLogind is wrapped by [ConnectLogind] when there is no system bus or
// no logind on it (containers, minimal systems, non-systemd init). Callers
// fall back to the companions' heartbeats and the process table.
var ErrNoLogind = errors.New("systemd-logind is not available")

// Session is one login session as logind (on Windows, the Terminal Services
// API) reports it.
type Session struct {
	ID   string
	UID  uint32
	User string
	// Active: the session is in the foreground of its seat.
	Active bool
	// Locked: the screen locker says the session is locked (LockedHint).
	Locked bool
	// Idle: the desktop reports no input for a while (IdleHint);
	// IdleSince is when that began (zero when not idle or unknown).
	Idle      bool
	IdleSince time.Time
	// Type is x11, wayland, tty, mir or unspecified; Class is user,
	// greeter, lock-screen or background.
	Type, Class string
	// State is online, active or closing.
	State   string
	Seat    string
	TTY     string
	Display string
	Remote  bool
	// Leader is the pid of the session's leader process.
	Leader int
}
