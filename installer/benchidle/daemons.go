//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// daemon is one of the two measured programs.
type daemon interface {
	name() string
	start(c *cleanup) error // started and ready (the child's session seen)
	pid() int
	phase()      // a window starts: kidtimed starts its next profile
	stop() error // stopped; profiles written
}

// kidtimed is the real daemon, built from this checkout.
type kidtimed struct {
	label              string // "kidtimed", or baselineName
	bin, cli, dir, bus string
	child              account
	cmd                *exec.Cmd
	done               chan struct{}
	phases             int
	profile            bool // with KIDTIMED_PPROF_DIR (SIGUSR1 starts each window's profile)
	// baseline: the second kidtimed of the same windows, with its own
	// firewall table and resolver ports (the two would otherwise rewrite one
	// table, and the second could not open its ports and would retry them
	// every 2 s).
	baseline bool
}

// baselineName is the column of the kidtimed built from -baseline.
const baselineName = "kidtimed (baseline)"

// baselineWebPorts is the baseline's first resolver port (kidtimed's own
// start at 5300).
const baselineWebPorts = 5700

func (k *kidtimed) name() string { return k.label }
func (k *kidtimed) pid() int     { return k.cmd.Process.Pid }
func (k *kidtimed) socket() string {
	return filepath.Join(k.dir, "kidtimed.sock")
}

// policy: the child, a daily game budget and a game (the same rule the
// Timekpr-nExT column gets).
func (k *kidtimed) policy() string {
	return fmt.Sprintf(`{"version":1,"children":[{"name":"Bench","birthYear":%d,"accounts":["%s"],
		"screen":{"daily":"3h"},"games":{"daily":"1h"},"allowed":{"daily":["00:00-24:00"]},
		"apps":[{"match":{"name":"kt-game"},"category":"game"}]}]}`, time.Now().Year()-11, k.child.name)
}

func (k *kidtimed) start(c *cleanup) error {
	if err := os.MkdirAll(k.dir, 0o755); err != nil {
		return err
	}
	data := filepath.Join(k.dir, "data")
	pol := filepath.Join(k.dir, "policy.json")
	if err := os.WriteFile(pol, []byte(k.policy()), 0o644); err != nil {
		return err
	}
	k.cmd = exec.Command(k.bin, "run", "--data-dir", data, "--socket", k.socket(), "--policy", pol, "--log-level", "info")
	// The safe web's firewall table is the bench's own, removed at the end:
	// kidtimed leaves its table when it stops (a child's DNS fails closed),
	// and kidtime's own table, left for the throwaway child's uid, would
	// close the DNS of the next account given that uid.
	table := fmt.Sprintf("kidtime-bench-%d", os.Getpid())
	k.cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C",
		"DBUS_SYSTEM_BUS_ADDRESS=" + k.bus, "KIDTIMED_TIME_SERVERS=off"}
	if k.baseline {
		table += "-baseline"
		k.cmd.Env = append(k.cmd.Env, fmt.Sprintf("KIDTIMED_WEB_PORTS=%d", baselineWebPorts))
	}
	k.cmd.Env = append(k.cmd.Env, "KIDTIMED_WEB_TABLE="+table)
	if k.profile {
		k.cmd.Env = append(k.cmd.Env, "KIDTIMED_PPROF_DIR="+filepath.Join(k.dir, "pprof"))
	}
	for _, v := range []string{"GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG", "KIDTIMED_PPROF_HZ"} {
		if s, ok := os.LookupEnv(v); ok { // for experiments
			k.cmd.Env = append(k.cmd.Env, v+"="+s)
		}
	}
	w := logTo(k.dir, "kidtimed.log")
	k.cmd.Stdout, k.cmd.Stderr = w, w
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := k.cmd.Start(); err != nil {
		return err
	}
	k.done = make(chan struct{})
	go func() { _ = k.cmd.Wait(); close(k.done) }()
	c.add(func() {
		_ = k.stop()
		rm := exec.Command(k.bin, "web-remove")
		rm.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "KIDTIMED_WEB_TABLE=" + table}
		if out, err := rm.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "benchidle: kidtimed web-remove (table %s): %v\n%s", table, err, out)
		}
	})
	// Ready: it answers, and it sees the child at the computer (which it
	// learns from logind on the private bus).
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		out, err := exec.Command(k.cli, "--socket", k.socket(), "--json", "status").Output()
		if err == nil {
			var st struct {
				Children []struct {
					Name   string `json:"name"`
					Active bool   `json:"active"`
				} `json:"children"`
			}
			if json.Unmarshal(out, &st) == nil {
				for _, ch := range st.Children {
					if ch.Name == "Bench" && ch.Active {
						return nil
					}
				}
				last = strings.TrimSpace(string(out))
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("kidtimed did not see the child's session as active within 30 s (last status %.300s); see %s", last, filepath.Join(k.dir, "kidtimed.log"))
}

func (k *kidtimed) phase() {
	k.phases++
	if k.profile { // without a profile folder kidtimed does not catch SIGUSR1
		_ = k.cmd.Process.Signal(syscall.SIGUSR1)
	}
}

func (k *kidtimed) stop() error {
	if k.cmd == nil || k.cmd.Process == nil {
		return nil
	}
	_ = k.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-k.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGKILL)
		<-k.done
	}
	return nil
}

// timekpr is Timekpr-nExT's daemon (a Python program) in the foreground.
type timekpr struct {
	dir, bus string
	child    account
	cmd      *exec.Cmd
	done     chan struct{}
}

const (
	timekprMain = "/usr/lib/python3/dist-packages/timekpr/server/timekprd.py"
	timekprConf = "/etc/timekpr/timekpr.conf"
	timekprDir  = "/var/lib/timekpr"
)

func (t *timekpr) name() string { return "Timekpr-nExT" }
func (t *timekpr) pid() int     { return t.cmd.Process.Pid }
func (t *timekpr) phase()       {}

// installTimekpr installs the Debian package when it is missing.
func installTimekpr() error {
	if _, err := os.Stat(timekprMain); err == nil {
		return nil
	}
	cmd := exec.Command("apt-get", "install", "-y", "--no-install-recommends", "timekpr-next")
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get install timekpr-next: %v: %s", err, lastLine(out))
	}
	if _, err := os.Stat(timekprMain); err != nil {
		return fmt.Errorf("timekpr-next installed but %s is missing", timekprMain)
	}
	return nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// userConf gives the child a daily limit and a game (PlayTime), like
// kidtimed's policy.
func (t *timekpr) userConf() string {
	hours := "0;1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20;21;22;23"
	var b strings.Builder
	b.WriteString("[DOCUMENTATION]\n[USER]\n")
	for d := 1; d <= 7; d++ {
		fmt.Fprintf(&b, "ALLOWED_HOURS_%d = %s\n", d, hours)
	}
	b.WriteString(`ALLOWED_WEEKDAYS = 1;2;3;4;5;6;7
LIMITS_PER_WEEKDAYS = 10800;10800;10800;10800;10800;10800;10800
LIMIT_PER_WEEK = 604800
LIMIT_PER_MONTH = 2678400
TRACK_INACTIVE = False
HIDE_TRAY_ICON = False
LOCKOUT_TYPE = terminate
WAKEUP_HOUR_INTERVAL = 0;23
[USER.PLAYTIME]
PLAYTIME_ENABLED = True
PLAYTIME_LIMIT_OVERRIDE_ENABLED = False
PLAYTIME_UNACCOUNTED_INTERVALS_ENABLED = True
PLAYTIME_ALLOWED_WEEKDAYS = 1;2;3;4;5;6;7
PLAYTIME_LIMITS_PER_WEEKDAYS = 3600;3600;3600;3600;3600;3600;3600
PLAYTIME_ACTIVITY_001 = kt-game[kt-game]
`)
	return b.String()
}

func (t *timekpr) start(c *cleanup) error {
	if err := installTimekpr(); err != nil {
		return err
	}
	// PlayTime on in the main config (restored after), the child's limits.
	orig, err := os.ReadFile(timekprConf)
	if err != nil {
		return err
	}
	c.add(func() { _ = os.WriteFile(timekprConf, orig, 0o644) })
	conf := strings.Replace(string(orig), "TIMEKPR_PLAYTIME_ENABLED = False", "TIMEKPR_PLAYTIME_ENABLED = True", 1)
	if err := os.WriteFile(timekprConf, []byte(conf), 0o644); err != nil {
		return err
	}
	uc := filepath.Join(timekprDir, "config", "timekpr."+t.child.name+".conf")
	if err := os.WriteFile(uc, []byte(t.userConf()), 0o600); err != nil {
		return err
	}
	// Whatever Timekpr writes there for this run (the child's files, and a
	// config for every login account it meets) goes at the end.
	before := map[string]bool{}
	for _, sub := range []string{"config", "work"} {
		ents, _ := os.ReadDir(filepath.Join(timekprDir, sub))
		for _, e := range ents {
			before[filepath.Join(sub, e.Name())] = true
		}
	}
	delete(before, filepath.Join("config", filepath.Base(uc)))
	c.add(func() {
		for _, sub := range []string{"config", "work"} {
			ents, _ := os.ReadDir(filepath.Join(timekprDir, sub))
			for _, e := range ents {
				if p := filepath.Join(sub, e.Name()); !before[p] {
					_ = os.Remove(filepath.Join(timekprDir, p))
				}
			}
		}
	})
	t.cmd = exec.Command("/usr/bin/python3", timekprMain) // the Debian python, with its dbus module
	t.cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "DBUS_SYSTEM_BUS_ADDRESS=" + t.bus}
	w := logTo(t.dir, "timekprd.log")
	t.cmd.Stdout, t.cmd.Stderr = w, w
	t.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := t.cmd.Start(); err != nil {
		return err
	}
	t.done = make(chan struct{})
	go func() { _ = t.cmd.Wait(); close(t.done) }()
	c.add(func() { _ = t.stop() })
	// Ready: it owns its bus name and has the child in its work files.
	deadline := time.Now().Add(30 * time.Second)
	work := filepath.Join(timekprDir, "work", t.child.name+".time")
	for time.Now().Before(deadline) {
		select {
		case <-t.done:
			return fmt.Errorf("timekprd exited at start; see %s", filepath.Join(t.dir, "timekprd.log"))
		default:
		}
		if _, err := os.Stat(work); err == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("timekprd did not take the child's session within 30 s (no %s); see %s", work, filepath.Join(t.dir, "timekprd.log"))
}

func (t *timekpr) stop() error {
	if t.cmd == nil || t.cmd.Process == nil {
		return nil
	}
	_ = syscall.Kill(-t.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-t.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-t.cmd.Process.Pid, syscall.SIGKILL)
		<-t.done
	}
	return nil
}
