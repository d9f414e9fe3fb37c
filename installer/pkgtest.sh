#!/usr/bin/env bash
# Check kidtime's packages for real:
#
#   installer/pkgtest.sh [DEB]     (root; default DEB: build it with installer/package.sh deb)
#
# 1. the .deb's metadata, file list, modes and owners (dpkg-deb -I/-c), its
#    unit against installer/service's template, desktop-file-validate and
#    lintian where installed (lintian errors fail, warnings are printed);
# 2. installs it with dpkg -i on this machine, three ways: a plain install,
#    a school preseed (/etc/kidtime/policy.json, imported by the daemon at
#    its first start: checked over the API), and a broken school policy
#    (the install must fail and purge must still clean up); each time
#    checks the group, /var/lib/kidtime 0700, /etc/default/kidtimed, the
#    enabled unit, the postinst's words when systemd is not PID 1; then
#    dpkg -r keeps the data and dpkg --purge removes it;
# 3. the MSI's tables and files, when build/pkg holds one (MSI=path) and
#    msiinfo is installed.
#
# It refuses to run on a machine where kidtime is already installed or
# where /var/lib/kidtime or /etc/kidtime exist (it would erase them).
# The daemon it starts uses its own socket and a policy that limits nobody.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"
BUILD=${BUILD:-build}
start=$(date +%s)

pass=0
ok() { pass=$((pass + 1)); echo "  ok   $*"; }
fail() { echo "  FAIL $*" >&2; exit 1; }
step() { echo "==> $*"; }
want() { # want DESCRIPTION COMMAND...: the command must succeed
	local what=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what ($*)"; fi
}
mode_of() { stat -c '%a %U:%G' "$1"; }

[ "$(id -u)" = 0 ] || { echo "pkgtest: needs root (dpkg -i)" >&2; exit 2; }
if dpkg-query -W -f '${Status}' kidtime 2>/dev/null | grep -q 'installed\|config-files\|half'; then
	echo "pkgtest: kidtime is already installed here; dpkg --purge kidtime first" >&2; exit 2
fi
for p in /var/lib/kidtime /etc/kidtime /etc/default/kidtimed; do
	[ ! -e "$p" ] || { echo "pkgtest: $p exists; refusing to touch it" >&2; exit 2; }
done

DEB=${1:-}
if [ -z "$DEB" ]; then
	step "building the .deb (installer/package.sh deb)"
	"$here/package.sh" deb
	DEB=$(ls -t "$BUILD"/pkg/kidtime_*.deb | head -1)
fi
[ -f "$DEB" ] || fail "no package at $DEB"

tmp=$(mktemp -d /tmp/kidtime-pkgtest.XXXXXX)
daemon=
cleanup() {
	local rc=$?
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	if dpkg-query -W kidtime >/dev/null 2>&1; then dpkg --purge kidtime >/dev/null 2>&1 || true; fi
	rm -f /etc/kidtime/policy.json
	rmdir /etc/kidtime 2>/dev/null || true
	rm -rf "$tmp"
	[ $rc = 0 ] || echo "pkgtest: FAILED (the machine was cleaned up)" >&2
}
trap cleanup EXIT

# ---------------------------------------------------------------- static
step "package metadata: $DEB"
info=$(dpkg-deb -I "$DEB")
[ "$(dpkg-deb -f "$DEB" Package)" = kidtime ] && ok "Package: kidtime" || fail "Package"
depends=$(dpkg-deb -f "$DEB" Depends)
for d in libc6 libgl1 libx11-6 libxcursor1 libxrandr2 libxinerama1 libxi6 libxxf86vm1 passwd init-system-helpers; do
	[[ ",$depends," == *", $d"[\ ,]* || ",$depends," == *",$d"[\ ,]* ]] || fail "Depends lacks $d: $depends"
done
ok "Depends names the Fyne libraries, passwd, init-system-helpers"
for s in postinst prerm postrm; do
	grep -q " $s " <<<"$info" || fail "no $s script"
done
ok "maintainer scripts postinst, prerm, postrm"
[ "$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles)" = /etc/xdg/autostart/kidtime-companion.desktop ] \
	&& ok "conffiles: the autostart entry only" || fail "conffiles"

step "package contents (mode owner path)"
contents=$(dpkg-deb -c "$DEB" | awk '{print $1, $2, $6}')
expect() { # expect MODE OWNER PATH
	grep -qxF -e "$1 $2 ./$3" <<<"$contents" && ok "$1 $2 /$3" || fail "want $1 $2 /$3 in: $(grep -F -e "$3" <<<"$contents" || echo missing)"
}
expect -rwxr-xr-x root/root usr/sbin/kidtimed
expect -rwxr-xr-x root/root usr/sbin/kidtime-hub
expect -rwxr-xr-x root/root usr/bin/kidtime
expect -rwxr-xr-x root/root usr/bin/kidtime-app
expect -rw-r--r-- root/root lib/systemd/system/kidtimed.service
expect -rw-r--r-- root/root etc/xdg/autostart/kidtime-companion.desktop
expect -rw-r--r-- root/root usr/share/applications/kidtime.desktop
expect -rw-r--r-- root/root usr/share/icons/hicolor/scalable/apps/kidtime.svg
expect -rw-r--r-- root/root usr/share/doc/kidtime/copyright
expect -rw-r--r-- root/root usr/share/doc/kidtime/examples/school-lab.json
expect -rw-r--r-- root/root usr/share/doc/kidtime/changelog.gz
expect -rw-r--r-- root/root usr/share/lintian/overrides/kidtime
! grep -q 'var/lib/kidtime' <<<"$contents" && ok "/var/lib/kidtime is not shipped (postinst makes it, purge removes it)" || fail "/var/lib/kidtime shipped"
n=$(grep -c '^-' <<<"$contents")
[ "$n" = 11 ] && ok "11 files, nothing else" || fail "$n files: $contents"

step "the unit against installer/service.SystemdUnit"
go test -count=1 ./installer/pkgtest/ >/dev/null && ok "go test ./installer/pkgtest (unit and template agree)" || fail "go test ./installer/pkgtest"

if command -v desktop-file-validate >/dev/null; then
	dpkg-deb -x "$DEB" "$tmp/x"
	out=$(desktop-file-validate "$tmp/x/usr/share/applications/kidtime.desktop" "$tmp/x/etc/xdg/autostart/kidtime-companion.desktop" 2>&1) \
		|| fail "desktop-file-validate: $out"
	ok "desktop-file-validate: both entries${out:+ ($out)}"
else
	echo "  skip desktop-file-validate (apt-get install desktop-file-utils)"
fi
if command -v lintian >/dev/null; then
	lint=$(lintian --tag-display-limit 0 "$DEB" 2>/dev/null || true)
	if grep -q '^E:' <<<"$lint"; then fail "lintian errors:
$lint"; fi
	ok "lintian: no errors ($(grep -c '^W:' <<<"$lint" || true) warnings)"
	sed 's/^/       /' <<<"$lint"
else
	echo "  skip lintian (apt-get install lintian)"
fi

# ---------------------------------------------------------------- dpkg
systemd_runs=false
[ -d /run/systemd/system ] && systemd_runs=true

installed_checks() {
	want "dpkg status: install ok installed" sh -c "dpkg-query -W -f '\${Status}' kidtime | grep -qx 'install ok installed'"
	want "group kidtime-admin exists" getent group kidtime-admin
	[ "$(mode_of /var/lib/kidtime)" = "700 root:root" ] && ok "/var/lib/kidtime 700 root:root" || fail "/var/lib/kidtime is $(mode_of /var/lib/kidtime)"
	want "/etc/default/kidtimed written" test -f /etc/default/kidtimed
	want "unit enabled for multi-user.target" test -L /etc/systemd/system/multi-user.target.wants/kidtimed.service
	want "kidtimed on PATH (/usr/sbin)" sh -c '[ "$(command -v kidtimed)" = /usr/sbin/kidtimed ]'
	want "kidtime runs: policy check of the packaged example" kidtime policy check /usr/share/doc/kidtime/examples/school-lab.json
	if ! $systemd_runs; then
		grep -q "systemd is not running here" "$tmp/dpkg.out" && ok "postinst said systemd is not running, and did not fail" \
			|| fail "postinst did not say that systemd is missing: $(cat "$tmp/dpkg.out")"
	fi
}

# The daemon as the unit starts it: ExecStart with $KIDTIMED_OPTS from
# /etc/default/kidtimed, the default data folder, its own socket.
start_daemon() {
	local opts
	opts=$(. /etc/default/kidtimed; echo "$KIDTIMED_OPTS")
	# shellcheck disable=SC2086
	/usr/sbin/kidtimed run $opts --socket "$tmp/kidtimed.sock" >"$tmp/daemon.log" 2>&1 &
	daemon=$!
	for _ in $(seq 100); do
		[ -S "$tmp/kidtimed.sock" ] && kidtime --socket "$tmp/kidtimed.sock" status >/dev/null 2>&1 && break
		kill -0 "$daemon" 2>/dev/null || fail "kidtimed exited: $(cat "$tmp/daemon.log")"
		sleep 0.1
	done
	kidtime --socket "$tmp/kidtimed.sock" status >/dev/null 2>&1 && ok "kidtimed run \$KIDTIMED_OPTS answers on its socket" \
		|| fail "kidtimed did not answer: $(cat "$tmp/daemon.log")"
}
stop_daemon() {
	kill "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=
}

remove_and_purge() {
	step "dpkg -r kidtime"
	dpkg -r kidtime >"$tmp/dpkg.out" 2>&1 || fail "dpkg -r: $(cat "$tmp/dpkg.out")"
	want "dpkg status: deinstall ok config-files" sh -c "dpkg-query -W -f '\${Status}' kidtime | grep -qx 'deinstall ok config-files'"
	for f in /usr/sbin/kidtimed /usr/bin/kidtime /usr/bin/kidtime-app /lib/systemd/system/kidtimed.service /usr/share/applications/kidtime.desktop; do
		[ ! -e "$f" ] || fail "$f left after dpkg -r"
	done
	ok "binaries, unit and desktop entry removed"
	want "/etc/xdg/autostart/kidtime-companion.desktop kept (conffile, until purge)" test -f /etc/xdg/autostart/kidtime-companion.desktop
	want "/var/lib/kidtime kept, with the database" test -f /var/lib/kidtime/kidtime.db
	want "/etc/default/kidtimed kept" test -f /etc/default/kidtimed

	step "dpkg --purge kidtime"
	dpkg --purge kidtime >"$tmp/dpkg.out" 2>&1 || fail "dpkg --purge: $(cat "$tmp/dpkg.out")"
	want "dpkg knows nothing of kidtime" sh -c '! dpkg-query -W kidtime'
	for f in /var/lib/kidtime /etc/default/kidtimed /etc/xdg/autostart/kidtime-companion.desktop /etc/systemd/system/multi-user.target.wants/kidtimed.service /run/kidtime; do
		[ ! -e "$f" ] && [ ! -L "$f" ] || fail "$f left after purge"
	done
	ok "data, settings, conffile and unit symlink removed"
	want "group kidtime-admin kept (Debian keeps system groups)" getent group kidtime-admin
}

step "A. plain install (no school policy): dpkg -i"
dpkg -i "$DEB" >"$tmp/dpkg.out" 2>&1 || fail "dpkg -i: $(cat "$tmp/dpkg.out")"
sed 's/^/       | /' "$tmp/dpkg.out" | grep kidtime: || true
installed_checks
want "KIDTIMED_OPTS empty without a school policy" grep -qx 'KIDTIMED_OPTS=""' /etc/default/kidtimed
start_daemon
stop_daemon
want "the daemon made its database 0600" sh -c '[ "$(stat -c %a /var/lib/kidtime/kidtime.db)" = 600 ]'
step "A. reinstall over itself (postinst configure with the old version)"
echo '# edited by the admin' >>/etc/default/kidtimed
dpkg -i "$DEB" >"$tmp/dpkg.out" 2>&1 || fail "dpkg -i again: $(cat "$tmp/dpkg.out")"
want "/etc/default/kidtimed left as the admin edited it" grep -q 'edited by the admin' /etc/default/kidtimed
remove_and_purge

step "B. school preseed: /etc/kidtime/policy.json before dpkg -i"
mkdir -p /etc/kidtime
# A lab policy that limits nobody on this build machine (other test users
# may exist): every account gets the default profile with no limits, and
# a help contact that proves the import.
cat >/etc/kidtime/policy.json <<'EOF'
{
  "version": 1,
  "children": [],
  "defaultProfile": {"preset": "none"},
  "help": [
    {"name": "Tổng đài quốc gia bảo vệ trẻ em", "number": "111"},
    {"name": "pkgtest school IT", "number": "0262 000 111"}
  ]
}
EOF
chmod 0644 /etc/kidtime/policy.json
dpkg -i "$DEB" >"$tmp/dpkg.out" 2>&1 || fail "dpkg -i: $(cat "$tmp/dpkg.out")"
sed 's/^/       | /' "$tmp/dpkg.out" | grep kidtime: || true
installed_checks
[ "$(mode_of /etc/kidtime/policy.json)" = "600 root:root" ] && ok "school policy made 600 root:root" || fail "policy is $(mode_of /etc/kidtime/policy.json)"
want "KIDTIMED_OPTS names the school policy" grep -qx 'KIDTIMED_OPTS="--policy /etc/kidtime/policy.json"' /etc/default/kidtimed
start_daemon
kidtime --socket "$tmp/kidtimed.sock" policy export >"$tmp/export.json" 2>&1 || fail "policy export: $(cat "$tmp/export.json")"
grep -q 'pkgtest school IT' "$tmp/export.json" && ok "the daemon imported the school policy at its first start (policy export)" \
	|| fail "school policy not imported: $(cat "$tmp/export.json")"
stop_daemon
remove_and_purge
want "the school's /etc/kidtime/policy.json is left alone by purge" test -f /etc/kidtime/policy.json
rm -f /etc/kidtime/policy.json && rmdir /etc/kidtime

step "C. a broken school policy stops the install, loudly"
mkdir -p /etc/kidtime
echo '{"version": 1, "children": [{"name": "An"}]}' >/etc/kidtime/policy.json
if dpkg -i "$DEB" >"$tmp/dpkg.out" 2>&1; then fail "dpkg -i succeeded with a broken policy"; fi
grep -q 'birthYear' "$tmp/dpkg.out" && ok "dpkg -i failed and showed the policy error (children[0].birthYear)" || fail "no policy error shown: $(cat "$tmp/dpkg.out")"
want "package left unconfigured (half-configured)" sh -c "dpkg-query -W -f '\${Status}' kidtime | grep -q half-configured"
want "the daemon was not pointed at it (no /etc/default/kidtimed)" test ! -e /etc/default/kidtimed
dpkg --purge kidtime >"$tmp/dpkg.out" 2>&1 || fail "purge after a failed install: $(cat "$tmp/dpkg.out")"
want "purge after the failed install cleans up" sh -c '! dpkg-query -W kidtime && [ ! -e /var/lib/kidtime ]'
rm -f /etc/kidtime/policy.json && rmdir /etc/kidtime

# ---------------------------------------------------------------- MSI
MSI=${MSI:-$(ls -t "$BUILD"/pkg/kidtime-*-x64.msi 2>/dev/null | head -1 || true)}
if [ -n "$MSI" ] && command -v msiinfo >/dev/null; then
	step "MSI: $MSI"
	msitable() { msiinfo export "$MSI" "$1" | tr -d '\r' | tail -n +4; }
	svc=$(msitable ServiceInstall)
	# Name, DisplayName, Type 16 (own process), Start 2 (auto), ErrorControl 1, LocalSystem, [KIDTIMEDARGS]
	awk -F'\t' '$2=="kidtimed" && $4==16 && $5==2 && $6==1 && $9=="LocalSystem" && $11=="[KIDTIMEDARGS]" {f=1} END {exit !f}' <<<"$svc" \
		&& ok "ServiceInstall kidtimed: own process, auto start, LocalSystem, [KIDTIMEDARGS]" || fail "ServiceInstall: $svc"
	msitable ServiceControl | awk -F'\t' '$2=="kidtimed" && $3==163 {f=1} END {exit !f}' \
		&& ok "ServiceControl: start on install, stop on both, remove on uninstall (163)" || fail "ServiceControl"
	ca=$(msitable CustomAction)
	grep -q 'SetArgsWithPolicy.*run --policy' <<<"$ca" && grep -q 'CheckPolicy.*policy check "\[POLICYFILE\]"' <<<"$ca" \
		&& grep -q 'CopyPolicy.*copy /y "\[POLICYFILE\]"' <<<"$ca" && grep -q 'ServiceRecovery.*failure kidtimed' <<<"$ca" \
		&& grep -q 'LockDataDir.*icacls' <<<"$ca" \
		&& ok "custom actions: POLICYFILE checked and copied, data folder locked, restart on failure" || fail "custom actions: $ca"
	seq=$(msitable InstallExecuteSequence)
	rep=$(awk -F'\t' '$1=="RemoveExistingProducts"{print $3}' <<<"$seq"); ii=$(awk -F'\t' '$1=="InstallInitialize"{print $3}' <<<"$seq")
	pf=$(awk -F'\t' '$1=="CopyPolicy"{print $3}' <<<"$seq"); ss=$(awk -F'\t' '$1=="StartServices"{print $3}' <<<"$seq")
	[ "$rep" -gt "$ii" ] && [ "$pf" -lt "$ss" ] && ok "sequence: upgrade removes the old version first; policy copied before the service starts" \
		|| fail "sequence: $seq"
	msiextract -C "$tmp/msi" "$MSI" >/dev/null
	for b in kidtimed kidtime; do
		f=$tmp/msi/kidtime/$b.exe # INSTALLDIR "kidtime" under ProgramFiles64Folder
		[ -f "$f" ] && file "$f" | grep -q 'PE32+ executable.*x86-64' || fail "kidtime/$b.exe missing or not a Windows x64 program"
		cmp -s "$f" "$BUILD/pkg/windows-amd64/$b.exe" || fail "$b.exe differs from the build"
	done
	ok "kidtimed.exe and kidtime.exe inside (x64, identical to the build), in the kidtime folder"
else
	echo "==> MSI: skipped (build one with installer/package.sh msi; msiinfo is in Debian's msitools)"
fi

echo "==> pkgtest: $pass checks passed in $(( $(date +%s) - start )) s"
