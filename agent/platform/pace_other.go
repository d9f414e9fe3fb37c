//go:build !windows

package platform

// SetWatchPace does nothing here: only the Windows process watcher polls
// (and so has a pace); Linux has exec events.
func SetWatchPace(childPresent bool) {}
