#!/usr/bin/env bash
# `make screenshots`, Windows part: the console and the companion of the
# Windows build of kidtime-app (MinGW-w64), in Vietnamese and English, drawn
# by Fyne's OpenGL driver under Wine on the prefix's Xvfb, into
# build/screenshots/windows/. It runs the first steps of the MSI end-to-end
# suite (installer/wine/e2e: build the MSI, install it with a policy whose
# child is the Wine user, the pipe, the app) in a fresh throwaway prefix.
# Test tooling, never shipped. Usage: installer/wine/screenshots.sh [OUT_DIR]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."
out=${1:-build/screenshots/windows}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/windows-*.png
bash installer/wine/prefix.sh || { bash installer/wine/prefix.sh stop; exit 1; }
status=0
go test -tags kidtime_wine_e2e -count=1 -timeout 20m -run 'TestMSI/^(build|install|status_over_the_pipe|app)$' \
	./installer/wine/e2e/ -args -shots "$out" || status=$?
bash installer/wine/prefix.sh stop
n=$(find "$out" -name 'windows-*.png' | wc -l)
echo "$out: $n screenshots of the Windows build under Wine"
[ "$status" -eq 0 ] && [ "$n" -ge 4 ] || { echo "expected 4 screenshots of the Windows app in $out" >&2; exit 1; }
