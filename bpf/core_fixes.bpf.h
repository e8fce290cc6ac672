/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every kernel-version difference the programs care about, in one place.
 * Each helper reads one thing the same way on every kernel from 5.15 on.
 */
#ifndef ENERGY_CORE_FIXES_BPF_H
#define ENERGY_CORE_FIXES_BPF_H

#include <bpf/bpf_core_read.h>

/*
 * Kernels before 6.2 (f1a7941243c1 "mm: convert mm's rss stats into
 * percpu_counter") keep the RSS counters as atomic_long_t in a struct
 * mm_rss_stat; later ones as an array of percpu_counter whose .count is the
 * same approximate value /proc/PID/status prints.
 */
struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

/* MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES: stable since 4.5. */
#define ENERGY_MM_FILEPAGES	0
#define ENERGY_MM_ANONPAGES	1
#define ENERGY_MM_SHMEMPAGES	3

/*
 * @trusted: @mm is a BTF pointer the verifier lets the program load from
 * (a tp_btf argument, current, an iterator's task): plain loads, a few
 * nanoseconds each, where a probe read (a raw_tp argument) is a helper
 * call. Constant at every call, so only one branch is compiled. The old
 * layout is always probe-read: 6.1's verifier does not follow a load into
 * the atomic_long_t typedef ("Type 'atomic_long_t' is not a struct").
 */
static __always_inline long mm_counter(struct mm_struct *mm, int member,
				       bool trusted)
{
	long v;

	if (bpf_core_type_exists(struct mm_rss_stat___old)) {
		struct mm_struct___old *old = (void *)mm;

		v = BPF_CORE_READ(old, rss_stat.count[member].counter);
	} else {
		v = trusted ? mm->rss_stat[member].count :
			      BPF_CORE_READ(mm, rss_stat[member].count);
	}
	return v > 0 ? v : 0;
}

/* Resident pages: anon + file + shmem, as VmRSS. */
static __always_inline __u64 mm_rss_pages(struct mm_struct *mm, bool trusted)
{
	return mm_counter(mm, ENERGY_MM_FILEPAGES, trusted) +
	       mm_counter(mm, ENERGY_MM_ANONPAGES, trusted) +
	       mm_counter(mm, ENERGY_MM_SHMEMPAGES, trusted);
}

/*
 * struct request's cmd_flags became blk_opf_t in 6.0 ("block: Introduce the
 * type blk_opf_t"); the operation is the low REQ_OP_BITS (8) bits on every
 * kernel we support.
 */
#define ENERGY_REQ_OP_MASK	0xff
#define ENERGY_REQ_OP_READ	0
#define ENERGY_REQ_OP_WRITE	1

#endif /* ENERGY_CORE_FIXES_BPF_H */
