// Package pkgtest holds fast checks of kidtime's packaging that need no
// root and no package tools: the .deb's systemd unit agrees with the
// template in installer/service, the example school policy parses, and the
// MSI source names the service as the daemon does and moves an untrusted
// data folder aside before it locks the folder or copies the policy in. The
// real check, which
// builds the packages and installs the .deb with dpkg, is
// installer/pkgtest.sh.
package pkgtest
