package platform

import "errors"

// ErrNoLogind is wrapped by [ConnectLogind] when there is no system bus or
// no logind on it (containers, minimal systems, non-systemd init). Callers
// fall back to the companions' heartbeats and the process table.
var ErrNoLogind = errors.New("systemd-logind is not available")
