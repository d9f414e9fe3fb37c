package platform

import (
	"context"
	"errors"
	"testing"

	"github.com/kidtime/kidtime/agent/internal/ostest"
	"golang.org/x/sys/windows"
)

// WTSLogoffSession's answers, as the enforcer sees them.
func TestLogoffResult(t *testing.T) {
	for _, c := range []struct {
		sentence    string
		r           uintptr
		err         error
		wantErr     bool
		unsupported bool
	}{
		{"a session logged off is no error", 1, windows.ERROR_SUCCESS, false, false},
		{"Wine's stub is 'unsupported'", 0, windows.ERROR_CALL_NOT_IMPLEMENTED, true, true},
		{"a session that is not there is an error, not 'unsupported'", 0, windows.ERROR_FILE_NOT_FOUND, true, false},
	} {
		err := logoffResult("7", c.r, c.err)
		if (err != nil) != c.wantErr || errors.Is(err, ErrUnsupported) != c.unsupported {
			t.Errorf("%s: got %v", c.sentence, err)
		}
	}
}

// The real WTSLogoffSession: under Wine (a stub) it says ErrUnsupported and
// logs nobody off; on Windows it is tried on a session that cannot exist
// (it would log the tester off otherwise), and must fail.
func TestTerminateSessionReal(t *testing.T) {
	id := "1"
	if ostest.Wine() == "" {
		id = "65000"
	}
	err := WTSSessions{}.TerminateSession(context.Background(), id)
	t.Logf("TerminateSession(%s): %v", id, err)
	switch w := ostest.Wine(); {
	case w != "" && err == nil:
		t.Skipf("%s logs sessions off now: nothing to degrade", w)
	case w != "" && !errors.Is(err, ErrUnsupported):
		t.Errorf("under %s: %v, want an error wrapping ErrUnsupported", w, err)
	case w == "" && err == nil:
		t.Error("WTSLogoffSession of a session that cannot exist succeeded")
	}
}
