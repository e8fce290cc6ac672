#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The Debian package on this host (root): make deb, then dpkg -i, -r and
# -P of it with the files checked after each; the unit checked with
# systemd-analyze (verify, and the exposure of security --offline, which
# must stay below 5.0). Without systemd as PID 1 nothing is started.
# Prints one line per check and "N passed, N failed".
set -u
out=${1:-build}
pass=0
fail=0
deb=

check() {
	what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "ok   $what"
		pass=$((pass + 1))
	else
		echo "FAIL $what"
		fail=$((fail + 1))
	fi
}

gone() {
	for f in "$@"; do [ ! -e "$f" ] || return 1; done
}

there() {
	for f in "$@"; do [ -e "$f" ] || return 1; done
}

cleanup() {
	dpkg -P energyd >/dev/null 2>&1 || true
}

if [ "$(id -u)" -ne 0 ]; then
	echo "check-deb: needs root (dpkg -i)"
	echo "0 passed, 1 failed"
	exit 1
fi
if dpkg -s energyd >/dev/null 2>&1; then
	echo "check-deb: an energyd package is installed here already; not touching it"
	echo "0 passed, 1 failed"
	exit 1
fi
trap cleanup EXIT INT TERM

files="/usr/sbin/energyd /usr/bin/energyctl /lib/systemd/system/energyd.service
/usr/share/man/man8/energyd.8.gz /usr/share/man/man5/energyd.conf.5.gz
/usr/share/man/man1/energyctl.1.gz /usr/share/doc/energyd/README.md.gz
/usr/share/doc/energyd/copyright"

make --no-print-directory deb OUT="$out" || { echo "0 passed, 1 failed"; exit 1; }
deb=$(ls "$out"/deb/energyd_*.deb | head -n 1)
check "make deb: $deb" there "$deb"
check "Depends computed from the libraries" sh -c \
	"dpkg-deb -f '$deb' Depends | grep -q 'libbpf1' && dpkg-deb -f '$deb' Depends | grep -q 'libfuse3-3'"
check "energyd.conf is a conffile" sh -c \
	"dpkg-deb --ctrl-tarfile '$deb' | tar -xO ./conffiles | grep -qx /etc/energyd/energyd.conf"

check "dpkg -i" dpkg -i "$deb"
# shellcheck disable=SC2086
check "installed: binaries, unit, man pages, docs, configuration" there $files /etc/energyd/energyd.conf
check "ExecStart is /usr/sbin/energyd" grep -qx 'ExecStart=/usr/sbin/energyd --foreground' \
	/lib/systemd/system/energyd.service
check "the unit is enabled" test -L /etc/systemd/system/multi-user.target.wants/energyd.service
check "systemd-analyze verify" sh -c \
	"systemd-analyze verify /lib/systemd/system/energyd.service 2>&1 | tee /dev/stderr | [ -z \"\$(cat)\" ]"
exposure=$(systemd-analyze security --offline=yes /lib/systemd/system/energyd.service 2>/dev/null |
	sed -n 's/.*Overall exposure level for energyd.service: \([0-9.]*\).*/\1/p')
echo "     exposure (systemd-analyze security --offline=yes): ${exposure:-none}"
check "exposure below 5.0" awk -v e="${exposure:-99}" 'BEGIN { exit !(e < 5.0) }'
check "man energyd renders without warnings" sh -c \
	"[ -z \"\$(MANWIDTH=80 man --warnings energyd 2>&1 >/dev/null)\" ] && man -w energyd.conf"
echo "# local change" >> /etc/energyd/energyd.conf

check "dpkg -r" dpkg -r energyd
# shellcheck disable=SC2086
check "removed: binaries, unit, man pages, docs" gone $files
check "the changed conffile stays after -r" grep -q "local change" /etc/energyd/energyd.conf
check "the unit is no longer enabled" gone /etc/systemd/system/multi-user.target.wants/energyd.service
echo "weights" > /etc/energyd/weights.conf

check "dpkg -P" dpkg -P energyd
check "purged: /etc/energyd and all in it" gone /etc/energyd /var/lib/energyd
check "dpkg knows nothing of energyd" sh -c "! dpkg -s energyd"
trap - EXIT INT TERM
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
