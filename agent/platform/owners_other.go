//go:build !linux && !windows

package platform

// Owner is the uid a process runs as (from ReadProc where there is no
// cheaper way).
func Owner(pid int) (uint32, error) {
	p, err := ReadProc(pid)
	return p.UID, err
}
