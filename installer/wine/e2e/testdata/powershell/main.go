// A stand-in for powershell.exe in the Wine test prefix (installer/wine/e2e),
// never shipped. Wine 8's powershell.exe is a stub that runs nothing and
// exits 0, which the MSI's MoveAsideDataDir reads as "trusted folder". This
// one answers the MSI's one question as its script does, minus the owner
// check (Wine keeps no owners for ProgramData's folders worth checking):
// exit 2 when the folder $d='...' is absent, 0 when it is a folder holding
// .installed-by-kidtime, 3 otherwise. Any other command line exits 1.
package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var folder = regexp.MustCompile(`\$d='([^']*)'`)

func main() {
	m := folder.FindStringSubmatch(strings.Join(os.Args[1:], " "))
	if m == nil {
		os.Exit(1)
	}
	fi, err := os.Lstat(m[1])
	switch {
	case os.IsNotExist(err):
		os.Exit(2)
	case err != nil || !fi.IsDir():
		os.Exit(3)
	}
	if mk, err := os.Stat(filepath.Join(m[1], ".installed-by-kidtime")); err != nil || !mk.Mode().IsRegular() {
		os.Exit(3)
	}
	os.Exit(0)
}
