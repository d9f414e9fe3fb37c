package agenttest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
)

// The family is as its documentation says, and a Wire sees and can fail a
// client's calls.
func TestFamilyAndWire(t *testing.T) {
	y, m, d := time.Now().Date()
	now := time.Date(y, m, d, 16, 45, 0, 0, time.Local)
	f := agenttest.StartFamily(t, now)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mum := f.Client(agenttest.Mum)
	wire := agenttest.Watch(mum)
	if _, err := mum.Login(ctx, agenttest.FamilyPIN); err != nil {
		t.Fatalf("the family's PIN: %v", err)
	}
	st, err := mum.Status(ctx)
	if err != nil || len(st.Children) != 2 {
		t.Fatalf("status: %+v, %v", st, err)
	}
	an, binh := st.Children[0], st.Children[1]
	if an.Name != "An" || an.State != apitype.StateWarn || an.ScreenLeftSec != 15*60 || an.GamesLeftSec != 10*60 || an.Active {
		t.Errorf("An: %+v; want warned, 15 min of screen and 10 min of games left, away", an)
	}
	if binh.Name != "Bình" || binh.State != apitype.StateBlocked || binh.Reason != "hours.outside" ||
		!binh.BackAt.Equal(time.Date(y, m, d+1, 6, 0, 0, 0, time.Local)) {
		t.Errorf("Bình: %+v; want blocked outside the hours until tomorrow 06:00", binh)
	}
	if st.Pending != 1 {
		t.Errorf("%d asks wait; want An's", st.Pending)
	}
	ss, err := mum.Sessions(ctx, "An", "", "")
	if err != nil {
		t.Fatal(err)
	}
	late := 0
	for _, s := range ss.Sessions {
		if s.LateNight {
			late++
		}
	}
	if len(ss.Sessions) < 5 || late != 2 {
		t.Errorf("An's week: %d sessions, %d late at night; want 2 late", len(ss.Sessions), late)
	}
	if n := wire.Count("GET", apitype.RouteSessions); n != 1 {
		t.Errorf("the wire saw %d sessions calls: %v", n, wire.Calls())
	}
	if c, ok := wire.Last("GET", apitype.RouteSessions); !ok || c.Query.Get("child") != "An" {
		t.Errorf("the last sessions call: %v", c)
	}
	wire.Before(func(c agenttest.Call) error {
		if c.Path == apitype.RouteStatus {
			return errors.New("no answer")
		}
		return nil
	})
	if _, err := mum.Status(ctx); err == nil || !strings.Contains(err.Error(), "no answer") {
		t.Errorf("a call the wire fails: %v", err)
	}
	if _, err := mum.Health(ctx); err != nil {
		t.Errorf("another call: %v", err)
	}
}
