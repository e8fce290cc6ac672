/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parameter subcommands' pure parts: the message for a refused value
 * and the order in which apply writes values. No I/O.
 */
#ifndef ENERGY_CTL_PMSG_H
#define ENERGY_CTL_PMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "params.h"

/*
 * The reason energyd refuses @val for parameter @id, given its other
 * parameters @cur, and the allowed range, in @buf: "sample_ns: '5x' is not
 * a number of nanoseconds; allowed: 1000000..60000000000 nanoseconds, at
 * most window_ns (200000000)". A value param_check accepts gets the range
 * alone after "refused by energyd".
 */
void pmsg_refused(char *buf, size_t len, enum param_id id, const char *val,
		  const __u64 cur[P_MAX]);

/*
 * The order in which to write the parameters marked in @set, values
 * @want, over the daemon's @cur, into @order (P_MAX entries): the weights,
 * idle_mw and carbon_g_per_kwh in enum order, then sample_ns and
 * window_ns, window_ns first when it grows, so the pair never crosses.
 * Returns how many.
 */
int pmsg_order(const bool set[P_MAX], const __u64 want[P_MAX],
	       const __u64 cur[P_MAX], int order[P_MAX]);

struct rbuf;

/*
 * The configuration file @old (NULL: none yet) with the parameters marked
 * in @set at @want, into @out: a "name = value" line of such a parameter
 * is rewritten in place (its later repeats dropped, as they would win),
 * every other line kept as it is, and those the file did not hold added at
 * its end under a comment naming @from.
 */
void pmsg_persist(const char *old, const bool set[P_MAX], const __u64 want[P_MAX],
		  const char *from, struct rbuf *out);

#endif /* ENERGY_CTL_PMSG_H */
