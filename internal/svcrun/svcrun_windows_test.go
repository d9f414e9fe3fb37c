package svcrun

import "testing"

// A test binary is not started by the service manager, under Windows or
// Wine, whatever session Wine's services.exe lives in.
func TestNotStartedBySCM(t *testing.T) {
	if StartedBySCM() {
		t.Error("the test binary was taken for a service")
	}
	if parentIsServicesExe() {
		t.Error("the test binary's parent was taken for services.exe")
	}
}
