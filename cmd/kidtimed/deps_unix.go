//go:build !windows

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kidtime/kidtime/agent"
	"github.com/kidtime/kidtime/agent/platform"
)

// openSessions connects to logind (the Sessions dependency of systemDeps).
func openSessions(ctx context.Context, host *sessionHost) (agent.SessionSource, error) {
	l, err := platform.ConnectLogind(ctx)
	if err != nil {
		return nil, err
	}
	host.set(l)
	// Sessions are read again only when logind signals a change (or every
	// 30 s, should a signal be lost): a tick costs no D-Bus call.
	w, err := platform.WatchSessions(ctx, l, 30*time.Second)
	if err != nil {
		return l, nil
	}
	return w, nil
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

// notifyFunc shows the agent's notifications in a child's session that has
// no companion.
var notifyFunc = notifyAsUser

// notifyAsUser shows a desktop notification in a user's session by running
// this program's "notify" command as that user, on their session bus.
func notifyAsUser(ctx context.Context, uid uint32, title, body string) error {
	bus := filepath.Join("/run/user", strconv.FormatUint(uint64(uid), 10), "bus")
	if _, err := os.Stat(bus); err != nil {
		return fmt.Errorf("no session bus for uid %d: %w", uid, err)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	cmd, err := platform.CommandAsUser(ctx, uid, self, []string{"notify", "--title", title, "--body", body}, nil)
	if err != nil {
		return err
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("notify as uid %d: %w: %s", uid, err, strings.TrimSpace(string(out)))
	}
	return nil
}
