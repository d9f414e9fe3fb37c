package uitest

import "github.com/kidtime/kidtime/agent/client"

// setAPIError fills an API error the way the client does from an answer's
// body. It is the one place that knows the shape of *client.APIError.
func setAPIError(e *client.APIError, code, msg string) {
	e.Code, e.Message = code, msg
}
