//go:build !windows

package companion

import (
	"context"
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// ScreenLocked asks the session's screen saver whether the screen is locked
// (org.freedesktop.ScreenSaver.GetActive on the session bus, as KDE, Xfce,
// Cinnamon, MATE and LXQt offer it, then org.gnome.ScreenSaver.GetActive).
// It returns an error when neither answers: the heartbeat then says
// "unlocked", which can only make the agent count more, never less.
func ScreenLocked(ctx context.Context) (bool, error) {
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("screen saver: connect to the session bus: %w", err)
	}
	defer conn.Close()
	var errs []error
	for _, s := range []struct {
		dest string
		path dbus.ObjectPath
	}{
		{"org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"},
		{"org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"},
	} {
		var active bool
		err := conn.Object(s.dest, s.path).CallWithContext(ctx, s.dest+".GetActive", 0).Store(&active)
		if err == nil {
			return active, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", s.dest, err))
	}
	return false, fmt.Errorf("screen saver: %w", errors.Join(errs...))
}
