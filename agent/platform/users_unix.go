//go:build !windows

package platform

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/kidtime/kidtime/agent/facts"
)

// Users are the machine's accounts: Lookup, IsAdmin and List.
type Users struct{}

// IsAdmin calls [UserIsAdmin].
func (Users) IsAdmin(uid uint32) (bool, error) { return UserIsAdmin(uid) }

// Lookup returns an account's uid.
func (Users) Lookup(name string) (uint32, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, fmt.Errorf("look up account %q: %w", name, err)
	}
	n, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("account %q has uid %q: %w", name, u.Uid, errors.ErrUnsupported)
	}
	return uint32(n), nil
}

// accountFiles are what the accounts and their administrators' groups are
// read from (Stamp).
var accountFiles = []string{"/etc/passwd", "/etc/group", "/etc/login.defs"}

// Stamp is a cheap fingerprint of the account files (each one's inode,
// size and modification time): it changes when an account is added or
// removed, or joins an administrators' group, so the agent lists the
// accounts again only then.
func (Users) Stamp() string {
	var b strings.Builder
	for _, p := range accountFiles {
		fi, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(&b, "%s:-;", p)
			continue
		}
		ino := uint64(0)
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			ino = uint64(st.Ino)
		}
		fmt.Fprintf(&b, "%s:%d:%d:%d;", p, ino, fi.Size(), fi.ModTime().UnixNano())
	}
	return b.String()
}

// List reads the local accounts people log in with, from /etc/passwd: a
// uid in the login range of /etc/login.defs (UID_MIN–UID_MAX; 1000–60000
// when it says nothing) and a shell one can log in with. Service and system
// accounts are never a child's nor reported as new.
func (Users) List() ([]facts.Account, error) {
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer f.Close()
	lo, hi := loginRange("/etc/login.defs")
	var out []facts.Account
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, uid, ok := personLine(sc.Text(), lo, hi)
		if !ok {
			continue
		}
		admin, _ := UserIsAdmin(uid)
		out = append(out, facts.Account{Name: name, UID: uid, Admin: admin, FullName: fullName(sc.Text())})
	}
	slices.SortFunc(out, func(a, b facts.Account) int { return strings.Compare(a.Name, b.Name) })
	return out, sc.Err()
}

// personLine reads one /etc/passwd line: the account is a person's when its
// uid is in [lo, hi] and its shell lets one log in.
func personLine(line string, lo, hi uint64) (name string, uid uint32, ok bool) {
	parts := strings.Split(line, ":")
	if len(parts) < 7 || parts[0] == "" || strings.HasPrefix(parts[0], "#") {
		return "", 0, false
	}
	n, err := strconv.ParseUint(parts[2], 10, 32)
	if err != nil || n < lo || n > hi {
		return "", 0, false
	}
	switch filepath.Base(strings.TrimSpace(parts[6])) {
	case "nologin", "false", "sync", "halt", "shutdown":
		return "", 0, false
	}
	return parts[0], uint32(n), true
}

// fullName is the person's name of a /etc/passwd line: the first part of
// its GECOS field ("An Nguyen,,," is An Nguyen); "" when it has none or it
// only repeats the login name.
func fullName(line string) string {
	parts := strings.Split(line, ":")
	if len(parts) < 5 {
		return ""
	}
	name, _, _ := strings.Cut(parts[4], ",")
	name = strings.TrimSpace(name)
	if name == parts[0] {
		return ""
	}
	return name
}

// loginRange is UID_MIN and UID_MAX of a login.defs file, 1000 and 60000
// for what it does not say (or a range that makes no sense).
func loginRange(path string) (lo, hi uint64) {
	lo, hi = 1000, 60000
	b, err := os.ReadFile(path)
	if err != nil {
		return lo, hi
	}
	l, h := lo, hi
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, err := strconv.ParseUint(f[1], 10, 32)
		if err != nil {
			continue
		}
		switch f[0] {
		case "UID_MIN":
			l = v
		case "UID_MAX":
			h = v
		}
	}
	if l == 0 || l > h {
		return lo, hi
	}
	return l, h
}
