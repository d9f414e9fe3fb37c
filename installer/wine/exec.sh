#!/usr/bin/env bash
# go test -exec wrapper: runs a Windows test binary (and its arguments) under
# Wine in the test prefix and passes its exit code through. go test runs it
# in the package's directory, which Wine maps to Z:\... as the working
# directory, so testdata/ is found.
#
#	GOOS=windows go test -exec "$PWD/installer/wine/exec.sh" ./agent/...
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [ $# -eq 0 ]; then
	echo "usage: exec.sh PROGRAM.exe [ARG...]" >&2
	exit 2
fi
if [ ! -f "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ]; then
	echo "wine: no test prefix with the ProcessPrng shim at $WINEPREFIX (run installer/wine/prefix.sh first)" >&2
	exit 1
fi
# The prefix's Xvfb, if prefix.sh started one: a test that makes a window
# needs an X server under Wine.
if [ -s "$KIDTIME_WINE_DIR/xdisplay" ]; then
	export DISPLAY=":$(cat "$KIDTIME_WINE_DIR/xdisplay")"
fi
exec "$WINE" "$@"
