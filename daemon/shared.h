/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the sampler publishes and the filesystem threads read. The sampler
 * never waits for a reader: counters are read from the live slots, atomics
 * hold the parameters and counts, and the window snapshot is swapped and
 * reference-counted under a lock held only for a pointer exchange.
 */
#ifndef ENERGY_SHARED_H
#define ENERGY_SHARED_H

#include <pthread.h>
#include <linux/types.h>

#include "collector.h"
#include "model.h"
#include "params.h"
#include "rapl.h"
#include "render.h"
#include "table.h"

struct shared {
	struct collector *coll;		/* live slots; set before start */
	__u64 params[P_MAX];		/* __atomic access */
	__u64 iterations;		/* samples taken, __atomic */
	__u64 late_samples;		/* samples more than 3 periods late */
	__u64 max_procs;
	int wake_fd;			/* eventfd: parameters changed */

	/* energy: set before start */
	const struct table *table;	/* its energy_uj and ekey, read racily */
	const char *source;		/* "msr", "powercap", "perf" or "model" */
	const char *basis;		/* what measured energy is: "psys"... */
	unsigned int rapl_domains;

	pthread_mutex_t lock;		/* guards what follows */
	struct window_snap *win;	/* the last window boundary */
	struct energy_counters gone;	/* processes that left, all cgroups */
	__u64 gone_uj;			/* and their energy */
	__u64 rapl_uj[RAPL_DOMAINS];	/* sums at the last sample */
	struct attrib at;		/* attribution at the last window */
};

/* Read a parameter. */
static inline __u64 shared_param(struct shared *sh, enum param_id id)
{
	return __atomic_load_n(&sh->params[id], __ATOMIC_RELAXED);
}

/* Take a reference to the current window snapshot (NULL before the first
 * boundary). */
struct window_snap *shared_window_get(struct shared *sh);

/* Drop a reference taken with shared_window_get(). */
void shared_window_put(struct shared *sh, struct window_snap *w);

/* Publish a new window snapshot (the sampler). */
void shared_window_publish(struct shared *sh, struct window_snap *w,
			   const struct energy_counters *gone, __u64 gone_uj,
			   const struct attrib *at);

#endif /* ENERGY_SHARED_H */
