package main

import "io"

const exeSuffix = ".exe"

// execHub runs the hub as a child (Windows cannot exec): Ctrl+C reaches
// both, and the hub's exit status becomes this one's.
func execHub(p string, args []string, stdout, stderr io.Writer) error {
	return runHubChild(p, args, stdout, stderr)
}
