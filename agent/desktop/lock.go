//go:build !windows

package desktop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// lockAttemptTimeout bounds each way of locking, so that a hung screen
// saver cannot stall the caller.
const lockAttemptTimeout = 5 * time.Second

// lockMethod is one way of locking the screen.
type lockMethod struct {
	name string
	lock func(ctx context.Context) error
}

// LockScreen locks the session it runs in. It tries, in order, the
// org.freedesktop.ScreenSaver.Lock method on the session bus (KDE, Xfce,
// Cinnamon, MATE, LXQt…), org.gnome.ScreenSaver.Lock (GNOME Shell),
// `loginctl lock-session`, and `xdg-screensaver lock`, and returns nil at the
// first that succeeds. The error, when none did, names each attempt.
//
// Success means the request was accepted, not that the screen is now
// locked: loginctl, for one, only asks the session's locker. Callers that
// must know check logind's LockedHint afterwards (the enforcer does).
func LockScreen(ctx context.Context) error {
	var methods []lockMethod
	for _, s := range screenSavers {
		methods = append(methods, lockMethod{s.dest + ".Lock", func(ctx context.Context) error {
			return busLock(ctx, s.dest, s.path, s.dest+".Lock")
		}})
	}
	methods = append(methods,
		lockMethod{"loginctl lock-session", func(ctx context.Context) error { return run(ctx, "loginctl", "lock-session") }},
		lockMethod{"xdg-screensaver lock", func(ctx context.Context) error { return run(ctx, "xdg-screensaver", "lock") }},
	)
	return tryLock(ctx, methods)
}

// ScreenLocked asks the session's screen saver whether the screen is locked
// (GetActive of the same services LockScreen asks first, in the same order).
// It returns an error when none answers; the companion's heartbeat then says
// "unlocked", which can only make the agent count more, never less.
func ScreenLocked(ctx context.Context) (bool, error) {
	conn, err := sessionBus(ctx)
	if err != nil {
		return false, fmt.Errorf("screen saver: %w", err)
	}
	defer conn.Close()
	var errs []error
	for _, s := range screenSavers {
		var active bool
		err := conn.Object(s.dest, s.path).CallWithContext(ctx, s.dest+".GetActive", 0).Store(&active)
		if err == nil {
			return active, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", s.dest, err))
	}
	return false, fmt.Errorf("screen saver: %w", errors.Join(errs...))
}

func tryLock(ctx context.Context, methods []lockMethod) error {
	var errs []error
	for _, m := range methods {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		actx, cancel := context.WithTimeout(ctx, lockAttemptTimeout)
		err := m.lock(actx)
		cancel()
		if err == nil {
			slog.Info("screen locked", "method", m.name)
			return nil
		}
		slog.Debug("lock method failed", "method", m.name, "err", err)
		errs = append(errs, fmt.Errorf("%s: %w", m.name, err))
	}
	return fmt.Errorf("lock screen: nothing worked: %w", errors.Join(errs...))
}

// screenSavers are the screen saver services on the session bus, in the
// order LockScreen and ScreenLocked ask them.
var screenSavers = []struct {
	dest string
	path dbus.ObjectPath
}{
	{"org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"}, // KDE, Xfce, Cinnamon, MATE, LXQt…
	{"org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"},             // GNOME Shell
}

// sessionBus connects to the session bus ($DBUS_SESSION_BUS_ADDRESS, else
// $XDG_RUNTIME_DIR/bus).
func sessionBus(ctx context.Context) (*dbus.Conn, error) {
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("connect to the session bus: %w", err)
	}
	return conn, nil
}

func busLock(ctx context.Context, dest string, path dbus.ObjectPath, method string) error {
	conn, err := sessionBus(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Object(dest, path).CallWithContext(ctx, method, 0).Err
}

func run(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		if msg := strings.TrimSpace(string(out)); msg != "" {
			return fmt.Errorf("%w: %s", err, msg)
		}
		return err
	}
	return nil
}
