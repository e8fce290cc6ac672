// SPDX-License-Identifier: GPL-2.0-only
/*
 * The free-slot rings' daemon side: each ring is filled to twice what its
 * CPU took since the feed before (RING_FEED_MIN at least, the ring's size
 * at most), the emptiest first; what does not fit is the caller's. A
 * taker here does what the BPF side's ring_take() does.
 */
#include <stdlib.h>
#include <string.h>

#include "rings.h"
#include "unit.h"

/* What a fork takes from ring @r: the slot at tail, tail moved on; -1
 * when the ring is empty. */
static long take(struct energy_slot_ring *r)
{
	__u64 tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
	__u64 head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	__u32 slot;

	if (tail == head)
		return -1;
	slot = r->slot[tail & (ENERGY_SLOT_RING - 1)];
	if (!__atomic_compare_exchange_n(&r->tail, &tail, tail + 1, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return -1;
	return slot;
}

void test_rings_feed(void)
{
	struct energy_slot_ring *rings = calloc(2, sizeof(*rings));
	struct ring_feed f;
	__u32 next = 0, placed = 0;
	bool in_order = true;

	if (!ASSERT_TRUE(rings, "memory") ||
	    !ASSERT_EQ(ring_feed_init(&f, rings, 2), 0, "init"))
		goto out;
	/* Nothing taken yet: RING_FEED_MIN each, the rest is the caller's. */
	ring_feed_begin(&f);
	while (ring_feed_put(&f, next))
		next++;
	ASSERT_EQ(next, 2 * RING_FEED_MIN, "both rings filled to the minimum");
	ASSERT_EQ(ring_count(&rings[0]), RING_FEED_MIN, "ring 0");
	ASSERT_EQ(ring_count(&rings[1]), RING_FEED_MIN, "ring 1");
	/* The emptiest first: the slots alternate between the rings. */
	ASSERT_EQ(rings[0].slot[0], 0, "slot 0 in ring 0");
	ASSERT_EQ(rings[1].slot[0], 1, "slot 1 in ring 1");

	/* CPU 0 forks: every slot of its ring, in the order put. */
	for (int i = 0; i < RING_FEED_MIN; i++)
		if (take(&rings[0]) != 2 * i)
			in_order = false;
	ASSERT_TRUE(in_order, "ring 0 hands out its slots in the order put");
	ASSERT_EQ(take(&rings[0]), -1, "then it is empty");
	/* The next feed fills ring 0 to twice what it took. */
	ring_feed_begin(&f);
	while (ring_feed_put(&f, next)) {
		next++;
		placed++;
	}
	ASSERT_EQ(placed, 2 * RING_FEED_MIN, "ring 0 refilled, ring 1 full");
	ASSERT_EQ(ring_count(&rings[0]), 2 * RING_FEED_MIN,
		  "ring 0 holds twice what its CPU took");
	ASSERT_EQ(ring_count(&rings[1]), RING_FEED_MIN, "ring 1 as it was");

	/* A CPU that took more than the ring holds: filled to its size. */
	for (int i = 0; i < 2 * RING_FEED_MIN; i++)
		take(&rings[0]);
	rings[0].tail += ENERGY_SLOT_RING;	/* as if it took a ring more */
	rings[0].head += ENERGY_SLOT_RING;
	ring_feed_begin(&f);
	placed = 0;
	while (ring_feed_put(&f, next)) {
		next++;
		placed++;
	}
	ASSERT_EQ(ring_count(&rings[0]), ENERGY_SLOT_RING,
		  "never past the ring's size");
	ASSERT_EQ(placed, ENERGY_SLOT_RING, "and nothing else placed");
	ring_feed_fini(&f);
out:
	free(rings);
}

/* No rings (the feed left unset): every slot is the caller's. */
void test_rings_none(void)
{
	struct ring_feed f;

	if (!ASSERT_EQ(ring_feed_init(&f, NULL, 0), 0, "init"))
		return;
	ring_feed_begin(&f);
	ASSERT_TRUE(!ring_feed_put(&f, 3), "nowhere to put a slot");
	ring_feed_fini(&f);
}

/* A ring whose tail a faulty taker moved past head (or any count above
 * the ring's size) gets nothing more. */
void test_rings_corrupt(void)
{
	struct energy_slot_ring *rings = calloc(1, sizeof(*rings));
	struct ring_feed f;

	if (!ASSERT_TRUE(rings, "memory") ||
	    !ASSERT_EQ(ring_feed_init(&f, rings, 1), 0, "init"))
		goto out;
	rings[0].head = 5;
	rings[0].tail = 9;
	ring_feed_begin(&f);
	ASSERT_TRUE(!ring_feed_put(&f, 1), "no slot into a ring that shows more than its size");
	ASSERT_EQ(rings[0].head, 5, "head not moved");
	ring_feed_fini(&f);
out:
	free(rings);
}
