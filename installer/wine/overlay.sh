#!/usr/bin/env bash
# Prints the path of a `go build -overlay` file that makes Go's os.RemoveAll
# work under Wine 8, writing it (and the patched copy of one standard
# library file) under build/wine/overlay when missing or stale.
#
# Why: Go's internal/syscall/windows.Deleteat (used by os.RemoveAll for
# non-empty folders, and so by every t.TempDir cleanup) first tries
# NtSetInformationFile(FileDispositionInformationEx) and falls back to
# FileDispositionInfo when Windows answers that the class or a flag is not
# supported. Wine 8 answers STATUS_NOT_IMPLEMENTED, which Go does not treat
# as "not supported", so the removal fails with "Invalid function". The
# patch adds that status to the fallback's list and changes nothing else.
# It is for the tests under Wine only: shipped programs are built without it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

go="${GO:-go}"
src="$("$go" env GOROOT)/src/internal/syscall/windows/at_windows.go"
dir="$KIDTIME_WINE_DIR/overlay"
patched="$dir/at_windows.go.patched" # not .go: no Go package here
json="$dir/overlay.json"
needle='		STATUS_NOT_SUPPORTED:     // the file system'
if [ ! -f "$json" ] || [ "$src" -nt "$patched" ] || [ "${BASH_SOURCE[0]}" -nt "$patched" ] || ! grep -qF "\"$src\"" "$json"; then
	wine_dir
	mkdir -p "$dir"
	if ! grep -qF "$needle" "$src"; then
		echo "wine: overlay: $src no longer has the code this patch expects; check whether os.RemoveAll now works under Wine and update installer/wine/overlay.sh" >&2
		exit 1
	fi
	sed "s|^$needle|		STATUS_NOT_SUPPORTED, NTStatus(0xC0000002) /* STATUS_NOT_IMPLEMENTED: Wine 8, kidtime test overlay */: // the file system|" "$src" >"$patched.tmp"
	mv "$patched.tmp" "$patched"
	printf '{"Replace":{"%s":"%s"}}\n' "$src" "$patched" >"$json"
fi
echo "$json"
