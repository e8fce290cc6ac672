/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the collector writes to and reads from its BPF maps, and what it
 * does with each result, over a table of map operations: the daemon's
 * call libbpf, the unit tests' keep the maps in memory and fail on
 * demand. Pure: no libbpf here.
 */
#ifndef ENERGY_MAPOPS_H
#define ENERGY_MAPOPS_H

#include <stddef.h>
#include <linux/types.h>

#include "energy_abi.h"
#include "rings.h"
#include "table.h"

/* The maps the daemon writes or reads after load. */
enum coll_map {
	CM_SLOT_INDEX,		/* hash: process key -> slot, for people */
	CM_SLOT_SPILL,		/* hash: key -> slot, where pidx is taken */
	CM_FREE_SLOTS,		/* queue of cleared slots (key NULL) */
	CM_CGROUPS,		/* hash: cgroup id -> struct energy_cgroup */
	CM_STATS,		/* array of the drop counters */
	CM_MAPS,
};

/* The map names, for messages. */
extern const char *const coll_map_names[CM_MAPS];

/* Each returns 0 or -errno, as libbpf's bpf_map_*_elem() do. */
struct map_ops {
	int (*update)(void *ctx, enum coll_map m, const void *key,
		      const void *val, __u64 flags);
	int (*lookup)(void *ctx, enum coll_map m, const void *key, void *val);
	int (*delete)(void *ctx, enum coll_map m, const void *key);
	void *ctx;
};

/*
 * The slots' side of the maps: which key "slot_index" holds for each slot
 * (tgid 0: none), the "pidx" array mapped (its mask: entries - 1), and the
 * slots cleared but not handed back yet (their index or spill entry could
 * not be deleted, or the queue refused them). @feed: the CPUs' rings a
 * slot goes to first, and @queued, the BPF side's count of what the queue
 * holds, raised at each push (both left unset: the queue alone).
 */
struct slot_return {
	struct table_freed *pending;
	size_t len, cap;	/* cap: the number of slots, so all fit */
	struct energy_key *indexed;	/* cap of them */
	struct energy_pidx *pidx;
	__u32 pidx_mask;
	struct ring_feed *feed;
	__s64 *queued;
	__u64 index_errors;	/* index or spill deletes that failed, ever */
	__u64 push_errors;	/* pushes the queue refused, ever */
	__u64 insert_errors;	/* index inserts that failed, ever */
};

/* @cap slots, @pidx (@pidx_mask + 1 entries): 0 or -ENOMEM. */
int slot_return_init(struct slot_return *r, size_t cap,
		     struct energy_pidx *pidx, __u32 pidx_mask);

/* Free what slot_return_init() allocated. */
void slot_return_fini(struct slot_return *r);

/*
 * Hand the slots of @freed (n of them) back to the BPF side: the process
 * made unfindable first (its pidx entry freed, or its spill entry
 * deleted) and its "slot_index" entry deleted, the slot in @slots cleared,
 * then put in a CPU's ring, else pushed to the queue (reusable last). A
 * slot whose delete or push fails stays in @r and is tried again, first,
 * at the next call: none is lost. Returns 0, or the last -errno.
 */
int slots_return(const struct map_ops *o, struct slot_return *r,
		 struct energy_proc *slots, const struct table_freed *freed,
		 size_t n);

/*
 * Bring "slot_index" up to @slots (n of them, a copy of the procs array
 * taken at a sample): an entry for each process
 * that has none yet, none for a slot emptied without being handed back
 * (a fill that lost a race). One that fails is tried again at the next
 * call. Returns 0, or the first -errno.
 */
int slots_index(const struct map_ops *o, struct slot_return *r,
		const struct energy_proc *slots, size_t n);

/*
 * Write the per-cgroup totals of @ct (n of them) to the cgroups map, every
 * one that fits even when some do not (E2BIG: the map is full): 0, or the
 * first -errno with the number that failed in @failed.
 */
int cgroups_publish(const struct map_ops *o, const struct cgroup_total *ct,
		    long n, long *failed);

/*
 * Delete the cgroups map's entries of @ids (n of them), every one; one
 * that is not there (never published) is no error. 0, or the first -errno
 * with the number that failed in @failed.
 */
int cgroups_unpublish(const struct map_ops *o, const __u64 *ids, size_t n,
		      long *failed);

/* Read every drop counter (enum energy_stat) into @out: 0, or -errno with
 * @out as it was (never a half-read set, never zeros for a failure). */
int stats_read(const struct map_ops *o, __u64 out[ENERGY_STAT_MAX]);

#endif /* ENERGY_MAPOPS_H */
