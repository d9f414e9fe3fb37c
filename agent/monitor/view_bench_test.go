package monitor_test

import (
	"testing"

	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/rules"
)

// BenchmarkNewView3000: a child's view over 3,000 processes of a few
// programs, as a tick rebuilds it after any of them starts or ends.
func BenchmarkNewView3000(b *testing.B) {
	pol := rules.Preset(10)
	procs := make([]monitor.Entry, 0, 3000)
	for i := range 3000 {
		exe := "/usr/bin/tail"
		if i%100 == 0 {
			exe = "/usr/games/supertux"
		}
		procs = append(procs, monitor.Entry{
			Process: facts.Process{PID: 1000 + i, UID: 1001, Exe: exe},
			App:     monitor.App{Path: exe, Name: exe[len(exe)-4:], SHA256: exe},
		})
	}
	b.ReportAllocs()
	for b.Loop() {
		v := monitor.NewView(procs, &pol)
		if len(v.Apps) != 2 {
			b.Fatalf("%d apps", len(v.Apps))
		}
	}
}
