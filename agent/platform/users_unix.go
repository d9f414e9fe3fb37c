//go:build !windows

package platform

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"

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

// List reads the local accounts people log in with (uid 1000–59999 on
// Linux, plus root), from /etc/passwd.
func (Users) List() ([]facts.Account, error) {
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer f.Close()
	var out []facts.Account
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.Split(sc.Text(), ":")
		if len(parts) < 7 {
			continue
		}
		uid, err := strconv.ParseUint(parts[2], 10, 32)
		if err != nil || (uid < 1000 || uid >= 60000) {
			continue
		}
		if strings.HasSuffix(parts[6], "nologin") || strings.HasSuffix(parts[6], "/false") {
			continue
		}
		admin, _ := UserIsAdmin(uint32(uid))
		out = append(out, facts.Account{Name: parts[0], UID: uint32(uid), Admin: admin})
	}
	slices.SortFunc(out, func(a, b facts.Account) int { return strings.Compare(a.Name, b.Name) })
	return out, sc.Err()
}
