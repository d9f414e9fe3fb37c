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

// procsOf lists the pids of uid's live processes, from /proc. Zombies are
// left out: they are dead, waiting for whoever reaps orphans here (some
// init systems reap them only now and then).
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
			if v, ok := strings.CutPrefix(line, "State:"); ok {
				if f := strings.Fields(v); len(f) > 0 && (f[0] == "Z" || f[0] == "X") {
					break
				}
			}
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

// Processes that never exec (issue 11, class 6): a fork-hopper is counted
// as screen time like any program, and once the child is to be logged out
// nothing of theirs is left within 2 s. The hopper writes a byte to a pipe
// at each generation, and the pipe ends when its last generation has
// exited, so "nothing left" is exact (a scan of /proc would miss the hopper
// as the daemon's would).
func TestForkHopperIsCountedAndEnded(t *testing.T) {
	ostest.NeedRoot(t)
	d := startDaemon(t, t.TempDir())
	chi := env.users["kte2e-chi"]
	d.policy(fmt.Sprintf(`{"version":1,"children":[{"name":"Chi","birthYear":%d,"accounts":[%q],
		"screen":{"daily":"6s"},"allowed":{"daily":["00:00-24:00"]},"warnings":["3s"],"grace":"2s"}]}`,
		time.Now().Year()-12, chi.name))
	start := time.Now()
	h := ostest.StartHopper(t, chi.uid, chi.gid, 5*time.Millisecond)
	// Half-way, the hopper is counted as time at the PC.
	time.Sleep(4 * time.Second)
	used := d.child("Chi").ScreenUsedSec
	t.Logf("after 4 s of hopping: %d s counted, %d generations", used, h.Beats())
	if used < 3 {
		t.Errorf("the fork-hopper was counted %d s of 4", used)
	}
	// 6 s of screen time and 2 s of grace: logged out at about 8 s, and
	// nothing of the child's left within 2 s of that.
	select {
	case <-h.Gone():
	case <-time.After(time.Until(start.Add(20 * time.Second))):
		t.Fatalf("the hopper still runs 20 s after a 6 s budget and 2 s of grace (%d generations)", h.Beats())
	}
	gone := h.GoneAt().Sub(start)
	logout := d.waitEvents("logout", 5*time.Second)
	t.Logf("fork-hopper: nothing left %v after its start (budget 6 s + grace 2 s)", gone.Round(time.Millisecond))
	if len(logout) == 0 {
		t.Error("no logout event")
	} else if late := gone - logout[0].At.Sub(start); late > 2*time.Second {
		t.Errorf("the child's processes outlived the logout by %v; want within 2 s", late)
	} else {
		t.Logf("nothing was left %v after the logout event (the event is written once the kill is done, so this may be negative)", late.Round(time.Millisecond))
	}
	if gone > 11*time.Second {
		t.Errorf("the hopper ran %v; want about 8 s (budget and grace) plus at most 2 s", gone)
	}
}
