package console

import (
	"errors"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/i18n"
)

// Durations in the rules form: shown the way Today says them, read the way
// people write them (rules.ParseDuration), refused in the parent's language.

// formatDur writes a duration the way Today says it and the form reads it
// back ("2 giờ 30 phút", "2 h 30 min"; seconds kept: "1 min 30 s"),
// "unlimited" in the parent's language.
func formatDur(d time.Duration) string {
	switch {
	case d == rules.Unlimited:
		return lang.L("rules.unlimited")
	case d >= time.Minute && d%time.Minute != 0:
		return i18n.Duration(d-d%time.Minute) + " " + i18n.Duration(d%time.Minute)
	}
	return i18n.Duration(d)
}

// keyedProblem is a FieldProblem whose reason is the sentence of a keyed
// error (rules.DurationError, rules.FieldError) in the parent's language;
// the sentence names the value itself. Other errors keep their text.
func keyedProblem(field, value string, err error) *FieldProblem {
	var ke interface {
		MessageKey() (string, map[string]string)
	}
	if errors.As(err, &ke) {
		key, args := ke.MessageKey()
		if s, ok := i18n.ErrorText(key, args, 0); ok {
			return &FieldProblem{Field: field, Reason: s}
		}
	}
	return &FieldProblem{Field: field, Value: value, Reason: err.Error()}
}
