// Package e2e is the Windows end-to-end suite under Wine (build tag
// kidtime_wine_e2e; `make test-windows` runs it after the unit tests, in the
// same throwaway prefix, and counts it in the same summary line).
//
// It runs on the Linux host and drives Wine: it builds an MSI (wixl), installs
// it silently with a policy file, talks to the service with kidtime.exe over
// the named pipe, starts a Go-built "game" in the prefix and watches it being
// counted, closed when its budget is spent and killed at once when relaunched,
// then upgrades and uninstalls, checking that the data stays. See README.md
// beside this file for what Wine cannot run and how the suite copes.
package e2e
