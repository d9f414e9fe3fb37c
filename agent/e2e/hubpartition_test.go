//go:build e2e && linux

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/internal/ostest"
)

// The partition (issue 13): the laptop's daemon runs in a network
// namespace of its own, joined to the hub over a veth pair; the link is
// cut while An uses both PCs. The laptop keeps enforcing on what it knew;
// once the link is back, both PCs agree on her day, which is the sum of
// what each counted: no time lost, none counted twice.

type netns struct {
	t          *testing.T
	name, host string // the namespace, the host's end of the veth pair
	hubIP      string // the host's address on the pair
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// newNetns makes a namespace with a veth pair to the host, or skips.
func newNetns(t *testing.T) *netns {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no ip command (iproute2): the partition test needs ip netns")
	}
	id := ostest.UniqueName("")[:5]
	n := &netns{t: t, name: "kt" + id, host: "kth" + id, hubIP: "10.231.7.1"}
	if err := ipCmd("netns", "add", n.name); err != nil {
		t.Skipf("ip netns is unavailable here (%v): the partition test needs network namespaces", err)
	}
	t.Cleanup(func() {
		_ = ipCmd("link", "del", n.host)
		_ = ipCmd("netns", "del", n.name)
	})
	in := "ktn" + id
	for _, c := range [][]string{
		{"link", "add", n.host, "type", "veth", "peer", "name", in},
		{"link", "set", in, "netns", n.name},
		{"addr", "add", n.hubIP + "/30", "dev", n.host},
		{"link", "set", n.host, "up"},
		{"netns", "exec", n.name, "ip", "addr", "add", "10.231.7.2/30", "dev", in},
		{"netns", "exec", n.name, "ip", "link", "set", in, "up"},
		{"netns", "exec", n.name, "ip", "link", "set", "lo", "up"},
	} {
		if err := ipCmd(c...); err != nil {
			t.Skipf("the veth pair could not be made (%v): the partition test needs it", err)
		}
	}
	return n
}

func (n *netns) link(up bool) {
	n.t.Helper()
	state := "down"
	if up {
		state = "up"
	}
	if err := ipCmd("link", "set", n.host, state); err != nil {
		n.t.Fatal(err)
	}
}

// startDaemonIn starts kidtimed inside the namespace (its socket is a
// file, reachable from the host).
func startDaemonIn(t *testing.T, ns string) *daemon {
	t.Helper()
	data := t.TempDir()
	d := &daemon{t: t, data: data, socket: filepath.Join(env.dir, "s-"+filepath.Base(data)+".sock"), log: &bytes.Buffer{}}
	d.restart = func() {
		d.cmd = exec.Command("ip", "netns", "exec", ns, env.kidtimed, "run", "--data-dir", d.data, "--socket", d.socket, "--log-level", "debug")
		d.cmd.Env = append(os.Environ(), webTestEnv()...)
		d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
		if err := d.cmd.Start(); err != nil {
			t.Fatalf("start kidtimed in %s: %v", ns, err)
		}
		waitUntil(t, "kidtimed in the namespace answers", 15*time.Second, func() bool { _, _, code := d.cli(nil, "status"); return code == 0 })
	}
	d.restart()
	t.Cleanup(func() {
		d.stop()
		if t.Failed() {
			t.Logf("laptop daemon log:\n%s", d.log.String())
		}
	})
	return d
}

// ownToday is what a PC itself counted for An today (its store).
func ownToday(t *testing.T, d *daemon) int64 {
	t.Helper()
	var u apitype.Usage
	if err := json.Unmarshal([]byte(d.must("--json", "usage", "An", "--by", "day")), &u); err != nil {
		t.Fatal(err)
	}
	today := time.Now().Format(time.DateOnly)
	for _, r := range u.Rows {
		if r.Key == today {
			return r.ScreenSec
		}
	}
	return 0
}

func TestHubPartition(t *testing.T) {
	ostest.NeedRoot(t)
	n := newNetns(t)
	_, port, _ := net.SplitHostPort(freePort(t))
	h := &hubProc{t: t, data: t.TempDir(), listen: net.JoinHostPort(n.hubIP, port), socket: filepath.Join(env.dir, "hub-"+ostest.UniqueName("")[:6]+".sock"), log: &bytes.Buffer{}, extra: []string{"--family"}}
	h.start()
	t.Cleanup(func() {
		h.stop()
		if t.Failed() {
			t.Logf("hub log:\n%s", h.log.String())
		}
	})
	laptop, kitchen := startDaemonIn(t, n.name), startDaemon(t, t.TempDir())
	laptop.must("join", h.invite().Token, "--name", "laptop")
	kitchen.must("join", h.invite().Token, "--name", "kitchen")
	const limit = 75
	users := map[*daemon]account{laptop: env.users["kte2e-an"], kitchen: env.users["kte2e-binh"]}
	for d, u := range users {
		d.policy(fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":[%q],
			"screen":{"daily":"%ds"},"allowed":{"daily":["00:00-24:00"]},"warnings":["10s"],"grace":"1s"}]}`,
			time.Now().Year()-11, u.name, limit))
		waitUntil(t, "joined and connected", 20*time.Second, func() bool { st := d.status(); return st.Hub != nil && st.Hub.Connected })
	}
	// An's companion beats while she uses a PC, and is gone when she
	// leaves it (her account runs nothing else there).
	use := func(d *daemon, how time.Duration) {
		b := startBeat(t, users[d], d.socket, false)
		time.Sleep(how)
		_ = b.Process.Kill()
	}

	// Online: An at the kitchen PC for 20 s; the laptop learns it.
	use(kitchen, 20*time.Second)
	waitUntil(t, "the laptop knows An's time at the kitchen PC", 40*time.Second, func() bool { return laptop.child("An").ScreenUsedSec >= 15 })
	known := laptop.child("An").ScreenUsedSec
	t.Logf("before the cut the laptop knows %d s of An's day", known)

	// Cut: An at the laptop until it stops her, on what it knew, and at
	// the kitchen PC for 10 s, which the laptop cannot learn meanwhile.
	n.link(false)
	cut := time.Now()
	b := startBeat(t, users[laptop], laptop.socket, false)
	use(kitchen, 10*time.Second)
	waitUntil(t, "the laptop, cut off, stops An", 2*time.Minute, func() bool {
		c := laptop.child("An")
		return c.State == "grace" || c.State == "blocked"
	})
	_ = b.Process.Kill()
	ownLaptopAtStop := ownToday(t, laptop)
	t.Logf("cut off for %v, the laptop stopped An having counted %d s itself (limit %d s, %d s known from before)", time.Since(cut).Round(time.Second), ownLaptopAtStop, limit, known)
	if ownLaptopAtStop > limit-known+5 {
		t.Errorf("cut off, the laptop let An use %d s there with %d s known elsewhere and %d s a day", ownLaptopAtStop, known, limit)
	}

	// Back: both PCs agree on her day, the sum of what each counted.
	n.link(true)
	back := time.Now()
	var sum int64
	waitUntil(t, "both PCs agree on An's day after the cut", 3*time.Minute, func() bool {
		a, k := laptop.child("An").ScreenUsedSec, kitchen.child("An").ScreenUsedSec
		own := ownToday(t, laptop) + ownToday(t, kitchen)
		if a == k && a >= own-2 && a <= own+2 {
			sum = a
			return true
		}
		return false
	})
	own := ownToday(t, laptop) + ownToday(t, kitchen)
	t.Logf("reconciled %v after the link came back: both PCs say %d s; the laptop counted %d s and the kitchen PC %d s", time.Since(back).Round(time.Second), sum, ownToday(t, laptop), ownToday(t, kitchen))
	if sum < own-2 || sum > own+2 {
		t.Errorf("after the cut the family's day is %d s; the PCs counted %d s between them", sum, own)
	}
}
