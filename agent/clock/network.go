package clock

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beevik/ntp"
)

// DefaultTimeServers are asked for the time at start: the Vietnamese NTP
// pool first, then the world's.
var DefaultTimeServers = []string{"vn.pool.ntp.org", "pool.ntp.org"}

// NetworkTime asks time servers (host or host:port) for the time, one after
// the other, and returns the first valid answer. A wall clock set forward in
// the firmware while the agent was off is caught this way when a server is
// reachable; offline, nothing tells it from a real gap.
func NetworkTime(ctx context.Context, servers []string) (time.Time, string, error) {
	var errs []error
	for _, s := range servers {
		host, port := s, 123
		if h, p, ok := splitPort(s); ok {
			host, port = h, p
		}
		timeout := 2 * time.Second
		if dl, ok := ctx.Deadline(); ok {
			timeout = min(timeout, time.Until(dl))
		}
		if timeout <= 0 {
			break
		}
		r, err := ntp.QueryWithOptions(host, ntp.QueryOptions{Port: port, Timeout: timeout})
		if err == nil {
			err = r.Validate()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s, err))
			continue
		}
		return time.Now().Add(r.ClockOffset), s, nil
	}
	if len(errs) == 0 {
		return time.Time{}, "", errors.New("clock: no time server to ask")
	}
	return time.Time{}, "", fmt.Errorf("clock: network time: %w", errors.Join(errs...))
}

func splitPort(s string) (string, int, bool) {
	for i := len(s) - 1; i > 0; i-- {
		if s[i] == ':' {
			var p int
			if _, err := fmt.Sscanf(s[i+1:], "%d", &p); err == nil && p > 0 && p < 65536 {
				return s[:i], p, true
			}
			return "", 0, false
		}
	}
	return "", 0, false
}
