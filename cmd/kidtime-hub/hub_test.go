package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// kidtimed hub's command line: what it refuses, and how (the hub itself
// runs in agent/hub's tests and in agent/e2e).
func TestHubCommandLine(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		sentence string
		args     []string
		code     int
		inErr    string
	}{
		{"no hub command is bad usage", []string{"hub"}, 2, "kidtimed hub run"},
		{"an unknown hub command is bad usage", []string{"hub", "frobnicate"}, 2, `unknown command "frobnicate"`},
		{"a stray argument is bad usage", []string{"hub", "run", "now"}, 2, `unexpected argument "now"`},
		{"a bad log level is bad usage", []string{"hub", "run", "--log-level", "loud"}, 2, "--log-level"},
		{"a listen address without a port fails, naming --listen", []string{"hub", "run", "--data-dir", filepath.Join(dir, "a"), "--listen", "nowhere", "--socket", filepath.Join(dir, "a.sock")}, 1, "--listen"},
		{"a port out of range fails, naming --listen", []string{"hub", "run", "--data-dir", filepath.Join(dir, "b"), "--listen", "127.0.0.1:99999", "--socket", filepath.Join(dir, "b.sock")}, 1, "--listen"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		if code != c.code || !strings.Contains(errb.String(), c.inErr) {
			t.Errorf("%s: kidtimed %s: exit %d %q; want %d and %q", c.sentence, strings.Join(c.args, " "), code, errb.String(), c.code, c.inErr)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"hub", "--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "kidtimed hub install") {
		t.Errorf("kidtimed hub --help: exit %d %q", code, out.String())
	}
}
