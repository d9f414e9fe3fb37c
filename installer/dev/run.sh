#!/usr/bin/env bash
# `make run`: start kidtimed on a local data folder and open the parents'
# console on it. Nothing outside the folder changes. Ctrl-C stops both.
set -euo pipefail
build="$1" data="$2" socket="$3"
mkdir -p "$data"
chmod 700 "$data" # the database stays private
log="$data/kidtimed.log"
# The socket's folder must let every account in (the companion runs as the
# child), and must be ours: a folder someone else made in /tmp, or a link,
# could hand our clients to their listener.
sockdir=$(dirname "$socket")
mkdir -p "$sockdir"
if [ -L "$sockdir" ] || [ ! -O "$sockdir" ]; then
	echo "run: $sockdir is not a folder of yours; remove it or set SOCKET=/another/path/kidtimed.sock" >&2
	exit 1
fi
chmod 755 "$sockdir"

if [ -S "$socket" ] && KIDTIME_SOCKET="$socket" "$build/kidtime" status >/dev/null 2>&1; then
	echo "run: kidtimed already answers on $socket"
else
	echo "run: starting kidtimed (data: $data, socket: $socket, log: $log)"
	"$build/kidtimed" run --data-dir "$data" --socket "$socket" >>"$log" 2>&1 &
	daemon=$!
	stop() {
		trap - EXIT
		echo "run: stopping kidtimed"
		kill "$daemon" 2>/dev/null
		wait "$daemon" 2>/dev/null || true
	}
	trap stop EXIT
	trap 'exit 130' INT TERM
	for _ in $(seq 1 100); do
		if KIDTIME_SOCKET="$socket" "$build/kidtime" status >/dev/null 2>&1; then break; fi
		if ! kill -0 "$daemon" 2>/dev/null; then echo "run: kidtimed exited; its log:"; tail -20 "$log"; exit 1; fi
		sleep 0.1
	done
fi
if [ "$(id -u)" != 0 ]; then
	echo "run: note: not root, so kidtimed can watch and stop only your own processes; as root it enforces for real."
fi

cat <<TXT

kidtime is running. In another terminal:

  export KIDTIME_SOCKET=$socket
  $build/kidtime status
  $build/kidtime setup --pin-stdin            # type a PIN of 6+ digits, then Enter
  $build/kidtime child add An --birth-year 2015 --account USER

TXT

if [ -x "$build/kidtime-app" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
	echo "run: opening the parents' console (close its window to stop)"
	"$build/kidtime-app" --socket "$socket" || true
else
	echo "run: no display here, so the console does not open; kidtimed runs until Ctrl-C."
	echo "     (on a desktop, make run opens the console: $build/kidtime-app --socket $socket)"
	wait
fi
