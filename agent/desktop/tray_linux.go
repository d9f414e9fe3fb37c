package desktop

import (
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// TrayHost reports why there is no system tray to put the companion in,
// or nil when there is one: a session D-Bus with a StatusNotifierWatcher
// (what fyne's Linux tray registers with). Without them fyne's tray code
// dereferences a nil bus connection (at quit, or when the menu changes):
// the companion does without the tray then, instead of crashing.
func TrayHost() error {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return fmt.Errorf("no session D-Bus: %w", err)
	}
	defer conn.Close()
	var has bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, statusNotifierWatcher).Store(&has); err != nil {
		return fmt.Errorf("ask the session D-Bus for a system tray: %w", err)
	}
	if !has {
		return errors.New("no " + statusNotifierWatcher + " on the session D-Bus (the desktop shows no system tray)")
	}
	return nil
}

const statusNotifierWatcher = "org.kde.StatusNotifierWatcher"
