#!/usr/bin/env bash
# Renders every screen of kidtime-app (the console's first run, PIN screen
# and six tabs, and the child's companion with its countdown, ask,
# parent-code, blocked and help views) in Vietnamese and English to
# build/screenshots/{vi,en}/.
#
# The screens show the whole agent running in-process on a fake OS
# (agent/agenttest) with made-up data: an agent with no PIN yet for the
# first run, and a family with two children, a month of use, asks and
# events for the rest. TestScreenshots in cmd/kidtime-app draws them with
# fyne's software painter (no display needed); it is a test so that the
# app shipped links none of this.
# Usage: installer/dev/screenshots.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/screenshots}
mkdir -p "$out"
out=$(cd "$out" && pwd) # the test runs in its package's folder
rm -f "$out"/vi/[0-9][0-9]-*.png "$out"/en/[0-9][0-9]-*.png # this run's only

run=(go test -count=1 -run '^TestScreenshots$' ./cmd/kidtime-app -args -out "$out")
echo "==> ${run[*]}"
# fyne complains about the C locale of build machines; the rest is shown
"${run[@]}" 2>&1 | { grep -v -e 'Fyne error' -e 'Cause:' -e 'At: ' -e 'locale C' || true; }
for lang in vi en; do
	n=$(find "$out/$lang" -name '*.png' | wc -l)
	echo "$out/$lang: $n screenshots"
	[ "$n" -ge 20 ] || { echo "expected 20 screenshots in $out/$lang" >&2; exit 1; }
done
