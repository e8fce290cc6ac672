// SPDX-License-Identifier: GPL-2.0-only
/* The exposition of the view, read as the files read it: the live rows'
 * count, the totals under the lock, the window by reference. */
#include "metrics.h"
#include "shared.h"
#include "version.h"

void metrics_of_view(struct view *v, struct rbuf *b)
{
	struct view_totals tot;
	struct metrics_in in = {
		.tot = &tot,
		.rapl_domains = v->rapl_domains,
		.source = v->source,
		.basis = v->basis,
		.measured = v->rapl_domains != 0,
		.capacity = v->capacity,
		.rapl_rejected = view_count(&v->rapl_rejected),
		.late_samples = view_count(&v->late_samples),
		.iterations = view_count(&v->iterations),
		.sample_cost_ns = view_count(&v->sample_cost_ns),
		.version = ENERGYD_VERSION,
		.top_processes = v->metrics_processes,
	};
	size_t n = view_rows_used(v);

	for (size_t i = 0; i < n; i++)
		in.processes += slot_used(&v->rows[i]);
	for (int i = 0; i < ENERGY_STAT_MAX; i++)
		in.stats[i] = view_count(&v->stats[i]);
	view_totals(v, &tot);
	in.idle_mw = attrib_idle_mw(&tot.at, view_param(v, P_IDLE_MW));
	in.carbon_g_per_kwh = view_param(v, P_CARBON_G_PER_KWH);
	in.win = view_window_get(v);
	metrics_render(b, &in);
	view_window_put(v, (struct window_snap *)in.win);
}
