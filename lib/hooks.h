/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which tracepoints feed which metric, in order of preference, and the
 * choice among them for the running kernel. Pure: the caller says which
 * tracepoints exist.
 */
#ifndef ENERGY_HOOKS_H
#define ENERGY_HOOKS_H

#include <stdbool.h>

#define HOOK_MAX_ALTS	3
#define HOOK_MAX_TPS	3

/*
 * One way to feed a metric: every hook listed must exist. A tracepoint
 * "tp" has the BPF programs tp_btf and tp_raw (which one loads depends on
 * legacy); a kernel function "fexit/fn" (BPF trampolines: fentry/fexit) has
 * the one program fn_fexit, loaded whatever legacy says.
 */
struct hook_alt {
	const char *label;
	const char *tps[HOOK_MAX_TPS];
};

struct hook {
	const char *metric;
	struct hook_alt alts[HOOK_MAX_ALTS];
	/* What stands in when no alternative exists; NULL: the metric
	 * stays 0. */
	const char *fallback;
	int chosen;		/* index into alts, -1: metric disabled */
};

/* The hooks energyd uses; chosen is filled in by hooks_choose(). */
extern struct hook hooks[];
extern const int hooks_len;

/*
 * Pick for every hook the first alternative whose tracepoints all exist
 * (the last one when @legacy, to exercise the fallbacks on new kernels).
 * Returns the number of metrics disabled.
 */
int hooks_choose(struct hook *h, int n, bool legacy,
		 bool (*exists)(const char *tp, void *ctx), void *ctx);

/* Whether the chosen alternatives use @tp. */
bool hooks_uses(const struct hook *h, int n, const char *tp);

#endif /* ENERGY_HOOKS_H */
