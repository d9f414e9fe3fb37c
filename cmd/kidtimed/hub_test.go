package main

import (
	"bytes"
	"strings"
	"testing"
)

// kidtimed hub runs kidtime-hub from beside itself; without it, it says so
// and fails (the test binary has no kidtime-hub beside it). The hub's own
// command line is tested in cmd/kidtime-hub, and "kidtimed hub run" as a
// real process in agent/e2e.
func TestHubWithoutItsProgramSaysSo(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"hub", "run"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "kidtime-hub") || !strings.Contains(errb.String(), "not installed beside kidtimed") {
		t.Errorf("kidtimed hub run without kidtime-hub: exit %d %q", code, errb.String())
	}
}
