/* SPDX-License-Identifier: GPL-2.0-only */
/* Parsing and checking of run-time parameters. Pure: no I/O. */
#ifndef ENERGY_PARAMS_H
#define ENERGY_PARAMS_H

#include <stddef.h>
#include <linux/types.h>

#define SAMPLE_NS_MIN		1000000ULL		/* 1 ms */
#define SAMPLE_NS_MAX		60000000000ULL		/* 60 s */
#define SAMPLE_NS_DEFAULT	100000000ULL		/* 100 ms */
#define WINDOW_NS_DEFAULT	1000000000ULL		/* 1 s */
#define WINDOW_NS_MAX		3600000000000ULL	/* 1 h */

/*
 * Parse a decimal unsigned integer of @len bytes (a trailing newline is
 * allowed, nothing else) into @out, within [@min, @max]. Returns 0,
 * -EINVAL when it is not such a number (empty, sign, junk) or -ERANGE when
 * it overflows or lies outside the range. @out is untouched on error.
 */
int param_parse_u64(const char *s, size_t len, __u64 min, __u64 max,
		    __u64 *out);

#endif /* ENERGY_PARAMS_H */
