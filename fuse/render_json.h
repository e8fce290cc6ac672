/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * all.json and cgroup.json, the JSON twins of all and cgroup, built with
 * json-c into a per-open buffer. Pure: the caller passes the rows, the
 * window snapshot and the state. The schema is README.md's "JSON".
 */
#ifndef ENERGY_RENDER_JSON_H
#define ENERGY_RENDER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "rbuf.h"
#include "render.h"
#include "view.h"

/* The "schema" member of all.json and of cgroup.json: raised when a
 * member changes meaning or goes; new members come without it. 2 for
 * cgroup.json: its window no longer holds the machine's energy. */
#define RENDER_JSON_SCHEMA		1
#define RENDER_JSON_SCHEMA_CGROUP	2

/* What all.json is made of. */
struct render_json_all {
	const struct render_head *h;
	const struct view_totals *tot;
	const char *source, *basis;
	bool measured;			/* energy is measured, not the model's */
	__u64 idle_mw;			/* idle power in use */
	__u64 carbon_g_per_kwh;		/* the intensity in force */
	const struct energy_proc *slots; /* the live rows, read racily */
	size_t n;
	const struct render_energy *en;
	const struct window_snap *win;	/* the cgroups; NULL before the first window */
};

/* all.json: the header, the energy, the machine's totals, every process,
 * every cgroup of the last window. Sets b->oom when memory ran out. */
void render_all_json(struct rbuf *b, const struct render_json_all *in);

/*
 * cgroup.json: the window @w (NULL before the first), the totals of the
 * cgroup @cgroup_id in it and its processes with the pids they have in
 * the pid namespace @ns_ino, those outside it left out, as render_cgroup
 * does; those @f hides are summed in "others" (null when none). Sets
 * b->oom when memory ran out.
 */
void render_cgroup_json(struct rbuf *b, const struct window_snap *w,
			__u64 cgroup_id, __u32 ns_ino,
			const struct render_filter *f);

#endif /* ENERGY_RENDER_JSON_H */
