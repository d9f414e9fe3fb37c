package console_test

import (
	"strconv"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/ui/console"
)

// Bình (8: new apps need a parent's OK by her preset) copied a program into
// her home; it waits in Requests, and one tap allows it.
func TestNewAppAllowedInOneTap(t *testing.T) {
	f, mum, _ := family(t)
	f.OS.Exec(facts.Process{UID: f.UID(agenttest.Binh), Exe: "/home/binh/game"})
	var app apitype.Request
	if !eventually(func() bool {
		cl := f.Client(agenttest.Root) // closed after: polled, and root may hold 16 connections at most
		defer cl.Close()
		rs, err := cl.Requests(ctxT(t), apitype.StatusPending)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.App != nil {
				app = r
				return true
			}
		}
		return false
	}) {
		t.Fatal("no request for Bình's new program")
	}
	c := open(t, mum)
	c.Main.Select(3)
	var r *console.RequestRow
	for _, row := range c.Main.Requests.Rows {
		if row.Request.ID == app.ID {
			r = row
		}
	}
	if r == nil {
		t.Fatalf("the program's request is not listed: %d rows", len(c.Main.Requests.Rows))
	}
	if r.Allow == nil || r.Deny == nil || r.Min15 != nil {
		t.Fatalf("a program's row has Allow and Deny, no durations: %+v", r)
	}
	test.Tap(r.Allow)
	if got := request(t, f.World, app.ID); got.Status != apitype.StatusApproved || got.GrantedSec != 0 {
		t.Errorf("after one tap: %+v, want approved", got)
	}
	for _, left := range c.Main.Requests.Rows {
		if left.Request.ID == app.ID {
			t.Error("an answered program stays in the pending list")
		}
	}
}

// The rules editor turns the setting on for An (12: off by her preset), and
// a save writes it; the add-a-child step offers it for a 10-year-old.
func TestApproveNewInTheRules(t *testing.T) {
	f, mum, _ := family(t)
	f.Users.Add("guest", 51010, false)
	c := open(t, mum)
	c.Main.Select(1)
	r := c.Main.Rules
	if r.Child.Selected != "An" || r.ApproveNew.Checked {
		t.Fatalf("An's rules: child %q, approve new %v (want off at 12)", r.Child.Selected, r.ApproveNew.Checked)
	}
	test.Tap(r.ApproveNew)
	test.Tap(r.Save)
	if r.Error.Text != "" {
		t.Fatalf("save: %s", r.Error.Text)
	}
	if s := spec(t, f.World, "An"); s.ApproveNew == nil || !*s.ApproveNew {
		t.Errorf("An's rules after the save: approveNew %v", s.ApproveNew)
	}
	if !rulesOf(t, f.World, "An").ApproveNew {
		t.Error("An's policy does not have approveNew")
	}

	test.Tap(c.Main.Today.AddChild)
	a := c.AddChild
	a.Account.SetSelected("guest")
	test.Type(a.Name, "Cúc")
	test.Type(a.BirthYear, strconv.Itoa(now.Year()-10))
	test.Tap(a.Next)
	if a.Step != 2 || a.ApproveNew == nil || a.ApproveNew.Checked {
		t.Fatalf("a 10-year-old: step %d, the setting offered and off expected (%v)", a.Step, a.ApproveNew)
	}
	test.Tap(a.ApproveNew)
	if s := spec(t, f.World, "Cúc"); s.ApproveNew == nil || !*s.ApproveNew || a.Error.Text != "" {
		t.Errorf("Cúc's rules after ticking: %v (error %q)", s.ApproveNew, a.Error.Text)
	}
}
