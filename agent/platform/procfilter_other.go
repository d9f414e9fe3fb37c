//go:build !linux

package platform

import "context"

// ProcFilter is the set of accounts whose process events the daemon needs.
// Only Linux filters in the kernel (eBPF); here events of every account
// come, and the caller filters them itself.
type ProcFilter struct{}

// NewProcFilter returns an empty filter.
func NewProcFilter() *ProcFilter { return &ProcFilter{} }

// Set records the watched accounts (nothing to do where the OS cannot
// filter).
func (f *ProcFilter) Set(uids []uint32) {}

// InKernel is false: this OS does not filter the events.
func (f *ProcFilter) InKernel() bool { return false }

// WatchProcsFor is WatchProcs: this OS cannot narrow the events.
func WatchProcsFor(ctx context.Context, f *ProcFilter) (<-chan ProcEvent, error) {
	return WatchProcs(ctx)
}
