// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>

#include "params.h"
#include "render.h"
#include "unit.h"

static void slot(struct energy_proc *p, __u32 tgid, __u64 cpu, __u64 mem,
		 __u64 cgroup, __u32 flags, const char *comm)
{
	*p = (struct energy_proc){
		.key = { .tgid = tgid, .start_ns = tgid * 10ULL },
		.c = { .cpu_ns = cpu, .rx_packets = 1 },
		.mem_bytes = mem,
		.cgroup_id = cgroup,
		.flags = flags,
	};
	memcpy(p->comm, comm, strnlen(comm, sizeof(p->comm)));
}

void test_render_all(void)
{
	struct energy_proc s[3] = {};
	struct energy_counters exited = { .cpu_ns = 1000, .tx_packets = 4 };
	struct render_head h = {
		.timestamp_ns = 111, .iterations = 22, .sample_ns = 100000000,
		.window_ns = 1000000000,
		.rapl_domains = 1U << RAPL_PKG | 1U << RAPL_PSYS,
		.rapl_uj = { [RAPL_PKG] = 5, [RAPL_CORE] = 9, [RAPL_PSYS] = 7 },
	};
	__u64 uj[3] = { 1234, 0, 99 };
	struct energy_key keys[3] = {};
	struct render_energy en = { .uj = uj, .key = keys, .total_uj = 3000500 };
	struct rbuf b = {};

	slot(&s[0], 10, 5, 4096, 1, 0, "init");
	slot(&s[2], 12, 7, 8192, 1, ENERGY_F_EXITED, "ended");
	keys[0] = s[0].key;	/* slot 2's energy belongs to an earlier process */
	render_all(&b, &h, s, 3, &exited, &en);
	if (!ASSERT_TRUE(b.data && !b.oom, "rendered"))
		return;
	ASSERT_STREQ(b.data,
		     "timestamp=111\niterations=22\nsample_ns=100000000\nwindow_ns=1000000000\n"
		     "rapl_pkg_sum_uj=5\nrapl_psys_sum_uj=7\n"
		     "pid=0 energy=3000.500 alive=1 kernel=1 cpu_ns=1012 mem=4096 instructions=0 wakeups=0 diski=0 disko=0 rx=2 tx=4 comm=*system*\n"
		     "pid=10 energy=1.234 alive=1 kernel=0 cpu_ns=5 mem=4096 instructions=0 wakeups=0 diski=0 disko=0 rx=1 tx=0 comm=init\n"
		     "pid=12 energy=0.000 alive=0 kernel=0 cpu_ns=7 mem=8192 instructions=0 wakeups=0 diski=0 disko=0 rx=1 tx=0 comm=ended\n",
		     "all: header with the measured domains, system line with the machine's energy (listed exited and folded included, mem of the live), processes with their own energy only");
	ASSERT_EQ(b.len, strlen(b.data), "length");

	/* Measured: the split of the *system* energy under the RAPL sums. */
	b.len = 0;
	en.measured = true;
	en.idle_uj = 2000000;
	en.carry_uj = 7;
	en.exited_uj = 999259;
	render_all(&b, &h, s, 3, &exited, &en);
	ASSERT_TRUE(b.data && strstr(b.data, "rapl_psys_sum_uj=7\nidle_uj=2000000\ncarry_uj=7\nexited_uj=999259\npid=0 energy=3000.500 "),
		    "all: idle, carry and exited after the sums, then *system*");
	rbuf_free(&b);
}

void test_render_cgroup_filters_and_translates(void)
{
	struct window_snap *w = calloc(1, sizeof(*w) + 3 * sizeof(w->e[0]));
	struct rbuf b = {};

	if (!ASSERT_TRUE(w, "alloc"))
		return;
	w->n = 3;
	w->time_ns = 777;
	/* host process in cgroup 5, a container process (host pid 300, pid
	 * 1 in namespace 4026532000) in cgroup 5, and one in cgroup 6 */
	slot(&w->e[0].rec, 100, 1, 0, 5, 0, "host");
	w->e[0].ns = (struct energy_pidns){ .level = 0, .nr = { 100 },
					    .ns_ino = { 4026531836 } };
	slot(&w->e[1].rec, 300, 2, 0, 5, 0, "ctr");
	w->e[1].ns = (struct energy_pidns){ .level = 1, .nr = { 300, 1 },
					    .ns_ino = { 4026531836, 4026532000 } };
	slot(&w->e[2].rec, 400, 3, 0, 6, 0, "other");
	w->e[2].ns = (struct energy_pidns){ .level = 0, .nr = { 400 },
					    .ns_ino = { 4026531836 } };

	render_cgroup(&b, w, 5, 4026531836, NULL);
	ASSERT_TRUE(b.data && strstr(b.data, "pid=100 ") && strstr(b.data, "pid=300 "),
		    "host reader sees both of cgroup 5 with host pids");
	ASSERT_TRUE(b.data && !strstr(b.data, "pid=400 "), "not cgroup 6");
	ASSERT_TRUE(b.data && strstr(b.data, " window_time=777 comm=host\n"),
		    "window_time before comm");
	rbuf_free(&b);

	render_cgroup(&b, w, 5, 4026532000, NULL);
	ASSERT_STREQ(b.data,
		     "pid=1 energy=0.000 alive=1 kernel=0 cpu_ns=2 mem=0 instructions=0 wakeups=0 diski=0 disko=0 rx=1 tx=0 window_time=777 comm=ctr\n",
		     "container reader sees its own process with its own pid only");
	rbuf_free(&b);

	render_cgroup(&b, w, 99, 4026531836, NULL);
	ASSERT_EQ(b.len, 0, "another cgroup: nothing");
	rbuf_free(&b);
	free(w);
}

void test_render_large(void)
{
	enum { N = 10000 };
	struct energy_proc *s = calloc(N, sizeof(*s));
	__u64 *uj = calloc(N, sizeof(*uj));
	struct energy_key *keys = calloc(N, sizeof(*keys));
	struct render_energy en = { .uj = uj, .key = keys };
	struct render_head h = {};
	struct rbuf b = {};
	size_t lines = 0;

	if (!ASSERT_TRUE(s && uj && keys, "alloc"))
		goto out;
	for (int i = 0; i < N; i++)
		slot(&s[i], i + 1, i, i, 1, 0, "a-long-command-n");
	render_all(&b, &h, s, N, NULL, &en);
	for (size_t i = 0; i < b.len; i++)
		lines += b.data[i] == '\n';
	ASSERT_EQ(lines, 4 + 1 + N, "every line, buffer grown");
	ASSERT_TRUE(!b.oom, "no allocation failure");
	rbuf_free(&b);
out:
	free(uj);
	free(keys);
	free(s);
}

void test_params_check(void)
{
	__u64 cur[P_MAX] = { [P_SAMPLE_NS] = 100000000, [P_WINDOW_NS] = 1000000000 };
	char why[96], q[200];
	__u64 v = 0;

	ASSERT_EQ(param_by_name("w_net_tx_packets"), P_W_NET_TX_PACKETS, "by name");
	ASSERT_EQ(param_by_name("nope"), -1, "unknown name");
	ASSERT_EQ(param_check(P_SAMPLE_NS, "5000000\n", 8, cur, &v, why, sizeof(why)),
		  0, "valid sample_ns");
	ASSERT_EQ(v, 5000000, "value");
	ASSERT_EQ(param_check(P_SAMPLE_NS, "abc", 3, cur, &v, why, sizeof(why)),
		  -EINVAL, "junk");
	ASSERT_STREQ(why, "is not a number of nanoseconds", "message");
	ASSERT_EQ(param_check(P_SAMPLE_NS, "2000000000", 10, cur, &v, why, sizeof(why)),
		  -EINVAL, "sample_ns above window_ns");
	ASSERT_EQ(param_check(P_WINDOW_NS, "50000000", 8, cur, &v, why, sizeof(why)),
		  -EINVAL, "window_ns below sample_ns");
	ASSERT_EQ(param_check(P_SAMPLE_NS, "999999", 6, cur, &v, why, sizeof(why)),
		  -EINVAL, "below 1 ms");
	ASSERT_EQ(param_check(P_SAMPLE_NS, "60000000001", 11, cur, &v, why, sizeof(why)),
		  -EINVAL, "above 60 s");
	ASSERT_EQ(param_check(P_W_WAKEUPS, "0", 1, cur, &v, why, sizeof(why)), 0,
		  "a weight may be 0");
	ASSERT_EQ(v, 0, "weight value");
	param_quote(q, "a\tb\n", 4);
	ASSERT_STREQ(q, "a\\x09b", "quoted, newline dropped");
	param_quote(q, "0123456789012345678901234567890123456789XYZ", 43);
	ASSERT_STREQ(q, "0123456789012345678901234567890123456789...", "cut at 40");
}

/* The longest line there is (every counter at its maximum, a full comm,
 * window_time) is rendered whole, first in an empty buffer and after
 * others. */
void test_render_longest_line(void)
{
	struct window_snap *w = calloc(1, sizeof(*w) + 2 * sizeof(w->e[0]));
	struct rbuf b = {};
	size_t lines = 0;

	if (!ASSERT_TRUE(w, "alloc"))
		return;
	w->n = 2;
	w->time_ns = ~0ULL;
	for (int i = 0; i < 2; i++) {
		struct window_entry *e = &w->e[i];

		memset(&e->rec.c, 0xff, sizeof(e->rec.c));
		e->rec.key.tgid = 4294967295U;
		e->rec.mem_bytes = ~0ULL;
		e->rec.cgroup_id = 5;
		memcpy(e->rec.comm, "0123456789abcdef", ENERGY_COMM_LEN);
		e->energy_uj = ~0ULL;
		e->ns = (struct energy_pidns){ .level = 0, .nr = { 4294967295U },
					       .ns_ino = { 4026531836 } };
	}
	/* room for a line of the usual length, not for this one */
	b.cap = 1000;
	b.len = b.cap - 330;
	b.data = malloc(b.cap);
	if (!ASSERT_TRUE(b.data, "alloc"))
		goto out;
	memset(b.data, '\n', b.len);
	render_cgroup(&b, w, 5, 4026531836, NULL);
	for (size_t i = 670; i < b.len; i++)
		lines += b.data[i] == '\n';
	ASSERT_EQ(lines, 2, "both lines");
	ASSERT_TRUE(b.len - 670 > 2 * 330, "longer than the room there was");
	ASSERT_TRUE(b.data && strstr(b.data, " window_time=18446744073709551615 comm=0123456789abcdef\n"),
		    "the end of the line there");
out:
	rbuf_free(&b);
	free(w);
}

static bool hide_odd_pids(void *arg, const struct window_entry *e)
{
	(void)arg;
	return !(e->rec.key.tgid & 1);
}

/* Processes the filter hides are summed into one *others* line. */
void test_render_cgroup_others(void)
{
	struct window_snap *w = calloc(1, sizeof(*w) + 4 * sizeof(w->e[0]));
	struct render_filter f = { hide_odd_pids, NULL };
	struct rbuf b = {};

	if (!ASSERT_TRUE(w, "alloc"))
		return;
	w->n = 4;
	w->time_ns = 5;
	slot(&w->e[0].rec, 100, 10, 1000, 5, 0, "mine");
	slot(&w->e[1].rec, 101, 20, 2000, 5, 0, "theirs");
	slot(&w->e[2].rec, 103, 40, 4000, 5, ENERGY_F_EXITED, "gone");
	slot(&w->e[3].rec, 105, 80, 8000, 6, 0, "elsewhere");
	for (int i = 0; i < 4; i++) {
		w->e[i].ns = (struct energy_pidns){ .nr = { w->e[i].rec.key.tgid },
						    .ns_ino = { 4026531836 } };
		w->e[i].energy_uj = 1000 * (i + 1);
	}
	render_cgroup(&b, w, 5, 4026531836, &f);
	ASSERT_TRUE(b.data && strstr(b.data, "pid=100 ") && !strstr(b.data, "pid=101 ") &&
		    !strstr(b.data, "pid=103 ") && !strstr(b.data, "pid=105 "),
		    "own line only");
	ASSERT_TRUE(b.data && strstr(b.data, "\npid=0 energy=5.000 alive=1 kernel=0 cpu_ns=60 mem=2000 instructions=0 wakeups=0 diski=0 disko=0 rx=2 tx=0 window_time=5 comm=*others*\n"),
		    "the hidden ones summed, memory of the live one only");
	rbuf_free(&b);
	f.may_see = NULL;
	render_cgroup(&b, w, 5, 4026531836, NULL);
	ASSERT_TRUE(b.data && !strstr(b.data, "*others*") && strstr(b.data, "pid=101 "),
		    "no filter: every line");
	rbuf_free(&b);
	free(w);
}

/* A process the BPF side recorded no namespaces for (ENERGY_F_PIDNS
 * unset: its procs_ns entry is another process's, or nothing) is in the
 * initial one alone, as its tgid; one it recorded has its own pids. */
void test_render_pidns_recorded(void)
{
	struct energy_proc rec = { .key = { .tgid = 4242, .start_ns = 1 } };
	struct energy_pidns stale = {
		.level = 1, .nr = { 7, 1 }, .ns_ino = { ENERGY_PIDNS_INIT_INO, 99 },
	};
	struct energy_pidns n = view_pidns(&rec, &stale);

	ASSERT_EQ(n.level, 0, "one level");
	ASSERT_EQ(render_pid_in_ns(&n, ENERGY_PIDNS_INIT_INO), 4242,
		  "its tgid in the initial namespace, not the stale entry's pid");
	ASSERT_EQ(render_pid_in_ns(&n, 99), 0, "in no other");
	rec.flags = ENERGY_F_PIDNS;
	n = view_pidns(&rec, &stale);
	ASSERT_EQ(n.level, 1, "recorded: two levels");
	ASSERT_EQ(render_pid_in_ns(&n, 99), 1, "its pid in the inner namespace");
}
