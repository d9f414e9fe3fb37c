//go:build !windows

package notify

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

const (
	notifyName  = "org.freedesktop.Notifications"
	notifyPath  = dbus.ObjectPath("/org/freedesktop/Notifications")
	notifyIface = "org.freedesktop.Notifications"
	appName     = "kidtime"
)

// Notifier sends desktop notifications through the freedesktop
// org.freedesktop.Notifications service on the session bus. It must run
// inside the user's session (as that user), where the bus and the
// notification server are. It is safe for concurrent use.
type Notifier struct {
	conn *dbus.Conn
	obj  dbus.BusObject
}

// New connects to the session bus ($DBUS_SESSION_BUS_ADDRESS, else
// $XDG_RUNTIME_DIR/bus) and checks that a notification server answers.
func New(ctx context.Context) (*Notifier, error) {
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("notifier: connect to the session bus: %w", err)
	}
	n := &Notifier{conn: conn, obj: conn.Object(notifyName, notifyPath)}
	var name, vendor, version, spec string
	if err := n.obj.CallWithContext(ctx, notifyIface+".GetServerInformation", 0).Store(&name, &vendor, &version, &spec); err != nil {
		conn.Close()
		return nil, fmt.Errorf("notifier: no notification server on the session bus: %w", err)
	}
	return n, nil
}

// Notify shows a notification and returns its id, which Update can replace.
func (n *Notifier) Notify(ctx context.Context, title, body string, urgency Urgency) (id uint32, err error) {
	return n.Update(ctx, 0, title, body, urgency)
}

// Update replaces the notification id (0: show a new one), so that a
// countdown does not pile up one bubble per warning.
func (n *Notifier) Update(ctx context.Context, id uint32, title, body string, urgency Urgency) (uint32, error) {
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(urgency))}
	var newID uint32
	err := n.obj.CallWithContext(ctx, notifyIface+".Notify", 0,
		appName, id, "", title, body, []string{}, hints, int32(-1)).Store(&newID)
	if err != nil {
		return 0, fmt.Errorf("notify %q: %w", title, err)
	}
	return newID, nil
}

// Dismiss closes a notification shown earlier.
func (n *Notifier) Dismiss(ctx context.Context, id uint32) error {
	if err := n.obj.CallWithContext(ctx, notifyIface+".CloseNotification", 0, id).Err; err != nil {
		return fmt.Errorf("close notification %d: %w", id, err)
	}
	return nil
}

// Close disconnects from the session bus.
func (n *Notifier) Close() error {
	if err := n.conn.Close(); err != nil {
		return fmt.Errorf("notifier: close session bus: %w", err)
	}
	return nil
}
