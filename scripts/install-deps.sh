#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install what energyd needs to build and test, from the distribution's
# packages. Does nothing when everything is there already.
set -eu

DEBIAN_PKGS="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev \
libfuse3-dev fuse3 libsystemd-dev libjson-c-dev jq libmicrohttpd-dev prometheus \
pkg-config iproute2 util-linux procps python3 python3-yaml libgsl-dev \
libclang-rt-dev libncurses-dev tmux debhelper lintian man-db valgrind curl"
FEDORA_PKGS="make gcc clang llvm libbpf-devel bpftool elfutils-libelf-devel \
zlib-devel fuse3-devel fuse3 systemd-devel json-c-devel jq libmicrohttpd-devel \
golang-github-prometheus pkgconf iproute util-linux procps-ng python3 python3-pyyaml \
gsl-devel compiler-rt ncurses-devel tmux valgrind curl libasan libubsan libtsan"

if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
	missing=
	for p in $DEBIAN_PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && exit 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: missing packages:$missing; run as root (sudo make ...)" >&2
		exit 1
	fi
	echo "install-deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
elif command -v dnf >/dev/null 2>&1; then
	echo "install-deps: on Fedora, install the dependencies with:" >&2
	echo "  sudo dnf install $FEDORA_PKGS" >&2
	for c in clang bpftool make gcc; do
		command -v "$c" >/dev/null 2>&1 || exit 1
	done
else
	echo "install-deps: unknown distribution; energyd needs: $DEBIAN_PKGS" >&2
	exit 1
fi
