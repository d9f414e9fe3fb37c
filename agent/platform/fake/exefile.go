package fake

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/kidtime/kidtime/agent/facts"
)

// SetExeFile sets what ExeFile says of an executable (its Path is set to
// path).
func (p *Platform) SetExeFile(path string, f facts.ExeFile) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exeFiles == nil {
		p.exeFiles = map[string]facts.ExeFile{}
	}
	f.Path = path
	p.exeFiles[path] = f
}

// ExeFile says what platform.ExeFile would of a running process's file:
// what SetExeFile set, else a file under /home/ or /tmp/ is its process
// owner's (0755, in a folder of theirs), and any other an administrator's
// (root's, 0755, in a root folder).
func (p *Platform) ExeFile(pid int, path string) (facts.ExeFile, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	proc, ok := p.procs[pid]
	if !ok {
		return facts.ExeFile{Path: path}, fmt.Errorf("fake: stat the program of process %d: %w", pid, fs.ErrNotExist)
	}
	if f, ok := p.exeFiles[proc.Exe]; ok {
		return f, nil
	}
	f := facts.ExeFile{Path: proc.Exe, Perm: 0o755, DirKnown: true, DirPerm: 0o755}
	if strings.HasPrefix(proc.Exe, "/home/") || strings.HasPrefix(proc.Exe, "/tmp/") {
		f.UID, f.GID, f.DirUID, f.DirGID = proc.UID, proc.UID, proc.UID, proc.UID
	}
	return f, nil
}
