//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
)

const logindPath = "/lib/systemd/systemd-logind"

// startLogind runs the real systemd-logind on the private bus, in its own
// mount namespace with a fresh /run/systemd (so what it writes there is not
// the machine's, and goes with it).
func startLogind(c *cleanup, dir, addr string) error {
	if _, err := os.Stat(logindPath); err != nil {
		return err
	}
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
		"mount -t tmpfs -o mode=755 tmpfs /run/systemd && exec "+logindPath)
	cmd.Env = append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS="+addr, "SYSTEMD_LOG_LEVEL=debug", "SYSTEMD_LOG_TARGET=console")
	w := logTo(dir, "logind.log")
	cmd.Stdout, cmd.Stderr = w, w
	return start(c, cmd, "systemd-logind")
}

// account is a throwaway Linux user made for the run.
type account struct {
	name     string
	uid, gid uint32
}

// addUser makes a throwaway account, removed at cleanup.
func addUser(c *cleanup, name string) (account, error) {
	_ = exec.Command("userdel", "-r", name).Run() // a leftover of a killed run
	if out, err := exec.Command("useradd", "-m", "-s", "/usr/sbin/nologin", name).CombinedOutput(); err != nil {
		return account{}, fmt.Errorf("useradd %s: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
	c.add(func() {
		killUser(name)
		_ = exec.Command("userdel", "-r", "-f", name).Run()
	})
	u, err := user.Lookup(name)
	if err != nil {
		return account{}, err
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return account{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
}

// killUser kills every process of an account (pkill by uid: only its own).
func killUser(name string) {
	for range 3 {
		if exec.Command("pkill", "-KILL", "-U", name).Run() != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// asUser is a command run as an account.
func asUser(a account, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: []uint32{}}}
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/home/" + a.name, "USER=" + a.name, "LANG=C"}
	cmd.Dir = "/"
	return cmd
}

// session is the child's logind session.
type session struct {
	id   string
	path dbus.ObjectPath
	fifo *os.File // logind closes the session when this closes
	real bool     // the real logind (false: the fake login1)
}

// createSession asks logind for an x11 session of the user with leader
// pid, on seat0 at the active VT (so it is active at once) when it takes
// it, else without a seat; then activates it.
func createSession(conn *dbus.Conn, a account, leader int) (*session, error) {
	mgr := conn.Object("org.freedesktop.login1", "/org/freedesktop/login1")
	vt := uint32(1)
	if b, err := os.ReadFile("/sys/class/tty/tty0/active"); err == nil {
		if n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(string(b)), "tty")); err == nil && n > 0 {
			vt = uint32(n)
		}
	}
	type try struct {
		seat string
		vt   uint32
		tty  string
	}
	var errs []string
	for _, t := range []try{{"seat0", vt, fmt.Sprintf("tty%d", vt)}, {"seat0", 0, ""}, {"", 0, ""}} {
		var (
			id, rt, seat string
			path         dbus.ObjectPath
			fd           dbus.UnixFD
			uid, vtnr    uint32
			existing     bool
		)
		call := mgr.Call("org.freedesktop.login1.Manager.CreateSession", 0,
			a.uid, uint32(leader), "kidtime-bench", "x11", "user", "", t.seat, t.vt, t.tty, ":0",
			false, "", "", []struct {
				Name  string
				Value dbus.Variant
			}{})
		if err := call.Store(&id, &path, &rt, &fd, &uid, &seat, &vtnr, &existing); err != nil {
			errs = append(errs, fmt.Sprintf("seat %q vt %d: %v", t.seat, t.vt, err))
			continue
		}
		s := &session{id: id, path: path, fifo: os.NewFile(uintptr(fd), "session-fifo"), real: true}
		_ = mgr.Call("org.freedesktop.login1.Manager.ActivateSession", 0, id).Err
		return s, nil
	}
	return nil, fmt.Errorf("CreateSession: %s", strings.Join(errs, "; "))
}

// sessionActive reads a session's Active and State from logind.
func sessionActive(conn *dbus.Conn, s *session) (bool, string, error) {
	obj := conn.Object("org.freedesktop.login1", s.path)
	a, err := obj.GetProperty("org.freedesktop.login1.Session.Active")
	if err != nil {
		return false, "", err
	}
	st, err := obj.GetProperty("org.freedesktop.login1.Session.State")
	if err != nil {
		return false, "", err
	}
	active, _ := a.Value().(bool)
	state, _ := st.Value().(string)
	return active, state, nil
}
