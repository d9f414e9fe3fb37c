package main

import "runtime"

// fixProcs pins GOMAXPROCS to what the runtime chose at start. Left alone,
// the runtime's monitor thread re-reads the CPU affinity and the cgroup's
// CPU limit every second to follow them (Go 1.25+): a system call or more
// per second for a daemon that is otherwise asleep, and the daemon needs no
// more than one or two threads at a time anyway. Setting the value, even
// to the same one, turns those checks off.
func fixProcs() int {
	return runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
}
