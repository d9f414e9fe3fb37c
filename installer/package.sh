#!/usr/bin/env bash
# Build kidtime's packages into build/pkg/:
#
#   installer/package.sh deb   kidtime_VERSION_amd64.deb (nfpm), from build/{kidtimed,kidtime,kidtime-app}
#   installer/package.sh msi   kidtime-MSIVERSION-x64.msi (wixl): kidtimed.exe + kidtime.exe cross-built
#                              without cgo, kidtime-app.exe (Fyne, cgo) with MinGW-w64
#   installer/package.sh all   both
#
# Run from anywhere; it works in the repository that holds it. Environment:
#   BUILD        the folder of `make build`'s binaries (default: build)
#   VERSION      the .deb version (default: 0.1.0~gitN.SHA from git)
#   MSI_VERSION  the MSI version, numeric (default: 0.1.N, N = commits)
#   NFPM         the nfpm command (default: go run nfpm@NFPM_VERSION)
#   MINGW_CC     the MinGW-w64 C compiler (default: x86_64-w64-mingw32-gcc)
# Missing Linux binaries are built (the Fyne app needs cgo: minutes when cold).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"

GO=${GO:-go}
BUILD=${BUILD:-build}
OUT=$BUILD/pkg
NFPM_VERSION=v2.48.0
NFPM=${NFPM:-"$GO run github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION"}

count=$(git rev-list --count HEAD 2>/dev/null || echo 0)
sha=$(git rev-parse --short HEAD 2>/dev/null || echo nogit)
VERSION=${VERSION:-0.1.0~git$count.$sha}
MSI_VERSION=${MSI_VERSION:-0.1.$count}

say() { echo "==> $*"; }

deb() {
	local arch stage
	arch=$(dpkg --print-architecture 2>/dev/null || $GO env GOARCH)
	stage=$OUT/stage-deb
	rm -rf "$stage" && mkdir -p "$stage" "$OUT"
	for b in kidtimed kidtime kidtime-hub; do
		[ -x "$BUILD/$b" ] || { say "building $b"; CGO_ENABLED=0 $GO build -trimpath -o "$BUILD/" "./cmd/$b"; }
	done
	[ -x "$BUILD/kidtime-app" ] || { say "building kidtime-app (cgo)"; $GO build -trimpath -o "$BUILD/" ./cmd/kidtime-app; }
	for b in kidtimed kidtime kidtime-hub kidtime-app; do
		# Stripped copies: the build folder keeps its debuggable binaries.
		install -m 0755 "$BUILD/$b" "$stage/$b"
		strip --strip-unneeded "$stage/$b" 2>/dev/null || true
	done
	# Debian wants a changelog (changelog.gz: the version has no Debian
	# revision, so this is a native package); one entry per build.
	{
		echo "kidtime ($VERSION) unstable; urgency=medium"
		echo
		echo "  * Built from commit $sha."
		echo
		echo " -- kidtime project <kidtime@users.noreply.github.com>  $(date -R)"
	} | gzip -9n > "$stage/changelog.gz"
	say "nfpm $NFPM_VERSION: kidtime $VERSION ($arch)"
	# nfpm expands variables in a few fields only; the paths are filled in here.
	sed -e "s|\${VERSION}|$VERSION|g" -e "s|\${ARCH}|$arch|g" \
		-e "s|\${STAGE}|$repo/$stage|g" -e "s|\${SRC}|$repo/installer|g" \
		installer/deb/nfpm.yaml > "$stage/nfpm.yaml"
	$NFPM package --config "$stage/nfpm.yaml" --packager deb --target "$OUT/"
	ls -l "$OUT"/kidtime_*"$arch".deb
}

# msi_binaries cross-builds the three programs into $1 (kidtimed.exe and
# kidtime.exe without cgo, kidtime-app.exe with MinGW-w64).
msi_binaries() {
	local win=$1 cc=${MINGW_CC:-x86_64-w64-mingw32-gcc}
	command -v "$cc" >/dev/null || { echo "$cc is missing: apt-get install -y gcc-mingw-w64-x86-64 (the app is cgo: Fyne's GLFW driver)" >&2; exit 1; }
	say "GOOS=windows CGO_ENABLED=0: kidtimed.exe kidtime.exe kidtime-hub.exe"
	for b in kidtimed kidtime kidtime-hub; do
		GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $GO build -trimpath -ldflags "-s -w" -o "$win/$b.exe" "./cmd/$b"
	done
	# The app is a GUI program (-H windowsgui: no console window opens at
	# logon for the companion). Cold, this build takes minutes (GLFW and
	# go-gl's C through MinGW); the Go build cache keeps it after.
	say "GOOS=windows CGO_ENABLED=1 CC=$cc: kidtime-app.exe"
	GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC="$cc" $GO build -trimpath -ldflags "-s -w -H windowsgui" -o "$win/kidtime-app.exe" ./cmd/kidtime-app
}

msi() {
	command -v wixl >/dev/null || { echo "wixl is missing: apt-get install -y wixl (Debian's msitools)" >&2; exit 1; }
	command -v msibuild >/dev/null && command -v msiinfo >/dev/null || { echo "msibuild/msiinfo are missing: apt-get install -y msitools" >&2; exit 1; }
	local win=$OUT/windows-amd64
	mkdir -p "$win"
	# MSI_REUSE_BINARIES=1 (the Wine end-to-end suite's second MSI): the
	# programs built for the previous MSI in this folder, not built again.
	if [ "${MSI_REUSE_BINARIES:-}" = 1 ] && [ -f "$win/kidtimed.exe" ] && [ -f "$win/kidtime.exe" ] && [ -f "$win/kidtime-hub.exe" ] && [ -f "$win/kidtime-app.exe" ]; then
		say "MSI_REUSE_BINARIES=1: the programs already in $win"
	else
		msi_binaries "$win"
	fi
	say "wixl: kidtime $MSI_VERSION (x64)"
	local out=$OUT/kidtime-$MSI_VERSION-x64.msi
	wixl -a x64 -D Version="$MSI_VERSION" -D BinDir="$win" -o "$out" installer/msi/kidtime.wxs
	# The CLI on the system PATH: wixl has no Environment element, so the
	# row WiX writes for <Environment Name="PATH" Value="[INSTALLDIR]"
	# Part="last" System="yes" Action="set"/> goes in here: "=-*PATH" (set
	# at install, removed at uninstall, the system's variable), "[~];..."
	# (appended to the value there), with the standard actions that apply it.
	msibuild "$out" -q "CREATE TABLE \`Environment\` (\`Environment\` CHAR(72) NOT NULL, \`Name\` CHAR(255) NOT NULL LOCALIZABLE, \`Value\` CHAR(255) LOCALIZABLE, \`Component_\` CHAR(72) NOT NULL PRIMARY KEY \`Environment\`)"
	msibuild "$out" -q "INSERT INTO \`Environment\` (\`Environment\`, \`Name\`, \`Value\`, \`Component_\`) VALUES ('PathKidtime', '=-*PATH', '[~];[INSTALLDIR]', 'Cli')"
	msibuild "$out" -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('RemoveEnvironmentStrings', 3300)"
	msibuild "$out" -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('WriteEnvironmentStrings', 5200)"
	# POLICYFILE is declared Secure="yes" in the .wxs, which wixl ignores: add
	# it to SecureCustomProperties (wixl's row holds MajorUpgrade's properties).
	local secure
	secure=$(msiinfo export "$out" Property | awk -F'\t' '$1 == "SecureCustomProperties" { print $2 }' | tr -d '\r')
	case ";$secure;" in
	*";POLICYFILE;"*) ;;
	";;") msibuild "$out" -q "INSERT INTO \`Property\` (\`Property\`, \`Value\`) VALUES ('SecureCustomProperties', 'POLICYFILE')" ;;
	*) msibuild "$out" -q "UPDATE \`Property\` SET \`Value\` = 'POLICYFILE;$secure' WHERE \`Property\` = 'SecureCustomProperties'" ;;
	esac
	ls -l "$out"
}

case "${1:-all}" in
deb) deb ;;
msi) msi ;;
all) deb; msi ;;
*) echo "usage: installer/package.sh deb|msi|all" >&2; exit 2 ;;
esac
