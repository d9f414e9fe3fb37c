package rules

import (
	"errors"
	"strconv"
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
	// Key is the reason's sentence in the translations ("err.duration"),
	// when it has one; "err.policy.field" (the English reason quoted)
	// otherwise.
	Key string
}

// MessageKey gives the apps the sentence to say in the person's language,
// with the field path, the value (unquoted) and the English reason.
func (e *FieldError) MessageKey() (string, map[string]string) {
	key := e.Key
	if key == "" {
		key = "err.policy.field"
	}
	v := e.Value
	if u, err := strconv.Unquote(v); err == nil {
		v = u
	}
	return key, map[string]string{"field": e.Path, "value": v, "reason": e.Reason}
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
