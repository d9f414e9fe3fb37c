package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A test binary is not started by the service manager, under Windows or
// Wine, whatever session Wine's services.exe lives in.
func TestNotStartedBySCM(t *testing.T) {
	if startedBySCM() {
		t.Error("the test binary was taken for a service")
	}
	if parentIsServicesExe() {
		t.Error("the test binary's parent was taken for services.exe")
	}
}

// The data folder is the ProgramData known folder, where the MSI makes
// and locks it, not whatever %ProgramData% says.
func TestDefaultDataDirIsProgramData(t *testing.T) {
	t.Setenv("ProgramData", `C:\users\Public`)
	d := defaultDataDir()
	if !filepath.IsAbs(d) || !strings.EqualFold(filepath.Base(d), "kidtime") || strings.Contains(strings.ToLower(d), `users\public`) {
		t.Errorf("default data dir %q, want <FOLDERID_ProgramData>\\kidtime", d)
	}
}
