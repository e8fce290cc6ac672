/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Measured energy from RAPL (Intel and AMD). Per energy domain, a cumulative
 * sum in microjoules since rapl_open, over all packages, safe against counter
 * wraps, with the fractions of a microjoule carried so that nothing is lost
 * over time. Read from the perf power PMU, the powercap sysfs tree or the
 * MSRs. No libbpf, no libfuse. Not thread-safe: one caller.
 */
#ifndef ENERGY_RAPL_H
#define ENERGY_RAPL_H

#include <linux/types.h>

#include "domain.h"


enum rapl_source {
	RAPL_SRC_NONE,
	RAPL_SRC_PERF,
	RAPL_SRC_POWERCAP,
	RAPL_SRC_MSR,
	RAPL_SRC_AUTO,
};

struct rapl_opts {
	enum rapl_source want;		/* RAPL_SRC_AUTO: perf, powercap, msr in turn */
	const char *perf_dir;		/* NULL: /sys/bus/event_source/devices/power */
	const char *powercap_dir;	/* NULL: /sys/class/powercap */
	const char *msr_dir;		/* NULL: /dev/cpu */
	__u64 probe_ns;			/* 0: 100 ms */
	/* Tests: called between the two probe readings instead of waiting
	 * probe_ns, to move fixture counters; NULL in the daemon. */
	void (*probe_wait)(void *arg);
	void *probe_arg;
	/* Tests: the clock readings are timed with (CLOCK_MONOTONIC, ns),
	 * for the power ceiling; NULL in the daemon. */
	__u64 (*clock_ns)(void *arg);
};

/*
 * The most power one counter (one domain of one package, or psys) may show
 * between two readings: 1 kW, twice the largest package power of any x86
 * CPU. A counter that moves further is a glitch (a counter that went back
 * reads as a near-complete 32-bit wrap), not energy: its reading is taken
 * as the new start and nothing is added.
 */
#define RAPL_MAX_WATTS		1000

struct rapl;

/*
 * Find an energy source (o->want, or perf, powercap, msr in turn for
 * RAPL_SRC_AUTO; NULL @o: auto with the default paths), keep the domains
 * whose counters move over a probe interval, and start the sums at zero.
 * A source that is missing or bad is one log line, not an error, unless it
 * was asked for by name (o->want perf, powercap or msr): then it is
 * -ENODEV, logged. Returns 0 with *@out set (maybe with source none),
 * -EINVAL for a bad @o->want or -ENOMEM.
 */
int rapl_open(struct rapl **out, const struct rapl_opts *o);

/* The source in use: RAPL_SRC_NONE when nothing measures energy. */
enum rapl_source rapl_source(const struct rapl *r);

/* "none", "perf", "powercap", "msr", "auto"; "?" for other values. */
const char *rapl_source_name(enum rapl_source s);

/* Parse a source name as rapl_source_name prints it; -EINVAL if unknown. */
int rapl_parse_source(const char *s, enum rapl_source *out);

/* The domains measured: bit (1 << d) per enum rapl_domain. */
unsigned int rapl_domains(const struct rapl *r);

/* Packages (or dies, where the kernel counts per die) summed; 0 for none. */
int rapl_packages(const struct rapl *r);

/*
 * Read every counter, add what each moved to its domain's sum and copy the
 * sums (microjoules since rapl_open; 0 for domains not measured) to
 * @sum_uj. A counter whose read fails adds nothing (the next good read
 * counts the gap) and is counted in its domain's errors; the others count
 * as usual. An msr counter that fails moves to another CPU of its package
 * where one reads (from its reading on). Returns 0, or the first failure's
 * -errno that no move fixed (-ENODATA for a short read, -EBADMSG for a
 * powercap value that is not a number). Each fault is logged once, until
 * the counter reads again; so is a read where no counter read at all.
 */
int rapl_read(struct rapl *r, __u64 sum_uj[RAPL_DOMAINS]);

/* Readings refused as above RAPL_MAX_WATTS since rapl_open. */
__u64 rapl_rejected(const struct rapl *r);

/* How the counters fare, for the daemon's sys file. */
struct rapl_health {
	__u64 errors[RAPL_DOMAINS];	/* failed reads per domain */
	__u64 rebinds;			/* msr counters moved to another CPU */
	unsigned int measuring;		/* domains whose counters all read at
					 * the last read (all at rapl_open) */
};

/* The health of @r's counters since rapl_open. */
void rapl_health(const struct rapl *r, struct rapl_health *out);

/* Close the counters and free @r (NULL is fine). */
void rapl_close(struct rapl *r);

/* Pure helpers, exported for the unit tests. */

/* Counts to microjoules: uj = counts * mul / 2^shift, shift <= 64. */
struct rapl_conv {
	__u64 mul;
	unsigned int shift;
};

/*
 * Decode an Intel (0x606) or AMD (0xC0010299) unit register: energy unit
 * 1/2^ESU J, ESU in bits 12:8. A register reading 0 is -EINVAL (an ESU of 0
 * alone is valid: 1 J).
 */
int rapl_msr_unit(__u64 unit_msr, struct rapl_conv *out);

/* Microjoules in @counts plus the carried fraction *@rem (in 2^-shift uJ),
 * which is updated with what is left over. */
__u64 rapl_conv_uj(const struct rapl_conv *c, __u64 counts, __u64 *rem);

/* Counts between two readings of a 32-bit counter (higher bits ignored). */
__u64 rapl_delta32(__u64 prev, __u64 now);

/*
 * Microjoules between two readings of a powercap energy_uj, whose values go
 * from 0 to @max_range inclusive and then wrap to 0: when @now < @prev,
 * max_range - prev + 1 + now (see powercap.c).
 */
__u64 rapl_delta_range(__u64 prev, __u64 now, __u64 max_range);

/* Parse a CPU list ("0", "0,8", "0-3,8", newline allowed) into @cpus.
 * Returns the number of CPUs, -EINVAL or -E2BIG when more than @max. */
int rapl_parse_cpulist(const char *s, int *cpus, int max);

/* Parse a perf event scale (joules per count, "2.3283064365386962890625e-10")
 * into counts-to-microjoules; -EINVAL when not a positive finite number,
 * -ERANGE when too large or too small to count with. */
int rapl_parse_scale(const char *s, struct rapl_conv *out);

/* Parse a perf event file ("event=0x02"); -EINVAL for anything else. */
int rapl_parse_perf_event(const char *s, __u64 *config);

#define RAPL_MAX_PKGS	256

/* What a perf power PMU directory describes. */
struct rapl_perf_info {
	__u32 type;
	int ncpus;				/* one per package (or die) */
	int cpus[RAPL_MAX_PKGS];
	unsigned int domains;			/* events found, bit per domain */
	__u64 config[RAPL_DOMAINS];
	struct rapl_conv conv[RAPL_DOMAINS];
};

/*
 * Read the type, cpumask and energy events (with their .scale and .unit) of
 * the perf PMU directory @dir into @out. Returns 0, or -errno when it is
 * unusable (missing, malformed, no energy-pkg), logged as one line.
 */
int rapl_perf_scan(const char *dir, struct rapl_perf_info *out);

#endif /* ENERGY_RAPL_H */
