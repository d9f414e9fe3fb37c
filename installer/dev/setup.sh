#!/usr/bin/env bash
# Installs what kidtime's build and tests need, only when it is missing, and says what it does.
# Debian/Ubuntu: the C libraries Fyne needs (libgl1-mesa-dev, xorg-dev), Xvfb for UI tests,
# openbox (a real window manager, for the companion's placement tests), D-Bus tools, Wine and MinGW-w64 for the Windows tests (make test-windows: wine64 runs them,
# wine gives the wine/wineboot/wineserver commands, gcc-mingw-w64-x86-64 builds the test-only
# ProcessPrng shim of installer/wine, wixl and msitools build the MSI the Wine end-to-end suite installs);
# any system: staticcheck through the Go toolchain.
set -euo pipefail

STATICCHECK_VERSION=v0.8.2
pkgs=(libgl1-mesa-dev xorg-dev xvfb xauth dbus pkg-config gcc wine64 wine gcc-mingw-w64-x86-64 wixl msitools openbox)

sudo_cmd=()
if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi

if command -v dpkg-query >/dev/null 2>&1; then
	missing=()
	for p in "${pkgs[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "deps: installing ${missing[*]} with apt-get"
		"${sudo_cmd[@]}" apt-get update -qq
		DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	else
		echo "deps: system packages present (${pkgs[*]})"
	fi
else
	echo "deps: not a Debian/Ubuntu system; install by hand: OpenGL and X11 development headers, Xvfb, Wine (64-bit), MinGW-w64 gcc" >&2
fi

gobin="$(go env GOPATH)/bin"
if ! command -v staticcheck >/dev/null 2>&1 && [ ! -x "$gobin/staticcheck" ]; then
	echo "deps: installing staticcheck $STATICCHECK_VERSION with go install"
	go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
else
	echo "deps: staticcheck present"
fi
