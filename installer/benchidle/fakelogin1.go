//go:build linux

package main

import (
	"github.com/godbus/dbus/v5"
)

// startFakeLogind answers as org.freedesktop.login1 with one active x11
// session of the child, when the real logind cannot run: enough for kidtimed
// (ListSessions, the session's properties, LockSession), not for Timekpr.
func startFakeLogind(c *cleanup, addr string, a account, leader int) error {
	conn, err := dbus.Connect(addr)
	if err != nil {
		return err
	}
	c.add(func() { conn.Close() })
	path := dbus.ObjectPath("/org/freedesktop/login1/session/c1")
	type row struct {
		ID   string
		UID  uint32
		User string
		Seat string
		Path dbus.ObjectPath
	}
	mgr := map[string]any{
		"ListSessions":     func() ([]row, *dbus.Error) { return []row{{"c1", a.uid, a.name, "seat0", path}}, nil },
		"LockSession":      func(string) *dbus.Error { return nil },
		"TerminateSession": func(string) *dbus.Error { return nil },
	}
	if err := conn.ExportMethodTable(mgr, "/org/freedesktop/login1", "org.freedesktop.login1.Manager"); err != nil {
		return err
	}
	props := map[string]dbus.Variant{
		"Id": dbus.MakeVariant("c1"), "Name": dbus.MakeVariant(a.name),
		"User":   dbus.MakeVariant([]any{a.uid, dbus.ObjectPath("/org/freedesktop/login1/user/_1")}),
		"Seat":   dbus.MakeVariant([]any{"seat0", dbus.ObjectPath("/org/freedesktop/login1/seat/seat0")}),
		"Active": dbus.MakeVariant(true), "LockedHint": dbus.MakeVariant(false), "IdleHint": dbus.MakeVariant(false),
		"IdleSinceHint": dbus.MakeVariant(uint64(0)), "Type": dbus.MakeVariant("x11"), "Class": dbus.MakeVariant("user"),
		"State": dbus.MakeVariant("active"), "TTY": dbus.MakeVariant(""), "Display": dbus.MakeVariant(":0"),
		"Remote": dbus.MakeVariant(false), "Leader": dbus.MakeVariant(uint32(leader)),
	}
	pm := map[string]any{
		"GetAll": func(string) (map[string]dbus.Variant, *dbus.Error) { return props, nil },
		"Get": func(iface, p string) (dbus.Variant, *dbus.Error) {
			if v, ok := props[p]; ok {
				return v, nil
			}
			return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{p})
		},
	}
	if err := conn.ExportMethodTable(pm, path, "org.freedesktop.DBus.Properties"); err != nil {
		return err
	}
	reply, err := conn.RequestName("org.freedesktop.login1", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		return err
	}
	return nil
}
