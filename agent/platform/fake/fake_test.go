package fake_test

import (
	"context"
	"errors"
	"io/fs"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/platform"
	"github.com/kidtime/kidtime/agent/platform/fake"
)

// api is the whole platform surface; the fake and the real Host must both
// satisfy it, so a test written against the fake runs against the real one.
type api interface {
	WatchProcs(ctx context.Context) (<-chan platform.ProcEvent, error)
	ReadProc(pid int) (platform.Process, error)
	ScanProcs() ([]platform.Process, error)
	HashProc(pid int) (path, sum string, err error)
	Sessions(ctx context.Context) ([]platform.Session, error)
	LockSession(ctx context.Context, id string) error
	TerminateSession(ctx context.Context, id string) error
	Terminate(ctx context.Context, pid int, grace time.Duration) error
	KillUser(ctx context.Context, uid uint32, grace time.Duration) (int, error)
	UserIsAdmin(uid uint32) (bool, error)
	RunAsUser(ctx context.Context, uid uint32, name string, args []string, env []string) (*exec.Cmd, error)
}

var (
	_ api = (*fake.Platform)(nil)
	_ api = platform.Host{}
)

func next(t *testing.T, ch <-chan platform.ProcEvent) platform.ProcEvent {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(time.Second):
		t.Fatal("no event within 1 s")
	}
	return platform.ProcEvent{}
}

func TestProcessesAndEvents(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := fake.New()
	ch, _ := f.WatchProcs(ctx)
	pid := f.Exec(platform.Process{UID: 1001, Exe: "/usr/games/supertux2", Cmdline: []string{"supertux2"}})
	if ev := next(t, ch); ev.Kind != platform.Exec || ev.PID != pid {
		t.Errorf("event = %+v, want exec of %d", ev, pid)
	}
	p, err := f.ReadProc(pid)
	if err != nil || p.Name != "supertux2" || p.UID != 1001 || p.Start.IsZero() {
		t.Errorf("ReadProc = %+v, %v", p, err)
	}
	if all, _ := f.ScanProcs(); len(all) != 1 || all[0].Cmdline != nil {
		t.Errorf("ScanProcs = %+v, want one process without cmdline", all)
	}
	f.Exit(pid)
	if ev := next(t, ch); ev.Kind != platform.Exit || ev.PID != pid {
		t.Errorf("event = %+v, want exit of %d", ev, pid)
	}
	if _, err := f.ReadProc(pid); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadProc(exited) = %v, want fs.ErrNotExist", err)
	}
	cancel()
	for range ch {
	}
}

func TestOverrunWhenReaderLags(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := fake.New()
	ch, _ := f.WatchProcs(ctx)
	for range 1100 {
		f.Exec(platform.Process{UID: 1})
	}
	for range 1024 {
		<-ch
	}
	f.Exec(platform.Process{UID: 1})
	if ev := next(t, ch); ev.Kind != platform.Overrun {
		t.Errorf("after lost events got %v, want overrun", ev.Kind)
	}
}

func TestActions(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(f *fake.Platform, pid int)
		act   func(f *fake.Platform, pid int) error
		alive bool // is the game still running afterwards
		err   bool
		kind  fake.ActionKind
	}{
		{"terminate ends the process", nil,
			func(f *fake.Platform, pid int) error { return f.Terminate(ctx, pid, time.Second) }, false, false, fake.ActTerminate},
		{"terminate of a stubborn process fails and leaves it running", func(f *fake.Platform, pid int) { f.Stubborn(pid) },
			func(f *fake.Platform, pid int) error { return f.Terminate(ctx, pid, time.Second) }, true, true, fake.ActTerminate},
		{"an injected failure is returned and recorded", func(f *fake.Platform, pid int) { f.Fail(fake.ActTerminate, errors.New("boom")) },
			func(f *fake.Platform, pid int) error { return f.Terminate(ctx, pid, time.Second) }, true, true, fake.ActTerminate},
		{"kill user ends the user's processes", nil,
			func(f *fake.Platform, pid int) error { _, err := f.KillUser(ctx, 1001, time.Second); return err }, false, false, fake.ActKillUser},
		{"kill user refuses root", nil,
			func(f *fake.Platform, pid int) error { _, err := f.KillUser(ctx, 0, time.Second); return err }, true, true, fake.ActKillUser},
		{"terminating the session ends its user's processes", nil,
			func(f *fake.Platform, pid int) error { return f.TerminateSession(ctx, "c1") }, false, false, fake.ActTerminateSession},
		{"locking leaves processes running", nil,
			func(f *fake.Platform, pid int) error { return f.LockSession(ctx, "c1") }, true, false, fake.ActLockSession},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := fake.New()
			f.SetSession(platform.Session{ID: "c1", UID: 1001, Active: true})
			pid := f.Exec(platform.Process{UID: 1001, Exe: "/games/x"})
			rootPID := f.Exec(platform.Process{UID: 0, Exe: "/usr/sbin/cron"})
			if tc.setup != nil {
				tc.setup(f, pid)
			}
			err := tc.act(f, pid)
			if (err != nil) != tc.err {
				t.Errorf("err = %v, want error %v", err, tc.err)
			}
			if _, rerr := f.ReadProc(pid); (rerr == nil) != tc.alive {
				t.Errorf("game alive = %v, want %v", rerr == nil, tc.alive)
			}
			if _, rerr := f.ReadProc(rootPID); rerr != nil {
				t.Errorf("root's process was touched")
			}
			acts := f.Actions()
			if len(acts) != 1 || acts[0].Kind != tc.kind || (acts[0].Err != nil) != tc.err {
				t.Errorf("recorded %+v, want one %s", acts, tc.kind)
			}
		})
	}
}

func TestSessionsLock(t *testing.T) {
	ctx := context.Background()
	f := fake.New()
	f.SetSession(platform.Session{ID: "2", UID: 1001, Active: true})
	f.SetSession(platform.Session{ID: "3", UID: 1002, Active: true})
	f.IgnoreLock("3")
	_ = f.LockSession(ctx, "2")
	_ = f.LockSession(ctx, "3")
	ss, _ := f.Sessions(ctx)
	got := []bool{ss[0].Locked, ss[1].Locked}
	if !slices.Equal(got, []bool{true, false}) {
		t.Errorf("locked = %v, want [true false] (session 3 ignores locks)", got)
	}
	if err := f.LockSession(ctx, "9"); err == nil {
		t.Error("locking an unknown session succeeded")
	}
}

func TestHashAndAdmin(t *testing.T) {
	f := fake.New()
	f.SetHash("/games/x", "abc")
	pid := f.Exec(platform.Process{Exe: "/games/x"})
	if path, sum, _ := f.HashProc(pid); path != "/games/x" || sum != "abc" {
		t.Errorf("HashProc = %s %s", path, sum)
	}
	f.SetAdmin(1000, true)
	for uid, want := range map[uint32]bool{0: true, 1000: true, 1001: false} {
		if got, _ := f.UserIsAdmin(uid); got != want {
			t.Errorf("UserIsAdmin(%d) = %v, want %v", uid, got, want)
		}
	}
	if _, err := f.RunAsUser(context.Background(), 1001, "notify-send", nil, nil); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("RunAsUser without RunAsUserFunc = %v, want ErrUnsupported", err)
	}
}
