/* SPDX-License-Identifier: GPL-2.0-only */
/* energyd --dump: one sample of every process on stdout. */
#ifndef ENERGY_DUMP_H
#define ENERGY_DUMP_H

#include <linux/types.h>

#include "collector.h"
#include "table.h"

/* Sample for @sample_ns, then print every process in the original's line
 * format, by pid. Returns 0 or -errno. */
int dump(struct collector *coll, struct table *t, __u64 sample_ns);

#endif /* ENERGY_DUMP_H */
