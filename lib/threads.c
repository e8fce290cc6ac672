// SPDX-License-Identifier: GPL-2.0-only
#include <stdbool.h>

#include "threads.h"

/* A field of an entry the BPF side may be writing: read once, whole. */
#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)

/* Adds entry @e's gain to @gain; whether it counted. */
static bool entry_gain(const struct energy_thread *e,
		       const struct energy_proc *snap, size_t nslots,
		       struct thread_gain *gain)
{
	__u64 stack = __atomic_load_n(&e->stack, __ATOMIC_ACQUIRE);
	__u64 rt, brt, nv, bnv;
	__u32 slot, tgid;

	if (stack <= ENERGY_THREAD_BUSY)
		return false;
	slot = READ_ONCE(e->slot);
	tgid = READ_ONCE(e->tgid);
	rt = READ_ONCE(e->runtime);
	brt = READ_ONCE(e->base_runtime);
	nv = READ_ONCE(e->nvcsw);
	bnv = READ_ONCE(e->base_nvcsw);
	/* Emptied or filled again while read: its gain is its process's
	 * already, or another thread's. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&e->stack, __ATOMIC_ACQUIRE) != stack)
		return false;
	if (!slot || slot == ENERGY_THREAD_NO_SLOT || slot > nslots)
		return false;
	if (!tgid || snap[slot - 1].key.tgid != tgid)
		return false;
	gain[slot - 1].cpu_ns += rt > brt ? rt - brt : 0;
	gain[slot - 1].wakeups += nv > bnv ? nv - bnv : 0;
	return true;
}

size_t threads_gain(const struct energy_thread *th, const __u64 *live,
		    size_t n, const struct energy_proc *snap, size_t nslots,
		    struct thread_gain *gain)
{
	size_t counted = 0;

	for (size_t w = 0; w < n / ENERGY_THREAD_LIVE_BITS; w++) {
		__u64 bits = READ_ONCE(live[w]);

		while (bits) {
			size_t i = w * ENERGY_THREAD_LIVE_BITS +
				   __builtin_ctzll(bits);

			bits &= bits - 1;
			counted += entry_gain(&th[i], snap, nslots, gain);
		}
	}
	return counted;
}
