//go:build e2e && linux

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/internal/ostest"
)

// Issue 11, class 3: a program a 7-year-old copies into her home dies at its
// exec and becomes a request; the parent allows it with the CLI and it
// runs, from then on and after a restart; a refused one stays dead without a
// new request; a system program (/bin/sleep) is never stopped.
func TestNewProgramNeedsAParentsYes(t *testing.T) {
	ostest.NeedRoot(t)
	d := startDaemon(t, t.TempDir())
	// An account of its own: no other test's daemon claims it.
	u := ostest.AddUser(t, ostest.UniqueName("ktapv"))
	kid := account{u.Name, u.UID, u.GID}
	d.policy(fmt.Sprintf(`{"version":1,"children":[{"name":"Binh","birthYear":%d,"accounts":["%s"],
		"allowed":{"daily":["00:00-24:00"]},"screen":{"daily":"4h"}}]}`, time.Now().Year()-7, kid.name))

	// The child's home: theirs, 0750 (the accounts are made without one).
	home := filepath.Join(env.dir, "home-"+kid.name)
	if err := os.MkdirAll(home, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(home, int(kid.uid), int(kid.gid)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })

	sys := runAs(t, kid, "/bin/sleep", "300")
	if sys.exitedWithin(time.Second) {
		t.Fatal("a system program (/bin/sleep) was stopped")
	}
	_ = sys.cmd.Process.Kill()

	game := filepath.Join(home, "mygame")
	if cp := runAs(t, kid, "/bin/cp", "/bin/sleep", game); !cp.exitedWithin(10*time.Second) || cp.cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("the child could not copy a program into her home (%v)", cp.cmd.ProcessState)
	}
	p := runAs(t, kid, game, "300")
	if !p.exitedWithin(2 * time.Second) {
		t.Fatal("a program the child copied into her home runs without a parent's yes")
	}
	t.Logf("exec→dead for a new program: %v", p.ended.Sub(p.started).Round(time.Microsecond))

	reqs := d.waitRequests(1)
	if len(reqs) != 1 || reqs[0].Kind != apitype.KindApp || reqs[0].App == nil || reqs[0].App.Path != game ||
		reqs[0].Status != apitype.StatusPending || reqs[0].Child != "Binh" {
		t.Fatalf("requests after the block: %+v", reqs)
	}
	if c := d.child("Binh"); c.AppStopped == nil || c.AppStopped.Name != "mygame" {
		t.Errorf("the status does not say which program waits: %+v", c.AppStopped)
	}
	// The child sees her own request.
	out, errs, code := d.cli(&kid, "--json", "requests")
	var mine []apitype.Request
	if err := json.Unmarshal([]byte(out), &mine); code != 0 || err != nil || len(mine) != 1 || mine[0].Kind != apitype.KindApp {
		t.Errorf("the child's requests: exit %d %v %s%s", code, err, out, errs)
	}
	// A second try: dead again, no second request.
	if p := runAs(t, kid, game, "300"); !p.exitedWithin(2 * time.Second) {
		t.Fatal("the second try runs")
	}
	if n := len(d.requests()); n != 1 {
		t.Fatalf("%d requests after a second try, want 1", n)
	}

	// The parent allows it with the CLI; it runs.
	d.must("approve", strconv.FormatInt(reqs[0].ID, 10))
	ok := runAs(t, kid, game, "300")
	if ok.exitedWithin(2 * time.Second) {
		t.Fatal("the allowed program was stopped")
	}
	_ = ok.cmd.Process.Kill()

	// Another program, refused: stays dead, no new request.
	other := filepath.Join(home, "other")
	if cp := runAs(t, kid, "/bin/cp", "/bin/true", other); !cp.exitedWithin(10 * time.Second) {
		t.Fatal("copy")
	}
	// /bin/true ends at once: make it wait, so that "dead" means killed.
	if err := os.WriteFile(other, append(mustRead(t, "/bin/sleep"), 0), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(other, int(kid.uid), int(kid.gid)); err != nil {
		t.Fatal(err)
	}
	if p := runAs(t, kid, other, "300"); !p.exitedWithin(2 * time.Second) {
		t.Fatal("another new program runs")
	}
	reqs = d.waitRequests(2)
	d.must("deny", strconv.FormatInt(reqs[0].ID, 10))
	if p := runAs(t, kid, other, "300"); !p.exitedWithin(2 * time.Second) {
		t.Fatal("a refused program runs")
	}
	if n := len(d.requests()); n != 2 {
		t.Fatalf("%d requests after a refused program's retry, want 2", n)
	}

	// The answers survive a restart.
	d.stop()
	d.start()
	if p := runAs(t, kid, game, "300"); p.exitedWithin(2 * time.Second) {
		t.Fatal("after a restart, the allowed program was stopped")
	}
	if p := runAs(t, kid, other, "300"); !p.exitedWithin(2 * time.Second) {
		t.Fatal("after a restart, the refused program runs")
	}
	for _, kind := range []string{"app_request", "app_allowed", "app_denied"} {
		if len(d.events(kind)) == 0 {
			t.Errorf("no %s event", kind)
		}
	}
	blocked := 0
	for _, e := range d.events("app_closed") {
		if e.Detail["reason"] == "app.approval" {
			blocked++
		}
	}
	if blocked < 4 {
		t.Errorf("%d app_closed events for programs waiting for a yes, want 4 or more", blocked)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// requests lists every request, as root.
func (d *daemon) requests() []apitype.Request {
	d.t.Helper()
	var rs []apitype.Request
	if err := json.Unmarshal([]byte(d.must("--json", "requests")), &rs); err != nil {
		d.t.Fatal(err)
	}
	return rs
}

// waitRequests polls until there are at least n requests (a program's is
// filed right after its kill).
func (d *daemon) waitRequests(n int) []apitype.Request {
	d.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		rs := d.requests()
		if len(rs) >= n || time.Now().After(deadline) {
			return rs
		}
		time.Sleep(50 * time.Millisecond)
	}
}
