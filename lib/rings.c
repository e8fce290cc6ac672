// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rings.h"

int ring_feed_init(struct ring_feed *f, struct energy_slot_ring *rings,
		   size_t n)
{
	memset(f, 0, sizeof(*f));
	if (!rings || !n)
		return 0;
	f->seen_tail = calloc(n, sizeof(*f->seen_tail));
	f->target = calloc(n, sizeof(*f->target));
	if (!f->seen_tail || !f->target) {
		ring_feed_fini(f);
		return -ENOMEM;
	}
	f->rings = rings;
	f->n = n;
	for (size_t i = 0; i < n; i++)
		f->seen_tail[i] = __atomic_load_n(&rings[i].tail,
						  __ATOMIC_ACQUIRE);
	return 0;
}

void ring_feed_fini(struct ring_feed *f)
{
	free(f->seen_tail);
	free(f->target);
	memset(f, 0, sizeof(*f));
}

__u64 ring_count(const struct energy_slot_ring *r)
{
	/* head is the daemon's own; tail the takers' (unsigned). */
	return r->head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
}

void ring_feed_begin(struct ring_feed *f)
{
	for (size_t i = 0; i < f->n; i++) {
		__u64 tail = __atomic_load_n(&f->rings[i].tail,
					     __ATOMIC_ACQUIRE);
		__u64 want = 2 * (tail - f->seen_tail[i]);

		f->seen_tail[i] = tail;
		if (want < RING_FEED_MIN)
			want = RING_FEED_MIN;
		if (want > ENERGY_SLOT_RING)
			want = ENERGY_SLOT_RING;
		f->target[i] = want;
	}
}

bool ring_feed_put(struct ring_feed *f, __u32 slot)
{
	struct energy_slot_ring *r;
	__u64 room = 0;
	size_t best = 0;

	for (size_t i = 0; i < f->n; i++) {
		__u64 have = ring_count(&f->rings[i]);

		if (have < f->target[i] && f->target[i] - have > room) {
			room = f->target[i] - have;
			best = i;
		}
	}
	if (!room)
		return false;
	r = &f->rings[best];
	r->slot[r->head & (ENERGY_SLOT_RING - 1)] = slot;
	/* The slot before head: a taker reads head first. */
	__atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
	return true;
}
