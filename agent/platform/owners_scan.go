//go:build !linux

package platform

// ScanOwners lists every process with its owner's uid, from [ScanProcs]
// (systems without /proc).
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
