package platform

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/kidtime/kidtime/agent/facts"
)

// ExeFile reads what the approval rule needs of a running program's file:
// the running image's owner and mode through /proc/PID/exe (a deleted or
// replaced file, or a memfd, is still the one that runs) or, when path is
// a program a host runs, that file's; its folder's
// owner and mode from path, and the process's groups. Two stats and one
// small read; the file is not opened.
func ExeFile(pid int, path string) (facts.ExeFile, error) {
	f := facts.ExeFile{Path: path}
	proc := procRoot + "/" + strconv.Itoa(pid)
	file := proc + "/exe"
	if target, err := os.Readlink(file); err == nil && strings.HasPrefix(path, "/") &&
		strings.TrimSuffix(target, " (deleted)") != path {
		// A program a loader or an interpreter runs (ld.so ./game,
		// python3 game.py): its own file, not the host's.
		file = proc + "/root" + path
	}
	var st syscall.Stat_t
	if err := syscall.Stat(file, &st); err != nil {
		return f, fmt.Errorf("platform: stat the program of process %d: %w", pid, err)
	}
	f.UID, f.GID, f.Perm = st.Uid, st.Gid, st.Mode&0o7777
	if strings.HasPrefix(path, "/") {
		var ds syscall.Stat_t
		if err := syscall.Stat(filepath.Dir(path), &ds); err == nil {
			f.DirKnown, f.DirUID, f.DirGID, f.DirPerm = true, ds.Uid, ds.Gid, ds.Mode&0o7777
		}
	}
	if b, err := os.ReadFile(proc + "/status"); err == nil {
		f.Groups = parseStatusGroups(b)
	}
	return f, nil
}

// parseStatusGroups reads the filesystem gid and the supplementary groups
// of /proc/PID/status.
func parseStatusGroups(b []byte) []uint32 {
	var out []uint32
	for line := range bytes.Lines(b) {
		var fields []string
		switch {
		case bytes.HasPrefix(line, []byte("Gid:")):
			fields = strings.Fields(string(line[4:]))
			if len(fields) >= 4 {
				fields = fields[3:4] // real, effective, saved, filesystem
			}
		case bytes.HasPrefix(line, []byte("Groups:")):
			fields = strings.Fields(string(line[7:]))
		default:
			continue
		}
		for _, s := range fields {
			if g, err := strconv.ParseUint(s, 10, 32); err == nil {
				out = append(out, uint32(g))
			}
		}
	}
	return out
}

// ExeFile calls [ExeFile].
func (Host) ExeFile(pid int, path string) (facts.ExeFile, error) { return ExeFile(pid, path) }
