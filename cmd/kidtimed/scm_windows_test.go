package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The data folder is the ProgramData known folder, where the MSI makes
// and locks it, not whatever %ProgramData% says.
func TestDefaultDataDirIsProgramData(t *testing.T) {
	t.Setenv("ProgramData", `C:\users\Public`)
	d := defaultDataDir()
	if !filepath.IsAbs(d) || !strings.EqualFold(filepath.Base(d), "kidtime") || strings.Contains(strings.ToLower(d), `users\public`) {
		t.Errorf("default data dir %q, want <FOLDERID_ProgramData>\\kidtime", d)
	}
}
