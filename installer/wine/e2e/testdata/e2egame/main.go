// A Windows "game" for the end-to-end test under Wine (installer/wine/e2e):
// it prints when it started (Unix nanoseconds, from its own clock, at its
// first instruction of main) and sleeps until it is ended; with the
// argument "exit" it ends at once (the suite's measure of Wine's own cost of
// starting and ending a process).
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	fmt.Fprintln(os.Stdout, time.Now().UnixNano())
	if len(os.Args) > 1 && os.Args[1] == "exit" {
		return
	}
	time.Sleep(24 * time.Hour)
}
