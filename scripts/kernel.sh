# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2154 # series, cache, limit: set by the caller
#
# The Debian cloud kernel the qemu guests boot, sourced by
# scripts/check-kernels.sh and scripts/check-system.sh (bash).
#
# Expects: series (e.g. 6.1), cache (where the package goes), say, die.
# Fetches the newest linux-image-SERIES.0-*-cloud-amd64-unsigned apt offers
# into the cache (re-used when present; KERNELS_REFRESH=1 looks again),
# unpacks it once and runs depmod there. Sets kroot (the unpacked
# package), kver, kmods (its module tree), vmlinuz and kconfig; defines
# guest_verdict, the closing verdict of a guest's run.


mkdir -p "$cache"
pkg_re="linux-image-${series//./\\.}\\.0-[0-9]+-cloud-amd64-unsigned"
cached() {
	find "$cache" -maxdepth 1 -name "linux-image-$series.0-*-cloud-amd64-unsigned_*_amd64.deb" |
		grep -E "/${pkg_re}_[^/]*_amd64\\.deb$" | sort -V | tail -n 1
}
deb=$(cached)
if [ -z "$deb" ] || [ "${KERNELS_REFRESH:-}" = 1 ]; then
	[ "$(id -u)" -eq 0 ] || [ -n "$deb" ] ||
		die "no kernel package in $cache: run as root once to fetch it with apt"
	say "looking for the newest $series cloud kernel apt offers"
	apt-get update -q >/dev/null || die "apt-get update failed"
	pkg=$(apt-cache search --names-only "^${pkg_re}\$" | cut -d' ' -f1 |
		sort -V | tail -n 1)
	[ -n "$pkg" ] || die "apt offers no package matching ^$pkg_re\$"
	ver=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: *//p')
	if [ ! -f "$cache/${pkg}_${ver//:/%3a}_amd64.deb" ]; then
		say "downloading $pkg $ver into $cache"
		(cd "$cache" && apt-get download -q -o APT::Sandbox::User=root \
			"$pkg=$ver" >/dev/null) || die "apt-get download $pkg=$ver failed"
	fi
	deb=$(cached)
	[ -n "$deb" ] || die "apt-get download left no $pkg .deb in $cache"
fi
base=$(basename "$deb" .deb)
kroot=$cache/$base
if [ ! -f "$kroot/.extracted" ]; then
	say "unpacking $(basename "$deb")"
	rm -rf "$kroot"
	mkdir -p "$kroot"
	dpkg-deb -x "$deb" "$kroot"
	kver=$(basename "$(ls -d "$kroot"/lib/modules/*/)")
	# The package ships no modules.dep: depmod writes it in postinst.
	busybox depmod -b "$kroot" "$kver" || die "depmod of $kver failed"
	touch "$kroot/.extracted"
fi
kver=$(basename "$(ls -d "$kroot"/lib/modules/*/)")
kmods=$kroot/lib/modules/$kver
vmlinuz=$kroot/boot/vmlinuz-$kver
kconfig=$kroot/boot/config-$kver
if [ ! -f "$vmlinuz" ] || [ ! -f "$kconfig" ] || [ ! -f "$kmods/modules.dep" ]; then
	die "$kroot: no vmlinuz, config or modules.dep for $kver (rm -rf $kroot and retry)"
fi
kpkg_ver=${base#*_}
say "kernel $kver (${base%%_*} ${kpkg_ver%_amd64})"

# The run's verdict from the guest's console log $1, qemu's exit status $2,
# its wall time $3 s and, when there is no closing line, the lines matching
# the extended regexp $4 that say why; limit is the time-out. Prints the
# closing line last; fails unless the guest printed one with no failure.
guest_verdict() {
	local log=$1 rc=$2 wall=$3 result passed failed
	result=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
	echo
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		say "$kver: the guest did not finish within $limit s: qemu killed"
		result=
	elif [ "$rc" -ne 0 ]; then
		say "$kver: qemu exited with status $rc"
	fi
	if [ -z "$result" ]; then
		grep -E "$4" "$log" | head -n 5 >&2 || true
		say "$kver: no closing line from the guest after $wall s (see $log)"
		echo "0 passed, 1 failed"
		return 1
	fi
	passed=${result%% passed*}
	failed=${result#*passed, }
	failed=${failed%% failed*}
	say "$kver: guest finished in $wall s"
	echo "$result"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] && [ "$rc" -eq 0 ]
}
