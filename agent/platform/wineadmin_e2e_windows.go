//go:build kidtime_wine_e2e

package platform

import "golang.org/x/sys/windows"

// This file is compiled only with the tag kidtime_wine_e2e, which the Wine
// end-to-end suite (installer/wine/e2e) builds its MSI with; shipped builds
// never carry it (installer/package.sh passes no tags, and `make cross`
// builds without them).
//
// Why: Wine has one account, the Unix user, and it is an administrator by
// every Windows API (NetUserGetLocalGroups answers "Administrators", the
// token holds BUILTIN\Administrators enabled, elevation type full). kidtime
// never restricts an administrator, so without this the suite could not
// make that account a child. Here, and only when ntdll says it is Wine
// (wine_get_version), the account this process runs as counts as a
// standard account for UserIsAdmin (and so for the family's children and
// KillUser). Callers' roles over the pipe still come from their token
// (agent/ipc), so the suite's CLI stays an administrator.
func init() {
	if windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() != nil {
		return // not Wine
	}
	self, err := tokenSID(windows.GetCurrentProcessToken())
	if err != nil {
		return
	}
	wineE2EStandard = func(sid string) bool { return sid == self }
}
