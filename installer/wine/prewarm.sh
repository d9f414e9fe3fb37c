#!/usr/bin/env bash
# The Windows build of kidtime-app (cgo: GLFW and go-gl's C through MinGW-w64) takes about
# 10 minutes of CPU when the Go build cache is cold. make test starts it here, at the lowest
# priority, before the lint and the unit tests, so that it uses the CPU they leave idle (they
# wait on timers and processes much of the time); the Wine end-to-end's MSI build then finds
# its packages in the cache. The flags are the ones installer/package.sh and the end-to-end
# use (-trimpath, the e2e build tag): anything else would not be the same cache entries.
#   prewarm.sh start   start the build in the background (nothing when MinGW is missing)
#   prewarm.sh wait    wait for it, and say how long it took
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
mkdir -p "$BUILD"
pidf=$BUILD/prewarm-app.pid log=$BUILD/prewarm-app.log
cc=${MINGW_CC:-x86_64-w64-mingw32-gcc}
case "${1:-}" in
start)
	command -v "$cc" >/dev/null || { echo "==> prewarm: $cc missing, nothing to warm"; exit 0; }
	echo "==> prewarm: the Windows app's cgo build, in the background at the lowest priority ($log)"
	(
		start=$(date +%s)
		if GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC="$cc" GOFLAGS=-tags=kidtime_wine_e2e \
			nice -n 19 ${GO:-go} build -trimpath -o /dev/null ./cmd/kidtime-app >"$log" 2>&1; then
			echo "ok $(($(date +%s) - start)) s" >>"$log"
		else
			echo "failed after $(($(date +%s) - start)) s (the MSI build will build it itself)" >>"$log"
		fi
	) </dev/null >/dev/null 2>&1 &
	echo $! >"$pidf"
	;;
wait)
	[ -f "$pidf" ] || exit 0
	pid=$(cat "$pidf")
	if kill -0 "$pid" 2>/dev/null; then
		echo "==> prewarm: waiting for the Windows app's build to finish"
		while kill -0 "$pid" 2>/dev/null; do sleep 2; done
	fi
	rm -f "$pidf"
	echo "==> prewarm: $(tail -1 "$log" 2>/dev/null || echo 'no log')"
	;;
*)
	echo "usage: prewarm.sh start|wait" >&2
	exit 2
	;;
esac
