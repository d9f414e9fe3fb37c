#!/usr/bin/env bash
# Builds the ProcessPrng shim (processprng.c) with MinGW-w64 into
# build/wine/bcryptprimitives.dll when it is missing or older than its source,
# and puts it in the test prefix's system32 when it is not there.
# Test tooling only: the DLL is never committed nor shipped.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

src="$wine_here/processprng.c"
dll="$KIDTIME_WINE_DIR/bcryptprimitives.dll"
cc="${MINGW_CC:-x86_64-w64-mingw32-gcc}"

if [ ! -f "$dll" ] || [ "$src" -nt "$dll" ]; then
	command -v "$cc" >/dev/null || { echo "wine: $cc not found (Debian: apt-get install gcc-mingw-w64-x86-64)" >&2; exit 1; }
	wine_dir
	# No C runtime: the DLL imports advapi32 alone.
	"$cc" -shared -O2 -s -nostdlib -Wl,-e,DllMain -o "$dll.tmp" "$src" -ladvapi32
	mv "$dll.tmp" "$dll"
	echo "wine: built $dll"
fi

sys32="$WINEPREFIX/drive_c/windows/system32"
if [ -d "$sys32" ] && ! cmp -s "$dll" "$sys32/bcryptprimitives.dll"; then
	cp "$dll" "$sys32/bcryptprimitives.dll"
fi
