/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The RAPL tests' fixtures: directories standing for every source (sparse
 * files for /dev/cpu/N/msr, a powercap tree, a perf PMU directory) with
 * counters the tests move, and the log lines of rapl_open and rapl_read
 * captured to be checked (RAPL_TEST_LOG=1 prints them).
 */
#ifndef ENERGY_RAPL_FIXTURE_H
#define ENERGY_RAPL_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "rapl.h"

#define ESU14		0x000A0E03ULL	/* power 1/8 W, energy 2^-14 J, time 2^-10 s */
#define ESU16		0x000A1003ULL
#define MAX_RANGE	262143328850ULL	/* 0xffffffff * 61.035 uJ, as Intel reports it */
#define D(d)		(1U << (d))

/* stderr captured into a file while rapl logs */
struct capture {
	int saved;
	int fd;
};

/* A counter of a fixture: an MSR (zone NULL) or a powercap zone. */
struct fx_ctr {
	enum rapl_domain dom;
	int cpu;		/* msr */
	__u64 addr;		/* msr */
	const char *zone;	/* powercap: the zone directory */
	__u64 max;		/* powercap: max_energy_range_uj */
	__u64 hi;		/* msr: junk in the reserved high bits */
	__u64 val;		/* the counter now */
	__u64 total;		/* counts (uJ for powercap) added since reset */
};

/* A fixture directory and the counters written under it. */
struct fx {
	char dir[32];
	struct fx_ctr c[8];
	int n;
	unsigned int esu;	/* msr energy unit */
	__u64 probe_by;		/* what the probe hook adds to each counter */
	__u64 clock_ns;		/* the time rapl reads (fx_clock) */
	__u64 tick_ns;		/* how far it moves per reading: 1 h by default */
};

/* rapl's clock in the tests: moves by fx->tick_ns at every reading. */
__u64 fx_clock(void *arg);

/* Send stderr to a fresh file @c; false (nothing redirected) on failure. */
bool capture_start(struct capture *c);

/* Restore stderr and copy what was captured into @log of @len bytes. */
void capture_end(struct capture *c, char *log, size_t len);

/* The number of lines in @log. */
int lines(const char *log);

/* rapl_open with its log lines in @log (2048 bytes). */
int t_open(struct rapl **r, const struct rapl_opts *o, char *log);

/* rapl_read with its log lines in @log (2048 bytes). */
int t_read(struct rapl *r, __u64 sum[RAPL_DOMAINS], char *log);

/* mkdir -p @root/@rel's directories (and @rel itself when @self). */
bool mk_dirs(const char *root, const char *rel, bool self);

/* Write @text to @root/@rel, creating the directories on the way. */
bool put_file(const char *root, const char *rel, const char *text);

/* Write @v little-endian at offset @addr of @root/msr/@cpu/msr. */
bool put_msr(const char *root, int cpu, __u64 addr, __u64 v);

/* Write counter @i of @fx (its MSR or its energy_uj) as it is now. */
bool fx_write(struct fx *fx, int i);

/* Add and write an MSR counter; its index, or -1 on failure. */
int fx_add_msr(struct fx *fx, enum rapl_domain dom, int cpu, __u64 addr,
	       __u64 val);

/* Add and write a powercap zone (name, max range, energy_uj); its index,
 * or -1 on failure. */
int fx_add_zone(struct fx *fx, enum rapl_domain dom, const char *zone,
		const char *name, __u64 val);

/* Move counter @i on by @by, wrapping as the hardware does. */
bool fx_advance(struct fx *fx, int i, __u64 by);

/* rapl_opts.probe_wait: every counter of the fixture @arg on by probe_by. */
void fx_probe_hook(void *arg);

/* Start counting what the counters move from here (fx_expect). */
void fx_reset_totals(struct fx *fx);

/* Clear @fx and make its directory under /tmp; false on failure. */
bool fx_init(struct fx *fx);

/* Options reading only the fixture: perf, powercap and msr under fx->dir
 * (paths in @perf, @pc, @msr of PATH_MAX bytes), probing with the hook. */
void fx_opts(struct fx *fx, struct rapl_opts *o, enum rapl_source want,
	     char *perf, char *pc, char *msr);

/* The sums match the fixture's, domain by domain. */
bool sums_match(const struct fx *fx, const __u64 sum[RAPL_DOMAINS]);

/* The Intel fixture of two packages: pkg, core, dram on both, psys on 0;
 * pkg of package 0 close to its wrap with junk in the reserved bits. */
bool fx_intel(struct fx *fx);

#endif /* ENERGY_RAPL_FIXTURE_H */
