#!/usr/bin/env bash
# Makes a fresh, throwaway Wine prefix for the Windows tests (build/wine/prefix,
# removed first), headless: wineboot --init, no Mono or Gecko prompts, then the
# ProcessPrng shim in its system32. It leaves a persistent wineserver and
# Wine's own processes running, so that each test binary starts quickly;
# `prefix.sh stop` ends them (wineserver -k, this prefix's only).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

xpid="$KIDTIME_WINE_DIR/xvfb.pid"
xdisplay="$KIDTIME_WINE_DIR/xdisplay"
stop_xvfb() {
	if [ -f "$xpid" ]; then kill "$(cat "$xpid")" 2>/dev/null || true; fi
	rm -f "$xpid" "$xdisplay"
}

if [ "${1:-}" = stop ]; then
	if [ -d "$WINEPREFIX" ]; then "$WINESERVER" -k 2>/dev/null || true; fi
	stop_xvfb
	exit 0
fi

if [ -d "$WINEPREFIX" ]; then
	"$WINESERVER" -k 2>/dev/null || true
	rm -rf "$WINEPREFIX"
fi
wine_dir
log="$KIDTIME_WINE_DIR/wineboot.log"
start=$SECONDS
# Wine needs no display for wineboot nor for the tests; without one it only
# logs that it has none. (Its WoW64 step fails without wine32: harmless.)
if ! "$WINE" wineboot --init >"$log" 2>&1 || ! "$WINESERVER" -w; then
	cat "$log" >&2
	echo "wine: wineboot --init failed in $WINEPREFIX" >&2
	exit 1
fi
if [ ! -d "$WINEPREFIX/drive_c/windows/system32" ]; then
	cat "$log" >&2
	echo "wine: wineboot made no system32 in $WINEPREFIX" >&2
	exit 1
fi
bash "$wine_here/shim.sh"
"$WINESERVER" -p
# Start Wine's own processes (services.exe, winedevice.exe, explorer.exe...)
# now, with their output going to the log: started by the first test binary
# instead, they would keep its standard output open for as long as the
# server runs, and go test would wait for it ("Test I/O incomplete").
if ! "$WINE" wineboot </dev/null >>"$log" 2>&1; then
	cat "$log" >&2
	echo "wine: wineboot failed in $WINEPREFIX" >&2
	exit 1
fi
# An X server for the tests that need a window (WM_CLOSE): Xvfb on a free
# display (-displayfd), its name in $xdisplay for exec.sh; `stop` ends it.
stop_xvfb
if command -v Xvfb >/dev/null 2>&1; then
	Xvfb -displayfd 3 -nolisten tcp -screen 0 1280x800x24 3>"$xdisplay.tmp" >>"$log" 2>&1 </dev/null &
	echo $! >"$xpid"
	for _ in $(seq 50); do [ -s "$xdisplay.tmp" ] && break; sleep 0.1; done
	if [ -s "$xdisplay.tmp" ]; then mv "$xdisplay.tmp" "$xdisplay"; else rm -f "$xdisplay.tmp"; stop_xvfb; fi
fi
echo "wine: fresh prefix $WINEPREFIX ($("$WINE" --version 2>/dev/null || echo 'wine ?'), $((SECONDS - start))s)"
