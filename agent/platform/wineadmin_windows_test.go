//go:build !kidtime_wine_e2e

package platform

import "testing"

// Without the Wine end-to-end tag nothing demotes an administrator: the
// hook of wineadmin_e2e_windows.go stays nil in every shipped build.
func TestNoWineE2ESeam(t *testing.T) {
	if wineE2EStandard != nil {
		t.Fatal("wineE2EStandard is set in a build without the kidtime_wine_e2e tag")
	}
}
