package main

import (
	"log/slog"
	"os"
	"strconv"
	"syscall"
)

// enforcerNice is the nice value kidtimed runs at: a child who floods the
// CPU (forks, busy loops, a connection flood) must not starve the thread
// that kills a spent game at its exec. The systemd unit sets Nice= too; a
// daemon started by hand (tests, development) sets it here.
const enforcerNice = -10

// raisePriority gives every thread of the process the enforcer's nice value
// (on Linux, nice is per thread; threads made later inherit it from the
// thread that makes them). Only root may; anyone else keeps their own.
func raisePriority(log *slog.Logger) {
	if os.Geteuid() != 0 {
		return
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		log.Debug("kidtimed: priority unchanged", "err", err)
		return
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if cur, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid); err == nil && 20-cur <= enforcerNice {
			continue // already as high (getpriority answers 20-nice)
		}
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, enforcerNice); err != nil {
			log.Debug("kidtimed: priority unchanged", "tid", tid, "err", err)
		}
	}
}
