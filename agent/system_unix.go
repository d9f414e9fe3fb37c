//go:build !windows

package agent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/agent/platform"
)

// openSessions connects to logind (the Sessions dependency of SystemDeps).
func openSessions(ctx context.Context, host *sessionHost) (SessionSource, error) {
	l, err := platform.ConnectLogind(ctx)
	if err != nil {
		return nil, err
	}
	host.set(l)
	return l, nil
}

// sessionHost keeps the logind connection once the agent made it, for the
// lock and logout actions.
type sessionHost struct {
	mu sync.Mutex
	l  *platform.Logind
}

func (h *sessionHost) set(l *platform.Logind) {
	h.mu.Lock()
	h.l = l
	h.mu.Unlock()
}

func (h *sessionHost) host() platform.Host {
	h.mu.Lock()
	defer h.mu.Unlock()
	return platform.Host{Logind: h.l}
}

func (a actions) LockSession(ctx context.Context, id string) error {
	return a.host.host().LockSession(ctx, id)
}
func (a actions) TerminateSession(ctx context.Context, id string) error {
	return a.host.host().TerminateSession(ctx, id)
}

func (systemUsers) Lookup(name string) (uint32, error) {
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
func (systemUsers) List() ([]family.Account, error) {
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer f.Close()
	var out []family.Account
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
		admin, _ := platform.UserIsAdmin(uint32(uid))
		out = append(out, family.Account{Name: parts[0], UID: uint32(uid), Admin: admin})
	}
	slices.SortFunc(out, func(a, b family.Account) int { return strings.Compare(a.Name, b.Name) })
	return out, sc.Err()
}
