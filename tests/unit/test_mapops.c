// SPDX-License-Identifier: GPL-2.0-only
/*
 * The collector's map results, each failure injected: a fake set of maps
 * in memory whose operations fail when told (which map, which call, which
 * errno), so a check taken out of lib/mapops.c fails a test here.
 */
#include <errno.h>
#include <string.h>

#include "mapops.h"
#include "unit.h"

#define FAKE_SLOTS	8
#define FAKE_CGROUPS	8
#define FAKE_PIDX	4	/* tgids 100 and 104 share an entry */

struct fake {
	/* slot_index: keys present, by slot */
	struct energy_key index[FAKE_SLOTS];
	bool indexed[FAKE_SLOTS];
	/* slot_spill: keys present, by slot */
	struct energy_key spill[FAKE_SLOTS];
	bool spilled[FAKE_SLOTS];
	/* the pidx array, FAKE_PIDX entries */
	struct energy_pidx pidx[FAKE_PIDX];
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
	case CM_SLOT_INDEX: {
		__u32 slot = ((const struct energy_slot_ref *)val)->slot;

		for (int i = 0; i < FAKE_SLOTS; i++)
			if (f->indexed[i] && key_same(&f->index[i], key) &&
			    i != (int)slot)
				return -EEXIST;	/* one key, one slot */
		if (slot >= FAKE_SLOTS)
			return -E2BIG;
		f->index[slot] = *(const struct energy_key *)key;
		f->indexed[slot] = true;
		return 0;
	}
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
	if (m == CM_SLOT_INDEX || m == CM_SLOT_SPILL) {
		struct energy_key *keys = m == CM_SLOT_INDEX ? f->index : f->spill;
		bool *in = m == CM_SLOT_INDEX ? f->indexed : f->spilled;

		for (int i = 0; i < FAKE_SLOTS; i++)
			if (in[i] && key_same(&keys[i], key)) {
				in[i] = false;
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

/* Slots 0..n-1 held by processes 100.., each indexed for people and in
 * its pidx entry (n <= FAKE_PIDX). */
static void fake_slots(struct fake *f, struct energy_proc *slots,
		       struct table_freed *freed, int n)
{
	for (int i = 0; i < n; i++) {
		struct energy_key k = { .tgid = 100 + i, .start_ns = 7 + i };

		slots[i] = (struct energy_proc){ .key = k, .c.cpu_ns = 5 };
		f->index[i] = k;
		f->indexed[i] = true;
		f->pidx[k.tgid % FAKE_PIDX] = (struct energy_pidx){
			.start_ns = k.start_ns, .tgid = k.tgid, .slot = i + 1,
		};
		freed[i] = (struct table_freed){ .slot = i, .key = k };
	}
}

static int fake_init(struct fake *f, struct slot_return *r)
{
	return slot_return_init(r, FAKE_SLOTS, f->pidx, FAKE_PIDX - 1);
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

	if (!ASSERT_EQ(fake_init(&f, &r), 0, "init"))
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
		ASSERT_EQ(f.pidx[(100 + i) % FAKE_PIDX].start_ns, 0,
			  "every pidx entry freed");
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

	if (!ASSERT_EQ(fake_init(&f, &r), 0, "init"))
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

/* A process in the spill (its pidx entry held by another process of the
 * same entry): handing its slot back deletes its spill entry and leaves
 * the other's pidx entry alone; a spill delete that fails keeps the slot
 * from the queue until it succeeds. */
void test_mapops_spill_hand_back(void)
{
	struct energy_proc slots[FAKE_SLOTS] = {};
	struct table_freed freed[1];
	struct energy_key other = { .tgid = 104, .start_ns = 50 };
	struct fake f = { .fail_op = 'd', .fail_map = CM_SLOT_SPILL,
			  .fail_at = 1, .fail_count = 1, .fail_err = -EIO };
	struct map_ops o = fake_ops(&f);
	struct slot_return r;

	if (!ASSERT_EQ(fake_init(&f, &r), 0, "init"))
		return;
	fake_slots(&f, slots, freed, 1);	/* tgid 100, slot 0 */
	f.pidx[0] = (struct energy_pidx){ .start_ns = other.start_ns,
					  .tgid = other.tgid, .slot = 6 };
	f.spill[0] = freed[0].key;
	f.spilled[0] = true;
	ASSERT_EQ(slots_return(&o, &r, slots, freed, 1), -EIO, "returned");
	ASSERT_TRUE(f.spilled[0] && !queued(&f, 0), "not reusable while spilled");
	ASSERT_EQ(r.index_errors, 1, "counted");
	ASSERT_EQ(slots_return(&o, &r, slots, NULL, 0), 0, "the retry succeeds");
	ASSERT_TRUE(!f.spilled[0] && queued(&f, 0), "deleted, then queued");
	ASSERT_TRUE(!f.indexed[0], "its index entry deleted");
	ASSERT_EQ(f.pidx[0].start_ns, other.start_ns, "the other's pidx entry kept");
	ASSERT_EQ(f.pidx[0].slot, 6, "with its slot");
	slot_return_fini(&r);
}

/* A pidx entry that another process of the same tgid has taken since (the
 * old one is gone): handing the old slot back leaves it alone. */
void test_mapops_pidx_retaken(void)
{
	struct energy_proc slots[FAKE_SLOTS] = {};
	struct table_freed freed[1];
	struct fake f = {};
	struct map_ops o = fake_ops(&f);
	struct slot_return r;

	if (!ASSERT_EQ(fake_init(&f, &r), 0, "init"))
		return;
	fake_slots(&f, slots, freed, 1);
	f.pidx[0].start_ns = 99;	/* tgid 100 again, started later */
	f.pidx[0].slot = 3;
	ASSERT_EQ(slots_return(&o, &r, slots, freed, 1), 0, "handed back");
	ASSERT_EQ(f.pidx[0].start_ns, 99, "the new process's entry kept");
	ASSERT_EQ(f.pidx[0].slot, 3, "with its slot");
	ASSERT_TRUE(queued(&f, 0), "the old slot queued");
	slot_return_fini(&r);
}

/* slot_index follows the slots: an entry for each new process, the old
 * one's replaced when a slot changes hands, gone when a slot empties; an
 * insert that fails is tried again at the next call. */
void test_mapops_index_follows(void)
{
	struct energy_proc slots[FAKE_SLOTS] = {};
	struct fake f = { .fail_op = 'u', .fail_map = CM_SLOT_INDEX,
			  .fail_at = 2, .fail_count = 1, .fail_err = -ENOMEM };
	struct map_ops o = fake_ops(&f);
	struct slot_return r;

	if (!ASSERT_EQ(fake_init(&f, &r), 0, "init"))
		return;
	for (int i = 0; i < 3; i++)
		slots[i].key = (struct energy_key){ .tgid = 200 + i,
						    .start_ns = 1 + i };
	ASSERT_EQ(slots_index(&o, &r, slots, 4), -ENOMEM, "the failure");
	ASSERT_EQ(r.insert_errors, 1, "counted");
	ASSERT_TRUE(f.indexed[0] && !f.indexed[1] && f.indexed[2],
		    "the others listed all the same");
	ASSERT_TRUE(!f.indexed[3], "an empty slot is not");
	ASSERT_EQ(slots_index(&o, &r, slots, 4), 0, "the retry succeeds");
	ASSERT_TRUE(f.indexed[1] && f.index[1].tgid == 201, "slot 1 listed now");
	/* Slot 0 taken by another process, slot 2 emptied. */
	slots[0].key = (struct energy_key){ .tgid = 300, .start_ns = 9 };
	memset(&slots[2].key, 0, sizeof(slots[2].key));
	ASSERT_EQ(slots_index(&o, &r, slots, 4), 0, "followed");
	ASSERT_TRUE(f.indexed[0] && f.index[0].tgid == 300, "the new process");
	for (int i = 0; i < FAKE_SLOTS; i++)
		ASSERT_TRUE(!f.indexed[i] || (f.index[i].tgid != 200 &&
					      f.index[i].tgid != 202),
			    "neither old one listed");
	slot_return_fini(&r);
}

/* With the CPUs' rings: a slot goes to a ring while one is below its
 * target, the rest to the queue, each push counted for the BPF side (a
 * refused one not). */
void test_mapops_rings_first(void)
{
	static struct energy_slot_ring ring;
	struct energy_proc slots[FAKE_SLOTS] = {};
	struct table_freed freed[4];
	struct fake f = { .fail_op = 'u', .fail_map = CM_FREE_SLOTS,
			  .fail_at = 2, .fail_count = 1, .fail_err = -ENOSPC };
	struct map_ops o = fake_ops(&f);
	struct ring_feed feed;
	struct slot_return r;
	__s64 queued_count = 0;

	memset(&ring, 0, sizeof(ring));
	ring.head = RING_FEED_MIN - 1;	/* room for one */
	if (!ASSERT_EQ(fake_init(&f, &r), 0, "init") ||
	    !ASSERT_EQ(ring_feed_init(&feed, &ring, 1), 0, "feed"))
		return;
	r.feed = &feed;
	r.queued = &queued_count;
	fake_slots(&f, slots, freed, 4);
	ASSERT_EQ(slots_return(&o, &r, slots, freed, 4), -ENOSPC,
		  "the refused push is returned");
	ASSERT_EQ(ring.head, RING_FEED_MIN, "one slot into the ring");
	ASSERT_EQ(ring.slot[RING_FEED_MIN - 1], 0, "the first freed");
	ASSERT_TRUE(queued(&f, 1) && queued(&f, 3) && f.queued == 2,
		    "the others queued but the refused one");
	ASSERT_EQ(queued_count, 2, "the pushes counted for the BPF side");
	ASSERT_EQ(r.len, 1, "the refused one waits");
	ASSERT_EQ(slots_return(&o, &r, slots, NULL, 0), 0, "the retry succeeds");
	ASSERT_TRUE(queued(&f, 2) && queued_count == 3,
		    "queued and counted at the retry");
	ring_feed_fini(&feed);
	slot_return_fini(&r);
}
