#!/usr/bin/env bash
# Renders every screen of kidtime-app (the console's first run, PIN screen and
# six tabs, and the child's companion with its countdown, ask, parent-code,
# blocked and help views) in Vietnamese and English to build/screenshots/{vi,en}/.
#
# The console's PIN screen and tabs show a real kidtimed: the script builds
# kidtimed, kidtime and kidtime-app, fills a temporary database with
# `kidtimed demo-seed` (two children, a month of usage, requests, events),
# starts `kidtimed run` on a temporary socket, and sets the PIN with
# `kidtime setup --pin-stdin`. The first-run screens (they need an agent with
# no PIN) and the companion's (they need a child's OS account) come from the
# app's in-memory demo agent.
#
# The app draws with fyne's software painter (--screenshot), under Xvfb when
# there is no display so that the GL driver can start as in a real session.
# Usage: installer/dev/screenshots.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/screenshots}
mkdir -p build "$out"
pin=${KIDTIME_DEMO_PIN:-135790}

echo "==> go build ./cmd/kidtimed ./cmd/kidtime ./cmd/kidtime-app"
CGO_ENABLED=0 go build -o build/kidtimed ./cmd/kidtimed
CGO_ENABLED=0 go build -o build/kidtime ./cmd/kidtime
go build -o build/kidtime-app ./cmd/kidtime-app

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kidtime-shots.XXXXXX")
sock="$tmp/kidtimed.sock"
daemon=""
cleanup() {
	if [ -n "$daemon" ]; then
		kill "$daemon" 2>/dev/null || true
		wait "$daemon" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "==> kidtimed demo-seed --data-dir $tmp/data"
build/kidtimed demo-seed --data-dir "$tmp/data"
echo "==> kidtimed run --socket $sock"
build/kidtimed run --data-dir "$tmp/data" --socket "$sock" --log-level warn 2>"$tmp/kidtimed.log" &
daemon=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && build/kidtime --socket "$sock" status >/dev/null 2>&1 && break
	kill -0 "$daemon" 2>/dev/null || { cat "$tmp/kidtimed.log" >&2; exit 1; }
	sleep 0.1
done
# until its first tick (about a second) the agent reports 0 s left with state ok
sleep 2
echo "==> kidtime setup --pin-stdin"
echo "$pin" | build/kidtime --socket "$sock" setup --pin-stdin >/dev/null

run=(build/kidtime-app --screenshot "$out" --socket "$sock" --pin "$pin")
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
	run=(xvfb-run -a -s "-screen 0 1280x800x24" "${run[@]}")
fi
echo "==> ${run[*]}"
"${run[@]}" 2> >(grep -v -e 'Fyne error' -e 'Cause:' -e 'At: ' -e 'fyne.Do' -e 'From: ' -e 'locale C' >&2 || true)
for lang in vi en; do
	n=$(find "$out/$lang" -name '*.png' | wc -l)
	echo "$out/$lang: $n screenshots"
	[ "$n" -ge 20 ] || { echo "expected 20 screenshots in $out/$lang" >&2; exit 1; }
done
