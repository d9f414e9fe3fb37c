package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	svcconf "github.com/kidtime/kidtime/installer/service"
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

// kidtimed hub install --family carries --family into the service's
// arguments; without it the service runs a school's hub.
func TestHubInstallCarriesFamily(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--family"}, "hub run --family"},
		{nil, "hub run"},
	} {
		f, err := parseHubFlags("install", c.args, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		args, code := serviceArgs(f, &bytes.Buffer{})
		if code != 0 {
			t.Fatalf("service arguments of %v: exit %d", c.args, code)
		}
		if got := strings.Join(svcconf.HubConfig(args).Arguments, " "); got != c.want {
			t.Errorf("kidtimed hub install %v: the service runs %q; want %q", c.args, got, c.want)
		}
	}
}
