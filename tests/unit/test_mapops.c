// SPDX-License-Identifier: GPL-2.0-only
/*
 * The collector's map results, each failure injected: a fake set of maps
 * in memory whose operations fail when told (which map, which call, which
 * errno), so a check taken out of lib/mapops.c fails a test here.
 */
#include <errno.h>

#include "mapops.h"
#include "unit.h"

#define FAKE_SLOTS	8
#define FAKE_CGROUPS	8

struct fake {
	/* slot_index: keys present, by slot */
	struct energy_key index[FAKE_SLOTS];
	bool indexed[FAKE_SLOTS];
	__u32 queue[FAKE_SLOTS];
	size_t queued;
	__u64 cg_id[FAKE_CGROUPS];
	struct energy_cgroup cg[FAKE_CGROUPS];
	size_t ncg;
	__u64 stats[ENERGY_STAT_MAX];
	/* the fault: call number @fail_at (from 1) of @fail_op on @fail_map
	 * returns @fail_err; @fail_count calls from there */
	char fail_op;		/* 'u', 'l', 'd' or 0 */
	enum coll_map fail_map;
	int fail_at, fail_count, fail_err;
	int calls;
};

static int fake_fault(struct fake *f, char op, enum coll_map m)
{
	if (f->fail_op != op || f->fail_map != m)
		return 0;
	f->calls++;
	if (f->calls >= f->fail_at && f->calls < f->fail_at + f->fail_count)
		return f->fail_err;
	return 0;
}

static bool key_same(const struct energy_key *a, const struct energy_key *b)
{
	return a->tgid == b->tgid && a->start_ns == b->start_ns;
}

static int fake_update(void *ctx, enum coll_map m, const void *key,
		       const void *val, __u64 flags)
{
	struct fake *f = ctx;
	int err = fake_fault(f, 'u', m);

	(void)flags;
	if (err)
		return err;
	switch (m) {
	case CM_FREE_SLOTS:
		if (key || f->queued == FAKE_SLOTS)
			return key ? -EINVAL : -E2BIG;
		f->queue[f->queued++] = *(const __u32 *)val;
		return 0;
	case CM_CGROUPS:
		for (size_t i = 0; i < f->ncg; i++)
			if (f->cg_id[i] == *(const __u64 *)key) {
				f->cg[i] = *(const struct energy_cgroup *)val;
				return 0;
			}
		if (f->ncg == FAKE_CGROUPS)
			return -E2BIG;
		f->cg_id[f->ncg] = *(const __u64 *)key;
		f->cg[f->ncg++] = *(const struct energy_cgroup *)val;
		return 0;
	default:
		return -EINVAL;
	}
}

static int fake_lookup(void *ctx, enum coll_map m, const void *key, void *val)
{
	struct fake *f = ctx;
	int err = fake_fault(f, 'l', m);
	__u32 i = *(const __u32 *)key;

	if (err)
		return err;
	if (m != CM_STATS || i >= ENERGY_STAT_MAX)
		return -ENOENT;
	*(__u64 *)val = f->stats[i];
	return 0;
}

static int fake_delete(void *ctx, enum coll_map m, const void *key)
{
	struct fake *f = ctx;
	int err = fake_fault(f, 'd', m);

	if (err)
		return err;
	if (m == CM_SLOT_INDEX) {
		for (int i = 0; i < FAKE_SLOTS; i++)
			if (f->indexed[i] && key_same(&f->index[i], key)) {
				f->indexed[i] = false;
				return 0;
			}
		return -ENOENT;
	}
	if (m == CM_CGROUPS) {
		for (size_t i = 0; i < f->ncg; i++)
			if (f->cg_id[i] == *(const __u64 *)key) {
				f->cg_id[i] = f->cg_id[--f->ncg];
				f->cg[i] = f->cg[f->ncg];
				return 0;
			}
		return -ENOENT;
	}
	return -EINVAL;
}

static struct map_ops fake_ops(struct fake *f)
{
	return (struct map_ops){
		.update = fake_update,
		.lookup = fake_lookup,
		.delete = fake_delete,
		.ctx = f,
	};
}

/* Slots 0..n-1 held by processes 100.., each indexed. */
static void fake_slots(struct fake *f, struct energy_proc *slots,
		       struct table_freed *freed, int n)
{
	for (int i = 0; i < n; i++) {
		struct energy_key k = { .tgid = 100 + i, .start_ns = 7 + i };

		slots[i] = (struct energy_proc){ .key = k, .c.cpu_ns = 5 };
		f->index[i] = k;
		f->indexed[i] = true;
		freed[i] = (struct table_freed){ .slot = i, .key = k };
	}
}

static bool queued(const struct fake *f, __u32 slot)
{
	for (size_t i = 0; i < f->queued; i++)
		if (f->queue[i] == slot)
			return true;
	return false;
}

/* The queue refuses one push: that slot is not lost but handed back at
 * the next call, and counted. */
void test_mapops_push_refused(void)
{
	struct energy_proc slots[FAKE_SLOTS] = {};
	struct table_freed freed[3];
	struct fake f = { .fail_op = 'u', .fail_map = CM_FREE_SLOTS,
			  .fail_at = 2, .fail_count = 1, .fail_err = -ENOSPC };
	struct map_ops o = fake_ops(&f);
	struct slot_return r;

	if (!ASSERT_EQ(slot_return_init(&r, FAKE_SLOTS), 0, "init"))
		return;
	fake_slots(&f, slots, freed, 3);
	ASSERT_EQ(slots_return(&o, &r, slots, freed, 3), -ENOSPC,
		  "the refusal is returned");
	ASSERT_EQ(f.queued, 2, "the other two are queued");
	ASSERT_TRUE(!queued(&f, 1), "the refused slot is not");
	ASSERT_EQ(r.len, 1, "it waits");
	ASSERT_EQ(r.push_errors, 1, "counted");
	for (int i = 0; i < 3; i++) {
		ASSERT_TRUE(!f.indexed[i], "every index entry deleted");
		ASSERT_EQ(slots[i].key.tgid, 0, "every slot cleared");
	}
	ASSERT_EQ(slots_return(&o, &r, slots, NULL, 0), 0, "the retry succeeds");
	ASSERT_TRUE(queued(&f, 1) && f.queued == 3, "the refused slot is queued now");
	ASSERT_EQ(r.len, 0, "nothing waits");
	slot_return_fini(&r);
}

/* An index entry that cannot be deleted: the slot is cleared (no sample
 * shows the old process again) but not queued until the delete succeeds;
 * a delete finding nothing (done before) is no error. */
void test_mapops_index_delete_fails(void)
{
	struct energy_proc slots[FAKE_SLOTS] = {};
	struct table_freed freed[2];
	struct fake f = { .fail_op = 'd', .fail_map = CM_SLOT_INDEX,
			  .fail_at = 1, .fail_count = 1, .fail_err = -EBUSY };
	struct map_ops o = fake_ops(&f);
	struct slot_return r;

	if (!ASSERT_EQ(slot_return_init(&r, FAKE_SLOTS), 0, "init"))
		return;
	fake_slots(&f, slots, freed, 2);
	ASSERT_EQ(slots_return(&o, &r, slots, freed, 2), -EBUSY, "returned");
	ASSERT_TRUE(f.indexed[0] && !f.indexed[1], "slot 0's entry is still there");
	ASSERT_EQ(slots[0].key.tgid, 0, "its slot is cleared all the same");
	ASSERT_TRUE(!queued(&f, 0) && queued(&f, 1), "only slot 1 is reusable");
	ASSERT_EQ(r.index_errors, 1, "counted");
	ASSERT_EQ(slots_return(&o, &r, slots, NULL, 0), 0, "the retry succeeds");
	ASSERT_TRUE(!f.indexed[0] && queued(&f, 0), "deleted, then queued");
	/* Already deleted: handed back without an error. */
	freed[0].slot = 2;
	freed[0].key = (struct energy_key){ .tgid = 999, .start_ns = 1 };
	ASSERT_EQ(slots_return(&o, &r, slots, freed, 1), 0, "ENOENT is no error");
	ASSERT_TRUE(queued(&f, 2), "and the slot is queued");
	slot_return_fini(&r);
}

/* A full cgroups map (E2BIG for one): the others are written all the
 * same, the failure is returned with the number that failed. */
void test_mapops_cgroups_e2big(void)
{
	struct cgroup_total ct[5] = {};
	struct fake f = { .fail_op = 'u', .fail_map = CM_CGROUPS,
			  .fail_at = 2, .fail_count = 2, .fail_err = -E2BIG };
	struct map_ops o = fake_ops(&f);
	__u64 gone[2] = { 11, 99 };
	long failed = -1;

	for (int i = 0; i < 5; i++) {
		ct[i].id = 10 + i;
		ct[i].c.cpu_ns = 1000 * (i + 1);
		ct[i].energy_uj = 7 * (i + 1);
	}
	ASSERT_EQ(cgroups_publish(&o, ct, 5, &failed), -E2BIG, "the first error");
	ASSERT_EQ(failed, 2, "two not written");
	ASSERT_EQ(f.ncg, 3, "the three after and before are");
	ASSERT_EQ(f.cg_id[0], 10, "the first");
	ASSERT_EQ(f.cg_id[2], 14, "the last, after the failures");
	ASSERT_EQ(f.cg[2].c.cpu_ns, 5000, "with its counters");
	ASSERT_EQ(f.cg[2].energy_uj, 35, "and its energy");
	ASSERT_EQ(cgroups_publish(&o, ct, 5, &failed), 0, "all fit now");
	ASSERT_EQ(failed, 0, "none failed");
	ASSERT_EQ(f.ncg, 5, "five entries");
	ASSERT_EQ(cgroups_unpublish(&o, gone, 2, &failed), 0,
		  "one deleted, one never there: no error");
	ASSERT_EQ(f.ncg, 4, "one entry fewer");
	f.fail_op = 'd';
	f.fail_at = f.calls + 1;
	f.fail_count = 1;
	f.fail_err = -EPERM;
	gone[0] = 12;
	gone[1] = 13;
	ASSERT_EQ(cgroups_unpublish(&o, gone, 2, &failed), -EPERM,
		  "a failed delete is returned");
	ASSERT_EQ(failed, 1, "and counted");
	ASSERT_EQ(f.ncg, 3, "the other deleted all the same");
}

/* A counter that cannot be read: the error, and what the caller had kept,
 * not zeros or a half-updated set. */
void test_mapops_stats_unreadable(void)
{
	struct fake f = { .fail_op = 'l', .fail_map = CM_STATS,
			  .fail_at = 3, .fail_count = 1, .fail_err = -EFAULT };
	struct map_ops o = fake_ops(&f);
	__u64 out[ENERGY_STAT_MAX];

	for (int i = 0; i < ENERGY_STAT_MAX; i++) {
		out[i] = 40 + i;
		f.stats[i] = 70 + i;
	}
	ASSERT_EQ(stats_read(&o, out), -EFAULT, "the error");
	for (int i = 0; i < ENERGY_STAT_MAX; i++)
		ASSERT_EQ(out[i], 40 + i, "the last counters kept");
	ASSERT_EQ(stats_read(&o, out), 0, "read next time");
	for (int i = 0; i < ENERGY_STAT_MAX; i++)
		ASSERT_EQ(out[i], 70 + i, "the map's counters");
}
