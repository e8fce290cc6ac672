/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * energyd.conf: "name = value" lines, '#' to the end of a line a comment.
 * Every run-time parameter (params.h) plus the settings of a start:
 * mountpoint, energy_source, weights, listen. Pure: parses a text.
 */
#ifndef ENERGY_CONFFILE_H
#define ENERGY_CONFFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "params.h"

/* One "name = value" line, blanks around both stripped; not terminated. */
struct conf_line {
	const char *key, *val;
	size_t klen, vlen;
	int no;			/* 1-based line number */
};

/*
 * The next line of *@p that is not blank or a comment: 1 with @l set and
 * *@p past it, 0 at the end of the text, -EINVAL for a line without '='
 * (@l->no is its number). @l->no counts on from its value at the call:
 * start it at 0.
 */
int conf_line_next(const char **p, struct conf_line *l);

/* The settings that are not parameters. */
enum conf_setting {
	CONF_MOUNTPOINT,	/* an absolute path, or "none" */
	CONF_ENERGY_SOURCE,	/* auto, perf, powercap, msr, none */
	CONF_WEIGHTS,		/* an absolute path */
	CONF_LISTEN,		/* [ADDR:]PORT, checked by the listener */
	CONF_SETTINGS,
};

/* Longest value of a setting. */
#define CONF_VALUE_MAX	1024

struct conffile {
	__u64 params[P_MAX];
	int param_line[P_MAX];			/* 0: not in the file */
	char value[CONF_SETTINGS][CONF_VALUE_MAX];
	int line[CONF_SETTINGS];		/* 0: not in the file */
};

/* The name of setting @s, as written in the file. */
extern const char *const conf_setting_names[CONF_SETTINGS];

/*
 * Parse @text into @c. @c->params holds the values in force before the
 * file (the check of sample_ns against window_ns uses them); each value
 * the file sets replaces one and records its line. Nothing of @c changes
 * unless the whole text is valid. Returns 0, or -EINVAL with the line
 * number in *@line (0 when the fault is no one line's) and the reason in
 * @why, e.g. "sample_ns: 'x' is not a number of nanoseconds in 1000000..".
 */
int conffile_parse(const char *text, struct conffile *c, int *line,
		   char *why, size_t why_len);

#endif /* ENERGY_CONFFILE_H */
