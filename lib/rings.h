/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's side of the free-slot rings ("slot_rings", one struct
 * energy_slot_ring per CPU): which ring a slot handed back goes to, so
 * that a CPU's forks take a slot without a lock. Each ring is filled up to
 * twice what its CPU took since the feed before (RING_FEED_MIN at least,
 * the ring's size at most); what is left over goes to the queue, where
 * any CPU finds it. Pure: the rings are memory the caller mapped.
 */
#ifndef ENERGY_RINGS_H
#define ENERGY_RINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "energy_abi.h"

/* What a ring is filled to at least, taken from or not. */
#define RING_FEED_MIN	128

struct ring_feed {
	struct energy_slot_ring *rings;	/* n of them, as mapped */
	size_t n;
	__u64 *seen_tail;	/* each ring's tail at the feed before */
	__u32 *target;		/* what each ring is filled to at this one */
};

/* Over @rings (@n of them; NULL, 0: no rings). 0 or -ENOMEM. */
int ring_feed_init(struct ring_feed *f, struct energy_slot_ring *rings,
		   size_t n);

void ring_feed_fini(struct ring_feed *f);

/* At the start of a feed: each ring's target, from what its CPU took
 * since the feed before. */
void ring_feed_begin(struct ring_feed *f);

/* @slot into the ring furthest below its target: false when every ring is
 * at its target (or there are none), and the slot is the caller's. */
bool ring_feed_put(struct ring_feed *f, __u32 slot);

/* The slots in ring @r now. */
__u64 ring_count(const struct energy_slot_ring *r);

#endif /* ENERGY_RINGS_H */
