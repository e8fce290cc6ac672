/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sampling loop: every sample_ns, collect (a new mem/cgroup/comm
 * generation, the running threads' CPU time), measure (RAPL), copy the
 * slots into the table and split the sample's energy; at each window
 * boundary, learn from the window, fold what exited a window ago and
 * publish the window for the filesystem. Runs in the daemon's main
 * thread; nothing else touches its state.
 */
#ifndef ENERGY_SAMPLER_H
#define ENERGY_SAMPLER_H

#include <linux/types.h>

#include "cgpath.h"
#include "collector.h"
#include "fs.h"
#include "log.h"
#include "model.h"
#include "rapl.h"
#include "carbon.h"
#include "table.h"
#include "view.h"

/*
 * What the sampler counts from, kept with the table (daemon/keep.c) so that
 * the next energyd goes on from it: pointer-free.
 */
struct sampler_keep {
	struct attrib at;
	__u64 last_window_ns;
	__u64 rapl_uj[RAPL_DOMAINS];	/* sums at the last sample */
	__u64 rapl_base_uj[RAPL_DOMAINS]; /* ... of an energyd before, added
					   * to this one's (from 0) */
	__u64 window_basis_uj;		/* measured energy at the last sample */
	__u64 last_energy_ns;		/* when the last sample's energy was
					 * handed out */
	__u64 window_start_uj;		/* at.total_uj when the window began */
};

struct sampler {
	struct view *v;
	struct collector *coll;
	struct table *t;
	struct rapl *rapl;		/* NULL: energy from the model */
	int record_fd;			/* --record, or -1 */
	struct table_freed *freed;	/* slots let go at a window boundary */
	struct sampler_keep *k;		/* the counting state (kept) */
	bool resumed;			/* k came from an energyd before */
	__u64 sample_ns;		/* the interval the timer runs at */
	int ncpus;
	int timer_fd;
	struct log_limit record_limit, oom_limit, timer_limit, fold_limit;
	struct log_limit free_limit, cgmap_limit, stats_limit, index_limit;
	__u64 stats[ENERGY_STAT_MAX];	/* drop counters as last read */
	struct cgpath cgpath;		/* cgroup id -> path */
	void (*reload)(void *arg);	/* on SIGHUP; NULL: ignored */
	void *reload_arg;
};

/*
 * Set up @s over the parts it drives and take the first sample and window,
 * so the files have content at once; it also sets where the counters of
 * running processes start. Counts in @k (daemon/keep.h): when
 * @resume, @k and @t are an energyd before's, and the first sample and
 * window go on from its last, the time between them counted. @v's
 * parameters must be set. Returns 0 or -errno, logged.
 */
int sampler_init(struct sampler *s, struct view *v, struct collector *coll,
		 struct table *t, struct rapl *rapl, int record_fd,
		 struct sampler_keep *k, bool resume);

/*
 * Raise the sampler's priority above the filesystem's readers and start
 * the timer: call once the files are served. Returns 0 or -errno, logged.
 */
int sampler_start(struct sampler *s);

/*
 * Sample until SIGINT or SIGTERM arrives on @signal_fd (SIGHUP calls
 * s->reload); a new sample_ns takes effect when v->wake_fd is signalled; the
 * files of @fs (NULL: none) are mounted again when taken away. Returns 0,
 * or -errno when polling fails or the files cannot be mounted again.
 */
int sampler_run(struct sampler *s, int signal_fd, struct efs *fs);

/* Free what sampler_init set up; the window published stays the view's. */
void sampler_fini(struct sampler *s);

#endif /* ENERGY_SAMPLER_H */
