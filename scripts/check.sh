#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run every test: unit tests (no root needed), then the end-to-end tests
# (root: they load the BPF programs). Prints one closing line with the sums.
set -u
out=${1:-build}
status=0
total_pass=0
total_fail=0

run() {
	log=$(mktemp)
	"$@" 2>&1 | tee "$log"
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "check: $* printed no result line" >&2
		total_fail=$((total_fail + 1))
		status=1
		return
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" -eq 0 ] || status=1
}

echo "== unit tests"
run "$out/unit"
if [ "$(id -u)" -eq 0 ]; then
	echo "== end-to-end tests"
	run "$out/e2e"
elif [ "${CI:-}" = true ]; then
	echo "check: the end-to-end tests need root, and CI must run them" >&2
	total_fail=$((total_fail + 1))
	status=1
else
	echo "check: not root: end-to-end tests not run (sudo make check runs them)"
fi
echo "$total_pass passed, $total_fail failed"
exit $status
