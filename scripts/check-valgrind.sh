#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make check-valgrind: energyd under valgrind memcheck (root): start,
# samples over processes that come and go, every file read (as root and
# as nobody), a parameter written and one refused, the metrics over HTTP,
# SIGHUP, then SIGTERM. Pass: exit 0, no error, nothing definitely lost.
#
# It runs in a mount namespace of its own, with a fresh tmpfs on /run and
# a fresh bpffs on /sys/fs/bpf: its mount, pins and lock are apart from an
# energyd the host may run (the BPF programs attach all the same).
#
# valgrind 3.19 (Debian 12) knows only the older bpf(2) commands: it warns
# "unhandled eBPF command N" and lets the call through, but does not know
# what the kernel wrote back, so libbpf's loading trips it; those reports,
# inside libbpf only, are suppressed by tests/valgrind.supp, each with why.
# Everything of energyd's own, from start to exit, is checked.
# valgrind runs one thread at a time and holds its lock over a call it
# does not expect to block, such as a stat: energyd must send no request
# to its own mount (--sim-hints=fuse-compatible would allow it, but
# valgrind 3.19 asserts with it on the first readlink).
#
# Prints the figures and closes with "N passed, M failed".
set -u
out=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$out" && pwd)/energyd

if [ "${VALGRIND_INNER:-}" != 1 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "check-valgrind: needs root (BPF, FUSE)"
		echo "0 passed, 1 failed"
		exit 1
	fi
	exec env VALGRIND_INNER=1 unshare --mount --propagation private "$0" "$@"
fi

mount -t tmpfs -o mode=0755 tmpfs /run || exit 1
mount -t bpf bpf /sys/fs/bpf || exit 1
work=$(mktemp -d /tmp/energyd-valgrind.XXXXXX)
log=$work/valgrind.log
dlog=$work/energyd.log
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--suppressions="$root/tests/valgrind.supp" --num-callers=30 \
	--log-file="$log" \
	"$bin" -f --sample-ns 50000000 --window-ns 500000000 \
	--listen "127.0.0.1:$port" >"$dlog" 2>&1 &
vpid=$!

# Up: the files served (memcheck starts it some 20 to 50 times slower).
i=0
until [ -r /run/energy/sys ] && grep -q '^iterations=' /run/energy/sys 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 1200 ] || ! kill -0 "$vpid" 2>/dev/null; then
		bad "energyd under valgrind serves /run/energy within 120 s"
		cat "$dlog" "$log" | tail -n 40
		kill -KILL "$vpid" 2>/dev/null
		echo "$pass passed, $((fail)) failed"
		exit 1
	fi
	sleep 0.1
done
ok "energyd under valgrind serves /run/energy ($((i / 10)) s)"

# Processes that start, run and exit, across windows: slots filled,
# folded and cleared.
for r in 1 2 3 4 5 6; do
	kids=
	for k in 1 2 3 4 5 6 7 8; do
		sh -c 'i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done' &
		kids="$kids $!"
	done
	# shellcheck disable=SC2086
	wait $kids
	sleep 0.5
done

files=$(find /run/energy -type f | sort)
nread=0
rerr=0
for f in $files; do
	if cat "$f" >/dev/null; then nread=$((nread + 1)); else rerr=$((rerr + 1)); fi
	setpriv --reuid=65534 --regid=65534 --clear-groups cat "$f" >/dev/null 2>&1
done
[ "$rerr" -eq 0 ] && [ "$nread" -ge 10 ] && ok "every file read ($nread), as root and as nobody" ||
	bad "every file read: $nread read, $rerr failed"
# A parameter written, one refused, one written in pieces.
echo 1000 >/run/energy/params/idle_mw && ok "params/idle_mw written" || bad "params/idle_mw written"
echo nonsense >/run/energy/params/idle_mw 2>/dev/null && bad "a bad value refused" || ok "a bad value refused"
printf '20' >/run/energy/params/idle_mw
curl -sf "http://127.0.0.1:$port/metrics" -o "$work/metrics" && grep -q energy "$work/metrics" &&
	ok "metrics over HTTP" || bad "metrics over HTTP"
curl -s "http://127.0.0.1:$port/nothing" -o /dev/null
kill -HUP "$vpid"
sleep 2
for f in $files; do cat "$f" >/dev/null 2>&1; done

kill -TERM "$vpid"
wait "$vpid"
rc=$?
[ "$rc" -eq 0 ] && ok "exit 0 after SIGTERM, no memcheck error" ||
	bad "exit $rc after SIGTERM (99: memcheck errors)"
errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n 1)
supp=$(sed -n 's/.*ERROR SUMMARY: .*suppressed: \([0-9]*\) from.*/\1/p' "$log" | tail -n 1)
definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -n 1 | tr -d ,)
[ -n "$definite" ] || grep -q 'no leaks are possible' "$log" && definite=${definite:-0}
unhandled=$(grep -c 'unhandled eBPF command' "$log")
heap=$(sed -n 's/.*total heap usage: \(.*\)/\1/p' "$log" | tail -n 1)
echo "  memcheck: ${errors:-?} errors (${supp:-?} suppressed, libbpf's load), definitely lost ${definite:-?} bytes; heap: $heap"
echo "  valgrind: $unhandled bpf(2) calls it does not model, passed through"
[ "${errors:-1}" -eq 0 ] && ok "no invalid access" || bad "memcheck errors: see $log"
[ "${definite:-1}" -eq 0 ] && ok "no definite leak" || bad "definitely lost ${definite:-?} bytes: see $log"
mounted=$(grep -c ' /run/energy ' /proc/self/mounts)
[ "$mounted" -eq 0 ] && ok "nothing mounted left" || bad "/run/energy still mounted"
if [ "$fail" -gt 0 ]; then
	grep -v 'unhandled eBPF' "$log" | head -n 80
	tail -n 20 "$dlog"
	echo "  logs in $work"
else
	rm -rf "$work"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
