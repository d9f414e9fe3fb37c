//go:build linux

package platform

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"
)

// systemd-logind's D-Bus names.
const (
	login1Dest    = "org.freedesktop.login1"
	login1Path    = dbus.ObjectPath("/org/freedesktop/login1")
	login1Manager = "org.freedesktop.login1.Manager"
	login1Session = "org.freedesktop.login1.Session"
)

// Logind is a client of systemd-logind (org.freedesktop.login1).
type Logind struct {
	conn *dbus.Conn
	mgr  dbus.BusObject
}

// ConnectLogind connects to logind on the system bus. Without a system bus
// or without logind the error wraps [ErrNoLogind].
func ConnectLogind(ctx context.Context) (*Logind, error) {
	conn, err := dbus.ConnectSystemBus(dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("platform: logind: connect to the system bus: %w (%w)", ErrNoLogind, err)
	}
	return newLogind(ctx, conn)
}

// ConnectLogindAddress connects to logind on the bus at a D-Bus address
// (such as "unix:path=/run/dbus/system_bus_socket"); tests use a private bus.
func ConnectLogindAddress(ctx context.Context, addr string) (*Logind, error) {
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("platform: logind: connect to %s: %w (%w)", addr, ErrNoLogind, err)
	}
	return newLogind(ctx, conn)
}

func newLogind(ctx context.Context, conn *dbus.Conn) (*Logind, error) {
	var has bool
	err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, login1Dest).Store(&has)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("platform: logind: ask the bus for %s: %w", login1Dest, err)
	}
	if !has {
		// logind may be bus-activatable without running yet.
		var names []string
		err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.ListActivatableNames", 0).Store(&names)
		if err != nil || !contains(names, login1Dest) {
			conn.Close()
			return nil, fmt.Errorf("platform: logind: %w (%s has no owner on the bus)", ErrNoLogind, login1Dest)
		}
	}
	return &Logind{conn: conn, mgr: conn.Object(login1Dest, login1Path)}, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Close closes the bus connection.
func (l *Logind) Close() error {
	if err := l.conn.Close(); err != nil {
		return fmt.Errorf("platform: logind: close: %w", err)
	}
	return nil
}

// listedSession is one row of Manager.ListSessions, a(susso).
type listedSession struct {
	ID   string
	UID  uint32
	User string
	Seat string
	Path dbus.ObjectPath
}

// Sessions lists the sessions with their properties. Sessions that close
// while being listed are left out.
func (l *Logind) Sessions(ctx context.Context) ([]Session, error) {
	var rows []listedSession
	if err := l.mgr.CallWithContext(ctx, login1Manager+".ListSessions", 0).Store(&rows); err != nil {
		return nil, fmt.Errorf("platform: logind: list sessions: %w", err)
	}
	out := make([]Session, 0, len(rows))
	for _, r := range rows {
		var props map[string]dbus.Variant
		err := l.conn.Object(login1Dest, r.Path).CallWithContext(ctx, "org.freedesktop.DBus.Properties.GetAll", 0, login1Session).Store(&props)
		if err != nil {
			var de dbus.Error
			if errors.As(err, &de) && isGoneError(de.Name) {
				continue
			}
			return nil, fmt.Errorf("platform: logind: session %s properties: %w", r.ID, err)
		}
		s := Session{ID: r.ID, UID: r.UID, User: r.User, Seat: r.Seat}
		sessionFromProps(&s, props)
		out = append(out, s)
	}
	return out, nil
}

func isGoneError(name string) bool {
	switch name {
	case "org.freedesktop.DBus.Error.UnknownObject", "org.freedesktop.DBus.Error.UnknownMethod",
		"org.freedesktop.login1.NoSuchSession":
		return true
	}
	return false
}

// sessionFromProps fills s from org.freedesktop.login1.Session properties;
// missing or mistyped properties keep the zero value.
func sessionFromProps(s *Session, p map[string]dbus.Variant) {
	str := func(k string) string { v, _ := p[k].Value().(string); return v }
	boolean := func(k string) bool { v, _ := p[k].Value().(bool); return v }
	if v := str("Id"); v != "" {
		s.ID = v
	}
	if v := str("Name"); v != "" {
		s.User = v
	}
	if u, ok := p["User"].Value().([]any); ok && len(u) > 0 {
		if uid, ok := u[0].(uint32); ok {
			s.UID = uid
		}
	}
	if u, ok := p["Seat"].Value().([]any); ok && len(u) > 0 {
		if seat, ok := u[0].(string); ok {
			s.Seat = seat
		}
	}
	s.Active = boolean("Active")
	s.Locked = boolean("LockedHint")
	s.Idle = boolean("IdleHint")
	if us, ok := p["IdleSinceHint"].Value().(uint64); ok && us > 0 && s.Idle {
		s.IdleSince = time.UnixMicro(int64(us))
	}
	s.Type = str("Type")
	s.Class = str("Class")
	s.State = str("State")
	s.TTY = str("TTY")
	s.Display = str("Display")
	s.Remote = boolean("Remote")
	if v, ok := p["Leader"].Value().(uint32); ok {
		s.Leader = int(v)
	}
}

// LockSession asks logind to lock a session (it signals the session's screen
// locker; whether the lock took effect shows in Session.Locked).
func (l *Logind) LockSession(ctx context.Context, id string) error {
	if err := l.mgr.CallWithContext(ctx, login1Manager+".LockSession", 0, id).Err; err != nil {
		return fmt.Errorf("platform: logind: lock session %s: %w", id, err)
	}
	return nil
}

// TerminateSession asks logind to end a session, killing its processes.
func (l *Logind) TerminateSession(ctx context.Context, id string) error {
	if err := l.mgr.CallWithContext(ctx, login1Manager+".TerminateSession", 0, id).Err; err != nil {
		return fmt.Errorf("platform: logind: terminate session %s: %w", id, err)
	}
	return nil
}

// Changes returns a channel that receives a value (coalesced) whenever a
// session appears, goes away or changes a property (Active, LockedHint,
// IdleHint...), so the caller re-reads [Logind.Sessions] at once instead of
// waiting for its next poll. The channel closes when ctx ends.
func (l *Logind) Changes(ctx context.Context) (<-chan struct{}, error) {
	opts := []dbus.MatchOption{dbus.WithMatchSender(login1Dest), dbus.WithMatchPathNamespace(login1Path)}
	if err := l.conn.AddMatchSignalContext(ctx, opts...); err != nil {
		return nil, fmt.Errorf("platform: logind: watch sessions: %w", err)
	}
	sigs := make(chan *dbus.Signal, 64)
	l.conn.Signal(sigs)
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		defer func() {
			l.conn.RemoveSignal(sigs)
			if l.conn.Connected() {
				_ = l.conn.RemoveMatchSignal(opts...)
			}
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case sig, ok := <-sigs:
				if !ok {
					return
				}
				if !isLogindSignal(sig) {
					continue
				}
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out, nil
}

func isLogindSignal(sig *dbus.Signal) bool {
	switch sig.Name {
	case login1Manager + ".SessionNew", login1Manager + ".SessionRemoved":
		return true
	case "org.freedesktop.DBus.Properties.PropertiesChanged":
		return len(sig.Body) > 0 && sig.Body[0] == login1Session
	case login1Session + ".Lock", login1Session + ".Unlock":
		return true
	}
	return false
}
