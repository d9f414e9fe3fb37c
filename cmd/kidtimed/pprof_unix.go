//go:build !windows

package main

import (
	"os"
	"syscall"
)

var usr1 os.Signal = syscall.SIGUSR1
