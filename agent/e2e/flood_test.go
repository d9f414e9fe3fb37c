//go:build e2e && linux

package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/internal/ostest"
)

// floodEnv, set to a socket path, makes the test binary a flooder: it
// holds as many idle connections to the socket as it can, and opens a new
// one each time one is closed, until killed (issue 11, class 1).
const floodEnv = "KIDTIME_E2E_FLOOD"

// floodPerProcess is how many connections one flooder keeps trying to hold.
const floodPerProcess = 5000

// flood is the flooder's main.
func flood(socket string) int {
	var wg sync.WaitGroup
	for range floodPerProcess {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1)
			for {
				c, err := net.Dial("unix", socket)
				if err != nil {
					time.Sleep(time.Millisecond)
					continue
				}
				// Say nothing, hold it until the daemon closes it.
				_, _ = c.Read(buf)
				_ = c.Close()
			}
		}()
	}
	wg.Wait()
	return 0
}

// startFlood runs n flooders as the account, from a copy of this test
// binary that the account may run.
func startFlood(t *testing.T, as account, socket string, n int) []*exec.Cmd {
	t.Helper()
	bin := helperBinary(t)
	var cmds []*exec.Cmd
	for range n {
		cmd := ostest.Command(as.uid, as.gid, bin, "-test.run=^$")
		cmd.Env = []string{floodEnv + "=" + socket}
		if err := cmd.Start(); err != nil {
			t.Fatalf("start a flooder: %v", err)
		}
		cmds = append(cmds, cmd)
	}
	t.Cleanup(func() { stopFlood(cmds) })
	return cmds
}

func stopFlood(cmds []*exec.Cmd) {
	for _, c := range cmds {
		if c.Process != nil {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}
}

// helperBinary is a copy of this test binary that any account may run
// (the flooder, the forged companion).
func helperBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(env.dir, "e2e-helper")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := copyFile(self, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// procStatus reads a field of /proc/PID/status in kB (VmRSS, VmHWM) or as
// a count (Threads).
func procStatus(t *testing.T, pid int, field string) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(v)
			n, _ := strconv.Atoi(f[0])
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

func openFDs(pid int) int {
	es, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(es)
}

// statusTime is how long a parent's status takes, on a new connection as a
// parent's CLI makes one.
func (d *daemon) statusTime() (time.Duration, error) {
	c := &client.Client{Socket: d.socket, Timeout: 5 * time.Second}
	defer c.Close()
	start := time.Now()
	_, err := c.Status(context.Background())
	return time.Since(start), err
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// Exhausting the daemon from any local account (issue 11, class 1): 20,000
// idle connections held by 4 processes of an ordinary account. The daemon
// keeps its descriptors and memory, a parent's status answers within
// 100 ms, a spent game dies within 50 ms of its exec, and service is
// normal within 1 s after the flood.
func TestConnectionFloodDoesNotOpenTheGate(t *testing.T) {
	ostest.NeedRoot(t)
	d := startDaemon(t, t.TempDir())
	an, chi := env.users["kte2e-an"], env.users["kte2e-chi"]
	d.policy(fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":[%q],
		"screen":{"daily":"1h"},"games":{"daily":"0s"},"allowed":{"daily":["00:00-24:00"]},
		"apps":[{"match":{"name":"kt-game"},"category":"game"}]}]}`, time.Now().Year()-11, an.name))
	pid := d.cmd.Process.Pid
	fdsBefore := openFDs(pid)
	// Latencies measured on a machine already overloaded by others (test
	// runs that share it) say nothing of the daemon: logged, not judged.
	loadBefore, busy := overloaded()

	flooders := startFlood(t, chi, d.socket, 4)
	time.Sleep(3 * time.Second) // the flood at full strength

	var status []time.Duration
	for range 20 {
		took, err := d.statusTime()
		if err != nil {
			t.Fatalf("a parent's status during the flood: %v", err)
		}
		status = append(status, took)
		time.Sleep(50 * time.Millisecond)
	}
	var kills []time.Duration
	for range 20 {
		p := runAs(t, an, env.game, "300")
		if !p.exitedWithin(2 * time.Second) {
			t.Fatal("a spent game ran during the flood")
		}
		kills = append(kills, p.ended.Sub(p.started))
	}
	rss, hwm, fds := procStatus(t, pid, "VmRSS"), procStatus(t, pid, "VmHWM"), openFDs(pid)
	t.Logf("during the flood: status median %v, max %v; spent game exec→dead median %v, max %v; RSS %d kB (peak %d kB), %d descriptors (%d before)",
		percentile(status, 0.5).Round(time.Microsecond), slices.Max(status).Round(time.Microsecond),
		percentile(kills, 0.5).Round(time.Microsecond), slices.Max(kills).Round(time.Microsecond), rss, hwm, fds, fdsBefore)
	judge := t.Errorf
	if busy {
		judge = t.Logf
		t.Logf("latencies not judged: the machine was overloaded before the test (load %.1f on %d CPUs)", loadBefore, runtime.NumCPU())
	}
	if m := slices.Max(status); m > 100*time.Millisecond {
		judge("a parent's status took %v during the flood; want within 100 ms", m)
	}
	// The measure starts before the test's own fork and exec, which the
	// flood slows as well: the median must hold 50 ms, any one 150 ms.
	if m := percentile(kills, 0.5); m > 50*time.Millisecond {
		judge("a spent game lived %v (median) after its exec during the flood; want within 50 ms", m)
	}
	if m := slices.Max(kills); m > 150*time.Millisecond {
		judge("a spent game lived %v after its exec during the flood; want within 150 ms at worst", m)
	}
	if rss > 64*1024 {
		t.Errorf("RSS %d kB during the flood; want under 64 MB", rss)
	}
	if fds > fdsBefore+300 {
		t.Errorf("%d descriptors open during the flood (%d before): the cap does not hold", fds, fdsBefore)
	}

	evs := d.waitEvents("connection_flood", 12*time.Second)
	if !slices.ContainsFunc(evs, func(e apitype.Event) bool { return e.Tamper && e.Detail["account"] == chi.name }) {
		t.Errorf("no connection_flood tamper event naming %s: %+v", chi.name, evs)
	}

	stopFlood(flooders)
	end := time.Now()
	for {
		took, err := d.statusTime()
		if err == nil && took < 100*time.Millisecond {
			break
		}
		if time.Since(end) > time.Second {
			t.Fatalf("service not normal 1 s after the flood: status %v, %v", took, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("normal %v after the flood ended", time.Since(end).Round(time.Millisecond))
}
