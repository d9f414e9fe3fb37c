//go:build e2e && linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/internal/ostest"
)

// procsOf lists the pids of uid's processes, from /proc.
func procsOf(uid uint32) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	want := strconv.FormatUint(uint64(uid), 10)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Uid:"); ok {
				if f := strings.Fields(v); len(f) > 0 && f[0] == want {
					out = append(out, pid)
				}
				break
			}
		}
	}
	return out
}

// hopper is a program that never runs a new program: it forks every 5 ms
// and the parent exits, so its pid changes all the time.
const hopper = `$SIG{HUP}='IGNORE'; $SIG{TERM}='IGNORE'; while (1) { my $p = fork(); exit 0 if $p; select(undef, undef, undef, 0.005); }`

// Processes that never exec (issue 11, class 6): a fork-hopper is counted
// as screen time like any program, and once the child is to be logged out
// nothing of theirs is left within 2 s.
func TestForkHopperIsCountedAndEnded(t *testing.T) {
	ostest.NeedRoot(t)
	perl := "/usr/bin/perl"
	if _, err := os.Stat(perl); err != nil {
		t.Skip("perl is not installed: no fork-hopper without exec to run")
	}
	d := startDaemon(t, t.TempDir())
	chi := env.users["kte2e-chi"]
	d.policy(fmt.Sprintf(`{"version":1,"children":[{"name":"Chi","birthYear":%d,"accounts":[%q],
		"screen":{"daily":"6s"},"allowed":{"daily":["00:00-24:00"]},"warnings":["3s"],"grace":"2s"}]}`,
		time.Now().Year()-12, chi.name))
	start := time.Now()
	runAs(t, chi, perl, "-e", hopper)
	t.Cleanup(func() {
		for _, pid := range procsOf(chi.uid) {
			_ = syscallKill(pid)
		}
	})
	// Half-way, the hopper is counted as time at the PC.
	time.Sleep(4 * time.Second)
	used := d.child("Chi").ScreenUsedSec
	t.Logf("after 4 s of hopping: %d s counted, %d processes of %s", used, len(procsOf(chi.uid)), chi.name)
	if used < 3 {
		t.Errorf("the fork-hopper was counted %d s of 4", used)
	}
	// 6 s of screen time and 2 s of grace: logged out at about 8 s, and
	// nothing of the child's left within 2 s of that.
	var gone time.Duration
	for deadline := start.Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if len(procsOf(chi.uid)) == 0 {
			gone = time.Since(start)
			break
		}
	}
	if gone == 0 {
		t.Fatalf("%d processes of %s still run 20 s after a 6 s budget and 2 s of grace", len(procsOf(chi.uid)), chi.name)
	}
	logout := d.waitEvents("logout", 5*time.Second)
	t.Logf("fork-hopper: nothing left %v after its start (budget 6 s + grace 2 s)", gone.Round(time.Millisecond))
	if len(logout) == 0 {
		t.Error("no logout event")
	} else if late := gone - logout[0].At.Sub(start); late > 2*time.Second {
		t.Errorf("the child's processes outlived the logout by %v; want within 2 s", late)
	} else {
		t.Logf("after the logout decision, nothing was left within %v", late.Round(time.Millisecond))
	}
	if gone > 11*time.Second {
		t.Errorf("the hopper ran %v; want about 8 s (budget and grace) plus at most 2 s", gone)
	}
}

func syscallKill(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
