package rules

import (
	"errors"
	"strings"
)

// FieldError is a problem with one field of a policy: where, the offending
// value (as written, quoted for strings) when there is one, and why.
type FieldError struct {
	// Path names the field: children[0].allowed.weekdays[1]. Problems with
	// the document as a whole use the path "(document)".
	Path   string
	Value  string
	Reason string
}

func (e *FieldError) Error() string {
	if e.Value != "" {
		return e.Path + ": " + e.Value + ": " + e.Reason
	}
	return e.Path + ": " + e.Reason
}

// Errors is every problem found in a policy, in document order. It is the
// error ParseFile and Policy.Validate return.
type Errors []*FieldError

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap gives each FieldError to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// ErrNotManaged is returned for an account that no child claims when the
// policy has no default profile.
var ErrNotManaged = errors.New("account not managed: no child claims it and there is no default profile")
