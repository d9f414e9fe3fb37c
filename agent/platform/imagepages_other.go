//go:build !linux

package platform

// ReleaseImagePages does nothing outside Linux and says so by returning 0:
// on Windows the loader maps an executable's image in sections that the
// memory manager trims from the working set itself when it needs the
// memory, and the daemon's figures there were never measured.
func ReleaseImagePages() (int64, error) { return 0, nil }
