//go:build !linux && !windows

package platform

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/kidtime/kidtime/agent/facts"
)

// ExeFile reads what the approval rule needs of a running program's file:
// the owner and mode of path and of its folder (unlike on Linux, a deleted
// or replaced file cannot be reached). The process's groups are this
// system's guess: none (a group-writable file then counts only when
// writable by all).
func ExeFile(pid int, path string) (facts.ExeFile, error) {
	f := facts.ExeFile{Path: path}
	fi, err := os.Stat(path)
	if err != nil {
		return f, fmt.Errorf("platform: stat the program of process %d (%s): %w", pid, path, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return f, fmt.Errorf("platform: stat the program of process %d (%s): %w", pid, path, ErrUnsupported)
	}
	f.UID, f.GID, f.Perm = st.Uid, st.Gid, uint32(st.Mode)&0o7777
	if di, err := os.Stat(filepath.Dir(path)); err == nil {
		if ds, ok := di.Sys().(*syscall.Stat_t); ok {
			f.DirKnown, f.DirUID, f.DirGID, f.DirPerm = true, ds.Uid, ds.Gid, uint32(ds.Mode)&0o7777
		}
	}
	return f, nil
}

// ExeFile calls [ExeFile].
func (Host) ExeFile(pid int, path string) (facts.ExeFile, error) { return ExeFile(pid, path) }
