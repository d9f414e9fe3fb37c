package main

import (
	"runtime/debug"
	"testing"
)

func TestSetGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	for _, tc := range []struct {
		name   string
		env    string
		before int
		want   int
	}{
		{"no GOGC: the daemon's own", "", 100, daemonGCPercent},
		{"GOGC set: left as the runtime read it", "200", 77, 77},
		{"GOGC=off: left off", "off", -1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", tc.env)
			debug.SetGCPercent(tc.before)
			setGC()
			if got := debug.SetGCPercent(100); got != tc.want {
				t.Errorf("GOGC=%q: GC percent %d, want %d", tc.env, got, tc.want)
			}
		})
	}
}
