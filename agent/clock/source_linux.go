package clock

import (
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// System is the OS clock: CLOCK_BOOTTIME and the kernel's boot id.
type System struct{}

// Wall is the OS wall clock.
func (System) Wall() time.Time { return time.Now() }

// Elapsed is CLOCK_BOOTTIME: monotonic, counts suspend, cannot be set.
func (System) Elapsed() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return time.Since(processStart)
	}
	return time.Duration(ts.Nano())
}

// BootID is /proc/sys/kernel/random/boot_id.
func (System) BootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

var processStart = time.Now()
