#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-kernels: the end-to-end tests on an older kernel, Debian's 6.1
# cloud kernel, booted under qemu (TCG: nested KVM is not available).
#
#   scripts/check-kernels.sh [BUILD_DIR]     from the repository root
#
# Uses the already built BUILD_DIR/energyd, e2e and energyctl (default
# build). Fetches the newest linux-image-6.1.0-*-cloud-amd64-unsigned apt
# offers into BUILD_DIR/kernels/ (re-used when present), builds an initramfs
# around tests/kernels/init with busybox, energyd, build/e2e,
# build/energyctl, bpftool, the host commands in tests/kernels/tools and
# their shared libraries, boots it with a fresh ext4 disk for /var/tmp and
# prints the serial console. The guest runs the suite as root with CI=true
# and E2E_EMULATED=1, prints a summary and powers off. A soft lockup in the
# guest kernel panics it (softlockup_panic=1): the run fails at once.
#
# Fails when a guest test fails, when the guest prints no closing line, or
# when it does not finish within KERNELS_TIMEOUT seconds. The last line
# printed is the guest's closing line "N passed, N failed".
#
# Environment:
#   KERNELS_SERIES    kernel series to fetch (default 6.1)
#   KERNELS_TIMEOUT   seconds before qemu is killed (default 1200)
#   KERNELS_REFRESH=1 look for a newer kernel package even when one is cached
#   KERNELS_CACHE     where the package, initramfs, disk and console log go
#                     (default BUILD_DIR/kernels)
#   E2E_TESTS         test names to run (default: all)
#   E2E_DAEMON_ARGS, E2E_DAEMON_VERBOSE   passed to build/e2e in the guest
set -eu
umask 022

out=${1:-build}
series=${KERNELS_SERIES:-6.1}
limit=${KERNELS_TIMEOUT:-1200}
cache=${KERNELS_CACHE:-$out/kernels}
me=check-kernels

say() {
	echo "$me: $*"
}

die() {
	echo "$me: $*" >&2
	exit 1
}

if [ ! -f tests/kernels/init ] || [ ! -f tests/kernels/config ] ||
	[ ! -f tests/kernels/tools ]; then
	die "run from the repository root (no tests/kernels/init here)"
fi
for f in "$out/energyd" "$out/e2e" "$out/energyctl"; do
	[ -x "$f" ] || die "$f not built (make $f, or make check-kernels)"
done
case $limit in
'' | *[!0-9]*) die "KERNELS_TIMEOUT=$limit is not a number of seconds" ;;
esac
[ "$limit" -ge 300 ] || die "KERNELS_TIMEOUT=$limit: give the guest at least 300 s"

# ---- host tools, installed with apt only when missing ----

static_busybox() {
	command -v busybox >/dev/null &&
		! ldd "$(command -v busybox)" >/dev/null 2>&1
}

missing=
command -v qemu-system-x86_64 >/dev/null || missing="$missing qemu-system-x86"
static_busybox || missing="$missing busybox-static"
command -v cpio >/dev/null || missing="$missing cpio"
command -v mkfs.ext4 >/dev/null || [ -x /sbin/mkfs.ext4 ] ||
	missing="$missing e2fsprogs"
if [ -n "$missing" ]; then
	[ "$(id -u)" -eq 0 ] ||
		die "missing:$missing; run as root, or: sudo apt-get install$missing"
	say "installing$missing"
	apt-get update -q >/dev/null ||
		die "apt-get update failed"
	# shellcheck disable=SC2086 # a list of package names
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $missing >/dev/null ||
		die "apt-get install$missing failed"
	static_busybox || die "busybox is not the static one after installing busybox-static"
fi
PATH=$PATH:/usr/sbin:/sbin
for t in dpkg-deb ldd timeout; do
	command -v $t >/dev/null || die "$t not found"
done
bpftool=$(command -v bpftool || true)
[ -n "$bpftool" ] || die "bpftool not found (the build needs it: scripts/install-deps.sh)"

# ---- the kernel package ----
# shellcheck source=scripts/kernel.sh
. scripts/kernel.sh

# ---- modules from tests/kernels/config ----

declare -A mod_seen=()
modules=()
mod_add() {
	local dep
	[ -z "${mod_seen[$1]:-}" ] || return 0
	mod_seen[$1]=1
	# shellcheck disable=SC2013 # one line of names separated by spaces
	for dep in $(grep -m 1 "^$1:" "$kmods/modules.dep" | cut -d: -f2); do
		mod_add "$dep"
	done
	modules+=("$1")
}
while read -r opt mod; do
	case $opt in '' | '#'*) continue ;; esac
	val=$(sed -n "s/^$opt=//p" "$kconfig")
	case $val,$mod in
	y,*) ;;
	m,-) die "$kver builds $opt as a module; the guest needs it built in" ;;
	m,*)
		path=$(grep -m 1 -E "(^|/)${mod}\\.ko:" "$kmods/modules.dep" | cut -d: -f1)
		[ -n "$path" ] || die "$kver: $opt=m but no $mod.ko in modules.dep"
		mod_add "$path"
		;;
	*) die "$kver lacks $opt (=${val:-unset}), which the guest needs" ;;
	esac
done <tests/kernels/config

# ---- the initramfs ----

root=$cache/initramfs
initrd=$cache/initramfs.cpio
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,proc,sys,dev,run,tmp,var/tmp,work/build,lib64}
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 0700 "$root/root"
install -m 0755 tests/kernels/init "$root/init"

bb=$(command -v busybox)
cp "$bb" "$root/bin/busybox"
busybox --list-full | while read -r app; do
	case $app in bin/busybox | linuxrc | sbin/init) continue ;; esac
	[ -e "$root/$app" ] || ln -s /bin/busybox "$root/$app"
done

# The binaries the suite runs from build/; their shared libraries (libgsl
# for energyctl) follow below.
bins=("$out/energyd" "$out/e2e" "$out/energyctl")
for bin in "${bins[@]}"; do
	install -m 0755 "$bin" "$root/work/build/${bin##*/}"
done
install -m 0755 "$bpftool" "$root/usr/sbin/bpftool"
bins+=("$bpftool")
# Host commands the tests run through system() where busybox's applet will
# not do (tests/kernels/tools), in place of the applet.
while read -r path _; do
	case $path in '' | '#'*) continue ;; esac
	[ -x "$path" ] || die "$path not found on this host (tests/kernels/tools)"
	rm -f "$root$path"
	mkdir -p "$root$(dirname "$path")"
	install -m 0755 "$path" "$root$path"
	bins+=("$path")
done <tests/kernels/tools

# Shared libraries and the loader, where ldd finds them on this host, and
# libgcc_s, which glibc loads at run time for pthread_cancel and unwinding.
gcc_s=$(ldconfig -p | awk '$1 == "libgcc_s.so.1" && /x86-64/ { print $NF; exit }')
[ -n "$gcc_s" ] || die "libgcc_s.so.1 not found (ldconfig -p)"
for bin in "${bins[@]}"; do
	ldd "$bin" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
done | { cat; echo "$gcc_s"; } | sort -u | while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done

for m in "${modules[@]}"; do
	mkdir -p "$root/lib/modules/$kver/$(dirname "$m")"
	cp "$kmods/$m" "$root/lib/modules/$kver/$m"
	echo "/lib/modules/$kver/$m"
done >"$root/etc/check-kernels.modules"

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
ln -s /proc/self/mounts "$root/etc/mtab"

# Shell-quoted settings for /init.
quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
{
	echo "# Written by scripts/check-kernels.sh"
	# The guest stops the runner first, so that its summary still comes out.
	echo "GUEST_TIMEOUT=$((limit - 120))"
	echo "E2E_EMULATED=1"
	echo "E2E_TESTS=$(quote "${E2E_TESTS:-}")"
	echo "E2E_DAEMON_ARGS=$(quote "${E2E_DAEMON_ARGS:-}")"
	echo "E2E_DAEMON_VERBOSE=$(quote "${E2E_DAEMON_VERBOSE:-}")"
} >"$root/etc/check-kernels.conf"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) >"$initrd"
say "initramfs: $(($(stat -c %s "$initrd") / 1024 / 1024)) MiB; modules:$(for m in "${modules[@]}"; do m=${m##*/}; printf ' %s' "${m%.ko}"; done)"

# ---- the test disk: a fresh ext4 for /var/tmp ----

disk=$cache/disk.img
rm -f "$disk"
truncate -s 512M "$disk"
mkfs.ext4 -q -F -L e2e "$disk" || die "mkfs.ext4 $disk failed"

# ---- boot ----

log=$cache/console.log
: >"$log"
say "booting $kver under qemu (TCG on one host thread, 2 CPUs, 2 GiB), killed after $limit s; console log in $log"
t0=$EPOCHREALTIME
set +e
# One host thread runs both vCPUs (thread=single): under multi-threaded TCG
# the kernel's live code patching when energyd attaches a tracepoint
# (text_poke_bp) left a vCPU looping on the int3 in __schedule while the
# other waited for its IPI: a soft lockup in 3 runs of 11. The suite takes
# as long either way.
timeout --foreground -k 10 "$limit" qemu-system-x86_64 \
	-accel tcg,thread=single -cpu max -m 2G -smp 2 \
	-nographic -no-reboot -nic none \
	-kernel "$vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 quiet panic=-1 softlockup_panic=1 rdinit=/init" \
	-drive "file=$disk,format=raw,if=virtio,cache=unsafe" \
	</dev/null 2>&1 |
	sed -u -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g' -e 's/\r$//' |
	while IFS= read -r line; do
		case $line in
		*'kernels: init started'*)
			t=$EPOCHREALTIME
			boot=$(((${t//[.,]/} - ${t0//[.,]/}) / 1000))
			printf '%s\n' "$line (host: ${boot} ms after qemu started)"
			;;
		*) printf '%s\n' "$line" ;;
		esac
		printf '%s\n' "$line" >>"$log"
	done
rc=${PIPESTATUS[0]}
set -e
t=$EPOCHREALTIME
wall=$(((${t//[.,]/} - ${t0//[.,]/}) / 1000000))

guest_verdict "$log" "$rc" "$wall" '^kernels: setup failed|Kernel panic|BUG: soft lockup'
