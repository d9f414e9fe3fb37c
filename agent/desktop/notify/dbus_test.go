//go:build linux

package notify

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/kidtime/kidtime/agent/desktop/internal/bustest"
)

type notification struct {
	app      string
	replaces uint32
	title    string
	body     string
	urgency  byte
}

// fakeNotifications is a minimal org.freedesktop.Notifications server.
type fakeNotifications struct {
	mu     sync.Mutex
	got    []notification
	closed []uint32
}

func (f *fakeNotifications) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "fake", "kidtime tests", "1", "1.2", nil
}

func (f *fakeNotifications) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var urgency byte = 255
	if v, ok := hints["urgency"]; ok {
		urgency, _ = v.Value().(byte)
	}
	f.got = append(f.got, notification{app, replaces, summary, body, urgency})
	if replaces != 0 {
		return replaces, nil
	}
	return uint32(len(f.got)), nil
}

func (f *fakeNotifications) CloseNotification(id uint32) *dbus.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = append(f.closed, id)
	return nil
}

func TestNotifier(t *testing.T) {
	addr := bustest.SessionBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if _, err := New(ctx); err == nil {
		t.Fatal("New succeeded with no notification server on the bus")
	}

	srv := &fakeNotifications{}
	bustest.Serve(t, addr, notifyName, notifyPath, notifyIface, srv)
	n, err := New(ctx)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer n.Close()

	id, err := n.Notify(ctx, "5 phút nữa", "Hãy lưu trò chơi của bạn.", UrgencyNormal)
	if err != nil {
		t.Fatalf("Notify: %v", err)
	}
	id2, err := n.Update(ctx, id, "1 phút nữa", "Sắp hết giờ.", UrgencyCritical)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if id2 != id {
		t.Errorf("Update returned id %d, want the replaced id %d", id2, id)
	}
	if err := n.Dismiss(ctx, id); err != nil {
		t.Fatalf("Dismiss: %v", err)
	}

	want := []notification{
		{app: "kidtime", title: "5 phút nữa", body: "Hãy lưu trò chơi của bạn.", urgency: 1},
		{app: "kidtime", replaces: id, title: "1 phút nữa", body: "Sắp hết giờ.", urgency: 2},
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.got) != len(want) {
		t.Fatalf("server received %d notifications, want %d: %+v", len(srv.got), len(want), srv.got)
	}
	for i := range want {
		if srv.got[i] != want[i] {
			t.Errorf("notification %d = %+v, want %+v", i, srv.got[i], want[i])
		}
	}
	if len(srv.closed) != 1 || srv.closed[0] != id {
		t.Errorf("closed notifications = %v, want [%d]", srv.closed, id)
	}
}
