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
#include "params.h"
#include "render.h"

struct shared {
	struct collector *coll;		/* live slots; set before start */
	__u64 params[P_MAX];		/* __atomic access */
	__u64 iterations;		/* samples taken, __atomic */
	__u64 late_samples;		/* samples more than 3 periods late */
	__u64 max_procs;
	int wake_fd;			/* eventfd: parameters changed */

	pthread_mutex_t lock;		/* guards what follows */
	struct window_snap *win;	/* the last window boundary */
	struct energy_counters gone;	/* processes that left, all cgroups */
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
			   const struct energy_counters *gone);

#endif /* ENERGY_SHARED_H */
