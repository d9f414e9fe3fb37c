package platform

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// HashProc hashes the executable of a running process through
// /proc/PID/exe, which reaches the running image even when its file was
// renamed or deleted. path is the link's target (without " (deleted)").
// A vanished process gives an error wrapping os.ErrNotExist.
func (h *Hasher) HashProc(pid int) (path, sum string, err error) {
	link := procRoot + "/" + strconv.Itoa(pid) + "/exe"
	target, err := os.Readlink(link)
	if err != nil {
		return "", "", fmt.Errorf("platform: hash process %d: %w", pid, err)
	}
	path = strings.TrimSuffix(target, " (deleted)")
	f, err := os.Open(link)
	if err != nil {
		return path, "", fmt.Errorf("platform: hash process %d (%s): %w", pid, path, err)
	}
	defer f.Close()
	sum, err = h.hashFile(f)
	if err != nil {
		return path, "", fmt.Errorf("platform: hash process %d (%s): %w", pid, path, err)
	}
	return path, sum, nil
}
