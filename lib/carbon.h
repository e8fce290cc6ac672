/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Carbon: grams of CO2e from energy and the grid's carbon intensity (g per
 * kWh), integrated with the intensity in force when the energy was used.
 * A window's energy is split over processes at its boundary; its intensity
 * is the mean of its samples' intensities, weighted by their measured
 * energy (by their length when energy is the model's), so a change of
 * intensity splits the integral at the sample it took effect. Pure.
 */
#ifndef ENERGY_CARBON_H
#define ENERGY_CARBON_H

#include <linux/types.h>

#define CARBON_G_PER_KWH_MAX	100000	/* above any grid's */

/* The samples of the current window. */
struct carbon_window {
	unsigned __int128 e_i;	/* sum of energy (µJ) x intensity (µg/kWh) */
	unsigned __int128 t_i;	/* sum of length (ns) x intensity */
	__u64 e_uj, t_ns;
	__u64 last_ug;		/* the last sample's intensity, µg/kWh */
};

/* A sample of @dt_ns that used @e_uj (0 when not measured) while the
 * intensity was @g_per_kwh. */
void carbon_sample(struct carbon_window *w, __u64 e_uj, __u64 dt_ns,
		   __u64 g_per_kwh);

/* The window's intensity in µg/kWh; starts the next window. */
__u64 carbon_window_end(struct carbon_window *w);

/*
 * Nanograms of CO2e of @e_uj at @ug_per_kwh. @rem carries what is below a
 * nanogram from call to call (below 3.6e9), so that many small amounts add
 * up to what their sum gives.
 */
__u64 carbon_ng(__u64 e_uj, __u64 ug_per_kwh, __u64 *rem);

#endif /* ENERGY_CARBON_H */
