package clock

import (
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// System is the OS clock: CLOCK_BOOTTIME and the kernel's boot id.
type System struct{}

// Wall is the OS wall clock.
func (System) Wall() time.Time { return time.Now() }

// Elapsed is CLOCK_BOOTTIME: monotonic, counts suspend, cannot be set.
//
// It is read with a raw system call: clock_gettime never blocks, and the
// runtime's ordinary system call path would, at the daemon's first call
// after a sleep, wake the runtime's monitor thread for a few milliseconds
// of polling (the daemon reads the time at every tick and event).
func (System) Elapsed() time.Duration {
	var ts unix.Timespec
	_, _, errno := unix.RawSyscall(unix.SYS_CLOCK_GETTIME, unix.CLOCK_BOOTTIME, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return time.Since(processStart)
	}
	return time.Duration(ts.Nano())
}

// BootID is /proc/sys/kernel/random/boot_id, read once: it is the same for
// the whole life of the process (the clock's mark, which carries it, is
// taken every few seconds).
func (System) BootID() string { return bootID() }

var bootID = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
})

var processStart = time.Now()
