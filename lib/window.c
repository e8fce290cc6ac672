// SPDX-License-Identifier: GPL-2.0-only
/* Lookups in a window snapshot. */
#include "view.h"

const struct window_cgroup *window_cgroup_of(const struct window_snap *w,
					     __u64 id)
{
	size_t lo = 0, hi = w ? w->ncg : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->cg[mid].id == id)
			return &w->cg[mid];
		if (w->cg[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void window_cgroups_since(struct window_snap *w, const struct window_snap *prev)
{
	for (size_t i = 0; i < w->ncg; i++) {
		struct window_cgroup *g = &w->cg[i];
		const struct window_cgroup *o = window_cgroup_of(prev, g->id);
		__u64 then = o ? o->energy_uj : 0;

		g->window_uj = g->energy_uj > then ? g->energy_uj - then : 0;
	}
}
