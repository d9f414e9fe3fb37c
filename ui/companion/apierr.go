package companion

import (
	"errors"

	"github.com/kidtime/kidtime/agent/client"
)

// apiError reads an error of the agent's API: its code, the wait after too
// many tries, and its sentence. It is the one place that knows the shape of
// *client.APIError.
func apiError(err error) (code string, retryAfterSec int64, msg string, ok bool) {
	var ae *client.APIError
	if !errors.As(err, &ae) {
		return "", 0, "", false
	}
	return ae.Code, ae.RetryAfterSec, ae.Error(), true
}
