package desktop

import (
	"context"
	"errors"
	"testing"

	"github.com/kidtime/kidtime/agent/internal/ostest"
	"golang.org/x/sys/windows"
)

// LockWorkStation's answers, as the companion sees them: a system that
// lacks the call says so with ErrUnsupported (the agent then logs the child
// off); any other failure is an error of its own.
func TestLockResult(t *testing.T) {
	for _, c := range []struct {
		sentence    string
		ok          uintptr
		err         error
		wantErr     bool
		unsupported bool
	}{
		{"a locked workstation is no error", 1, windows.ERROR_SUCCESS, false, false},
		{"Wine's stub is 'unsupported'", 0, windows.ERROR_CALL_NOT_IMPLEMENTED, true, true},
		{"a refusal (not the interactive desktop) is an error, not 'unsupported'", 0, windows.ERROR_ACCESS_DENIED, true, false},
	} {
		err := lockResult(c.ok, c.err)
		if (err != nil) != c.wantErr || errors.Is(err, ErrUnsupported) != c.unsupported {
			t.Errorf("%s: got %v", c.sentence, err)
		}
	}
}

// Under Wine the real LockWorkStation runs: it locks nothing, and the
// companion gets a clear ErrUnsupported, no crash. (On Windows this would
// lock the tester's desktop: it runs under Wine only.)
func TestLockScreenUnderWine(t *testing.T) {
	w := ostest.Wine()
	if w == "" {
		t.Skip("on Windows LockWorkStation would lock this desktop: run under Wine only")
	}
	err := LockScreen(context.Background())
	t.Logf("under %s, LockScreen: %v", w, err)
	if err == nil {
		t.Skipf("%s locks the workstation now: nothing to degrade", w)
	}
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("LockScreen under %s: %v, want an error wrapping ErrUnsupported", w, err)
	}
}
