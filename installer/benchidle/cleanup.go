//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// cleanup undoes what the benchmark made, last made first, once: at the
// end, on a failure, or on Ctrl-C.
type cleanup struct {
	mu    sync.Mutex
	steps []func()
	done  bool
}

func (c *cleanup) add(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.steps = append(c.steps, f)
}

func (c *cleanup) run() {
	c.mu.Lock()
	if c.done {
		c.mu.Unlock()
		return
	}
	c.done = true
	steps := c.steps
	c.mu.Unlock()
	for i := len(steps) - 1; i >= 0; i-- {
		steps[i]()
	}
}

// onSignal runs the cleanup and exits on SIGINT, SIGTERM or SIGHUP.
func (c *cleanup) onSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-ch
		fmt.Fprintf(os.Stderr, "\nbench-idle: %v: cleaning up\n", s)
		c.run()
		os.Exit(130)
	}()
}

// start starts cmd in its own process group and registers its end: SIGTERM
// to the group, SIGKILL after 5 s.
func start(c *cleanup, cmd *exec.Cmd, name string) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	c.add(func() { stopGroup(cmd.Process.Pid, done) })
	return nil
}

// stopGroup ends a process group and waits for its leader.
func stopGroup(pid int, done <-chan struct{}) {
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-done
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL) // what the leader left behind
}

// logTo opens a log file in dir (the benchmark keeps them for a failure).
func logTo(dir, name string) io.Writer {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return io.Discard
	}
	return f
}
