/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What live threads ran that their processes' slots do not hold yet: the
 * "threads" array's entries (struct energy_thread), read as the BPF side
 * writes them. Pure: no I/O, no libbpf.
 */
#ifndef ENERGY_THREADS_H
#define ENERGY_THREADS_H

#include <stddef.h>
#include <linux/types.h>

#include "energy_abi.h"

/* Per slot: the CPU time and voluntary switches of its live threads since
 * their bases. */
struct thread_gain {
	__u64 cpu_ns;
	__u64 wakeups;
};

/*
 * A process's CPU time and wakeups as a sample showed them: its slot's
 * counts plus what its live threads had run since their bases. Readers of
 * the live slots show these, or the slot's own when larger (it gained
 * since), for the process of @key.
 */
struct counted_cpu {
	struct energy_key key;
	__u64 cpu_ns;
	__u64 wakeups;
};

/* @rec, a copy of a live slot, with the CPU time and wakeups of @c when
 * @c is its process's (@c NULL: as it is). */
static inline void counted_apply(struct energy_proc *rec,
				 const struct counted_cpu *c)
{
	if (!c || c->key.tgid != rec->key.tgid ||
	    c->key.start_ns != rec->key.start_ns)
		return;
	if (c->cpu_ns > rec->c.cpu_ns)
		rec->c.cpu_ns = c->cpu_ns;
	if (c->wakeups > rec->c.wakeups)
		rec->c.wakeups = c->wakeups;
}

/*
 * Adds to @gain[slot] what each live entry of @th (@n entries, a multiple
 * of ENERGY_THREAD_LIVE_BITS; those that bitmap @live marks) ran since its
 * base, for an entry whose slot is below @nslots and holds a process of the
 * entry's tgid in @snap (read before @th: a thread whose final switch moves
 * its gain into the slot meanwhile is then counted in neither, never in
 * both). An entry that changes while it is read is left out. Returns the
 * entries counted.
 */
size_t threads_gain(const struct energy_thread *th, const __u64 *live,
		    size_t n, const struct energy_proc *snap, size_t nslots,
		    struct thread_gain *gain);

#endif /* ENERGY_THREADS_H */
