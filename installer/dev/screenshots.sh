#!/usr/bin/env bash
# Renders every screen of kidtime-app (the console's first run, PIN screen and
# six tabs, and the child's companion with its countdown, ask, parent-code,
# blocked and help views) in Vietnamese and English to build/screenshots/{vi,en}/.
#
# For now the app runs on its --demo agent (in-memory, made-up data) and draws
# with fyne's software painter (--screenshot), under Xvfb when there is no
# display so that the GL driver can start as in a real session.
# Usage: installer/dev/screenshots.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/screenshots}
mkdir -p build "$out"
echo "==> go build ./cmd/kidtime-app"
go build -o build/kidtime-app ./cmd/kidtime-app
run=(build/kidtime-app --screenshot "$out")
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
	run=(xvfb-run -a -s "-screen 0 1280x800x24" "${run[@]}")
fi
echo "==> ${run[*]}"
"${run[@]}" 2> >(grep -v -e 'Fyne error' -e 'Cause:' -e 'At: ' -e 'fyne.Do' -e 'From: ' >&2 || true)
for lang in vi en; do
	n=$(find "$out/$lang" -name '*.png' | wc -l)
	echo "$out/$lang: $n screenshots"
	[ "$n" -ge 20 ] || { echo "expected 20 screenshots in $out/$lang" >&2; exit 1; }
done
