package platform

import (
	"context"
	"time"
)

// pollGone calls gone every 10 ms until it reports true, d passes (false),
// or ctx ends (its error).
func pollGone(ctx context.Context, gone func() bool, d time.Duration) (bool, error) {
	deadline := time.Now().Add(d)
	for {
		if gone() {
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		t := time.NewTimer(10 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-t.C:
		}
	}
}
