// SPDX-License-Identifier: GPL-2.0-only
#include "carbon.h"

/* E µJ is E / 3.6e12 kWh: at I µg/kWh, E x I / 3.6e12 µg, E x I / 3.6e9
 * ng. */
#define UJ_UG_PER_NG	3600000000ULL

void carbon_sample(struct carbon_window *w, __u64 e_uj, __u64 dt_ns,
		   __u64 g_per_kwh)
{
	__u64 ug = g_per_kwh * 1000000ULL;

	w->e_i += (unsigned __int128)e_uj * ug;
	w->t_i += (unsigned __int128)dt_ns * ug;
	w->e_uj += e_uj;
	w->t_ns += dt_ns;
	w->last_ug = ug;
}

__u64 carbon_window_end(struct carbon_window *w)
{
	__u64 ug = w->last_ug;

	if (w->e_uj)
		ug = w->e_i / w->e_uj;
	else if (w->t_ns)
		ug = w->t_i / w->t_ns;
	*w = (struct carbon_window){ .last_ug = w->last_ug };
	return ug;
}

__u64 carbon_ng(__u64 e_uj, __u64 ug_per_kwh, __u64 *rem)
{
	unsigned __int128 x = (unsigned __int128)e_uj * ug_per_kwh + *rem;

	*rem = x % UJ_UG_PER_NG;
	return x / UJ_UG_PER_NG;
}
