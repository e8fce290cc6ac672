// SPDX-License-Identifier: GPL-2.0-only
/* The parameter subcommands' messages, write order and persisted file
 * (pmsg.h). Pure. */
#include <stdio.h>
#include <string.h>

#include "pmsg.h"
#include "rbuf.h"

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

/* The parameter @line sets ("  name = ..."), or -1. */
static int line_param(const char *line, size_t len)
{
	size_t i = 0, k;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	for (k = i; k < len && line[k] != '=' && line[k] != ' ' && line[k] != '\t' &&
		    line[k] != '#'; k++)
		;
	if (k == i)
		return -1;
	for (int id = 0; id < P_MAX; id++)
		if (strlen(param_descs[id].name) == k - i &&
		    !strncmp(param_descs[id].name, line + i, k - i))
			return id;
	return -1;
}

void pmsg_persist(const char *old, const bool set[P_MAX], const __u64 want[P_MAX],
		  const char *from, struct rbuf *out)
{
	bool done[P_MAX] = {}, more = false;

	for (const char *l = old; l && *l;) {
		size_t len = strcspn(l, "\n");
		int id = line_param(l, len);

		if (id >= 0 && set[id]) {
			if (!done[id])
				rbuf_printf(out, "%s = %llu\n", param_descs[id].name, want[id]);
			done[id] = true;
		} else {
			rbuf_printf(out, "%.*s\n", (int)len, l);
		}
		l += len + (l[len] == '\n');
	}
	for (int id = 0; id < P_MAX; id++) {
		if (!set[id] || done[id])
			continue;
		if (!more)
			rbuf_printf(out, "%s# energyctl apply %s\n", old && *old ? "\n" : "", from);
		more = true;
		rbuf_printf(out, "%s = %llu\n", param_descs[id].name, want[id]);
	}
}
