// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "table.h"
#include "unit.h"

static struct energy_key key(__u32 tgid, __u64 start)
{
	return (struct energy_key){ .tgid = tgid, .start_ns = start };
}

static struct energy_proc rec(__u64 cpu, __u64 cgroup, __u32 flags)
{
	return (struct energy_proc){
		.c = { .cpu_ns = cpu, .wakeups = 1 },
		.cgroup_id = cgroup,
		.flags = flags,
	};
}

/* One sample in which the map held exactly @n records. */
static void sample(struct table *t, const struct energy_key *k,
		   const struct energy_proc *r, int n)
{
	table_begin_sample(t);
	for (int i = 0; i < n; i++)
		table_upsert(t, &k[i], &r[i]);
	table_end_sample(t);
}

void test_table_upsert_find(void)
{
	struct table t;
	struct energy_key k = key(100, 5);
	struct energy_proc r = rec(10, 1, 0);
	const struct proc *p;

	if (!ASSERT_EQ(table_init(&t), 0, "init"))
		return;
	sample(&t, &k, &r, 1);
	p = table_find(&t, &k);
	if (!ASSERT_TRUE(p, "found"))
		goto cleanup;
	ASSERT_EQ(p->rec.c.cpu_ns, 10, "value");
	r.c.cpu_ns = 20;
	sample(&t, &k, &r, 1);
	ASSERT_EQ(table_find(&t, &k)->rec.c.cpu_ns, 20, "updated in place");
	ASSERT_EQ(t.len, 1, "one entry");
	k.start_ns = 6;
	ASSERT_TRUE(!table_find(&t, &k), "other start time is another process");
cleanup:
	table_fini(&t);
}

void test_table_grow_and_remove(void)
{
	enum { N = 5000 };
	static struct energy_key k[N];
	static struct energy_proc r[N];
	struct table t;
	size_t found = 0;

	if (!ASSERT_EQ(table_init(&t), 0, "init"))
		return;
	for (int i = 0; i < N; i++) {
		k[i] = key(i + 1, 1000 + i * 7);
		r[i] = rec(i, 1, 0);
	}
	sample(&t, k, r, N);
	ASSERT_EQ(t.len, N, "all stored");
	ASSERT_GE(t.cap, N * 4 / 3, "grown");
	/* Keep only the odd ones: removal by backward shift must not lose
	 * any survivor's probe chain. */
	for (int i = 0; i < N / 2; i++) {
		k[i] = k[2 * i + 1];
		r[i] = r[2 * i + 1];
	}
	ASSERT_EQ(({ table_begin_sample(&t);
		     for (int i = 0; i < N / 2; i++)
			     table_upsert(&t, &k[i], &r[i]);
		     table_end_sample(&t); }), N - N / 2, "removed the rest");
	for (int i = 0; i < N / 2; i++) {
		const struct proc *p = table_find(&t, &k[i]);

		found += p && p->rec.c.cpu_ns == r[i].c.cpu_ns;
	}
	ASSERT_EQ(found, N / 2, "survivors all findable");
	ASSERT_EQ(t.len, N / 2, "length");
	table_fini(&t);
}

void test_table_exit_retention(void)
{
	struct energy_key k[2] = { key(10, 1), key(11, 2) };
	struct energy_proc r[2] = { rec(100, 7, 0), rec(50, 7, 0) };
	struct energy_key gone[4];
	struct cgroup_total *ct = NULL;
	struct table t;
	long n;

	if (!ASSERT_EQ(table_init(&t), 0, "init"))
		return;
	sample(&t, k, r, 2);
	ASSERT_EQ(table_window(&t, gone, 4), 0, "nothing exited");

	/* Process 10 exits between two windows. */
	r[0].flags = ENERGY_F_EXITED;
	r[0].c.cpu_ns = 120;
	sample(&t, k, r, 2);
	ASSERT_TRUE(table_find(&t, &k[0]), "still listed after the sample");
	ASSERT_EQ(table_window(&t, gone, 4), 0, "published, not removed");
	ASSERT_TRUE(table_find(&t, &k[0]), "listed during its window");
	sample(&t, k, r, 2);
	ASSERT_EQ(table_window(&t, gone, 4), 1, "removed at the next window");
	ASSERT_EQ(gone[0].tgid, 10, "its key returned for map deletion");
	ASSERT_TRUE(!table_find(&t, &k[0]), "gone from the table");
	ASSERT_TRUE(table_find(&t, &k[1]), "the live one stays");

	/* Its counters stay in the cgroup's totals. */
	n = table_cgroup_totals(&t, &ct);
	if (!ASSERT_EQ(n, 1, "one cgroup"))
		goto cleanup;
	ASSERT_EQ(ct[0].id, 7, "cgroup id");
	ASSERT_EQ(ct[0].c.cpu_ns, 170, "exited + live");
	ASSERT_EQ(ct[0].c.wakeups, 2, "every counter folded");
	ASSERT_EQ(ct[0].procs_exited, 1, "exited count");
	ASSERT_EQ(ct[0].procs_alive, 1, "alive count");
cleanup:
	free(ct);
	table_fini(&t);
}

void test_table_pid_reuse(void)
{
	struct energy_key k[2] = { key(42, 1000), key(42, 9000) };
	struct energy_proc r[2] = { rec(5000, 3, ENERGY_F_EXITED), rec(1, 3, 0) };
	struct energy_key gone[4];
	const struct proc *p;
	struct table t;

	if (!ASSERT_EQ(table_init(&t), 0, "init"))
		return;
	sample(&t, k, r, 1);
	/* The pid is reused while the old process waits for its window. */
	sample(&t, k, r, 2);
	ASSERT_EQ(t.len, 2, "two processes with pid 42");
	p = table_find(&t, &k[1]);
	if (ASSERT_TRUE(p, "new process"))
		ASSERT_EQ(p->rec.c.cpu_ns, 1, "starts from its own counters");
	table_window(&t, gone, 4);
	ASSERT_EQ(table_window(&t, gone, 4), 1, "old one leaves");
	ASSERT_EQ(gone[0].start_ns, 1000, "by its own key");
	p = table_find(&t, &k[1]);
	ASSERT_TRUE(p && !(p->rec.flags & ENERGY_F_EXITED), "new one stays");
	table_fini(&t);
}

void test_table_end_sample_drops_vanished(void)
{
	struct energy_key k[3] = { key(1, 1), key(2, 2), key(3, 3) };
	struct energy_proc r[3] = { rec(1, 9, 0), rec(2, 9, 0), rec(4, 9, 0) };
	struct cgroup_total *ct = NULL;
	struct table t;

	if (!ASSERT_EQ(table_init(&t), 0, "init"))
		return;
	sample(&t, k, r, 3);
	table_begin_sample(&t);
	table_upsert(&t, &k[0], &r[0]);
	ASSERT_EQ(table_end_sample(&t), 2, "two vanished from the map");
	ASSERT_EQ(t.len, 1, "one left");
	if (ASSERT_EQ(table_cgroup_totals(&t, &ct), 1, "one cgroup"))
		ASSERT_EQ(ct[0].c.cpu_ns, 7, "vanished ones folded, not lost");
	free(ct);
	table_fini(&t);
}

void test_table_cgroup_totals(void)
{
	struct energy_key k[4] = { key(1, 1), key(2, 2), key(3, 3), key(4, 4) };
	struct energy_proc r[4] = {
		rec(10, 100, 0), rec(20, 200, 0), rec(30, 100, ENERGY_F_EXITED),
		rec(40, 300, 0),
	};
	struct cgroup_total *ct = NULL;
	__u64 sum[4] = {};
	struct table t;
	long n;

	if (!ASSERT_EQ(table_init(&t), 0, "init"))
		return;
	sample(&t, k, r, 4);
	n = table_cgroup_totals(&t, &ct);
	if (!ASSERT_EQ(n, 3, "three cgroups"))
		goto cleanup;
	for (long i = 0; i < n; i++)
		sum[ct[i].id / 100] = ct[i].c.cpu_ns;
	ASSERT_EQ(sum[1], 40, "cgroup 100");
	ASSERT_EQ(sum[2], 20, "cgroup 200");
	ASSERT_EQ(sum[3], 40, "cgroup 300");
cleanup:
	free(ct);
	table_fini(&t);
}
