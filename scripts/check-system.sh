#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-system: energyd operated for real in a booted Debian bookworm
# system (systemd as PID 1, Docker), under qemu (TCG) on the 6.1 cloud
# kernel that make check-kernels boots.
#
#   scripts/check-system.sh [BUILD_DIR]     from the repository root
#
# The root filesystem comes from mmdebstrap (--variant=minbase, no
# Recommends) with the packages of tests/system/packages, as a tarball in
# BUILD_DIR/system/ that is rebuilt only when the package list, the mmdebstrap
# version or the mirror change. Each run unpacks it, adds the
# kernel's module tree (depmod run there), energyd (the .deb of make deb when
# BUILD_DIR/deb/ holds one, else make install DESTDIR=... PREFIX=/usr), a
# busybox tarball for docker import, tests/system/checks.sh and the unit
# that runs it at boot, makes an ext4 image of it and boots it as an NVMe
# disk (no initramfs). The guest prints one line per check and the closing
# line "N passed, N failed, N skipped" on the serial console, then powers off.
#
# Fails when a check fails, when the guest prints no closing line, or when it
# does not finish within SYSTEM_TIMEOUT seconds.
#
# Environment:
#   SYSTEM_TIMEOUT    seconds before qemu is killed (default 900)
#   SYSTEM_CHECKS     check names to run (default: all; see checks.sh)
#   SYSTEM_REFRESH=1  rebuild the root filesystem tarball
#   SYSTEM_CACHE      where the tarball, image and console log go
#                     (default BUILD_DIR/system)
#   KERNELS_SERIES, KERNELS_REFRESH, KERNELS_CACHE   as for check-kernels
set -eu
umask 022

out=${1:-build}
series=${KERNELS_SERIES:-6.1}
cache=${KERNELS_CACHE:-$out/kernels}
scache=${SYSTEM_CACHE:-$out/system}
limit=${SYSTEM_TIMEOUT:-900}
me=check-system

say() {
	echo "$me: $*"
}

die() {
	echo "$me: $*" >&2
	exit 1
}

elapsed() {
	local t=$EPOCHREALTIME
	echo $(((${t//[.,]/} - ${1//[.,]/}) / 1000000))
}

if [ ! -f tests/system/checks.sh ] || [ ! -f tests/system/packages ]; then
	die "run from the repository root (no tests/system/checks.sh here)"
fi
for f in "$out/energyd" "$out/energyctl"; do
	[ -x "$f" ] || die "$f not built (make check-system builds it)"
done
case $limit in
'' | *[!0-9]*) die "SYSTEM_TIMEOUT=$limit is not a number of seconds" ;;
esac
[ "$limit" -ge 300 ] || die "SYSTEM_TIMEOUT=$limit: give the guest at least 300 s"
[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap, the image's owners)"

# ---- host tools, installed with apt only when missing ----

PATH=$PATH:/usr/sbin:/sbin
missing=
command -v qemu-system-x86_64 >/dev/null || missing="$missing qemu-system-x86"
command -v mmdebstrap >/dev/null || missing="$missing mmdebstrap"
command -v busybox >/dev/null && ! ldd "$(command -v busybox)" >/dev/null 2>&1 ||
	missing="$missing busybox-static"
command -v mkfs.ext4 >/dev/null || missing="$missing e2fsprogs"
command -v depmod >/dev/null || missing="$missing kmod"
if [ -n "$missing" ]; then
	say "installing$missing"
	apt-get update -q >/dev/null || die "apt-get update failed"
	# shellcheck disable=SC2086 # a list of package names
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $missing >/dev/null ||
		die "apt-get install$missing failed"
fi
for t in dpkg-deb timeout sha256sum; do
	command -v $t >/dev/null || die "$t not found"
done

t_start=$EPOCHREALTIME

# ---- the kernel: make check-kernels' package and cache ----

# shellcheck source=scripts/kernel.sh
. scripts/kernel.sh

# ---- the root filesystem tarball, cached by its inputs ----

mkdir -p "$scache"
packages=$(sed -e 's/#.*//' -e 's/[[:space:]].*//' tests/system/packages | grep . | sort -u)
# Debian's own archive only: the host's other sources stay out of the guest.
mirror=http://deb.debian.org/debian
key=$({
	echo "$packages"
	mmdebstrap --version
	echo "$mirror"
} | sha256sum | cut -c1-16)
tarball=$scache/rootfs-$key.tar
if [ ! -f "$tarball" ] || [ "${SYSTEM_REFRESH:-}" = 1 ]; then
	rm -rf "$scache"/rootfs-*.tar "$scache/building.tar"
	say "building the root filesystem with mmdebstrap ($(echo "$packages" | wc -l) packages asked for)"
	t0=$EPOCHREALTIME
	# shellcheck disable=SC2046 # a list of package names
	nice -n 5 mmdebstrap --quiet --variant=minbase --mode=root \
		--include="$(echo "$packages" | paste -sd,)" \
		--aptopt='APT::Install-Recommends "false"' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		bookworm "$scache/building.tar" \
		"deb $mirror bookworm main" \
		"deb $mirror bookworm-updates main" \
		"deb http://deb.debian.org/debian-security bookworm-security main" \
		</dev/null || die "mmdebstrap failed"
	mv "$scache/building.tar" "$tarball"
	say "root filesystem: $(($(stat -c %s "$tarball") / 1024 / 1024)) MiB in $(elapsed "$t0") s"
else
	say "root filesystem cached: $tarball"
fi

# ---- this run's image ----

t0=$EPOCHREALTIME
root=$scache/root
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$tarball" || die "unpacking $tarball failed"

# The kernel's modules: fuse, overlay (Docker), virtio are modules in the
# cloud kernel; udev and dockerd load them with modprobe.
mkdir -p "$root/lib/modules"
cp -a "$kmods" "$root/lib/modules/$kver"
depmod -b "$root" "$kver" || die "depmod -b $root $kver failed"
printf '%s\n' fuse overlay >"$root/etc/modules-load.d/check-system.conf"

# energyd: the package when there is one, else make install.
deb=$(find "$out/deb" -maxdepth 1 -name 'energyd_*_amd64.deb' 2>/dev/null | sort -V | tail -n 1)
if [ -n "$deb" ]; then
	cp "$deb" "$root/root/energyd.deb"
	mount --bind /proc "$root/proc"
	chroot "$root" dpkg -i /root/energyd.deb >"$scache/dpkg.log" 2>&1
	rc=$?
	umount "$root/proc"
	[ "$rc" -eq 0 ] || { cat "$scache/dpkg.log" >&2; die "dpkg -i $deb in the image failed"; }
	say "energyd: $deb"
else
	make --no-print-directory -s install DESTDIR="$root" PREFIX=/usr OUT="$out" >/dev/null ||
		die "make install DESTDIR=$root PREFIX=/usr failed"
	say "energyd: make install DESTDIR=... PREFIX=/usr (no $out/deb/energyd_*_amd64.deb)"
fi

# The containers' image: a static busybox and its applets, for docker import.
bbroot=$scache/busybox
rm -rf "$bbroot"
mkdir -p "$bbroot"/{bin,proc,sys,dev,tmp,run/energy}
cp "$(command -v busybox)" "$bbroot/bin/busybox"
busybox --list | while read -r app; do
	[ "$app" = busybox ] || ln -s busybox "$bbroot/bin/$app"
done
tar -C "$bbroot" -cf "$root/root/busybox.tar" .

# Docker without the network it cannot have here, and with no AppArmor.
mkdir -p "$root/etc/docker"
echo '{"bridge": "none", "iptables": false, "ip6tables": false, "storage-driver": "overlay2"}' \
	>"$root/etc/docker/daemon.json"

# The checks at boot, on the serial console, then power off.
install -D -m 0755 tests/system/checks.sh "$root/usr/local/lib/check-system/checks.sh"
cat >"$root/etc/systemd/system/check-system.service" <<EOF
[Unit]
Description=make check-system: the checks, then power off
After=multi-user.target
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/usr/local/lib/check-system/checks.sh ${SYSTEM_CHECKS:-}
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
TimeoutStartSec=$((limit - 60))

[Install]
WantedBy=multi-user.target
EOF
ln -sf ../check-system.service "$root/etc/systemd/system/multi-user.target.wants/check-system.service"
# Nothing else on the console: no login prompts, no first-boot questions.
for u in serial-getty@ttyS0.service getty@tty1.service systemd-firstboot.service; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$root/etc/machine-id"
echo >>"$root/etc/machine-id"
echo check-system >"$root/etc/hostname"

disk=$scache/disk.img
rm -f "$disk"
truncate -s 4G "$disk"
mkfs.ext4 -q -F -L system -d "$root" "$disk" || die "mkfs.ext4 -d $root failed"
rm -rf "$root" "$bbroot"
say "image: $disk in $(elapsed "$t0") s; kernel $kver"

# ---- boot ----

log=$scache/console.log
: >"$log"
say "booting under qemu (TCG on one host thread, 2 CPUs, 2 GiB), killed after $limit s; console log in $log"
t0=$EPOCHREALTIME
set +e
# One host thread for both vCPUs, as in check-kernels (live patching of
# tracepoints under multi-threaded TCG locked a vCPU up).
nice -n 5 timeout --foreground -k 10 "$limit" qemu-system-x86_64 \
	-accel tcg,thread=single -cpu max -m 2G -smp 2 \
	-nographic -no-reboot -nic none \
	-kernel "$vmlinuz" \
	-append "console=ttyS0 root=/dev/nvme0n1 rw rootfstype=ext4 apparmor=0 quiet loglevel=3 systemd.show_status=false panic=-1 softlockup_panic=1" \
	-drive "file=$disk,format=raw,if=none,id=root,cache=unsafe" \
	-device nvme,drive=root,serial=check-system \
	</dev/null 2>&1 |
	sed -u -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g' -e 's/\r$//' |
	tee -a "$log"
rc=${PIPESTATUS[0]}
set -e
wall=$(elapsed "$t0")

say "whole run: $(elapsed "$t_start") s"
guest_verdict "$log" "$rc" "$wall" 'Kernel panic|BUG: soft lockup|^FAIL '
