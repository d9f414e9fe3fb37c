package main

import (
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is "kidtimed hub ARGS": kidtime-hub takes the same arguments, with or
// without the leading "hub" (the service is registered as "hub run …").
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "hub" {
		args = args[1:]
	}
	return hubCmd(args, stdout, stderr)
}
