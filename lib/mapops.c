// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mapops.h"
#include "shared.h"

const char *const coll_map_names[CM_MAPS] = {
	[CM_SLOT_INDEX] = "slot_index",
	[CM_FREE_SLOTS] = "free_slots",
	[CM_CGROUPS] = "cgroups",
	[CM_STATS] = "stats",
};

int slot_return_init(struct slot_return *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->pending = calloc(cap ? cap : 1, sizeof(*r->pending));
	if (!r->pending)
		return -ENOMEM;
	r->cap = cap;
	return 0;
}

void slot_return_fini(struct slot_return *r)
{
	free(r->pending);
	memset(r, 0, sizeof(*r));
}

/* Index entry gone, then back in the queue: 0, or -errno with @f kept in
 * @r for the next call. The slot itself is cleared whatever happens, so
 * that no sample shows its old process again. */
static int slot_hand_back(const struct map_ops *o, struct slot_return *r,
			  struct energy_proc *slots, const struct table_freed *f)
{
	__u32 slot = f->slot;
	int err;

	err = o->delete(o->ctx, CM_SLOT_INDEX, &f->key);
	if (err == -ENOENT)
		err = 0;	/* deleted at an earlier try */
	if (err)
		r->index_errors++;
	slot_clear(&slots[slot]);	/* the key first: readers drop it */
	if (!err) {
		err = o->update(o->ctx, CM_FREE_SLOTS, NULL, &slot, 0);
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
