#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run every test: unit tests, a short pass of every fuzz target and the
# Kubernetes manifest's check (no root needed), then the end-to-end tests
# (root: they load the BPF programs).
# Prints one closing line with the sums.
#
# SANITIZE (make check SANITIZE=...): every binary in OUT was built with
# those sanitizers. address,undefined: the whole suite runs on them;
# thread: the unit tests and the readers' tests against the sampler. Each
# report goes to a file of its own (log_path) and counts as a failure, so
# none hides in a log no test reads.
set -u
out=${1:-build}
san=${SANITIZE:-}
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

# The readers' tests against the sampler: what SANITIZE=thread runs.
readers="daemon_start fs_all_format fs_metrics fs_all_json fs_cgroup_json \
	fs_nobody fs_concurrent_readers fs_params fs_params_race \
	fs_params_in_pieces fs_readers_killed fs_window_boundaries \
	fs_readers_memory fs_reader_holds_open fs_json_nobody \
	http_metrics daemon_stop"

if [ -n "$san" ]; then
	reports=$(mktemp -d /tmp/energyd-san.XXXXXX)
	# energyd runs as nobody in some tests: they write here too.
	chmod 1777 "$reports"
	common="halt_on_error=1:log_path=$reports/report:print_stacktrace=1"
	# A small quarantine: what ASan holds back after free (to catch a use
	# after it) would count as the daemon's memory (fs_readers_memory).
	export ASAN_OPTIONS="$common:detect_leaks=1:abort_on_error=0:quarantine_size_mb=16"
	export UBSAN_OPTIONS="$common"
	# Go on after a race, to see them all (each is still a failure).
	export TSAN_OPTIONS="log_path=$reports/report:halt_on_error=0:second_deadlock_stack=1"
	export ENERGYD="$out/energyd" ENERGYCTL="$out/energyctl" E2E_SANITIZE="$san"
	echo "== sanitizers: $san (reports in $reports)"
fi

echo "== unit tests"
run "$out/unit"
if [ -z "$san" ]; then
	# Two seconds per fuzz target (about 45 s in all): the seeds and
	# what grows from them; `make fuzz` runs them longer.
	echo "== fuzz targets, ${FUZZ_CHECK_SECONDS:-2} s each"
	run "$(dirname "$0")/fuzz.sh" "$out/fuzz" "${FUZZ_CHECK_SECONDS:-2}"
	echo "== deployment manifest"
	run "$(dirname "$0")/../tests/deploy/check-yaml.sh"
fi
if [ "$(id -u)" -eq 0 ] && [ -n "$san" ]; then
	if [ "$san" = thread ]; then
		echo "== end-to-end tests, the readers' against the sampler ($san)"
		# shellcheck disable=SC2086
		run "$out/e2e" $readers
	else
		echo "== end-to-end tests ($san)"
		run "$out/e2e"
	fi
elif [ "$(id -u)" -eq 0 ]; then
	echo "== end-to-end tests"
	run "$out/e2e"
	# The readers' and writers' tests again on energyd built with
	# AddressSanitizer and UBSan: any report stops it, and fails them.
	echo "== end-to-end tests, sanitized energyd"
	run env ENERGYD="$out/asan/energyd" E2E_SANITIZE=address,undefined \
		"$out/e2e" daemon_start fs_all_format \
		fs_nobody fs_params fs_concurrent_readers fs_params_in_pieces \
		fs_params_race fs_readers_killed fs_unmounted_outside \
		fs_hostile_ops fs_all_json fs_cgroup_json fs_json_nobody \
		fs_json_hostile_comm http_metrics http_bad_clients daemon_stop \
		energy_rapl_faults fs_params_malformed
elif [ "${CI:-}" = true ]; then
	echo "check: the end-to-end tests need root, and CI must run them" >&2
	total_fail=$((total_fail + 1))
	status=1
else
	echo "check: not root: end-to-end tests not run (sudo make check runs them)"
fi
if [ -n "$san" ]; then
	n=0
	for r in "$reports"/report.*; do
		[ -e "$r" ] || continue
		n=$((n + 1))
		echo "check: sanitizer report $r:" >&2
		head -n 60 "$r" >&2
	done
	echo "== sanitizer reports: $n"
	if [ "$n" -gt 0 ]; then
		total_fail=$((total_fail + n))
		status=1
	else
		rm -rf "$reports"
	fi
fi
echo "$total_pass passed, $total_fail failed"
exit $status
