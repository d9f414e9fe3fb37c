package main

import (
	"os"
	"runtime"
	"runtime/debug"
)

// fixProcs pins GOMAXPROCS to what the runtime chose at start. Left alone,
// the runtime's monitor thread re-reads the CPU affinity and the cgroup's
// CPU limit every second to follow them (Go 1.25+): a system call or more
// per second for a daemon that is otherwise asleep, and the daemon needs no
// more than one or two threads at a time anyway. Setting the value, even
// to the same one, turns those checks off.
//
// One P was tried (docs/ARCHITECTURE.md): a third fewer context switches
// when a child starts 500 processes and 1.5 MB less at the peak, but a
// spent game lived twice as long after its exec while the child flooded
// the daemon's socket (median 23-31 ms against 10-20 ms). Not kept.
func fixProcs() int {
	return runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
}

// daemonGCPercent is the daemon's GOGC: the heap may grow by half its live
// size (at least 2 MB) before the collector runs, not by all of it (at
// least 4 MB). The live heap is about 1 MB, even with 2,000 of a child's
// processes, so the default's 4 MB floor was most of the heap's peak.
// Measured on Linux, 2 cores, taking in 2,000 new processes of a child (two
// runs each): VmHWM 18.1-18.3 MB against 19.7-20.1 MB, and the CPU within
// the runs' spread (148-176 against 142-194 ticks). At rest the collector
// runs about as often either way: the runtime forces a collection every 2
// minutes, and the daemon allocates about 0.5 MB a minute then.
const daemonGCPercent = 50

// setGC sets daemonGCPercent unless the GOGC variable is set (an
// experiment or an operator's choice).
func setGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(daemonGCPercent)
	}
}
