//go:build !linux && !windows

package platform

// ScanOwners lists every process with its owner's uid (from ScanProcs on
// systems without /proc).
func ScanOwners() (map[int]uint32, error) {
	ps, err := ScanProcs()
	if err != nil {
		return nil, err
	}
	out := make(map[int]uint32, len(ps))
	for _, p := range ps {
		out[p.PID] = p.UID
	}
	return out, nil
}

// Owner is the uid a process runs as (from ReadProc where there is no
// cheaper way).
func Owner(pid int) (uint32, error) {
	p, err := ReadProc(pid)
	return p.UID, err
}
