/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sampler's side of the view (fuse/view.h): what it publishes at each
 * sample and window boundary for the filesystem's threads.
 */
#ifndef ENERGY_PUBLISH_H
#define ENERGY_PUBLISH_H

#include "view.h"

/* The RAPL sums, readings refused, drop counters and the energy handed
 * out so far (@at) of a sample. */
void publish_sample(struct view *v, const __u64 rapl_uj[RAPL_DOMAINS],
		    __u64 rapl_rejected, const __u64 stats[ENERGY_STAT_MAX],
		    const struct attrib *at);

/* How the RAPL counters fare: failed reads per domain, moves to another
 * CPU, the domains all of whose counters read at this sample. */
void publish_rapl_health(struct view *v, const __u64 errors[RAPL_DOMAINS],
			 __u64 rebinds, unsigned int measuring);

/* A new window snapshot @w (its reference passes to the view), with the
 * totals of @tot but its RAPL sums (those come with every sample). */
void publish_window(struct view *v, struct window_snap *w,
		    const struct view_totals *tot);

/* CLOCK_REALTIME in ns. */
__u64 real_ns(void);

/* Free a window snapshot that holds no reference any more. */
void window_free(struct window_snap *w);

#endif /* ENERGY_PUBLISH_H */
