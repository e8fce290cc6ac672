/* SPDX-License-Identifier: GPL-2.0-only */
/* What the parts of make bench share. */
#ifndef ENERGY_BENCH_H
#define ENERGY_BENCH_H

#include <sys/types.h>

/* The energyd binary measured. */
extern const char *bench_energyd;

/* CLOCK_MONOTONIC in seconds. */
double bench_now_s(void);

/* The median of @v (sorted in place). */
double bench_median(double *v, int n);

/* Starts energyd -f at @sample_ns with the options @extra (NULL-ended, or
 * NULL), logging to /tmp/energyd-bench.log; its pid once its maps are
 * pinned, or -1. */
pid_t bench_start_energyd(const char *sample_ns, const char *const *extra);

/* Reads a whole file with 64 KiB reads; bytes read, or -1. */
long bench_read_all(const char *path);

/* SIGTERM and reap. */
void bench_stop_energyd(pid_t pid);

/* 5. /metrics over HTTP with 10,000 processes in 100 cgroups. */
int bench_scrape(void);

#endif /* ENERGY_BENCH_H */
