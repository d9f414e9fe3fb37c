//go:build !linux

package platform

import "fmt"

// HashProc hashes the executable of a running process, found through
// [ReadProc]. Unlike on Linux, a deleted or replaced file cannot be reached.
func (h *Hasher) HashProc(pid int) (path, sum string, err error) {
	p, err := ReadProc(pid)
	if err != nil {
		return "", "", fmt.Errorf("platform: hash process %d: %w", pid, err)
	}
	if p.Exe == "" {
		return "", "", fmt.Errorf("platform: hash process %d: executable path unknown", pid)
	}
	sum, err = h.Hash(p.Exe)
	if err != nil {
		return p.Exe, "", fmt.Errorf("platform: hash process %d: %w", pid, err)
	}
	return p.Exe, sum, nil
}
