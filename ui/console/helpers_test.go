package console_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/console"
	"github.com/kidtime/kidtime/ui/i18n"
)

// now is when the tests' worlds start: today at 16:45, an afternoon. The
// console's clock stays there; the agent's runs on from it (the tests take
// seconds).
var now = func() time.Time {
	y, m, d := time.Now().Date()
	return time.Date(y, m, d, 16, 45, 0, 0, time.Local)
}()

// The standard accounts a fresh world has for children, besides the
// world's own Kid and Mum (Dad is an administrator).
var freeAccounts = []string{"an", "binh", "guest"}

// fresh is a world at now whose agent has no PIN yet, with the standard
// accounts an, binh and guest besides the world's own.
func fresh(t *testing.T) *agenttest.World {
	t.Helper()
	w := agenttest.Start(t, agenttest.Options{Now: now})
	for i, name := range freeAccounts {
		w.Users.Add(name, uint32(51001+i), false)
	}
	return w
}

// family is the agenttest family at now, with Mum's console client (logged
// in with the PIN) and the wire its calls go out on.
func family(t *testing.T) (*agenttest.Family, *client.Client, *agenttest.Wire) {
	t.Helper()
	f := agenttest.StartFamily(t, now)
	mum := f.Client(agenttest.Mum)
	wire := agenttest.Watch(mum)
	if _, err := mum.Login(ctxT(t), agenttest.FamilyPIN); err != nil {
		t.Fatal(err)
	}
	return f, mum, wire
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// open starts a console on the agent b reaches, in a test window, in
// English.
func open(t *testing.T, b *client.Client) *console.Console {
	t.Helper()
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1000, 700))
	t.Cleanup(w.Close)
	c := console.New(w, b, console.Options{Sync: true, Now: func() time.Time { return now }})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// status is a child's status as the agent has it (asked as root).
func status(t *testing.T, w *agenttest.World, child string) apitype.ChildStatus {
	t.Helper()
	cl := w.Client(agenttest.Root) // closed after: polled, and root may hold 16 connections at most
	defer cl.Close()
	st, err := cl.Status(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range st.Children {
		if cs.Name == child {
			return cs
		}
	}
	t.Fatalf("the agent has no child %q", child)
	return apitype.ChildStatus{}
}

// eventually polls ok for up to 10 s.
func eventually(ok func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// spec is a child's rules as the agent has them.
func spec(t *testing.T, w *agenttest.World, name string) rules.Child {
	t.Helper()
	s, err := w.Client(agenttest.Root).ChildPolicy(ctxT(t), name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rulesOf is a child's resolved policy as the agent has it.
func rulesOf(t *testing.T, w *agenttest.World, name string) rules.Policy {
	t.Helper()
	s := spec(t, w, name)
	p, err := s.Policy(now)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// setRules replaces a child's rules (as root), then waits until the agent
// decided with them.
func setRules(t *testing.T, w *agenttest.World, s rules.Child, until func(apitype.ChildStatus) bool) {
	t.Helper()
	if err := w.Client(agenttest.Root).SetChildPolicy(ctxT(t), s.Name, s); err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool { return until(status(t, w, s.Name)) }) {
		t.Fatalf("the agent did not take %s's new rules: %+v", s.Name, status(t, w, s.Name))
	}
}

// appRow is the rules editor's row of an app.
func appRow(t *testing.T, r *console.RulesEditor, name string) *console.AppRow {
	t.Helper()
	for _, row := range r.Apps {
		if row.App.Name == name {
			return row
		}
	}
	t.Fatalf("no row for %s in the rules editor", name)
	return nil
}

func dur(d time.Duration) *rules.Duration {
	v := rules.Duration(d)
	return &v
}

// named are the children a parent named: not the accounts setup's default
// profile holds.
func named(kids []apitype.Child, err error) ([]apitype.Child, error) {
	return slices.DeleteFunc(kids, func(k apitype.Child) bool { return k.DefaultProfile }), err
}
