//go:build !linux

package platform

import (
	"fmt"
	"path/filepath"

	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/ident"
)

// IdentifyProc identifies the program a running process runs: its
// executable, found through [ReadProc], or, when that is a host (an
// interpreter, Java), the first file its arguments name by an absolute
// path (the working folder of another process is not known here).
func (h *Hasher) IdentifyProc(pid int, cmdline []string) (facts.Program, error) {
	exe, _, err := h.HashProc(pid)
	if err != nil {
		return facts.Program{Path: exe}, err
	}
	prog, err := h.IdentifyFile(exe)
	if err != nil {
		return facts.Program{Path: exe}, fmt.Errorf("platform: identify process %d: %w", pid, err)
	}
	for _, i := range ident.Hosted(exe, cmdline) {
		arg, ok := ident.UnixPath(cmdline[i])
		if !ok && filepath.VolumeName(cmdline[i]) != "" {
			arg, ok = cmdline[i], true
		}
		if !ok || !filepath.IsAbs(arg) {
			continue
		}
		p, err := h.IdentifyFile(arg)
		if err != nil {
			continue
		}
		p.Host, p.HostSHA256, p.HostID = exe, prog.SHA256, prog.ID
		return p, nil
	}
	return prog, nil
}
