package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/catalog"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/agent/platform"
	"github.com/kidtime/kidtime/assets"
)

// SystemDeps are the real OS adapters: /proc and the proc connector (or
// gopsutil), logind, the built-in app catalog and the local .desktop and
// AppStream files.
func SystemDeps(log *slog.Logger) (Deps, error) {
	cl, err := catalog.New(catalog.Options{Catalog: assets.Catalog, Logger: log})
	if err != nil {
		return Deps{}, fmt.Errorf("app catalog: %w", err)
	}
	host := &logindHolder{}
	hasher := platform.NewHasher(4096)
	return Deps{
		Procs:      procSource{},
		Hasher:     hasherAdapter{hasher},
		Classifier: classifier{cl},
		Watch: func(ctx context.Context) (<-chan ProcEvent, error) {
			if os.Getenv("KIDTIMED_POLL") != "" {
				return nil, fmt.Errorf("process events turned off by KIDTIMED_POLL: %w", errors.ErrUnsupported)
			}
			in, err := platform.WatchProcs(ctx)
			if err != nil {
				return nil, err
			}
			out := make(chan ProcEvent, 256)
			go func() {
				defer close(out)
				for ev := range in {
					pe := ProcEvent{PID: ev.PID, Time: ev.Time}
					switch ev.Kind {
					case platform.Exec:
						pe.Exec = true
					case platform.Exit:
						pe.Exit = true
					case platform.Overrun:
						pe.Overrun = true
					default:
						continue
					}
					select {
					case out <- pe:
					case <-ctx.Done():
						return
					}
				}
			}()
			return out, nil
		},
		Sessions: func(ctx context.Context) (SessionSource, error) {
			return openSessions(ctx, host)
		},
		Actions: actions{host: host},
		Users:   systemUsers{},
		Notify:  notifyAsUser,
	}, nil
}

type procSource struct{}

func toProc(p platform.Process) monitor.Proc {
	return monitor.Proc{PID: p.PID, PPID: p.PPID, UID: p.UID, Exe: p.Exe, Name: p.Name, Cmdline: p.Cmdline, Start: p.Start}
}

func (procSource) ReadProc(pid int) (monitor.Proc, error) {
	p, err := platform.ReadProc(pid)
	return toProc(p), err
}

func (procSource) ScanOwners() (map[int]uint32, error) { return platform.ScanOwners() }

func (procSource) ScanProcs() ([]monitor.Proc, error) {
	ps, err := platform.ScanProcs()
	out := make([]monitor.Proc, 0, len(ps))
	for _, p := range ps {
		out = append(out, toProc(p))
	}
	return out, err
}

type hasherAdapter struct{ h *platform.Hasher }

func (h hasherAdapter) HashProc(pid int) (string, string, error) { return h.h.HashProc(pid) }
func (h hasherAdapter) Hash(path string) (string, error)         { return h.h.Hash(path) }

type classifier struct{ c *catalog.Classifier }

func (c classifier) Classify(exe, name string, cmdline []string, sha string) monitor.App {
	info := c.c.Classify(catalog.ProcessFacts{Exe: exe, Name: name, Cmdline: cmdline, SHA256: sha})
	return monitor.App{Name: info.Name, Category: string(info.Category), MinAge: info.MinAge, Source: info.Source}
}

type actions struct{ host *logindHolder }

func (a actions) Terminate(ctx context.Context, pid int, grace time.Duration) error {
	return platform.Terminate(ctx, pid, grace)
}
func (a actions) KillUser(ctx context.Context, uid uint32, grace time.Duration) (int, error) {
	return platform.KillUser(ctx, uid, grace)
}

type systemUsers struct{}

func (systemUsers) IsAdmin(uid uint32) (bool, error) { return platform.UserIsAdmin(uid) }

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
