package agent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
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
			l, err := platform.ConnectLogind(ctx)
			if err != nil {
				return nil, err
			}
			host.set(l)
			return logindSource{l}, nil
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

type logindSource struct{ l *platform.Logind }

func (s logindSource) Sessions(ctx context.Context) ([]Session, error) {
	ss, err := s.l.Sessions(ctx)
	out := make([]Session, 0, len(ss))
	for _, x := range ss {
		if x.Class != "" && x.Class != "user" {
			continue
		}
		out = append(out, Session{ID: x.ID, UID: x.UID, Active: x.Active, Locked: x.Locked, Idle: x.Idle})
	}
	return out, err
}

// logindHolder keeps the logind connection once the agent made it.
type logindHolder struct {
	mu sync.Mutex
	l  *platform.Logind
}

func (h *logindHolder) set(l *platform.Logind) {
	h.mu.Lock()
	h.l = l
	h.mu.Unlock()
}

func (h *logindHolder) host() platform.Host {
	h.mu.Lock()
	defer h.mu.Unlock()
	return platform.Host{Logind: h.l}
}

type actions struct{ host *logindHolder }

func (a actions) Terminate(ctx context.Context, pid int, grace time.Duration) error {
	return platform.Terminate(ctx, pid, grace)
}
func (a actions) KillUser(ctx context.Context, uid uint32, grace time.Duration) (int, error) {
	return platform.KillUser(ctx, uid, grace)
}
func (a actions) LockSession(ctx context.Context, id string) error {
	return a.host.host().LockSession(ctx, id)
}
func (a actions) TerminateSession(ctx context.Context, id string) error {
	return a.host.host().TerminateSession(ctx, id)
}

type systemUsers struct{}

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

func (systemUsers) IsAdmin(uid uint32) (bool, error) { return platform.UserIsAdmin(uid) }

// List reads the local accounts people log in with (uid 1000–59999 on
// Linux, plus root), from /etc/passwd.
func (systemUsers) List() ([]Account, error) {
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer f.Close()
	var out []Account
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
		out = append(out, Account{Name: parts[0], UID: uint32(uid), Admin: admin})
	}
	slices.SortFunc(out, func(a, b Account) int { return strings.Compare(a.Name, b.Name) })
	return out, sc.Err()
}

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
