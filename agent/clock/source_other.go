//go:build !linux

package clock

import "time"

// System is the OS clock: Go's monotonic clock since the process started
// (it may not count suspend on every OS; see the package doc).
type System struct{}

var processStart = time.Now()

// Wall is the OS wall clock.
func (System) Wall() time.Time { return time.Now() }

// Elapsed is monotonic time since the process started.
func (System) Elapsed() time.Duration { return time.Since(processStart) }

// BootID is unknown here, so a restart never compares elapsed times.
func (System) BootID() string { return "" }
