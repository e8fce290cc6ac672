#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The checks of make check-system, run at boot in the Debian guest by
# check-system.service (scripts/check-system.sh builds the image). One
# function per check; each prints "ok NAME", "FAIL NAME: reason" or
# "SKIP NAME: reason", and the run ends with "N passed, N failed, N skipped"
# on the serial console, which the host reads. The unit then powers off.
#
#   checks.sh [NAME...]     only the named checks (default: all, in order)

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C.UTF-8
umask 022

UNIT=energyd.service
MNT=/run/energy
PINS=/sys/fs/bpf/energy
CONF=/etc/energyd/energyd.conf
DEB=/root/energyd.deb
IMAGE=energy-busybox
BIND="type=bind,source=$MNT,target=$MNT,readonly"
TMP=/run/check-system
passed=0
failed=0
skipped=0

ok() {
	echo "ok $1${2:+ ($2)}"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

skip() {
	echo "SKIP $1: $2"
	skipped=$((skipped + 1))
}

# The indented output of a failed step, for the console.
show() {
	sed 's/^/    /' "$@" | head -n 40
}

uptime_s() {
	cut -d. -f1 /proc/uptime
}

# Whether "cmd" succeeds within $1 seconds, tried every half second.
wait_for() {
	end=$(($(uptime_s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(uptime_s)" -lt "$end" ] || return 1
		sleep 0.5
	done
}

main_pid() {
	systemctl show -P MainPID "$UNIT"
}

config_landed() {
	[ -f "$CONF" ]
}

# ---- 1. systemd ----

check_unit_verify() {
	unit=$(systemctl show -P FragmentPath "$UNIT")
	[ -n "$unit" ] || {
		fail unit_verify "systemd knows no $UNIT"
		return
	}
	if ! systemd-analyze verify "$unit" >"$TMP/verify" 2>&1; then
		fail unit_verify "systemd-analyze verify $unit failed:"
		show "$TMP/verify"
	elif [ -s "$TMP/verify" ]; then
		fail unit_verify "systemd-analyze verify $unit is not clean:"
		show "$TMP/verify"
	else
		ok unit_verify "$unit"
	fi
}

check_unit_security() {
	systemd-analyze security --no-pager "$UNIT" >"$TMP/security" 2>&1
	line=$(grep 'Overall exposure level' "$TMP/security")
	level=$(echo "$line" | sed -n 's/.*: *\([0-9.]*\) .*/\1/p')
	echo "    systemd-analyze security $UNIT: ${line#*: }"
	if [ -z "$level" ]; then
		fail unit_security "no exposure level from systemd-analyze security:"
		show "$TMP/security"
	elif [ "$(echo "$level" | awk '{ print ($1 < 5.0) }')" = 1 ]; then
		ok unit_security "exposure $level < 5.0"
	else
		fail unit_security "exposure $level, not below 5.0 (MEDIUM or better); the worst settings:"
		awk '/✗/ && n++ < 15 { print "    " $0 }' "$TMP/security"
	fi
}

# systemctl start returns only once the files answer and the maps are pinned.
check_unit_start() {
	systemctl stop "$UNIT" 2>/dev/null
	if ! systemctl start "$UNIT" 2>"$TMP/start"; then
		fail unit_start "systemctl start $UNIT failed:"
		show "$TMP/start"
		journalctl -b -u "$UNIT" --no-pager -n 20 | show
		return
	fi
	# No waiting: right after systemctl returns.
	if ! head -c 1 "$MNT/cgroup" >/dev/null 2>"$TMP/read"; then
		fail unit_start "systemctl start returned before $MNT/cgroup answered: $(cat "$TMP/read")"
		journalctl -b -u "$UNIT" --no-pager -n 10 -o cat | show
		# Mounted where only the service sees it (its own mount namespace)?
		if nsenter -t "$(main_pid)" -m head -c 1 "$MNT/cgroup" >/dev/null 2>&1; then
			echo "    $MNT answers inside energyd's mount namespace only:" \
				"the unit's namespacing ($(systemctl show -P PrivateTmp "$UNIT" | sed 's/^/PrivateTmp=/')," \
				"ProtectHome=$(systemctl show -P ProtectHome "$UNIT")) keeps the mount from the host"
		fi
	elif ! mountpoint -q "$MNT"; then
		fail unit_start "$MNT is not a mount point after systemctl start"
	elif [ ! -e "$PINS/cgroups" ]; then
		fail unit_start "systemctl start returned before $PINS/cgroups was pinned"
	elif ! kill -0 "$(main_pid)" 2>/dev/null; then
		fail unit_start "no main process after systemctl start"
	else
		ok unit_start "main pid $(main_pid), $MNT answers"
	fi
}

check_unit_status() {
	if ! config_landed; then
		skip unit_status "no $CONF: the unit's STATUS= comes with the configuration"
		return
	fi
	text=$(systemctl show -P StatusText "$UNIT")
	case $text in
	*[0-9]*process*) ok unit_status "STATUS=$text" ;;
	*) fail unit_status "StatusText is '$text', not the processes tracked" ;;
	esac
}

# A good file is taken; a bad one is refused whole with file:line in the
# journal, and energyd goes on serving.
check_unit_reload() {
	if ! config_landed; then
		skip unit_reload "no $CONF yet: nothing for systemctl reload to re-read"
		return
	fi
	if ! systemctl reload "$UNIT" 2>"$TMP/reload"; then
		fail unit_reload "systemctl reload with the installed $CONF failed:"
		show "$TMP/reload"
		return
	fi
	cp "$CONF" "$TMP/conf.good"
	echo "this-is-not-a-key = 1" >>"$CONF"
	bad_line=$(wc -l <"$CONF")
	since=$(date '+%Y-%m-%d %H:%M:%S')
	pid=$(main_pid)
	systemctl reload "$UNIT" >/dev/null 2>&1
	sleep 1
	journalctl -u "$UNIT" --since "$since" --no-pager -o cat >"$TMP/journal"
	cp "$TMP/conf.good" "$CONF"
	if ! grep -q "$CONF:$bad_line:" "$TMP/journal"; then
		fail unit_reload "a bad line $bad_line left no '$CONF:$bad_line: reason' in the journal:"
		show "$TMP/journal"
	elif [ "$(main_pid)" != "$pid" ] || ! systemctl -q is-active "$UNIT"; then
		fail unit_reload "a bad file stopped or restarted energyd (pid $pid, now $(main_pid))"
	elif ! head -c 1 "$MNT/cgroup" >/dev/null; then
		fail unit_reload "$MNT/cgroup does not answer after a refused reload"
	elif ! systemctl reload "$UNIT"; then
		fail unit_reload "systemctl reload of the good file after a bad one failed"
	else
		ok unit_reload "refused: $(grep -m 1 "$CONF:$bad_line:" "$TMP/journal")"
	fi
}

# systemctl stop leaves no mount, no pinned object, no process.
check_unit_stop() {
	pid=$(main_pid)
	if ! systemctl stop "$UNIT" 2>"$TMP/stop"; then
		fail unit_stop "systemctl stop failed:"
		show "$TMP/stop"
		return
	fi
	state=$(systemctl show -P ActiveState "$UNIT")
	left=$(ls -d "$PINS"* 2>/dev/null)
	if [ "$state" != inactive ]; then
		fail unit_stop "$UNIT is $state after systemctl stop, not inactive"
	elif grep -q " $MNT " /proc/self/mounts; then
		fail unit_stop "$MNT still mounted after systemctl stop"
	elif [ -n "$left" ]; then
		fail unit_stop "pinned objects left after systemctl stop: $(echo "$left" | tr '\n' ' ')"
	elif [ -n "$pid" ] && [ "$pid" != 0 ] && kill -0 "$pid" 2>/dev/null; then
		fail unit_stop "energyd (pid $pid) still runs after systemctl stop"
	elif pgrep -x energyd >/dev/null; then
		fail unit_stop "an energyd process is left: $(pgrep -a -x energyd)"
	else
		ok unit_stop "no mount, no $PINS*, no process"
	fi
	systemctl start "$UNIT" || echo "    (systemctl start $UNIT again failed)"
}

# ---- 2. a service's own view ----

# A transient unit sees its own processes in $MNT/cgroup, not the journal's
# nor energyd's.
check_service_view() {
	journald=$(systemctl show -P MainPID systemd-journald.service)
	energyd=$(main_pid)
	# The view changes at window boundaries: wait for the unit's shell. A
	# file, not sh -c: systemd 252 expands every $ of an argument.
	# shellcheck disable=SC2016 # expanded by the unit's shell
	printf '%s\n' 'n=0
		while [ $n -lt 40 ] && ! grep -q "^pid=$$ " /run/energy/cgroup; do
			sleep 0.5; n=$((n + 1))
		done
		echo "self $$ $(cat /proc/self/cgroup)"
		cat /run/energy/cgroup
		for p in $(sed -n "s/^pid=\([1-9][0-9]*\) .*/\1/p" /run/energy/cgroup); do
			echo "cgroup $p $(cat /proc/$p/cgroup 2>/dev/null)"
		done' >"$TMP/view.sh"
	chmod 0644 "$TMP/view.sh"
	if ! systemd-run --quiet --wait --pipe --collect --unit=check-system-view \
		-p User=nobody -p ProtectSystem=strict -p PrivateTmp=yes \
		/bin/sh "$TMP/view.sh" >"$TMP/view" 2>&1; then
		fail service_view "systemd-run failed:"
		show "$TMP/view"
		return
	fi
	self=$(sed -n 's/^self \([0-9]*\) .*/\1/p' "$TMP/view")
	cg=$(sed -n 's/^self [0-9]* //p' "$TMP/view")
	pids=$(sed -n 's/^pid=\([1-9][0-9]*\) .*/\1/p' "$TMP/view")
	foreign=$(awk -v cg="$cg" '$1 == "cgroup" && NF == 3 && $3 != cg { print $2 ":" $3 }' "$TMP/view")
	case $self in
	'' | *[!0-9]*)
		fail service_view "the unit printed no pid of its own:"
		show "$TMP/view"
		return
		;;
	esac
	if ! echo "$pids" | grep -qx "$self"; then
		fail service_view "the unit's shell (pid $self) is not in its $MNT/cgroup:"
		show "$TMP/view"
	elif echo "$pids" | grep -qx -e "$journald" -e "$energyd"; then
		fail service_view "the unit sees journald ($journald) or energyd ($energyd):"
		show "$TMP/view"
	elif [ -n "$foreign" ]; then
		fail service_view "listed processes of another cgroup than $cg: $foreign"
	else
		ok service_view "$(echo "$pids" | wc -l) processes of $cg, pid $self among them"
	fi
}

# ---- 5. bpftool ----

# Whether bpftool's dump of procs lists tgid $1 with comm "sleep".
procs_list_sleep() {
	bpftool map dump pinned "$PINS/procs" >"$TMP/bpftool" 2>&1 &&
		awk -v pid="$1" '
			/"tgid": / { t = $2; sub(/,$/, "", t) }
			/"comm": / && t == pid && /"sleep"/ { found = 1 }
			END { exit !found }' "$TMP/bpftool"
}

check_bpftool_dump() {
	sleep 300 &
	spid=$!
	# A dump of the whole map is slow under emulation: one, once energyd
	# lists the process.
	wait_for 20 grep -q "^pid=$spid " "$MNT/cgroup"
	if procs_list_sleep "$spid"; then
		fields=$(grep -o '"[a-z_]*": ' "$TMP/bpftool" | sort -u | sed 's/[": ]//g' | paste -sd' ')
		ok bpftool_dump "pid $spid 'sleep' found; fields: $fields"
	else
		fail bpftool_dump "bpftool map dump pinned $PINS/procs shows no tgid $spid with comm \"sleep\":"
		show "$TMP/bpftool"
	fi
	kill "$spid"
	wait "$spid" 2>/dev/null
}

# ---- 3. Docker ----

docker_ready() {
	[ -z "${docker_state:-}" ] || return "$docker_state"
	docker_state=1
	if ! systemctl start docker.service 2>"$TMP/docker"; then
		echo "    systemctl start docker failed:"
		show "$TMP/docker"
		journalctl -b -u docker.service --no-pager -n 20 | show
		return 1
	fi
	if ! docker import /root/busybox.tar "$IMAGE" >"$TMP/docker" 2>&1; then
		echo "    docker import /root/busybox.tar failed:"
		show "$TMP/docker"
		return 1
	fi
	docker_state=0
}

# In the container: wait for pid 1 and this shell in the view (a view is
# as of its window: the shell may be listed as runc's init first), then the
# view and /proc.
# shellcheck disable=SC2016 # expanded by the container's shell
VIEW_SCRIPT='n=0
	while [ $n -lt 40 ] && ! { grep -q "^pid=1 " /run/energy/cgroup &&
		grep -q "^pid=$$ .* comm=sh$" /run/energy/cgroup; }; do
		sleep 0.5; n=$((n + 1))
	done
	cat /run/energy/cgroup
	echo ---
	for p in /proc/[0-9]*; do echo "proc ${p#/proc/} $(cat $p/comm)"; done'

# Whether view file $1 (container main $2, the other's main $3) shows the
# container's processes only, with the pids of its own /proc.
view_own() {
	awk -v main="$2" -v other="$3" '
		$1 == "---" { procs = 1; next }
		procs && $1 == "proc" { comm[$2] = $3; next }
		/^pid=/ {
			p = $1; sub(/^pid=/, "", p)
			c = $NF; sub(/^comm=/, "", c)
			if (p != 0) { n++; pid[n] = p; pc[n] = c }
		}
		END {
			for (i = 1; i <= n; i++) {
				if (pc[i] == other) { print "the other container'"'"'s " other " (pid " pid[i] ")"; exit 1 }
				if (pid[i] == 1 && pc[i] == main) one = 1
				if ((pid[i] in comm) && comm[pid[i]] != pc[i]) {
					print "pid " pid[i] " is " pc[i] " in the view but " comm[pid[i]] " in its /proc"; exit 1
				}
			}
			if (!one) { print "no pid=1 comm=" main " line"; exit 1 }
			print n " processes"
		}' "$1"
}

check_docker_views() {
	if ! docker_ready; then
		fail docker_views "docker is not ready"
		return
	fi
	docker rm -f sys-a sys-b >/dev/null 2>&1
	if ! docker run -d --name sys-a --network none --mount "$BIND" "$IMAGE" \
		sleep 3600 >"$TMP/run" 2>&1 ||
		! docker run -d --name sys-b --network none --mount "$BIND" "$IMAGE" \
			tail -f /dev/null >>"$TMP/run" 2>&1; then
		fail docker_views "docker run failed:"
		show "$TMP/run"
		return
	fi
	docker exec sys-a sh -c "$VIEW_SCRIPT" >"$TMP/view-a" 2>&1
	docker exec sys-b sh -c "$VIEW_SCRIPT" >"$TMP/view-b" 2>&1
	if ! a=$(view_own "$TMP/view-a" sleep tail); then
		fail docker_views "container sys-a: $a:"
		show "$TMP/view-a"
	elif ! b=$(view_own "$TMP/view-b" tail sleep); then
		fail docker_views "container sys-b: $b:"
		show "$TMP/view-b"
	else
		ok docker_views "sys-a: $a, sys-b: $b, each with its own pid 1"
	fi
}

# The container identity of the running container $1 in the JSON file $2:
# the id that "container":{"runtime":"docker","id":...} names.
json_container_id() {
	grep -o '"container":{"runtime":"docker","id":"[0-9a-f]*"' "$2" |
		grep -c "\"id\":\"$1\""
}

check_docker_ids() {
	ids=''
	for ctr in sys-a sys-b; do
		if ! id=$(docker inspect -f '{{.Id}}' "$ctr" 2>"$TMP/inspect"); then
			fail docker_ids "docker inspect $ctr (docker_views starts it):"
			show "$TMP/inspect"
			return
		fi
		# The host's all.json, from the window after the container's start.
		wait_for 10 sh -c "cat $MNT/all.json >$TMP/all.json &&
			grep -q '\"id\":\"$id\"' $TMP/all.json" || true
		n=$(json_container_id "$id" "$TMP/all.json")
		docker exec "$ctr" cat "$MNT/cgroup.json" >"$TMP/cgroup.json" 2>&1
		own=$(json_container_id "$id" "$TMP/cgroup.json")
		if [ "$n" -ne 1 ]; then
			fail docker_ids "$ctr: the host's all.json names container $id $n times, not once; its cgroups:"
			grep -o '{"id":[0-9]*,"path":[^}]*}[^}]*}' "$TMP/all.json" | cut -c1-300 | show
			return
		elif [ "$own" -ne 1 ]; then
			fail docker_ids "$ctr: its own cgroup.json does not name it as docker container $id:"
			show "$TMP/cgroup.json"
			return
		fi
		ids="${ids:+$ids, }$ctr $(echo "$id" | cut -c1-12)"
	done
	ok docker_ids "the host's all.json and each container's cgroup.json name it: $ids"
}

check_docker_all_refused() {
	if ! docker_ready; then
		fail docker_all_refused "docker is not ready"
		return
	fi
	if docker exec sys-a cat "$MNT/all" >"$TMP/all" 2>&1; then
		fail docker_all_refused "cat $MNT/all in a container was not refused:"
		show "$TMP/all"
	elif grep -q -e 'Permission denied' -e 'Operation not permitted' "$TMP/all"; then
		ok docker_all_refused "$(head -n 1 "$TMP/all")"
	else
		fail docker_all_refused "cat $MNT/all failed, but not as refused:"
		show "$TMP/all"
	fi
	docker rm -f sys-a sys-b >/dev/null 2>&1
}

# --privileged gives container root CAP_SYS_ADMIN in the host's user
# namespace: then all is readable, as for the host's root.
check_docker_privileged() {
	if ! docker_ready; then
		fail docker_privileged "docker is not ready"
		return
	fi
	if ! docker run --rm --network none --privileged --mount "$BIND" "$IMAGE" \
		cat "$MNT/all" >"$TMP/all" 2>&1; then
		fail docker_privileged "cat $MNT/all in a --privileged container failed:"
		show "$TMP/all"
	elif ! grep -q '^pid=' "$TMP/all"; then
		fail docker_privileged "$MNT/all in a --privileged container lists no process:"
		show "$TMP/all"
	else
		ok docker_privileged "$(grep -c '^pid=' "$TMP/all") processes in all"
	fi
}

# ---- 4. restarts containers never notice ----

# In the container, several reads a second: "ok CPU_NS ENERGY" of its pid 1,
# "ok - -" while pid 1 is not listed, "bad: ..." when a read fails or is empty.
# shellcheck disable=SC2016 # expanded by the container's shell
LOOP_SCRIPT='while :; do
	if out=$(cat /run/energy/cgroup 2>&1) && [ -n "$out" ]; then
		l=$(echo "$out" | grep "^pid=1 ")
		cpu=$(echo "$l" | sed -n "s/.* cpu_ns=\([0-9]*\) .*/\1/p")
		e=$(echo "$l" | sed -n "s/.* energy=\([0-9.]*\) .*/\1/p")
		echo "ok ${cpu:--} ${e:--}"
	else
		echo "bad: $(echo "$out" | head -n 1)"
	fi
	sleep 0.2
done'

reads() {
	docker logs sys-loop 2>&1 | grep -c '^ok [0-9]'
}

# After step $1, wait for energyd to be back and the loop to read again.
settle() {
	wait_for 60 systemctl -q is-active "$UNIT" ||
		echo "    after $1: $UNIT is $(systemctl show -P ActiveState "$UNIT")"
	before=$(reads)
	wait_for 30 sh -c "[ \$(docker logs sys-loop 2>&1 | grep -c '^ok [0-9]') -gt $((before + 3)) ]" ||
		echo "    after $1: the container's loop reads no counters"
	echo "    $1: done, energyd pid $(main_pid)"
}

# The host pid of the process that container $1 knows as pid $2.
host_pid() {
	hp_init=$(docker inspect -f '{{.State.Pid}}' "$1") || return
	hp_ns=$(readlink "/proc/$hp_init/ns/pid") || return
	for hp in /proc/[0-9]*; do
		[ "$(readlink "$hp/ns/pid" 2>/dev/null)" = "$hp_ns" ] || continue
		if awk -v want="$2" '/^NSpid:/ { found = $NF == want } END { exit !found }' \
			"$hp/status" 2>/dev/null; then
			echo "${hp#/proc/}"
			return
		fi
	done
}

check_restart_transparent() {
	if ! docker_ready; then
		fail restart_transparent "docker is not ready"
		return
	fi
	docker rm -f sys-loop >/dev/null 2>&1
	if ! docker run -d --name sys-loop --network none --mount "$BIND" "$IMAGE" \
		sh -c "$LOOP_SCRIPT" >"$TMP/run" 2>&1; then
		fail restart_transparent "docker run failed:"
		show "$TMP/run"
		return
	fi
	# shellcheck disable=SC2016 # expanded by that shell
	if ! wait_for 30 sh -c '[ $(docker logs sys-loop 2>&1 | grep -c "^ok [0-9]") -ge 3 ]'; then
		fail restart_transparent "the container's loop never read its pid 1's counters:"
		docker logs sys-loop 2>&1 | show
		docker rm -f sys-loop >/dev/null 2>&1
		return
	fi
	# A process busy throughout: its CPU while no energyd ran is counted.
	# shellcheck disable=SC2016 # expanded by the container's shell
	spin=$(host_pid sys-loop "$(docker exec sys-loop sh -c \
		'yes </dev/null >/dev/null 2>&1 & echo $!')")
	steps='' busy=''
	loop_t0=$(date +%s)
	systemctl restart "$UNIT"
	settle "systemctl restart"
	pid=$(main_pid)
	kill -9 "$pid"
	wait_for 30 sh -c "[ \"\$(systemctl show -P MainPID $UNIT)\" != $pid ] && [ \"\$(systemctl show -P MainPID $UNIT)\" != 0 ]"
	settle "kill -9 $pid"
	if [ -f "$DEB" ]; then
		dpkg -i "$DEB" >"$TMP/dpkg" 2>&1 || {
			echo "    dpkg -i $DEB failed:"
			show "$TMP/dpkg"
			steps="dpkg -i failed; "
		}
		settle "dpkg -i $DEB"
	else
		steps="no $DEB to reinstall (make deb); "
	fi
	# all is updated every sample (0.1 s here); each restart stops
	# energyd for longer than the 0.5 s allowed.
	if [ -z "$spin" ]; then
		steps="${steps}no busy process in the container; "
	else
		cpu=$(sed -n "s/^pid=$spin .* cpu_ns=\([0-9]*\) .*/\1/p" "$MNT/all")
		sched=$(cut -d' ' -f1 "/proc/$spin/schedstat")
		if [ -z "$cpu" ] || [ "$cpu" -gt "$sched" ] ||
			[ $((sched - cpu)) -gt 500000000 ]; then
			steps="${steps}the busy process's cpu_ns ${cpu:-none} is not its schedstat $sched within 0.5 s; "
		else
			busy="; a busy process's cpu_ns $(((sched - cpu) / 1000000)) ms behind its schedstat ($((sched / 1000000)) ms)"
		fi
	fi
	docker kill sys-loop >/dev/null 2>&1
	docker logs sys-loop >"$TMP/loop" 2>&1
	docker rm -f sys-loop >/dev/null 2>&1
	if verdict=$(awk '
		/^bad:/ { bad++; if (!first) first = NR ": " $0; next }
		$1 == "ok" && $2 == "-" { if (seen) { gap++; if (!first) first = NR ": pid 1 missing from the view" } next }
		$1 == "ok" {
			seen = 1
			if ($2 + 0 < cpu || $3 + 0 < e) {
				back++
				if (!first) first = NR ": cpu_ns " cpu " -> " $2 ", energy " e " -> " $3
			}
			cpu = $2 + 0; e = $3 + 0; good++
		}
		END {
			printf "%d reads, %d failed, %d without pid 1, %d went back", good + bad + gap, bad, gap, back
			if (first) printf "; first: line %s", first
			exit (bad + gap + back) > 0
		}' "$TMP/loop") && [ -z "$steps" ]; then
		ok restart_transparent "$verdict$busy"
	else
		fail restart_transparent "$steps$verdict"
		grep -m 5 '^bad:' "$TMP/loop" | show
		echo "    energyd's journal since the loop started:"
		journalctl -b -u "$UNIT" -o short-monotonic --since "@$loop_t0" | tail -n 40 | show
	fi
}

ALL="unit_verify unit_security unit_start unit_status unit_reload service_view
bpftool_dump unit_stop docker_views docker_ids docker_all_refused docker_privileged
restart_transparent"

mkdir -p "$TMP"
read -r up _ </proc/uptime
echo "system: checks start at $up s of guest uptime, Linux $(uname -r), $(systemctl --version | head -n 1)"
if [ -f "$DEB" ]; then
	echo "system: energyd from $(dpkg-deb -f "$DEB" Package Version | tr '\n' ' ')"
else
	echo "system: energyd from make install (no .deb)"
fi
# shellcheck disable=SC2086 # a list of names
[ $# -gt 0 ] || set -- $ALL
for c in "$@"; do
	t0=$(cut -d' ' -f1 /proc/uptime)
	"check_$c"
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "    ($c: $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }') s)"
done
read -r up _ </proc/uptime
echo "system: checks end at $up s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
