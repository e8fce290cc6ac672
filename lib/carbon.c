// SPDX-License-Identifier: GPL-2.0-only
#include "carbon.h"

/* E µJ is E / 3.6e12 kWh: at I µg/kWh, E x I / 3.6e12 µg, E x I / 3.6e9
 * ng. */
#define UJ_UG_PER_NG	3600000000ULL

__u64 carbon_ng(__u64 e_uj, __u64 ug_per_kwh, __u64 *rem)
{
	unsigned __int128 x = (unsigned __int128)e_uj * ug_per_kwh + *rem;

	*rem = x % UJ_UG_PER_NG;
	return x / UJ_UG_PER_NG;
}
