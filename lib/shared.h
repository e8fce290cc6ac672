/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory that one thread writes while others read it, and the protocol
 * that makes a reader's copy of it whole. Every access to such memory is
 * an atomic one (never a plain load racing a store), so the program has
 * no data race and ThreadSanitizer checks it without suppressions.
 *
 * The per-slot energy, carbon and keys of the table (written by the
 * sampler alone) are read under a sequence count, odd while the sampler
 * changes them:
 *
 *   writer                         reader
 *   shared_seq_begin(&seq)         s = shared_seq_read(&seq)   (even)
 *   shared_store(&x[i], v) ...     shared_load(&x[i]) ...
 *   shared_seq_end(&seq)           shared_seq_changed(&seq, s): copy again
 *
 * Stores are release: none is seen before the odd count it follows.
 * Loads are acquire: the count read at the end cannot be read before them,
 * so a reader that saw any store of a sample sees the count moved. On x86
 * both are plain moves; no fences (which TSan does not model).
 *
 * The slots of the "procs" array the BPF programs fill (the kernel sets
 * the key last) and the daemon clears (the key first) are copied word by
 * word and kept only when their key did not change meanwhile.
 */
#ifndef ENERGY_SHARED_H
#define ENERGY_SHARED_H

#include <stdbool.h>
#include <string.h>
#include <linux/types.h>

#include "energy_abi.h"

/* Store @v to @p for the readers. */
static inline void shared_store(__u64 *p, __u64 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Load what shared_store() stored. */
static inline __u64 shared_load(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Store @k to @p for the readers, the key's two words apart. */
static inline void shared_key_store(struct energy_key *p,
				    const struct energy_key *k)
{
	__atomic_store_n(&p->tgid, k->tgid, __ATOMIC_RELEASE);
	__atomic_store_n(&p->pad, k->pad, __ATOMIC_RELEASE);
	__atomic_store_n(&p->start_ns, k->start_ns, __ATOMIC_RELEASE);
}

/* Load what shared_key_store() stored. */
static inline void shared_key_load(struct energy_key *out,
				   const struct energy_key *p)
{
	out->tgid = __atomic_load_n(&p->tgid, __ATOMIC_ACQUIRE);
	out->pad = __atomic_load_n(&p->pad, __ATOMIC_ACQUIRE);
	out->start_ns = __atomic_load_n(&p->start_ns, __ATOMIC_ACQUIRE);
}

/* The writer starts changing what @seq guards: odd. */
static inline void shared_seq_begin(__u64 *seq)
{
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELAXED);
}

/* The writer is done: even, after every store before. */
static inline void shared_seq_end(__u64 *seq)
{
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELEASE);
}

/* The count as a reader starts its copy (odd: a change in progress). */
static inline __u64 shared_seq_read(const __u64 *seq)
{
	return __atomic_load_n(seq, __ATOMIC_ACQUIRE);
}

/* Whether the copy begun at @start may mix two states: copy again. */
static inline bool shared_seq_changed(const __u64 *seq, __u64 start)
{
	return (start & 1) || __atomic_load_n(seq, __ATOMIC_RELAXED) != start;
}

#define SLOT_WORDS	(sizeof(struct energy_proc) / sizeof(__u64))

/* Copy the live slot @src into @out; a slot filled or cleared meanwhile
 * comes out unused (key.tgid 0). Returns whether it holds a process. */
static inline bool slot_load(struct energy_proc *out,
			     const struct energy_proc *src)
{
	const __u64 *w = (const __u64 *)src;
	__u64 buf[SLOT_WORDS];

	_Static_assert(sizeof(struct energy_proc) % sizeof(__u64) == 0,
		       "a slot is whole words");
	for (size_t k = 0; k < SLOT_WORDS; k++)
		buf[k] = __atomic_load_n(&w[k], __ATOMIC_ACQUIRE);
	/* the key's two words (tgid and pad, start_ns) first */
	if (__atomic_load_n(&w[0], __ATOMIC_RELAXED) != buf[0] ||
	    __atomic_load_n(&w[1], __ATOMIC_RELAXED) != buf[1])
		buf[0] = 0;
	memcpy(out, buf, sizeof(*out));
	return out->key.tgid != 0;
}

/* Whether the live slot @p holds a process now. */
static inline bool slot_used(const struct energy_proc *p)
{
	return __atomic_load_n(&p->key.tgid, __ATOMIC_ACQUIRE) != 0;
}

/* Clear the live slot @p: the key first (readers drop the slot), then the
 * rest. */
static inline void slot_clear(struct energy_proc *p)
{
	__u64 *w = (__u64 *)p;

	__atomic_store_n(&w[0], 0, __ATOMIC_RELEASE);
	for (size_t k = 1; k < SLOT_WORDS; k++)
		__atomic_store_n(&w[k], 0, __ATOMIC_RELEASE);
}

#endif /* ENERGY_SHARED_H */
