//go:build e2e && linux

package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/internal/ostest"
)

// A second account nobody manages (issue 11, class 4): on a home install,
// setup makes a default profile at once, so another standard account is
// held to the youngest child's rules and the parent is told; a grown-up on
// a standard account proves the PIN once and is released for good.
func TestSetupHoldsEveryOtherAccount(t *testing.T) {
	ostest.NeedRoot(t)
	d := startDaemon(t, t.TempDir())
	if out, errs, code := d.cliIn(nil, "246810\n", "setup", "--pin-stdin"); code != 0 {
		t.Fatalf("setup: exit %d\n%s%s", code, out, errs)
	}
	an, chi, binh := env.users["kte2e-an"], env.users["kte2e-chi"], env.users["kte2e-binh"]
	// The parent adds one child with 4 s of screen time; no default
	// profile is written: setup's follows her.
	d.policy(fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":[%q],
		"screen":{"daily":"4s"},"allowed":{"daily":["00:00-24:00"]},"warnings":["2s"],"grace":"1s"}]}`,
		time.Now().Year()-9, an.name))
	held := func(name string) bool {
		return slices.ContainsFunc(d.status().Children, func(c apitype.ChildStatus) bool { return c.Name == name && c.DefaultProfile })
	}
	if !held(chi.name) || !held(binh.name) {
		t.Fatalf("after setup, %s and %s must be held to the default profile: %+v", chi.name, binh.name, d.status().Children)
	}
	// The accounts that were there before kidtime are one line of the
	// first install, not a flag each.
	evs := d.waitEvents("accounts_found", 3*time.Second)
	if len(evs) != 1 || !slices.Contains(anyStrings(evs[0].Detail["accounts"]), chi.name) || evs[0].Tamper {
		t.Errorf("want one accounts_found line naming %s, not a tamper flag: %+v", chi.name, evs)
	}
	if flagged := d.events("new_account"); len(flagged) != 0 {
		t.Errorf("a first install flagged accounts one by one: %+v", flagged)
	}

	// binh is a grown-up: one PIN login releases the account.
	if out, errs, code := d.cliIn(&binh, "246810\n", "login", "--pin-stdin"); code != 0 {
		t.Fatalf("login as %s: exit %d\n%s%s", binh.name, code, out, errs)
	}
	if held(binh.name) {
		t.Errorf("%s proved the PIN and is still held", binh.name)
	}

	// chi, the second account a child made, gets An's 4 s and is logged
	// out; binh's program runs on.
	pc := runAs(t, chi, "/bin/sleep", "300")
	pb := runAs(t, binh, "/bin/sleep", "300")
	if !pc.exitedWithin(15 * time.Second) {
		t.Fatalf("%s played freely: the default profile's 4 s were not enforced", chi.name)
	}
	t.Logf("second account: logged out after %v", pc.ended.Sub(pc.started).Round(time.Millisecond))
	if !pb.alive() {
		t.Errorf("%s, a released grown-up's account, was stopped", binh.name)
	}
	// An, a child a parent named, can never be released by a login.
	if _, _, code := d.cliIn(&an, "246810\n", "login", "--pin-stdin"); code == 0 {
		t.Errorf("%s, a named child, logged in with the PIN", an.name)
	}
}
