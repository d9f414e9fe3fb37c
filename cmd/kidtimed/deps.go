package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/kidtime/kidtime/agent"
	"github.com/kidtime/kidtime/agent/catalog"
	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/platform"
	"github.com/kidtime/kidtime/assets"
)

// systemDeps are the real OS adapters: /proc and the proc connector (or
// gopsutil), logind, the built-in app catalog and the local .desktop and
// AppStream files. They produce agent/facts' types, which the monitor takes
// as they are.
func systemDeps(log *slog.Logger) (agent.Deps, error) {
	raisePriority(log)
	cl, err := catalog.New(catalog.Options{Catalog: assets.Catalog, Logger: log})
	if err != nil {
		return agent.Deps{}, fmt.Errorf("app catalog: %w", err)
	}
	host := &sessionHost{}
	accounts := platform.NewProcFilter()
	return agent.Deps{
		Procs:      platform.Host{},
		Hasher:     platform.NewHasher(4096),
		Classifier: cl,
		Watch: func(ctx context.Context) (<-chan facts.ProcEvent, error) {
			if os.Getenv("KIDTIMED_POLL") != "" {
				return nil, fmt.Errorf("process events turned off by KIDTIMED_POLL: %w", errors.ErrUnsupported)
			}
			return platform.WatchProcsFor(ctx, accounts)
		},
		WatchAccounts:  accounts.Set,
		EventsInKernel: accounts.InKernel,
		Pace:           platform.SetWatchPace,
		Trim:           func() { _, _ = platform.ReleaseImagePages() },
		Sessions: func(ctx context.Context) (agent.SessionSource, error) {
			return openSessions(ctx, host)
		},
		Actions:  actions{host: host},
		Users:    platform.Users{},
		Notify:   notifyFunc,
		Firewall: firewall,
		// Tests that run several daemons (KIDTIMED_WEB_TABLE) leave the
		// machine's browsers alone.
		BrowserPolicies: browserPoliciesUnlessTest(),
	}, nil
}

type actions struct{ host *sessionHost }

func (a actions) Terminate(ctx context.Context, pid int, grace time.Duration) error {
	return platform.Terminate(ctx, pid, grace)
}
func (a actions) KillUser(ctx context.Context, uid uint32, grace time.Duration) (int, error) {
	return platform.KillUser(ctx, uid, grace)
}

// companionPath is the installed companion: kidtime-app beside the daemon,
// or in /usr/bin (the .deb puts the daemon in /usr/sbin). Only a file
// nobody but its owner can write counts (a child must not be able to put a
// program there).
func companionPath() string {
	name := "kidtime-app"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	var dirs []string
	if self, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(self); err == nil {
			self = real
		}
		dirs = append(dirs, filepath.Dir(self))
	}
	if runtime.GOOS == "linux" {
		dirs = append(dirs, "/usr/bin")
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o022 != 0 {
			continue
		}
		return p
	}
	return ""
}
