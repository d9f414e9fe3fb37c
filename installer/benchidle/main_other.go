//go:build !linux

// Command benchidle is Linux only: it measures kidtimed beside Timekpr-nExT
// on a real systemd-logind session.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "bench-idle: Linux only (systemd-logind, the proc connector, /proc)")
	os.Exit(2)
}
