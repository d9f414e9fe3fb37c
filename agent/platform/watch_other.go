//go:build !linux && !windows

package platform

import "context"

// WatchProcs is only available on Linux (netlink proc connector); elsewhere
// it returns an error wrapping [ErrUnsupported] and the caller polls
// [ScanProcs].
func WatchProcs(ctx context.Context) (<-chan ProcEvent, error) {
	return nil, unsupported("process events")
}
