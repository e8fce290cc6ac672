/* SPDX-License-Identifier: GPL-2.0-only */
/* Parsing and checking of run-time parameters. Pure: no I/O. */
#ifndef ENERGY_PARAMS_H
#define ENERGY_PARAMS_H

#include <stdbool.h>
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

/* The run-time parameters, as files under params/. */
enum param_id {
	P_SAMPLE_NS,
	P_WINDOW_NS,
	P_W_CPU_NS,
	P_W_MEM_BYTES,
	P_W_INSTRUCTIONS,
	P_W_WAKEUPS,
	P_W_DISK_READ_BYTES,
	P_W_DISK_WRITE_BYTES,
	P_W_NET_RX_PACKETS,
	P_W_NET_TX_PACKETS,
	P_IDLE_MW,
	P_CARBON_G_PER_KWH,	/* grid intensity, 0: carbon not counted */
	P_MAX,
};

/* The first weight; weights follow in enum model_metric order. */
#define P_WEIGHT0	P_W_CPU_NS

struct param_desc {
	const char *name;
	const char *unit;	/* for messages: "a number of <unit>" */
	__u64 min, max;
};

/* Names and ranges, indexed by enum param_id. */
extern const struct param_desc param_descs[P_MAX];

/* The parameter called @name, or -1. */
int param_by_name(const char *name);

/* The parameter called by the @len bytes at @name, or -1. */
int param_by_name_len(const char *name, size_t len);

/*
 * A value of a configuration file for parameter @id: 0 with *@out set, or
 * -EINVAL with "NAME: 'VALUE' is not a number of UNIT in MIN..MAX" in @why.
 */
int param_conf_value(enum param_id id, const char *v, size_t vlen,
		     __u64 *out, char *why, size_t why_len);

/*
 * Check a value written to a parameter: a number in its range and, for
 * sample_ns and window_ns, sample_ns <= window_ns given the other's
 * @current value. Returns 0 and sets @out, or -EINVAL with a message for
 * the log in @why (e.g. "is not a number of nanoseconds").
 */
int param_check(enum param_id id, const char *s, size_t len,
		const __u64 current[P_MAX], __u64 *out, char *why,
		size_t why_len);

/* Most bytes a value written to a parameter file may have. */
#define PARAM_WRITE_MAX		32

/*
 * Check the bytes written so far to a parameter file, which may arrive in
 * pieces: 0 when @s (of @len bytes) can still become a valid value; when
 * it is complete (ends in a newline) it must pass param_check. Else
 * -EINVAL with the reason in @why, as param_check gives it.
 */
int param_check_partial(enum param_id id, const char *s, size_t len,
			const __u64 current[P_MAX], char *why,
			size_t why_len);

/*
 * Parse a configuration text of "name = value" lines ('#' starts a
 * comment) into @out, marking each parameter set in @set. Nothing is
 * written to @out unless the whole text is valid. Returns 0, or -EINVAL
 * with "line N: ..." in @why (for a sample_ns longer than window_ns, the
 * two values: "sample_ns A is longer than window_ns B").
 */
int params_parse_conf(const char *text, __u64 out[P_MAX], bool set[P_MAX],
		      char *why, size_t why_len);

/* Quote at most 40 bytes of @s for a log line, escaping what is not
 * printable. @out needs 4 * 40 + 8 bytes. */
void param_quote(char *out, const char *s, size_t len);

#endif /* ENERGY_PARAMS_H */
