//go:build linux

package platform

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// privateBus starts a dbus-daemon with a permissive config on a socket in a
// temporary directory and returns its address.
func privateBus(t *testing.T) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("needs dbus-daemon (apt-get install dbus-daemon) for the private test bus")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "bus.conf")
	err = os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=`+filepath.Join(dir, "bus")+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+conf, "--nofork", "--nopidfile", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// stderr is left unset: the daemon warns about fd limits, harmlessly.
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("dbus-daemon printed no address within 5 s")
	}
	return ""
}

// fakeLogind exports org.freedesktop.login1 on a bus: a Manager with
// ListSessions, LockSession and TerminateSession, and one object per session
// with its properties. LockSession sets LockedHint (with PropertiesChanged),
// TerminateSession removes the session, as logind does.
type fakeLogind struct {
	conn *dbus.Conn

	mu         sync.Mutex
	sessions   map[string]*fakeSession
	locked     []string
	terminated []string
}

type fakeSession struct {
	row   listedSession
	props *prop.Properties
}

func startFakeLogind(t *testing.T, addr string) *fakeLogind {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("fake logind: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	f := &fakeLogind{conn: conn, sessions: map[string]*fakeSession{}}
	if err := conn.Export(f, login1Path, login1Manager); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(login1Dest, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("fake logind: request name: %v %v", reply, err)
	}
	return f
}

func (f *fakeLogind) add(t *testing.T, id string, uid uint32, user string, active bool, typ string) {
	t.Helper()
	path := dbus.ObjectPath("/org/freedesktop/login1/session/_3" + id)
	props, err := prop.Export(f.conn, path, prop.Map{login1Session: {
		"Id":            {Value: id},
		"User":          {Value: []any{uid, dbus.ObjectPath("/org/freedesktop/login1/user/_1000")}},
		"Name":          {Value: user},
		"Active":        {Value: active, Emit: prop.EmitTrue},
		"LockedHint":    {Value: false, Emit: prop.EmitTrue},
		"IdleHint":      {Value: true, Emit: prop.EmitTrue},
		"IdleSinceHint": {Value: uint64(1_700_000_000_000_000), Emit: prop.EmitTrue},
		"Type":          {Value: typ},
		"Class":         {Value: "user"},
		"State":         {Value: "active"},
		"Seat":          {Value: []any{"seat0", dbus.ObjectPath("/org/freedesktop/login1/seat/seat0")}},
		"TTY":           {Value: ""},
		"Display":       {Value: ":0"},
		"Remote":        {Value: false},
		"Leader":        {Value: uint32(4242)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.sessions[id] = &fakeSession{listedSession{id, uid, user, "seat0", path}, props}
	f.mu.Unlock()
	_ = f.conn.Emit(login1Path, login1Manager+".SessionNew", id, path)
}

func (f *fakeLogind) ListSessions() ([]listedSession, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []listedSession
	for _, s := range f.sessions {
		out = append(out, s.row)
	}
	slices.SortFunc(out, func(a, b listedSession) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (f *fakeLogind) LockSession(id string) *dbus.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[id]
	if !ok {
		return dbus.NewError("org.freedesktop.login1.NoSuchSession", []any{"No session '" + id + "' known"})
	}
	f.locked = append(f.locked, id)
	s.props.SetMust(login1Session, "LockedHint", true)
	return nil
}

func (f *fakeLogind) TerminateSession(id string) *dbus.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[id]
	if !ok {
		return dbus.NewError("org.freedesktop.login1.NoSuchSession", []any{"No session '" + id + "' known"})
	}
	f.terminated = append(f.terminated, id)
	delete(f.sessions, id)
	_ = f.conn.Emit(login1Path, login1Manager+".SessionRemoved", id, s.row.Path)
	return nil
}

func TestLogindAgainstPrivateBus(t *testing.T) {
	addr := privateBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Before logind owns its name, connecting says there is no logind.
	if _, err := ConnectLogindAddress(ctx, addr); !errors.Is(err, ErrNoLogind) {
		t.Fatalf("ConnectLogindAddress without logind = %v, want ErrNoLogind", err)
	}

	f := startFakeLogind(t, addr)
	f.add(t, "2", 1001, "an", true, "x11")
	f.add(t, "5", 1002, "binh", false, "tty")

	l, err := ConnectLogindAddress(ctx, addr)
	if err != nil {
		t.Fatalf("ConnectLogindAddress: %v", err)
	}
	defer l.Close()
	changes, err := l.Changes(ctx)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}

	got, err := l.Sessions(ctx)
	if err != nil {
		t.Fatalf("Sessions: %v", err)
	}
	want := []Session{
		{ID: "2", UID: 1001, User: "an", Active: true, Idle: true, IdleSince: time.UnixMicro(1_700_000_000_000_000),
			Type: "x11", Class: "user", State: "active", Seat: "seat0", Display: ":0", Leader: 4242},
		{ID: "5", UID: 1002, User: "binh", Active: false, Idle: true, IdleSince: time.UnixMicro(1_700_000_000_000_000),
			Type: "tty", Class: "user", State: "active", Seat: "seat0", Display: ":0", Leader: 4242},
	}
	if !slices.EqualFunc(got, want, func(a, b Session) bool { return a == b }) {
		t.Errorf("Sessions:\n got %+v\nwant %+v", got, want)
	}

	if err := l.LockSession(ctx, "2"); err != nil {
		t.Fatalf("LockSession: %v", err)
	}
	select {
	case <-changes:
	case <-time.After(2 * time.Second):
		t.Error("no change notification after LockedHint changed")
	}
	got, _ = l.Sessions(ctx)
	if len(got) != 2 || !got[0].Locked || got[1].Locked {
		t.Errorf("after LockSession(2): %+v, want session 2 locked, 5 not", got)
	}
	if err := l.TerminateSession(ctx, "5"); err != nil {
		t.Fatalf("TerminateSession: %v", err)
	}
	got, _ = l.Sessions(ctx)
	if len(got) != 1 || got[0].ID != "2" {
		t.Errorf("after TerminateSession(5): %+v, want only session 2", got)
	}
	err = l.LockSession(ctx, "99")
	var de dbus.Error
	if !errors.As(err, &de) || de.Name != "org.freedesktop.login1.NoSuchSession" {
		t.Errorf("LockSession(unknown) = %v, want the bus error NoSuchSession", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Equal(f.locked, []string{"2"}) || !slices.Equal(f.terminated, []string{"5"}) {
		t.Errorf("calls that arrived: locked %v terminated %v, want [2] and [5]", f.locked, f.terminated)
	}
}

func TestConnectLogindHere(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l, err := ConnectLogind(ctx)
	if err == nil {
		defer l.Close()
		if _, err := l.Sessions(ctx); err != nil {
			t.Errorf("logind runs here but Sessions fails: %v", err)
		}
		t.Skip("this machine runs logind; the no-logind error path is covered by the private bus test")
	}
	if !errors.Is(err, ErrNoLogind) {
		t.Errorf("ConnectLogind = %v, want an error wrapping ErrNoLogind", err)
	}
	t.Logf("ConnectLogind here: %v", err)
}

// The watched sessions are read from logind only when it signals a change
// (or the safety interval passes): a tick with nothing new costs no D-Bus
// call, and a change is seen at once.
func TestWatchedSessions(t *testing.T) {
	addr := privateBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := startFakeLogind(t, addr)
	f.add(t, "2", 1001, "an", true, "x11")
	l, err := ConnectLogindAddress(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	w, err := WatchSessions(ctx, l, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var told atomic.Int32
	w.OnChange(func() { told.Add(1) })
	for range 50 {
		if ss, err := w.Sessions(ctx); err != nil || len(ss) != 1 || ss[0].Locked {
			t.Fatalf("Sessions = %+v, %v; want session 2, unlocked", ss, err)
		}
	}
	if n := w.Reads(); n != 1 {
		t.Errorf("50 reads with nothing new asked logind %d times; want 1", n)
	}
	if err := w.LockSession(ctx, "2"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		ss, err := w.Sessions(ctx)
		if err == nil && len(ss) == 1 && ss[0].Locked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lock was not seen: %+v, %v", ss, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The agent's quiet ticks are woken by the change, not by a poll.
	for deadline := time.Now().Add(3 * time.Second); told.Load() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("OnChange's function was not called for the lock")
		}
	}
	f.add(t, "7", 1003, "chi", true, "wayland")
	deadline = time.Now().Add(3 * time.Second)
	for {
		if ss, _ := w.Sessions(ctx); len(ss) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a new session was not seen")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := w.Reads(); n > 4 {
		t.Errorf("logind was asked %d times for two changes; want a few", n)
	}
}
