//go:build !windows

package main

import (
	"io"
	"os"
	"syscall"
)

const exeSuffix = ""

// execHub becomes the hub (exec): the same process, so the service
// manager and signals see it as they saw "kidtimed hub run". Writers other
// than the process's own (tests) get a child process instead.
func execHub(p string, args []string, stdout, stderr io.Writer) error {
	if stdout != os.Stdout || stderr != os.Stderr {
		return runHubChild(p, args, stdout, stderr)
	}
	return syscall.Exec(p, append([]string{p}, args...), os.Environ())
}
