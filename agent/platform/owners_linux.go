package platform

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// ScanOwners lists every process with the uid that owns its /proc entry
// (its effective uid), reading nothing but one stat per process: about ten
// times cheaper than ScanProcs. The agent's periodic reconciliation uses it
// to find what the exec events missed, then reads only the processes of
// the users it watches.
func ScanOwners() (map[int]uint32, error) { return scanOwners(nil) }

// ScanOwnersExcept is ScanOwners without the stat of the processes skip
// names (the tracker's own: it needs only to know they still run): with
// thousands of a child's processes, the safety-net scan reads the folder
// and stats only the others.
func (Host) ScanOwnersExcept(skip func(pid int) bool) (map[int]uint32, error) {
	return scanOwners(skip)
}

// SkippedOwner is the owner ScanOwnersExcept gives a skipped process.
const SkippedOwner = ^uint32(0)

func scanOwners(skip func(pid int) bool) (map[int]uint32, error) {
	d, err := os.Open(procRoot)
	if err != nil {
		return nil, fmt.Errorf("platform: scan owners: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("platform: scan owners: read %s: %w", procRoot, err)
	}
	fd := int(d.Fd())
	out := make(map[int]uint32, len(names))
	var st unix.Stat_t
	for _, name := range names {
		if name == "" || name[0] < '0' || name[0] > '9' {
			continue
		}
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		if skip != nil && skip(pid) {
			out[pid] = SkippedOwner
			continue
		}
		if err := unix.Fstatat(fd, name, &st, 0); err != nil {
			continue // exited during the scan
		}
		out[pid] = st.Uid
	}
	return out, nil
}

// Owner is the uid that owns a process's /proc entry (its effective uid),
// from one stat: the cheap first look at a new process, before anything
// else of it is read.
func Owner(pid int) (uint32, error) {
	var st unix.Stat_t
	if err := unix.Stat(procRoot+"/"+strconv.Itoa(pid), &st); err != nil {
		return 0, fmt.Errorf("platform: owner of %d: %w", pid, err)
	}
	return st.Uid, nil
}
