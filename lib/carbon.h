/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Carbon: grams of CO2e from energy and the grid's carbon intensity (g per
 * kWh), integrated with the intensity in force when the energy was used:
 * each sample's energy, as it is split over processes, at the intensity of
 * that sample (lib/table.c), so a change of intensity splits the integral
 * at the sample it took effect. Pure.
 */
#ifndef ENERGY_CARBON_H
#define ENERGY_CARBON_H

#include <linux/types.h>

#define CARBON_G_PER_KWH_MAX	100000	/* above any grid's */

/* µg/kWh of @g_per_kwh, the unit carbon_ng() takes. */
static inline __u64 carbon_ug_per_kwh(__u64 g_per_kwh)
{
	return g_per_kwh * 1000000ULL;
}

/*
 * Nanograms of CO2e of @e_uj at @ug_per_kwh. @rem carries what is below a
 * nanogram from call to call (below 3.6e9), so that many small amounts add
 * up to what their sum gives.
 */
__u64 carbon_ng(__u64 e_uj, __u64 ug_per_kwh, __u64 *rem);

#endif /* ENERGY_CARBON_H */
