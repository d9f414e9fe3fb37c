// Package facts holds the OS facts every part of the agent speaks of: a
// process, a process event and a login session. The platform adapters
// produce them, agent/platform/fake makes them up for tests, and the
// monitor and the agent consume them as they are: one set of types, no
// copies between layers.
//
// It is stdlib only and holds no behaviour beyond naming.
package facts

import (
	"errors"
	"fmt"
	"time"
)

// Process is one entry of the process table.
type Process struct {
	PID  int
	PPID int
	// UID is the account the process runs as: on Linux the owner of
	// /proc/PID (the effective uid), except that a process that looks
	// root-owned is given its real uid, so a child's process running a
	// setuid-root program or made non-dumpable still counts as the child's.
	// On Windows it is platform.SIDToUID of the SID of the process token's
	// user (0 when the token cannot be read: protected processes, which run
	// as SYSTEM).
	UID uint32
	// User is the owner's account name where the system names it cheaply
	// (Windows: bare for a local account, DOMAIN\name otherwise); empty on
	// Linux, where callers map UID themselves.
	User string
	// Exe is the path of the executable ("" when unreadable: kernel
	// threads, zombies, or no permission). When the file was deleted or
	// replaced since the process started, Exe is its old path and
	// ExeDeleted is set; the platform's hasher still reaches the running
	// image.
	Exe        string
	ExeDeleted bool
	// Name is the short command name (Linux comm, at most 15 bytes).
	Name string
	// Cmdline is the argument vector; a full scan leaves it nil.
	Cmdline []string
	// Start is when the process started (10 ms resolution on Linux). Together
	// with PID it identifies a process across PID reuse.
	Start time.Time
}

// ProcEventKind says what happened to a process.
type ProcEventKind uint8

const (
	// Exec: the process replaced its image (a program started).
	Exec ProcEventKind = iota + 1
	// Exit: the process ended.
	Exit
	// Fork: a new process appeared as a copy of PPID (same executable).
	Fork
	// Overrun: events were lost (the kernel dropped them because the reader
	// was too slow). The consumer must rescan the process table.
	Overrun
)

func (k ProcEventKind) String() string {
	switch k {
	case Exec:
		return "exec"
	case Exit:
		return "exit"
	case Fork:
		return "fork"
	case Overrun:
		return "overrun"
	}
	return fmt.Sprintf("ProcEventKind(%d)", uint8(k))
}

// ProcEvent is one process event.
type ProcEvent struct {
	Kind ProcEventKind
	// PID is the process (thread-group id) the event is about; 0 for Overrun.
	PID int
	// PPID is the parent for Fork events, 0 otherwise.
	PPID int
	// ExitCode is the raw wait status for Exit events.
	ExitCode int
	// Time is when the kernel produced the event.
	Time time.Time
}

// Session is one login session as the OS reports it (logind on Linux, the
// Terminal Services API on Windows).
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
	// Type is x11, wayland, tty, mir, wts or unspecified; Class is user,
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

// Person reports whether the session is a person's: a user session (not a
// greeter or a background one) that is not being torn down. Only such
// sessions count time or are locked.
func (s Session) Person() bool {
	return (s.Class == "" || s.Class == "user") && s.State != "closing"
}

// Account is a local OS account people log in with.
type Account struct {
	Name  string
	UID   uint32
	Admin bool
	// FullName is the person's name the system keeps (GECOS on Unix), ""
	// when it has none.
	FullName string
}

// NewAccount is a standard account to make for a child: the login name,
// the person's name shown at the login screen, and the first password.
type NewAccount struct {
	Name, FullName, Password string
}

// ErrPasswordRefused is the system refusing a new account's password (too
// short or too simple for its policy).
var ErrPasswordRefused = errors.New("the system refused the password")
