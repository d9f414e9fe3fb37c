//go:build !windows

package ipc

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"time"
)

// adminGroups are the Unix groups whose members are administrators of the
// machine (and so of kidtime): Debian/Ubuntu sudo and admin, Fedora/Arch/BSD
// wheel, macOS admin, and kidtime's own group.
var adminGroups = []string{"sudo", "wheel", "admin", AdminGroup}

// fillAccount completes p from the account database: user name, group names
// and IsAdmin. An unknown uid is not an error: the peer keeps its ids and is
// an administrator only if it is root.
//
// Groups are the account's groups as the database lists them now, not the
// supplementary groups of the calling process: a user just added to
// kidtime-admin is an administrator without logging in again.
func fillAccount(p *Peer) {
	p.IsAdmin = p.UID == 0
	name, groups, err := lookupAccount(p.UID, p.GID)
	if err != nil {
		name, groups, err = lookupAccountNSS(p.UID)
	}
	if err != nil {
		return
	}
	p.Username = name
	for _, g := range groups {
		if !slices.Contains(p.Groups, g) {
			p.Groups = append(p.Groups, g)
		}
	}
	for _, g := range adminGroups {
		if p.InGroup(g) {
			p.IsAdmin = true
		}
	}
}

// lookupAccount asks os/user. Built without cgo (as kidtimed is), os/user
// reads only /etc/passwd and /etc/group.
func lookupAccount(uid, gid uint32) (name string, groups []string, err error) {
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return "", nil, fmt.Errorf("look up uid %d: %w", uid, err)
	}
	gids, err := u.GroupIds()
	if err != nil {
		gids = []string{u.Gid}
	}
	primary := strconv.FormatUint(uint64(gid), 10)
	if !slices.Contains(gids, primary) {
		gids = append(gids, primary)
	}
	for _, id := range gids {
		if g, err := user.LookupGroupId(id); err == nil {
			groups = append(groups, g.Name)
		}
	}
	return u.Username, groups, nil
}

// nssTools are where getent and id live; fixed paths, not $PATH.
var nssTools = map[string][]string{
	"getent": {"/usr/bin/getent", "/bin/getent"},
	"id":     {"/usr/bin/id", "/bin/id"},
}

func tool(name string) (string, error) {
	for _, p := range nssTools[name] {
		if _, err := exec.LookPath(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

// lookupAccountNSS asks the system's name service (getent, id), which knows
// the accounts os/user without cgo does not: LDAP, SSSD, systemd-homed.
func lookupAccountNSS(uid uint32) (name string, groups []string, err error) {
	getent, err := tool("getent")
	if err != nil {
		return "", nil, err
	}
	idTool, err := tool("id")
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, getent, "passwd", strconv.FormatUint(uint64(uid), 10)).Output()
	if err != nil {
		return "", nil, fmt.Errorf("getent passwd %d: %w", uid, err)
	}
	fields := strings.Split(strings.TrimSpace(string(out)), ":")
	if len(fields) < 3 || fields[2] != strconv.FormatUint(uint64(uid), 10) || fields[0] == "" {
		return "", nil, errors.New("getent passwd: unexpected answer")
	}
	name = fields[0]
	out, err = exec.CommandContext(ctx, idTool, "-Gn", "--", name).Output()
	if err != nil {
		return name, nil, nil
	}
	return name, strings.Fields(string(out)), nil
}
