/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside rapl/: the energy sources as drivers behind one struct, in the
 * manner of chrony's refclock drivers. A driver (perf.c, powercap.c, msr.c)
 * builds the counters of its source; rapl.c probes them, reads them through
 * the driver and sums them. Not for the daemon: it knows rapl.h only.
 */
#ifndef ENERGY_RAPL_DRIVER_H
#define ENERGY_RAPL_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "domain.h"
#include "rapl.h"

#define BIT(d)		(1U << (d))

/* One counter: a domain on one package (or one powercap zone). */
struct rapl_ctr {
	char *what;		/* for messages: a path, or an event and CPU */
	int fd;
	bool own_fd;		/* closed with the counter (msr shares them) */
	bool failing;		/* a read failed and was logged */
	bool glitch;		/* a reading was refused and was logged */
	int err;		/* the last read's -errno */
	__u64 fails;		/* reads failed in a row */
	int cpu;		/* msr: the CPU read */
	long long pkg;		/* msr: its package (msr.c) */
	enum rapl_domain dom;
	__u64 addr;		/* msr: the register */
	__u64 max_range;	/* powercap: max_energy_range_uj */
	__u64 prev;		/* the last reading */
	__u64 prev_ns;		/* when it was taken */
	__u64 now;		/* the reading in progress */
	__u64 rem;		/* carried fraction, in 2^-shift uJ */
	struct rapl_conv conv;
};

struct rapl_driver;

/* What rapl.h's handle holds: the source, its counters, the sums. */
struct rapl {
	const struct rapl_driver *drv;	/* NULL: source none */
	int npkg;
	unsigned int domains;
	struct rapl_ctr *ctr;
	int nctr;
	int *fds;		/* msr: one per package, shared by its counters */
	int nfds;
	__u64 sum[RAPL_DOMAINS];
	__u64 last_ns;		/* when the counters were last read */
	__u64 rejected;		/* readings above RAPL_MAX_WATTS */
	__u64 errors[RAPL_DOMAINS];	/* failed reads, per domain */
	__u64 rebinds;		/* counters moved to another CPU */
	unsigned int measuring;	/* domains whose counters all read last */
	bool lost;		/* no counter read last (logged) */
	char *dir;		/* msr: the directory of the CPUs */
	__u64 (*clock_ns)(void *arg);	/* rapl_opts' */
	void *clock_arg;
};

/* An energy source. */
struct rapl_driver {
	enum rapl_source src;
	/*
	 * Add the counters of the source (at its directory in @o, or the
	 * default) to the empty @r and set r->npkg. Returns 0, -ENODEV
	 * (logged) when the source is absent or unusable, or -ENOMEM.
	 */
	int (*build)(struct rapl *r, const struct rapl_opts *o);
	/* Read the raw value of @c into *@v; 0 or -errno (-ENODATA for a
	 * short read, -EBADMSG for a value that is not a number). */
	int (*read)(const struct rapl_ctr *c, __u64 *v);
	/* Counts (or microjoules, where conv is 1) from c->prev to c->now. */
	__u64 (*delta)(const struct rapl_ctr *c);
	/*
	 * Optional: move the failing @c and the counters that share its
	 * descriptor to another CPU of the same package, each read there
	 * (now = prev = the new reading, err 0). 0, or -ENODEV when no other
	 * CPU serves; logged once per fault when @quiet is false.
	 */
	int (*rebind)(struct rapl *r, struct rapl_ctr *c, bool quiet);
};

/* The perf power PMU (perf.c). */
extern const struct rapl_driver rapl_perf_driver;

/* The powercap sysfs tree (powercap.c). */
extern const struct rapl_driver rapl_powercap_driver;

/* The MSRs through /dev/cpu/N/msr (msr.c). */
extern const struct rapl_driver rapl_msr_driver;

/* Counters (rapl.c) */

/* Append a counter to @r; NULL when out of memory (then @fd is closed if
 * owned). @fmt and what follows name it in messages. */
struct rapl_ctr *rapl_add_ctr(struct rapl *r, int fd, bool own_fd,
			      enum rapl_domain dom, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Remember a shared descriptor, closed by rapl_reset; closes it on
 * failure. 0 or -ENOMEM. */
int rapl_add_fd(struct rapl *r, int fd);

/* Drop the counters of the domains in @mask (bit per domain). */
void rapl_drop_domains(struct rapl *r, unsigned int mask);

/* Keep per-package domains only where every one of @npkg packages has them
 * (psys is read once); a line for each dropped, naming source @src. */
void rapl_keep_complete(struct rapl *r, int npkg, const char *src);

/* Close and forget everything: back to source none. */
void rapl_reset(struct rapl *r);

/* Files (rapl.c) */

/* Why a read failed, for messages: -ENODATA and -EBADMSG in words. */
const char *rapl_why(int err);

/* Format a path into @buf of PATH_MAX bytes; -ENAMETOOLONG if it does not
 * fit. */
int rapl_path_fmt(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Read the text file @path into @buf of @len bytes (NUL-terminated); 0 or
 * -errno. */
int rapl_read_text(const char *path, char *buf, size_t len);

/* Read the text file @dir/@name into @buf of @len bytes, without its
 * newline; 0 or -errno. */
int rapl_read_line_at(const char *dir, const char *name, char *buf,
		      size_t len);

/* Parsers (parse.c) */

/* A decimal (@base 10) or decimal or 0x-hex (@base 0) number at @s, no
 * sign or spaces, into *@out; *@end after it. 0 or -EINVAL. */
int rapl_parse_num(const char *s, int base, __u64 *out, const char **end);

/* A whole decimal file content, newline allowed, into *@out; 0 or
 * -EINVAL. */
int rapl_parse_u64(const char *s, __u64 *out);

#endif /* ENERGY_RAPL_DRIVER_H */
