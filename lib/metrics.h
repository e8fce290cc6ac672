/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Prometheus text exposition (format 0.0.4) of what the daemon
 * publishes: the node's energy, every cgroup's counters, the daemon's
 * own. Base units, one family (energyd_), HELP and TYPE on every series.
 * Pure: the caller passes the published state.
 */
#ifndef ENERGY_METRICS_H
#define ENERGY_METRICS_H

#include <stdbool.h>
#include <linux/types.h>

#include "rbuf.h"
#include "view.h"

#define METRICS_PROCESSES_MAX	1000	/* --metrics-processes */

/* What the exposition is made of. */
struct metrics_in {
	const struct view_totals *tot;
	const struct window_snap *win;	/* NULL before the first window */
	unsigned int rapl_domains;	/* bit per enum rapl_domain measured */
	const char *source, *basis;
	bool measured;			/* energy is measured, not the model's */
	__u64 idle_mw;			/* idle power in use */
	__u64 carbon_g_per_kwh;		/* the intensity in force now */
	__u64 processes, capacity;
	__u64 stats[ENERGY_STAT_MAX];
	__u64 rapl_rejected, late_samples, iterations, sample_cost_ns;
	const char *version;
	unsigned int top_processes;	/* per-process series, 0: none */
};

/* Append the exposition of @in to @b. */
void metrics_render(struct rbuf *b, const struct metrics_in *in);

/* Append @s to @b as a label value: backslash, double quote and newline
 * escaped, other control bytes as '?'. */
void metrics_label(struct rbuf *b, const char *s);

/* The exposition of what @v publishes now (reads it like the files do). */
void metrics_of_view(struct view *v, struct rbuf *b);

#endif /* ENERGY_METRICS_H */
