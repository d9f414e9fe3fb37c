//go:build linux

package main

import (
	"fmt"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
)

// fakeSystemd answers as org.freedesktop.systemd1 what systemd-logind asks
// of the service manager when it makes sessions: transient scopes, the
// user's services, their state, and the JobRemoved signals logind waits for.
// Nothing is really started; every job is done at once.
type fakeSystemd struct {
	conn *dbus.Conn
	log  *log.Logger

	mu    sync.Mutex
	jobs  uint32
	units map[string]string // unit name → ActiveState
	calls map[string]int    // method → times called (for the report)
}

const (
	sdName    = "org.freedesktop.systemd1"
	sdPath    = dbus.ObjectPath("/org/freedesktop/systemd1")
	sdManager = "org.freedesktop.systemd1.Manager"
	sdUnit    = "org.freedesktop.systemd1.Unit"
)

func startFakeSystemd(addr string, lg *log.Logger) (*fakeSystemd, error) {
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, err
	}
	f := &fakeSystemd{conn: conn, log: lg, units: map[string]string{}, calls: map[string]int{}}
	mgr := map[string]any{
		"StartTransientUnit":  f.startTransientUnit,
		"StartUnit":           f.startUnit,
		"StartUnitReplace":    f.startUnitReplace,
		"StopUnit":            f.stopUnit,
		"RestartUnit":         f.startUnit,
		"TryRestartUnit":      f.startUnit,
		"ReloadOrRestartUnit": f.startUnit,
		"KillUnit":            f.killUnit,
		"GetUnit":             f.getUnit,
		"LoadUnit":            f.getUnit,
		"GetUnitByPID":        f.getUnitByPID,
		"Subscribe":           f.noop("Subscribe"),
		"Unsubscribe":         f.noop("Unsubscribe"),
		"Reload":              f.noop("Reload"),
		"AbandonScope":        f.abandonScope,
		"SetUnitProperties":   f.setUnitProperties,
		"UnrefUnit":           f.unitNoop("UnrefUnit"),
		"RefUnit":             f.unitNoop("RefUnit"),
		"ResetFailedUnit":     f.unitNoop("ResetFailedUnit"),
	}
	if err := conn.ExportMethodTable(mgr, sdPath, sdManager); err != nil {
		return nil, err
	}
	if err := conn.Export(sdProps{f}, sdPath, "org.freedesktop.DBus.Properties"); err != nil {
		return nil, err
	}
	unit := map[string]any{
		"Abandon": func(msg dbus.Message) *dbus.Error { f.count("Scope.Abandon"); return nil },
		"Kill":    func(msg dbus.Message, whom string, sig int32) *dbus.Error { f.count("Unit.Kill"); return nil },
		"Stop": func(msg dbus.Message, mode string) (dbus.ObjectPath, *dbus.Error) {
			return f.stopUnit(unitName(msg), mode)
		},
	}
	if err := conn.ExportSubtreeMethodTable(unit, sdPath+"/unit", "org.freedesktop.systemd1.Scope"); err != nil {
		return nil, err
	}
	if err := conn.ExportSubtree(unitProps{f}, sdPath+"/unit", "org.freedesktop.DBus.Properties"); err != nil {
		return nil, err
	}
	node := &introspect.Node{Name: string(sdPath), Interfaces: []introspect.Interface{introspect.IntrospectData}}
	_ = conn.Export(introspect.NewIntrospectable(node), sdPath, "org.freedesktop.DBus.Introspectable")
	reply, err := conn.RequestName(sdName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		conn.Close()
		return nil, fmt.Errorf("own %s: %v (reply %d)", sdName, err, reply)
	}
	return f, nil
}

func (f *fakeSystemd) close() { f.conn.Close() }

func (f *fakeSystemd) count(m string) {
	f.mu.Lock()
	f.calls[m]++
	f.mu.Unlock()
}

// Calls lists the methods logind called, for the report.
func (f *fakeSystemd) Calls() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var parts []string
	for m, n := range f.calls {
		parts = append(parts, fmt.Sprintf("%s×%d", m, n))
	}
	return strings.Join(parts, " ")
}

// unitPath is systemd's object path of a unit (bus_label_escape).
func unitPath(name string) dbus.ObjectPath {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "_%02x", c)
	}
	return sdPath + "/unit/" + dbus.ObjectPath(b.String())
}

// unitName reverses unitPath for a call on a unit object.
func unitName(msg dbus.Message) string {
	p, _ := msg.Headers[dbus.FieldPath].Value().(dbus.ObjectPath)
	s := strings.TrimPrefix(string(p), string(sdPath)+"/unit/")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && i+2 < len(s) {
			var c byte
			if _, err := fmt.Sscanf(s[i+1:i+3], "%02x", &c); err == nil {
				b.WriteByte(c)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// job makes a job for a unit, sets its state and sends JobRemoved "done"
// shortly after the reply.
func (f *fakeSystemd) job(unit, state string) dbus.ObjectPath {
	f.mu.Lock()
	f.jobs++
	id := f.jobs
	f.units[unit] = state
	f.mu.Unlock()
	path := dbus.ObjectPath(fmt.Sprintf("%s/job/%d", sdPath, id))
	go func() {
		time.Sleep(20 * time.Millisecond)
		_ = f.conn.Emit(sdPath, sdManager+".JobRemoved", id, path, unit, "done")
		_ = f.conn.Emit(unitPath(unit), "org.freedesktop.DBus.Properties.PropertiesChanged", sdUnit,
			map[string]dbus.Variant{"ActiveState": dbus.MakeVariant(state)}, []string{})
		if state == "inactive" {
			_ = f.conn.Emit(sdPath, sdManager+".UnitRemoved", unit, unitPath(unit))
		}
	}()
	return path
}

func (f *fakeSystemd) startTransientUnit(name, mode string, props []struct {
	Name  string
	Value dbus.Variant
}, aux []struct {
	Name  string
	Props []struct {
		Name  string
		Value dbus.Variant
	}
}) (dbus.ObjectPath, *dbus.Error) {
	f.count("StartTransientUnit")
	f.log.Printf("systemd1: StartTransientUnit %s %s", name, mode)
	return f.job(name, "active"), nil
}

func (f *fakeSystemd) startUnit(name, mode string) (dbus.ObjectPath, *dbus.Error) {
	f.count("StartUnit")
	f.log.Printf("systemd1: StartUnit %s %s", name, mode)
	return f.job(name, "active"), nil
}

func (f *fakeSystemd) startUnitReplace(old, name, mode string) (dbus.ObjectPath, *dbus.Error) {
	return f.startUnit(name, mode)
}

func (f *fakeSystemd) stopUnit(name, mode string) (dbus.ObjectPath, *dbus.Error) {
	f.count("StopUnit")
	f.log.Printf("systemd1: StopUnit %s %s", name, mode)
	return f.job(name, "inactive"), nil
}

func (f *fakeSystemd) killUnit(name, whom string, sig int32) *dbus.Error {
	f.count("KillUnit")
	f.log.Printf("systemd1: KillUnit %s %s %d", name, whom, sig)
	return nil
}

func (f *fakeSystemd) getUnit(name string) (dbus.ObjectPath, *dbus.Error) {
	f.count("GetUnit")
	f.mu.Lock()
	_, ok := f.units[name]
	f.mu.Unlock()
	if !ok {
		return "", dbus.NewError("org.freedesktop.systemd1.NoSuchUnit", []any{"Unit " + name + " not loaded."})
	}
	return unitPath(name), nil
}

func (f *fakeSystemd) getUnitByPID(pid uint32) (dbus.ObjectPath, *dbus.Error) {
	f.count("GetUnitByPID")
	return "", dbus.NewError("org.freedesktop.systemd1.NoUnitForPID", []any{fmt.Sprintf("PID %d does not belong to any loaded unit.", pid)})
}

func (f *fakeSystemd) abandonScope(name string) *dbus.Error {
	f.count("AbandonScope")
	return nil
}

func (f *fakeSystemd) setUnitProperties(name string, runtime bool, props []struct {
	Name  string
	Value dbus.Variant
}) *dbus.Error {
	f.count("SetUnitProperties")
	return nil
}

func (f *fakeSystemd) noop(m string) func() *dbus.Error {
	return func() *dbus.Error { f.count(m); return nil }
}

func (f *fakeSystemd) unitNoop(m string) func(string) *dbus.Error {
	return func(string) *dbus.Error { f.count(m); return nil }
}

// state is a unit's ActiveState ("inactive" when unknown).
func (f *fakeSystemd) state(unit string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.units[unit]; ok {
		return s
	}
	return "inactive"
}

// unitProps answers org.freedesktop.DBus.Properties on unit objects.
type unitProps struct{ f *fakeSystemd }

func (u unitProps) props(msg dbus.Message) map[string]dbus.Variant {
	name := unitName(msg)
	st := u.f.state(name)
	sub := "running"
	if st != "active" {
		sub = "dead"
	}
	return map[string]dbus.Variant{
		"Id":          dbus.MakeVariant(name),
		"ActiveState": dbus.MakeVariant(st),
		"SubState":    dbus.MakeVariant(sub),
		"LoadState":   dbus.MakeVariant("loaded"),
		"Job": dbus.MakeVariant(struct {
			ID   uint32
			Path dbus.ObjectPath
		}{0, "/"}),
	}
}

func (u unitProps) Get(msg dbus.Message, iface, prop string) (dbus.Variant, *dbus.Error) {
	u.f.count("Get " + prop)
	v, ok := u.props(msg)[prop]
	if !ok {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{prop})
	}
	return v, nil
}

func (u unitProps) GetAll(msg dbus.Message, iface string) (map[string]dbus.Variant, *dbus.Error) {
	u.f.count("GetAll " + iface)
	return u.props(msg), nil
}

// sdProps answers the manager's own properties logind may read.
type sdProps struct{ f *fakeSystemd }

func (p sdProps) Get(iface, prop string) (dbus.Variant, *dbus.Error) {
	p.f.count("Manager.Get " + prop)
	switch prop {
	case "Version":
		return dbus.MakeVariant("252"), nil
	case "SystemState":
		return dbus.MakeVariant("running"), nil
	}
	return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{prop})
}

func (p sdProps) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	p.f.count("Manager.GetAll")
	return map[string]dbus.Variant{"Version": dbus.MakeVariant("252"), "SystemState": dbus.MakeVariant("running")}, nil
}
