//go:build !linux && !windows

package platform

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// ReadProc reads one process through gopsutil. When the process does not
// exist the error wraps os.ErrNotExist.
func ReadProc(pid int) (Process, error) {
	return readGopsutil(context.Background(), pid, true)
}

// ScanProcs lists every process through gopsutil (no cmdline). Processes
// that vanish during the scan are left out.
func ScanProcs() ([]Process, error) {
	ctx := context.Background()
	pids, err := process.PidsWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("platform: scan processes: %w", err)
	}
	out := make([]Process, 0, len(pids))
	for _, pid := range pids {
		if pid <= 0 {
			continue
		}
		p, err := readGopsutil(ctx, int(pid), false)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("platform: scan processes: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

func readGopsutil(ctx context.Context, pid int, cmdline bool) (Process, error) {
	if pid <= 0 {
		return Process{}, fmt.Errorf("platform: read process %d: %w", pid, fs.ErrNotExist)
	}
	gp, err := process.NewProcessWithContext(ctx, int32(pid))
	if err != nil {
		if errors.Is(err, process.ErrorProcessNotRunning) {
			err = fs.ErrNotExist
		}
		return Process{}, fmt.Errorf("platform: read process %d: %w", pid, err)
	}
	p := Process{PID: pid}
	// Each field is best effort: a process we may not inspect still has a
	// pid, and its name usually.
	if v, err := gp.PpidWithContext(ctx); err == nil {
		p.PPID = int(v)
	}
	if v, err := gp.NameWithContext(ctx); err == nil {
		p.Name = v
	}
	if v, err := gp.ExeWithContext(ctx); err == nil {
		p.Exe = v
	}
	if v, err := gp.CreateTimeWithContext(ctx); err == nil {
		p.Start = time.UnixMilli(v)
	}
	if v, err := gp.UidsWithContext(ctx); err == nil && len(v) > 0 {
		p.UID = v[0]
	}
	if cmdline {
		if v, err := gp.CmdlineSliceWithContext(ctx); err == nil {
			p.Cmdline = v
		}
	}
	if ok, err := gp.IsRunningWithContext(ctx); err == nil && !ok {
		return Process{}, fmt.Errorf("platform: read process %d: %w", pid, fs.ErrNotExist)
	}
	return p, nil
}
