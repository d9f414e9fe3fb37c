package companion

import (
	"context"
	"errors"
)

// ScreenLocked is not known on Windows yet (it needs WTSQuerySessionInformation
// or the session-change notifications); heartbeats say "unlocked".
func ScreenLocked(context.Context) (bool, error) { return false, errors.ErrUnsupported }
