package agenttest_test

import (
	"context"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
)

// The world's callers get the roles their declared accounts give them.
func TestWorldRoles(t *testing.T) {
	w := agenttest.Start(t, agenttest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	root := w.Client(agenttest.Root)
	if _, err := root.Setup(ctx, "246810"); err != nil {
		t.Fatalf("setup: %v", err)
	}
	if _, err := root.AddChild(ctx, apitype.AddChildRequest{Name: "An", BirthYear: time.Now().Year() - 10, Accounts: []string{agenttest.Kid}}); err != nil {
		t.Fatalf("add child: %v", err)
	}
	mum := w.Client(agenttest.Mum)
	cases := []struct {
		sentence string
		c        *client.Client
		role     string
	}{
		{"the daemon's own account administers", root, apitype.RoleAdmin},
		{"a member of sudo administers", w.Client(agenttest.Dad), apitype.RoleAdmin},
		{"the child's account is the child", w.Client(agenttest.Kid), apitype.RoleChild},
		{"another standard account is held by the default profile setup made", mum, apitype.RoleChild},
	}
	for _, tc := range cases {
		h, err := tc.c.Health(ctx)
		if err != nil || h.Role != tc.role {
			t.Errorf("%s: role %q, %v; want %q", tc.sentence, h.Role, err, tc.role)
		}
	}
	if _, err := mum.Login(ctx, "246810"); err != nil {
		t.Fatalf("login: %v", err)
	}
	if h, err := mum.Health(ctx); err != nil || h.Role != apitype.RoleParent {
		t.Errorf("after login: role %q, %v; want parent", h.Role, err)
	}
	// A restart keeps the data; clients dial the new agent.
	w.Restart()
	if h, err := mum.Health(ctx); err != nil || h.Role != apitype.RoleOther {
		t.Errorf("after a restart: role %q, %v; want other (released; tokens end with the daemon)", h.Role, err)
	}
	if ch, err := root.Children(ctx); err != nil || len(ch) != 1 {
		t.Errorf("children after a restart: %v, %v", ch, err)
	}
}
