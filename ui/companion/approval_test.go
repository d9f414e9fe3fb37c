package companion_test

import (
	"context"
	"testing"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/ui/companion"
)

// A program An copied into her home closes at its start while new apps need
// a parent's OK: the companion tells her why, once, in a notification and
// in the window.
func TestNewAppClosedIsExplained(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	root := f.Client(agenttest.Root)
	spec, err := root.ChildPolicy(ctxT(t), "An")
	if err != nil {
		t.Fatal(err)
	}
	on := true
	spec.ApproveNew = &on
	if err := root.SetChildPolicy(ctxT(t), "An", spec); err != nil {
		t.Fatal(err)
	}
	c, _ := start(t, f, probe{})
	f.OS.Exec(facts.Process{UID: f.UID(agenttest.Kid), Exe: "/home/kid/game"})
	if !eventually(func() bool {
		s := status(t, f, "An").AppStopped
		return s != nil && s.Name == "game"
	}) {
		t.Fatal("the agent did not stop An's new program")
	}
	c.Tick(context.Background())
	want := companion.AppStoppedSentence(apitype.AppStopped{Name: "game", Status: apitype.StatusPending})
	told := func() (n int) {
		for _, x := range c.Notifications() {
			if x.Title == "A new app needs a parent's OK" && x.Content == want {
				n++
			}
		}
		return n
	}
	if told() != 1 {
		t.Fatalf("notifications %+v; want one saying %q", c.Notifications(), want)
	}
	c.Tick(context.Background())
	if n := told(); n != 1 {
		t.Errorf("the same stop told again: %d notifications", n)
	}
}
