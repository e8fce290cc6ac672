// SPDX-License-Identifier: GPL-2.0-only
/* The parameter subcommands' messages and write order (pmsg.h). Pure. */
#include <stdio.h>
#include <string.h>

#include "pmsg.h"

void pmsg_refused(char *buf, size_t len, enum param_id id, const char *val,
		  const __u64 cur[P_MAX])
{
	const struct param_desc *d = &param_descs[id];
	char q[4 * 40 + 8], why[96], extra[64] = "";
	__u64 v;

	param_quote(q, val, strlen(val));
	if (!param_check(id, val, strlen(val), cur, &v, why, sizeof(why)))
		snprintf(why, sizeof(why), "refused by energyd");
	if (id == P_SAMPLE_NS)
		snprintf(extra, sizeof(extra), ", at most window_ns (%llu)",
			 cur[P_WINDOW_NS]);
	else if (id == P_WINDOW_NS)
		snprintf(extra, sizeof(extra), ", at least sample_ns (%llu)",
			 cur[P_SAMPLE_NS]);
	snprintf(buf, len, "%s: '%s' %s; allowed: %llu..%llu %s%s", d->name, q,
		 why, d->min, d->max, d->unit, extra);
}

int pmsg_order(const bool set[P_MAX], const __u64 want[P_MAX],
	       const __u64 cur[P_MAX], int order[P_MAX])
{
	bool window_first = want[P_WINDOW_NS] > cur[P_WINDOW_NS];
	int n = 0;

	for (int i = 0; i < P_MAX; i++)
		if (set[i] && i != P_SAMPLE_NS && i != P_WINDOW_NS)
			order[n++] = i;
	if (set[P_WINDOW_NS] && window_first)
		order[n++] = P_WINDOW_NS;
	if (set[P_SAMPLE_NS])
		order[n++] = P_SAMPLE_NS;
	if (set[P_WINDOW_NS] && !window_first)
		order[n++] = P_WINDOW_NS;
	return n;
}
