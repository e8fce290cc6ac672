#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run every fuzz target in DIR (build/fuzz) for SECONDS each, from its seed
# corpus in fuzz/corpus/<target>/ (copied: the seeds in the repository do
# not grow). Prints one line per target with its runs, coverage and
# crashes, then "N passed, M failed". A crash's input is kept in
# DIR/crashes/.
set -u
dir=${1:-build/fuzz}
secs=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
pass=0
fail=0
mkdir -p "$dir/crashes"

for src in "$root"/fuzz/*.c; do
	t=$(basename "$src" .c)
	bin="$dir/$t"
	work=$(mktemp -d)
	log="$work/log"
	mkdir "$work/corpus"
	[ -d "$root/fuzz/corpus/$t" ] && cp "$root/fuzz/corpus/$t"/* "$work/corpus/" 2>/dev/null
	if [ ! -x "$bin" ]; then
		echo "fuzz $t: FAIL, $bin not built"
		fail=$((fail + 1))
		rm -rf "$work"
		continue
	fi
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/crashes/$t-" \
		"$work/corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
	crashes=$(ls "$dir/crashes/$t-"* 2>/dev/null | wc -l)
	if [ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ]; then
		echo "fuzz $t: ok, ${runs:-?} runs, cov ${cov:-?}, 0 crashes"
		pass=$((pass + 1))
	else
		echo "fuzz $t: FAIL (exit $rc), ${runs:-?} runs, cov ${cov:-?}, $crashes crashes in $dir/crashes/"
		grep -E 'ERROR|invariant broken|runtime error|SUMMARY' "$log" | head -n 5 | sed 's/^/  /'
		fail=$((fail + 1))
	fi
	rm -rf "$work"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
