// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "table.h"
#include "unit.h"

#define SLOTS 8

static void put(struct energy_proc *live, int slot, __u32 tgid, __u64 start,
		__u64 cpu, __u64 cgroup, __u32 flags)
{
	live[slot] = (struct energy_proc){
		.key = { .tgid = tgid, .start_ns = start },
		.c = { .cpu_ns = cpu, .wakeups = 1 },
		.cgroup_id = cgroup,
		.flags = flags,
	};
}

void test_table_sample_copies(void)
{
	struct energy_proc live[SLOTS] = {};
	struct table t;

	if (!ASSERT_EQ(table_init(&t, SLOTS), 0, "init"))
		return;
	put(live, 0, 100, 5, 10, 1, 0);
	put(live, 2, 101, 6, 20, 1, 0);
	table_sample(&t, live, 3);
	ASSERT_EQ(t.len, 3, "slots read");
	ASSERT_TRUE(proc_used(&t.snap[0]) && proc_used(&t.snap[2]), "used");
	ASSERT_TRUE(!proc_used(&t.snap[1]), "empty slot");
	live[0].c.cpu_ns = 99;
	ASSERT_EQ(t.snap[0].c.cpu_ns, 10, "a copy, not the live slot");
	table_sample(&t, live, SLOTS + 5);
	ASSERT_EQ(t.len, SLOTS, "capped to the table's size");
	ASSERT_EQ(t.snap[0].c.cpu_ns, 99, "next sample sees the update");
	table_fini(&t);
}

void test_table_exit_retention(void)
{
	struct energy_proc live[SLOTS] = {};
	struct table_freed freed[4];
	struct cgroup_total *ct = NULL;
	struct table t;
	long n;

	if (!ASSERT_EQ(table_init(&t, SLOTS), 0, "init"))
		return;
	put(live, 0, 10, 1, 100, 7, 0);
	put(live, 1, 11, 2, 50, 7, 0);
	table_sample(&t, live, 2);
	ASSERT_EQ(table_window(&t, freed, 4), 0, "nothing exited");

	/* Process 10 exits between two windows. */
	put(live, 0, 10, 1, 120, 7, ENERGY_F_EXITED);
	table_sample(&t, live, 2);
	ASSERT_EQ(table_window(&t, freed, 4), 0, "published, not removed");
	ASSERT_TRUE(proc_used(&t.snap[0]), "listed during its window");
	table_sample(&t, live, 2);
	ASSERT_EQ(table_window(&t, freed, 4), 1, "removed at the next window");
	ASSERT_EQ(freed[0].slot, 0, "its slot handed back");
	ASSERT_EQ(freed[0].key.tgid, 10, "with its key");
	ASSERT_TRUE(!proc_used(&t.snap[0]), "gone from the table");
	ASSERT_TRUE(proc_used(&t.snap[1]), "the live one stays");

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

void test_table_exit_not_folded_twice(void)
{
	struct energy_proc live[SLOTS] = {};
	struct table_freed freed[4];
	struct cgroup_total *ct = NULL;
	struct table t;

	if (!ASSERT_EQ(table_init(&t, SLOTS), 0, "init"))
		return;
	put(live, 3, 30, 1, 40, 5, ENERGY_F_EXITED);
	table_sample(&t, live, 4);
	table_window(&t, freed, 4);
	ASSERT_EQ(table_window(&t, freed, 4), 1, "removed");
	/* The daemon clears the live slot; until the next sample the stale
	 * snapshot is gone too, and later windows find nothing. */
	memset(&live[3], 0, sizeof(live[3]));
	table_sample(&t, live, 4);
	ASSERT_EQ(table_window(&t, freed, 4), 0, "nothing left to remove");
	if (ASSERT_EQ(table_cgroup_totals(&t, &ct), 1, "one cgroup"))
		ASSERT_EQ(ct[0].c.cpu_ns, 40, "counted once");
	free(ct);
	table_fini(&t);
}

void test_table_slot_reuse(void)
{
	struct energy_proc live[SLOTS] = {};
	struct table_freed freed[4];
	struct table t;

	if (!ASSERT_EQ(table_init(&t, SLOTS), 0, "init"))
		return;
	/* Exited and published, then its slot gets a new process (pid
	 * reused too) that exits at once: the new one must get its own
	 * window, not inherit the old one's mark. */
	put(live, 1, 42, 1000, 5000, 3, ENERGY_F_EXITED);
	table_sample(&t, live, 2);
	table_window(&t, freed, 4);
	put(live, 1, 42, 9000, 1, 3, ENERGY_F_EXITED);
	table_sample(&t, live, 2);
	ASSERT_EQ(table_window(&t, freed, 4), 0, "new process published first");
	ASSERT_EQ(t.snap[1].c.cpu_ns, 1, "its own counters");
	ASSERT_EQ(table_window(&t, freed, 4), 1, "then removed");
	ASSERT_EQ(freed[0].key.start_ns, 9000, "by its own key");
	table_fini(&t);
}

void test_table_window_limit(void)
{
	struct energy_proc live[SLOTS] = {};
	struct table_freed freed[2];
	struct table t;

	if (!ASSERT_EQ(table_init(&t, SLOTS), 0, "init"))
		return;
	for (int i = 0; i < 5; i++)
		put(live, i, 100 + i, i + 1, 1, 1, ENERGY_F_EXITED);
	table_sample(&t, live, 5);
	table_window(&t, freed, 2);
	ASSERT_EQ(table_window(&t, freed, 2), 2, "at most max per window");
	ASSERT_EQ(table_window(&t, freed, 2), 2, "the rest later");
	ASSERT_EQ(table_window(&t, freed, 2), 1, "last one");
	table_fini(&t);
}

void test_table_cgroup_totals(void)
{
	struct energy_proc live[SLOTS] = {};
	struct cgroup_total *ct = NULL;
	__u64 sum[4] = {}, alive[4] = {};
	struct table t;
	long n;

	if (!ASSERT_EQ(table_init(&t, SLOTS), 0, "init"))
		return;
	put(live, 0, 1, 1, 10, 100, 0);
	put(live, 1, 2, 2, 20, 200, 0);
	put(live, 2, 3, 3, 30, 100, ENERGY_F_EXITED);
	put(live, 4, 4, 4, 40, 300, 0);
	table_sample(&t, live, 5);
	n = table_cgroup_totals(&t, &ct);
	if (!ASSERT_EQ(n, 3, "three cgroups"))
		goto cleanup;
	for (long i = 0; i < n; i++) {
		sum[ct[i].id / 100] = ct[i].c.cpu_ns;
		alive[ct[i].id / 100] = ct[i].procs_alive;
	}
	ASSERT_EQ(sum[1], 40, "cgroup 100");
	ASSERT_EQ(alive[1], 1, "cgroup 100 alive");
	ASSERT_EQ(sum[2], 20, "cgroup 200");
	ASSERT_EQ(sum[3], 40, "cgroup 300");
cleanup:
	free(ct);
	table_fini(&t);
}

/* The cpu_ns of cgroup @id in the totals, or ~0 when it is not there. */
static __u64 cg_cpu(const struct table *t, __u64 id)
{
	struct cgroup_total *ct = NULL;
	__u64 v = ~0ULL;
	long n = table_cgroup_totals(t, &ct);

	for (long i = 0; i < n; i++)
		if (ct[i].id == id)
			v = ct[i].c.cpu_ns;
	free(ct);
	return v;
}

void test_table_cgroup_move(void)
{
	struct energy_proc live[SLOTS] = {};
	struct table_freed freed[4];
	struct table t;

	if (!ASSERT_EQ(table_init(&t, SLOTS), 0, "init"))
		return;
	put(live, 0, 1, 1, 100, 10, 0);
	table_sample(&t, live, 1);
	table_window(&t, freed, 4);
	ASSERT_EQ(cg_cpu(&t, 10), 100, "all of it in A");
	/* Moved to B in the next sample's interval: up to the last sample
	 * (100) stays in A, the 30 since go to B, then 50 more there. */
	put(live, 0, 1, 1, 130, 20, 0);
	table_sample(&t, live, 1);
	table_window(&t, freed, 4);
	ASSERT_EQ(cg_cpu(&t, 10), 100, "what it did in A stays in A");
	ASSERT_EQ(cg_cpu(&t, 20), 30, "B has it from the move on");
	put(live, 0, 1, 1, 180, 20, 0);
	table_sample(&t, live, 1);
	table_window(&t, freed, 4);
	ASSERT_EQ(cg_cpu(&t, 10), 100, "A stops growing");
	ASSERT_EQ(cg_cpu(&t, 20), 80, "B grows");
	ASSERT_EQ(t.exited_c.cpu_ns, 0, "a move is no exit");
	/* Back to A, then it exits: the fold counts B's part in B. */
	put(live, 0, 1, 1, 200, 10, 0);
	table_sample(&t, live, 1);
	table_window(&t, freed, 4);
	put(live, 0, 1, 1, 210, 10, ENERGY_F_EXITED);
	table_sample(&t, live, 1);
	table_window(&t, freed, 4);
	ASSERT_EQ(table_window(&t, freed, 4), 1, "folded");
	ASSERT_EQ(cg_cpu(&t, 10), 130, "A: before and after B");
	ASSERT_EQ(cg_cpu(&t, 20), 80, "B: its stay");
	ASSERT_EQ(cg_cpu(&t, 10) + cg_cpu(&t, 20), 210, "nothing lost or doubled");
	ASSERT_EQ(t.exited_c.cpu_ns, 210, "the exited total has the whole process");
	table_fini(&t);
}

/* Which cgroups the fake kernel has removed. */
struct removed {
	__u64 ids[4];
	int n;
	int asked;
};

static bool removed_gone(void *ctx, __u64 id)
{
	struct removed *r = ctx;

	r->asked++;
	for (int i = 0; i < r->n; i++)
		if (r->ids[i] == id)
			return true;
	return false;
}

/* A removed cgroup leaves the totals once none of its processes is in the
 * table, not before; one that exists stays; the node's exited totals keep
 * what the pruned cgroup's processes did. */
void test_table_prune_cgroups(void)
{
	struct energy_proc live[SLOTS] = {};
	struct removed r = { .ids = { 7, 8 }, .n = 2 };
	struct table_freed freed[SLOTS];
	struct cgroup_total *ct = NULL;
	__u64 *ids = NULL;
	struct table t;
	long n;

	if (!ASSERT_EQ(table_init(&t, SLOTS), 0, "init"))
		return;
	put(live, 0, 10, 1, 100, 7, 0);		/* in 7, then exits */
	put(live, 1, 11, 2, 50, 9, 0);		/* in 9, exits; 9 stays */
	put(live, 2, 12, 3, 30, 8, 0);		/* in 8, moves to 9 */
	table_sample(&t, live, 3);
	table_window(&t, freed, SLOTS);
	put(live, 0, 10, 1, 120, 7, ENERGY_F_EXITED);
	put(live, 1, 11, 2, 60, 9, ENERGY_F_EXITED);
	put(live, 2, 12, 3, 40, 9, 0);
	table_sample(&t, live, 3);
	table_window(&t, freed, SLOTS);
	n = table_prune_cgroups(&t, removed_gone, &r, &ids);
	if (!ASSERT_EQ(n, 1, "8, left by the process that moved, is pruned"))
		goto cleanup;
	ASSERT_EQ(ids[0], 8, "its id returned; 7 still has its exited process");
	free(ids);
	ids = NULL;
	ASSERT_EQ(table_window(&t, freed, SLOTS), 2, "both exited folded");
	n = table_prune_cgroups(&t, removed_gone, &r, &ids);
	if (!ASSERT_EQ(n, 1, "7 pruned once its process is folded"))
		goto cleanup;
	ASSERT_EQ(ids[0], 7, "its id returned");
	ASSERT_EQ(t.exited_c.cpu_ns, 180, "the node's exited totals keep them");
	n = table_cgroup_totals(&t, &ct);
	if (!ASSERT_EQ(n, 1, "only 9 is left"))
		goto cleanup;
	ASSERT_EQ(ct[0].id, 9, "9");
	ASSERT_EQ(ct[0].c.cpu_ns, 60 + 10, "its exited process and the one that moved in");
	ASSERT_EQ(ct[0].procs_exited, 1, "one exited");
	ASSERT_EQ(ct[0].procs_alive, 1, "one alive");
	free(ids);
	ids = NULL;
	r.asked = 0;
	ASSERT_EQ(table_prune_cgroups(&t, removed_gone, &r, &ids), 0,
		  "nothing more to prune");
	ASSERT_EQ(r.asked, 0, "and a cgroup with processes is not even asked about");
cleanup:
	free(ids);
	free(ct);
	table_fini(&t);
}
