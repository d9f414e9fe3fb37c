package main

import "os"

// Windows has no SIGUSR1: one profile for the whole run.
var usr1 os.Signal = nil
