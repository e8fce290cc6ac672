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
