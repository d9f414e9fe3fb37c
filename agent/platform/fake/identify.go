package fake

import (
	"fmt"
	"io/fs"

	"github.com/kidtime/kidtime/agent/facts"
)

// SetIdentity sets the identity (agent/ident) IdentifyProc and IdentifyFile
// report for an executable path, as a build-id would give two files of
// different content; paths without one have none (their hash is it).
func (p *Platform) SetIdentity(path, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.idents == nil {
		p.idents = map[string]string{}
	}
	p.idents[path] = id
}

// IdentifyProc reports the process's executable with its sum (as HashProc)
// and identity (SetIdentity). The fake has no hosts: a test that needs one
// starts the hosted program's path as the executable.
func (p *Platform) IdentifyProc(pid int, cmdline []string) (facts.Program, error) {
	p.mu.Lock()
	proc, ok := p.procs[pid]
	p.mu.Unlock()
	if !ok {
		return facts.Program{}, fmt.Errorf("fake: identify process %d: %w", pid, fs.ErrNotExist)
	}
	return p.IdentifyFile(proc.Exe)
}

// IdentifyFile reports an executable path's sum and identity.
func (p *Platform) IdentifyFile(path string) (facts.Program, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sum, ok := p.hashes[path]
	if !ok {
		sum = "sha256-of:" + path
	}
	return facts.Program{Path: path, SHA256: sum, ID: p.idents[path]}, nil
}
