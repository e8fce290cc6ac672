// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mapops.h"
#include "shared.h"

const char *const coll_map_names[CM_MAPS] = {
	[CM_SLOT_INDEX] = "slot_index",
	[CM_SLOT_SPILL] = "slot_spill",
	[CM_FREE_SLOTS] = "free_slots",
	[CM_CGROUPS] = "cgroups",
	[CM_STATS] = "stats",
};

int slot_return_init(struct slot_return *r, size_t cap,
		     struct energy_pidx *pidx, __u32 pidx_mask)
{
	memset(r, 0, sizeof(*r));
	r->pending = calloc(cap ? cap : 1, sizeof(*r->pending));
	r->indexed = calloc(cap ? cap : 1, sizeof(*r->indexed));
	if (!r->pending || !r->indexed) {
		slot_return_fini(r);
		return -ENOMEM;
	}
	r->cap = cap;
	r->pidx = pidx;
	r->pidx_mask = pidx_mask;
	return 0;
}

void slot_return_fini(struct slot_return *r)
{
	free(r->pending);
	free(r->indexed);
	memset(r, 0, sizeof(*r));
}

static bool key_same(const struct energy_key *a, const struct energy_key *b)
{
	return a->tgid == b->tgid && a->start_ns == b->start_ns;
}

/*
 * Process @k unfindable: its pidx entry freed where it holds @k (by
 * compare-and-swap: the BPF side may be claiming it for another process
 * of the same tgid), else its spill entry deleted. 0 or -errno.
 */
static int slot_unindex(const struct map_ops *o, struct slot_return *r,
			const struct energy_key *k)
{
	struct energy_pidx *x = &r->pidx[k->tgid & r->pidx_mask];
	__u64 start = k->start_ns;
	int err;

	if (__atomic_load_n(&x->tgid, __ATOMIC_RELAXED) == k->tgid &&
	    __atomic_compare_exchange_n(&x->start_ns, &start, 0, false,
					__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return 0;
	err = o->delete(o->ctx, CM_SLOT_SPILL, k);
	return err == -ENOENT ? 0 : err;
}

/* A cleared slot back to the BPF side: into a CPU's ring, else the queue.
 * 0 or -errno. */
static int slot_give(const struct map_ops *o, struct slot_return *r,
		     __u32 slot)
{
	int err;

	if (r->feed && ring_feed_put(r->feed, slot))
		return 0;
	err = o->update(o->ctx, CM_FREE_SLOTS, NULL, &slot, 0);
	if (err)
		return err;
	if (r->queued)
		__atomic_add_fetch(r->queued, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Made unfindable, index entry gone, then back in a ring or the queue: 0,
 * or -errno with @f kept in @r for the next call. The slot itself is
 * cleared whatever happens, so that no sample shows its old process
 * again. */
static int slot_hand_back(const struct map_ops *o, struct slot_return *r,
			  struct energy_proc *slots, const struct table_freed *f)
{
	__u32 slot = f->slot;
	int err;

	err = slot_unindex(o, r, &f->key);
	if (!err) {
		err = o->delete(o->ctx, CM_SLOT_INDEX, &f->key);
		if (err == -ENOENT)
			err = 0;	/* deleted at an earlier try */
		if (!err && key_same(&r->indexed[slot], &f->key))
			memset(&r->indexed[slot], 0, sizeof(r->indexed[slot]));
	}
	if (err)
		r->index_errors++;
	slot_clear(&slots[slot]);	/* the key first: readers drop it */
	if (!err) {
		err = slot_give(o, r, slot);
		if (err)
			r->push_errors++;
	}
	if (err && r->len < r->cap)
		r->pending[r->len++] = *f;
	return err;
}

int slots_return(const struct map_ops *o, struct slot_return *r,
		 struct energy_proc *slots, const struct table_freed *freed,
		 size_t n)
{
	size_t retry = r->len;
	int ret = 0, err;

	if (r->feed)
		ring_feed_begin(r->feed);
	/* What failed before, first; the list refills from its start. */
	r->len = 0;
	for (size_t i = 0; i < retry; i++) {
		struct table_freed f = r->pending[i];

		err = slot_hand_back(o, r, slots, &f);
		if (err)
			ret = err;
	}
	for (size_t i = 0; i < n; i++) {
		err = slot_hand_back(o, r, slots, &freed[i]);
		if (err)
			ret = err;
	}
	return ret;
}

int slots_index(const struct map_ops *o, struct slot_return *r,
		const struct energy_proc *slots, size_t n)
{
	int first = 0;

	if (n > r->cap)
		n = r->cap;
	for (size_t i = 0; i < n; i++) {
		struct energy_key k = slots[i].key;
		struct energy_key *had = &r->indexed[i];
		struct energy_slot_ref ref = { .slot = i };
		int err = 0;

		if (key_same(had, &k))
			continue;
		if (had->tgid) {
			err = o->delete(o->ctx, CM_SLOT_INDEX, had);
			if (!err || err == -ENOENT) {
				memset(had, 0, sizeof(*had));
				err = 0;
			}
		}
		if (!err && k.tgid) {
			err = o->update(o->ctx, CM_SLOT_INDEX, &k, &ref, 0);
			if (!err)
				*had = k;
		}
		if (err) {
			r->insert_errors++;
			if (!first)
				first = err;
		}
	}
	return first;
}

int cgroups_publish(const struct map_ops *o, const struct cgroup_total *ct,
		    long n, long *failed)
{
	int first = 0;

	*failed = 0;
	for (long i = 0; i < n; i++) {
		struct energy_cgroup v = {
			.c = ct[i].c,
			.energy_uj = ct[i].energy_uj,
			.procs_alive = ct[i].procs_alive,
			.procs_exited = ct[i].procs_exited,
		};
		int err = o->update(o->ctx, CM_CGROUPS, &ct[i].id, &v, 0);

		/* One that does not fit keeps none of the others from
		 * their update. */
		if (err) {
			if (!first)
				first = err;
			(*failed)++;
		}
	}
	return first;
}

int cgroups_unpublish(const struct map_ops *o, const __u64 *ids, size_t n,
		      long *failed)
{
	int first = 0;

	*failed = 0;
	for (size_t i = 0; i < n; i++) {
		int err = o->delete(o->ctx, CM_CGROUPS, &ids[i]);

		if (err && err != -ENOENT) {
			if (!first)
				first = err;
			(*failed)++;
		}
	}
	return first;
}

int stats_read(const struct map_ops *o, __u64 out[ENERGY_STAT_MAX])
{
	__u64 v[ENERGY_STAT_MAX];

	for (__u32 i = 0; i < ENERGY_STAT_MAX; i++) {
		int err = o->lookup(o->ctx, CM_STATS, &i, &v[i]);

		if (err)
			return err;
	}
	memcpy(out, v, sizeof(v));
	return 0;
}
