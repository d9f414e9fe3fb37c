package store

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pwrite writes b at off with a raw system call. A few hundred bytes into
// the page cache do not wait on the disk; the runtime's ordinary system
// call path would, at the daemon's only system call of a quiet tick, wake
// its monitor thread for a few milliseconds of polling.
func pwrite(f *os.File, b []byte, off int64) error {
	if len(b) == 0 {
		return nil
	}
	n, _, errno := unix.RawSyscall6(unix.SYS_PWRITE64, f.Fd(), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(off), 0, 0)
	if errno != 0 {
		return fmt.Errorf("pwrite %s: %w", f.Name(), errno)
	}
	if int(n) != len(b) {
		return fmt.Errorf("pwrite %s: %d of %d bytes", f.Name(), n, len(b))
	}
	return nil
}
