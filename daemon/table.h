/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's process table: the latest record of every process read from
 * the "procs" map, plus per-cgroup totals of the processes that have left.
 *
 * Life of an exited process: the sample that first sees it with
 * ENERGY_F_EXITED keeps it; the next window boundary publishes it (it is
 * still listed, alive=0); the boundary after that folds its counters into its
 * cgroup's totals and removes it, and the caller deletes it from the map.
 * Pure bookkeeping: no I/O, no libbpf.
 */
#ifndef ENERGY_TABLE_H
#define ENERGY_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "energy_abi.h"

struct proc {
	struct energy_key key;
	struct energy_proc rec;		/* the latest record from the map */
	__u64 seen;			/* last sample that read it */
	__u64 dead_window;		/* window that first showed it exited */
	bool used;			/* slot in use */
};

struct cgroup_total {
	__u64 id;
	struct energy_counters c;
	__u64 procs_alive;
	__u64 procs_exited;
};

struct table {
	struct proc *slots;		/* open addressing, linear probing */
	size_t cap;			/* power of two */
	size_t len;
	__u64 sample;			/* current sample number */
	__u64 window;			/* current window number */
	struct cgroup_total *gone;	/* totals of removed processes */
	size_t gone_len, gone_cap;
};

/* Set up an empty table. Returns 0 or -ENOMEM. */
int table_init(struct table *t);

/* Free everything. */
void table_fini(struct table *t);

/* Start reading a new sample. */
void table_begin_sample(struct table *t);

/* Store the record of @key read in this sample. Returns 0 or -ENOMEM. */
int table_upsert(struct table *t, const struct energy_key *key,
		 const struct energy_proc *rec);

/*
 * Finish a sample: processes the map no longer holds although nobody
 * removed them (the map was reset) are folded into their cgroup's totals and
 * removed. Returns how many.
 */
size_t table_end_sample(struct table *t);

/*
 * A window boundary. Exited processes published at the previous boundary
 * are folded into their cgroup's totals, removed, and their keys appended to
 * @gone (up to @max; the rest stay for the next boundary); exited processes
 * not yet published are marked published. Returns the number of keys
 * written to @gone.
 */
size_t table_window(struct table *t, struct energy_key *gone, size_t max);

/* Find a process. NULL when absent. */
const struct proc *table_find(const struct table *t,
			      const struct energy_key *key);

/*
 * Totals per cgroup: every process listed plus everything folded. Writes a
 * newly allocated array to @out (caller frees) and returns its length, or
 * -ENOMEM.
 */
long table_cgroup_totals(const struct table *t, struct cgroup_total **out);

/* Add @src to @dst, counter by counter. */
void counters_add(struct energy_counters *dst,
		  const struct energy_counters *src);

/* Iterate over the processes: for (p = NULL; (p = table_next(t, p)); ) */
const struct proc *table_next(const struct table *t, const struct proc *p);

#endif /* ENERGY_TABLE_H */
