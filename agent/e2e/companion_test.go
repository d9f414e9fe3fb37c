//go:build e2e && linux

package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/internal/ostest"
)

// beatEnv, set to a socket path, makes the test binary a companion that
// only sends heartbeats, every second, until killed; with beatLockedEnv it
// claims the screen is locked (a child's forgery, issue 11 class 5).
const (
	beatEnv       = "KIDTIME_E2E_BEAT"
	beatLockedEnv = "KIDTIME_E2E_BEAT_LOCKED"
)

func beat(socket string, locked bool) int {
	c := &client.Client{Socket: socket, Timeout: 2 * time.Second}
	for {
		_, _ = c.Heartbeat(context.Background(), apitype.Heartbeat{Locked: locked})
		time.Sleep(time.Second)
	}
}

// startBeat runs a heartbeat-only companion as the account.
func startBeat(t *testing.T, as account, socket string, locked bool) *exec.Cmd {
	t.Helper()
	cmd := ostest.Command(as.uid, as.gid, helperBinary(t), "-test.run=^$")
	cmd.Env = []string{beatEnv + "=" + socket}
	if locked {
		cmd.Env = append(cmd.Env, beatLockedEnv+"=1")
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start a companion: %v", err)
	}
	go func() { _ = cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd
}

// fourSecondsForAn starts a daemon where An has 4 s of screen time, a
// warning at 2 s and 1 s of grace.
func fourSecondsForAn(t *testing.T) (*daemon, account) {
	t.Helper()
	ostest.NeedRoot(t)
	d := startDaemon(t, t.TempDir())
	an := env.users["kte2e-an"]
	d.policy(fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":[%q],
		"screen":{"daily":"4s"},"allowed":{"daily":["00:00-24:00"]},"warnings":["2s"],"grace":"1s"}]}`,
		time.Now().Year()-11, an.name))
	return d, an
}

// The child's own companion cannot delay the end (issue 11, class 5): a
// forged "locked" heartbeat from the child's account does not make the
// daemon wait for a lock that never comes. The child's programs end within
// a few seconds of the grace, and a program started after it dies at exec.
func TestForgedLockedHeartbeatDoesNotDelayTheEnd(t *testing.T) {
	d, an := fourSecondsForAn(t)
	startBeat(t, an, d.socket, true)
	p := runAs(t, an, "/bin/sleep", "300")
	if !p.exitedWithin(20 * time.Second) {
		t.Fatal("the child's program still runs 20 s after 4 s of screen time and 1 s of grace, behind a forged lock")
	}
	ran := p.ended.Sub(p.started)
	t.Logf("behind a forged locked heartbeat, the program ran %v (budget 4 s + grace 1 s)", ran.Round(time.Millisecond))
	if ran > 10*time.Second {
		t.Errorf("the program ran %v: more than 5 s past budget and grace (the forged lock bought time)", ran)
	}
	again := runAs(t, an, "/bin/sleep", "300")
	if !again.exitedWithin(2 * time.Second) {
		t.Fatal("a program started after the end survived")
	}
	t.Logf("a program started after the end: exec→dead %v", again.ended.Sub(again.started).Round(time.Microsecond))
	if took := again.ended.Sub(again.started); took > 100*time.Millisecond {
		t.Errorf("a program started after the end lived %v; want it dead at exec", took)
	}
}

// A killed companion is always reported (issue 11, class 7): after a lock
// and a logout earlier the same day, the child gets more time and logs in
// again with the companion; killing it while their programs run raises
// heartbeat_gap.
func TestKilledCompanionIsReportedAfterALogout(t *testing.T) {
	d, an := fourSecondsForAn(t)
	// First login: time runs out, the lock is asked for, An is logged out.
	startBeat(t, an, d.socket, false)
	first := runAs(t, an, "/bin/sleep", "300")
	if !first.exitedWithin(20 * time.Second) {
		t.Fatal("the first login was not ended")
	}
	if len(d.waitEvents("logout", 5*time.Second)) == 0 {
		t.Fatal("no logout event after the first login")
	}
	// More time, and a second login with the companion.
	d.must("grant", "An", "10m")
	comp := startBeat(t, an, d.socket, false)
	prog := runAs(t, an, "/bin/sleep", "300")
	time.Sleep(3 * time.Second)
	if st := d.child("An"); st.CompanionSeen.IsZero() || !prog.alive() {
		t.Fatalf("second login: companion seen %v, program alive %v", st.CompanionSeen, prog.alive())
	}
	gapsBefore := len(d.events("heartbeat_gap"))
	_ = comp.Process.Kill()
	killed := time.Now()
	for deadline := killed.Add(40 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if len(d.events("heartbeat_gap")) > gapsBefore {
			t.Logf("heartbeat_gap %v after the companion was killed (the companion counts as gone after 20 s of silence)", time.Since(killed).Round(100*time.Millisecond))
			return
		}
	}
	t.Fatalf("no heartbeat_gap within 40 s of killing the companion; events: %+v", d.events(""))
}
