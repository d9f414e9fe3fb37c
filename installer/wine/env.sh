# Sourced by the other scripts here: where the throwaway Wine prefix lives and
# how Wine is run for kidtime's Windows tests (test tooling, never shipped).
#
# KIDTIME_WINE_DIR   where the prefix and the shim DLL go (default: build/wine
#                    of the repository)
# WINE               the Wine loader (default: wine64, then Debian's
#                    /usr/lib/wine/wine64, then wine)

wine_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KIDTIME_WINE_DIR="${KIDTIME_WINE_DIR:-$(cd "$wine_here/../.." && pwd)/build/wine}"
export WINEPREFIX="$KIDTIME_WINE_DIR/prefix"
export WINEARCH=win64
# No debug channels (they go to stderr, which go test would mix into the
# output), and no prompts to install Mono or Gecko.
export WINEDEBUG=-all
# winemenubuilder off: the MSI's Start-menu shortcut must not become a .desktop
# file in the host's menus.
export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"

if [ -z "${WINE:-}" ]; then
	if command -v wine64 >/dev/null 2>&1; then
		WINE=wine64
	elif [ -x /usr/lib/wine/wine64 ]; then
		WINE=/usr/lib/wine/wine64 # Debian's wine64 package alone puts it here
	elif command -v wine >/dev/null 2>&1; then
		WINE=wine
	else
		echo "wine: no Wine found (Debian: apt-get install wine64)" >&2
		exit 1
	fi
fi
if [ -z "${WINESERVER:-}" ]; then
	if command -v wineserver >/dev/null 2>&1; then
		WINESERVER=wineserver
	elif [ -x /usr/lib/wine/wineserver64 ]; then
		WINESERVER=/usr/lib/wine/wineserver64
	else
		WINESERVER=/usr/lib/wine/wineserver
	fi
fi
export WINE WINESERVER

# wine_dir makes KIDTIME_WINE_DIR, fenced off from the repository's Go
# packages: a go.mod of its own keeps `go list ./...` (and so vet and the
# tests) out of the prefix and the overlay.
wine_dir() {
	mkdir -p "$KIDTIME_WINE_DIR"
	if [ ! -f "$KIDTIME_WINE_DIR/go.mod" ]; then
		printf '// Not Go code: the Wine test prefix and scratch files (installer/wine).\nmodule kidtime.invalid/wine-scratch\n' >"$KIDTIME_WINE_DIR/go.mod"
	fi
}
