package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// hubProgram is the hub's own program, installed beside kidtimed: "kidtimed
// hub …" runs it with the same arguments (the daemon does not carry the
// NATS server).
const hubProgram = "kidtime-hub"

// hubPath is kidtime-hub beside this executable.
func hubPath() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find kidtimed itself: %w", err)
	}
	if r, err := filepath.EvalSymlinks(self); err == nil {
		self = r
	}
	p := filepath.Join(filepath.Dir(self), hubProgram+exeSuffix)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("the hub's program %s is not installed beside kidtimed: %w", p, err)
	}
	return p, nil
}

// hubCmd runs "kidtimed hub ARGS" as "kidtime-hub ARGS".
func hubCmd(args []string, stdout, stderr io.Writer) int {
	p, err := hubPath()
	if err != nil {
		fmt.Fprintf(stderr, "kidtimed hub: %v\n", err)
		return 1
	}
	if err := execHub(p, args, stdout, stderr); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() >= 0 {
			return ee.ExitCode()
		}
		fmt.Fprintf(stderr, "kidtimed hub: %v\n", err)
		return 1
	}
	return 0
}

// runHubChild runs the hub as a child process with this one's input and
// output, and returns when it ends.
func runHubChild(p string, args []string, stdout, stderr io.Writer) error {
	cmd := exec.Command(p, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	return cmd.Run()
}
