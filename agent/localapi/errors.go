package localapi

import (
	"errors"
	"regexp"
	"strconv"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/auth"
	"github.com/kidtime/kidtime/agent/enforce"
	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/agent/store"
)

// The sentences of the backend's errors, as message keys the apps translate
// (assets/translations/cli, "err.*"; a test checks that each key used in
// code is there in both languages).

// sentinelKeys are the keys of the errors the backend returns as values.
var sentinelKeys = []struct {
	err error
	key string
}{
	{auth.ErrWrongPIN, "err.pin.wrong"},
	{auth.ErrWrongCode, "err.code.wrong"},
	{auth.ErrNoPIN, "err.pin.none"},
	{auth.ErrPINSet, "err.pin.set"},
	{auth.ErrNoCode, "err.code.none"},
	{enforce.ErrCannotLock, "err.lock"},
	{ErrNotChild, "err.notChild"},
	{store.ErrTooManyPending, "err.approvals.full"},
	{store.ErrAlreadyAnswered, "err.answered"},
}

// The store says which name or account clashes only in its sentence.
var (
	childExists  = regexp.MustCompile(`a child named "([^"]*)" already exists`)
	accountTaken = regexp.MustCompile(`account "([^"]*)" already belongs to (?:"([^"]*)"|another child)`)
)

// keyOf finds the sentence for a backend error: its own (api.KeyedError:
// the family's and the rules' errors), a known value's, or the store's
// conflict and not-found; "" when it has none.
func keyOf(err error) (string, map[string]string) {
	var (
		ke api.KeyedError
		we *auth.WaitError
		pe *auth.InvalidPINError
		re *family.RefusedError
		ve *store.ValidationError
	)
	switch {
	case errors.As(err, &ke):
		return ke.MessageKey()
	case errors.As(err, &we):
		return "err.rateLimited", map[string]string{"waitSec": strconv.FormatInt(int64((we.Wait+time.Second-1)/time.Second), 10)}
	case errors.As(err, &pe):
		return "err.pin.invalid", map[string]string{"reason": pe.Err.Error()}
	case errors.As(err, &re):
		return "err.school.refused", map[string]string{"reason": re.Msg}
	}
	for _, s := range sentinelKeys {
		if errors.Is(err, s.err) {
			return s.key, nil
		}
	}
	msg := err.Error()
	switch {
	case errors.Is(err, store.ErrConflict):
		if m := childExists.FindStringSubmatch(msg); m != nil {
			return "err.child.exists", map[string]string{"name": m[1]}
		}
		if m := accountTaken.FindStringSubmatch(msg); m != nil {
			return "err.account.taken", map[string]string{"account": m[1], "child": m[2]}
		}
		return "err.conflict", nil
	case errors.Is(err, store.ErrNotFound):
		return "err.notFound", nil
	case errors.As(err, &ve):
		return "err.field", map[string]string{"field": ve.Field, "reason": ve.Reason}
	}
	return "", nil
}

// notFoundChild is the 404 for a name no child has.
func notFoundChild(name string) *api.Error {
	return api.NotFound("no child named %q", name).Keyed("err.child.notFound", map[string]string{"name": name})
}

// boundsSec are the bounds of an amount of time, for "err.amount".
func boundsSec(lo, hi time.Duration) map[string]string {
	return map[string]string{"minSec": strconv.FormatInt(int64(lo/time.Second), 10), "maxSec": strconv.FormatInt(int64(hi/time.Second), 10)}
}
