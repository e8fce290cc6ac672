// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pure parts of the energy sources: the source names, the unit and
 * scale conversions to microjoules, the wrap-safe deltas and the parsers of
 * what sysfs and the MSRs hold. No I/O.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "rapl.h"

static const char *const source_names[] = {
	[RAPL_SRC_NONE] = "none",
	[RAPL_SRC_PERF] = "perf",
	[RAPL_SRC_POWERCAP] = "powercap",
	[RAPL_SRC_MSR] = "msr",
	[RAPL_SRC_AUTO] = "auto",
};

const char *rapl_source_name(enum rapl_source s)
{
	if ((unsigned int)s >= sizeof(source_names) / sizeof(source_names[0]))
		return "?";
	return source_names[s];
}

int rapl_parse_source(const char *s, enum rapl_source *out)
{
	for (unsigned int i = 0;
	     i < sizeof(source_names) / sizeof(source_names[0]); i++) {
		if (!strcmp(s, source_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

int rapl_msr_unit(__u64 unit_msr, struct rapl_conv *out)
{
	if (!unit_msr)
		return -EINVAL;
	out->mul = 1000000;
	out->shift = (unit_msr >> 8) & 0x1f;
	return 0;
}

__u64 rapl_conv_uj(const struct rapl_conv *c, __u64 counts, __u64 *rem)
{
	unsigned __int128 t = (unsigned __int128)counts * c->mul + *rem;
	__u64 mask = c->shift >= 64 ? ~0ULL : (1ULL << c->shift) - 1;

	*rem = (__u64)t & mask;
	return (__u64)(t >> c->shift);
}

__u64 rapl_delta32(__u64 prev, __u64 now)
{
	return (__u32)((__u32)now - (__u32)prev);
}

__u64 rapl_delta_range(__u64 prev, __u64 now, __u64 max_range)
{
	if (now >= prev)
		return now - prev;
	if (prev > max_range)	/* out of range: count from the top */
		prev = max_range;
	return max_range - prev + 1 + now;
}

int rapl_parse_num(const char *s, int base, __u64 *out, const char **end)
{
	unsigned long long v;
	char *e;

	if ((base == 10 && (*s < '0' || *s > '9')) ||
	    (base == 0 && (*s < '0' || *s > '9')))
		return -EINVAL;	/* strtoull would take a sign or spaces */
	errno = 0;
	v = strtoull(s, &e, base);
	if (errno || e == s)
		return -EINVAL;
	*out = v;
	*end = e;
	return 0;
}

/* Whether @s is at its end, but for one newline. */
static bool at_end(const char *s)
{
	return !*s || (*s == '\n' && !s[1]);
}

int rapl_parse_u64(const char *s, __u64 *out)
{
	const char *e;
	__u64 v;

	if (rapl_parse_num(s, 10, &v, &e) || !at_end(e))
		return -EINVAL;
	*out = v;
	return 0;
}

int rapl_parse_cpulist(const char *s, int *cpus, int max)
{
	const char *p = s;
	int n = 0;

	if (at_end(p))
		return -EINVAL;
	for (;;) {
		__u64 lo, hi;

		if (rapl_parse_num(p, 10, &lo, &p) || lo > INT_MAX)
			return -EINVAL;
		hi = lo;
		if (*p == '-' &&
		    (rapl_parse_num(p + 1, 10, &hi, &p) || hi > INT_MAX ||
		     hi < lo))
			return -EINVAL;
		for (__u64 c = lo; c <= hi; c++) {
			if (n >= max)
				return -E2BIG;
			cpus[n++] = c;
		}
		if (at_end(p))
			return n;
		if (*p++ != ',')
			return -EINVAL;
	}
}

int rapl_parse_scale(const char *s, struct rapl_conv *out)
{
	const double top = 4611686018427387904.0;	/* 2^62 */
	unsigned int shift = 0;
	char *e;
	double v;

	if ((*s < '0' || *s > '9') && *s != '.')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &e);
	if (e == s || !at_end(e) || !(v > 0) || v > 1e300)
		return -EINVAL;	/* also NaN and infinity */
	v *= 1000000;		/* microjoules per count */
	if (v >= top)
		return -ERANGE;
	/* as many fraction bits as fit: exact for 2^-32 J */
	while (v < top / 2 && shift < 64) {
		v *= 2;
		shift++;
	}
	if (v < 1)
		return -ERANGE;
	out->mul = (__u64)v;
	out->shift = shift;
	return 0;
}

int rapl_parse_perf_event(const char *s, __u64 *config)
{
	const char *e;
	__u64 v;

	if (strncmp(s, "event=", 6) || rapl_parse_num(s + 6, 0, &v, &e) ||
	    !at_end(e))
		return -EINVAL;
	*config = v;
	return 0;
}
