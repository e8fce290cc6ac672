/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What status and top show, from parsed snapshots (snap.h): the status
 * text and JSON, and top's rows (power between two snapshots), their
 * order, and their text and JSON. Pure: no I/O.
 */
#ifndef ENERGY_CTL_SHOW_H
#define ENERGY_CTL_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "rbuf.h"
#include "snap.h"

/* What status shows. Host view: @sys (sys's text) and @s from all.json.
 * Cgroup view (@sys NULL): @s from cgroup.json. */
struct status_in {
	const char *sys;
	const struct snap *s;
	bool have_uptime;
	long long uptime_s;	/* since the daemon started */
};

/* The status report of @in into @b, as text or as one JSON object. */
void view_status(struct rbuf *b, const struct status_in *in, bool json);

enum top_sort { SORT_POWER, SORT_CPU, SORT_MEM, SORT_NAME };

struct top_row {
	int pid;		/* 0 for a cgroup */
	__u64 cgroup_id;
	char name[256];		/* comm, or the cgroup's path */
	char container[80];	/* of a cgroup, "" when none */
	__u64 mw;		/* power over the last window */
	__u64 cpu_permille;	/* of one CPU, over the time between reads */
	__u64 mem_bytes;
	__u64 energy_uj;	/* cumulative */
};

/* The header of top: the machine (or the own cgroup) over the time
 * between @prev and @cur. */
struct top_head {
	bool host;
	__u64 mw;		/* machine (host) or own cgroup power */
	__u64 idle_mw;		/* host only */
	bool measured;		/* host only */
	char source[16];
	char cgroup[256];	/* cgroup view: the own cgroup's path */
	__u64 window_ns;
	size_t n;		/* rows */
};

/*
 * top's rows between two snapshots of the same kind, per process (matched
 * by pid and start time; a process new in @cur counts from 0) or per
 * cgroup (host only: @cur's cgroups, matched by id). Energy over the
 * windows' time between them, CPU over the render times'. Returns the
 * rows (to be freed; n in @head->n) or NULL with errno set.
 */
struct top_row *view_top_rows(const struct snap *prev, const struct snap *cur,
			      bool cgroups, struct top_head *head);

/* Sort @rows by @key: power, CPU, memory highest first; name A..Z. Ties
 * by pid or cgroup id. */
void view_top_sort(struct top_row *rows, size_t n, enum top_sort key);

/* The header line(s) of top. */
void view_top_header(struct rbuf *b, const struct top_head *h, bool cgroups,
		     enum top_sort key);

/* Column titles and one line per row, at most @max (0: all) rows, each
 * cut to @width columns (0: uncut). */
void view_top_lines(struct rbuf *b, const struct top_row *rows, size_t n,
		    bool cgroups, size_t max, size_t width);

/* One JSON object: the header's figures and the rows. */
void view_top_json(struct rbuf *b, const struct top_head *h,
		   const struct top_row *rows, size_t n, bool cgroups);

/* "12.345" for @mw milliwatts in watts, in @buf (24 bytes). */
const char *view_watts(char *buf, __u64 mw);

#endif /* ENERGY_CTL_SHOW_H */
