// SPDX-License-Identifier: GPL-2.0-only
/*
 * RAPL energy counters, from one of three sources:
 *
 * perf: the power PMU, one event per domain on one CPU per package (the
 *	PMU's cpumask). The kernel accumulates into a 64-bit count of
 *	.scale joules (2^-32 J); it can wrap after 2^32 J, so deltas are
 *	taken modulo 2^64.
 * powercap: the intel-rapl zones (AMD kernels use the same tree). energy_uj
 *	is the 32-bit hardware counter in microjoules, rounded down:
 *	energy_uj = raw * unit and max_energy_range_uj = 0xffffffff * unit
 *	(intel_rapl_common.c), so it takes values 0..max_range and the true
 *	step from max_range to 0 is one hardware unit (15 or 61 uJ). We count a wrap as
 *	max_range - prev + 1 + now: the counter's value space, less than one
 *	unit short per wrap (a wrap takes 65 kJ or more). The
 *	intel-rapl-mmio zones repeat the package counters of intel-rapl
 *	(same MSR, other power-limit interface): they are used only where
 *	no intel-rapl package zone exists, never both.
 * msr: /dev/cpu/N/msr of the lowest CPU of each physical package (in a
 *	fixture directory of regular files, every N is a package). Intel or
 *	AMD by which unit register reads non-zero. Counters are the low 32
 *	bits, deltas modulo 2^32. AMD's core counter (0xC001029A) is per
 *	core: read on the package's CPU it is the energy of that one core,
 *	reported as the package's core domain; it is a lower bound of the
 *	energy of all cores. psys is read on the first package only.
 *
 * Every counter carries its fraction of a microjoule (rapl_conv_uj), so
 * the sums are the floor of the exact energy of each counter, whatever the
 * sampling period. A domain counts only when it moves during the probe and,
 * for msr and perf, exists on every package; pkg must be among them.
 * A failed read updates nothing: prev stays, so the next good read counts
 * the gap (a gap long enough for a 32-bit counter to wrap twice, minutes at
 * full power, would be counted short).
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "log.h"
#include "rapl.h"

#define PERF_DIR	"/sys/bus/event_source/devices/power"
#define POWERCAP_DIR	"/sys/class/powercap"
#define MSR_DIR		"/dev/cpu"
#define CPU_SYSFS	"/sys/devices/system/cpu"
#define PROBE_NS	100000000ULL

#define MSR_INTEL_UNIT	0x606
#define MSR_INTEL_PKG	0x611
#define MSR_INTEL_DRAM	0x619
#define MSR_INTEL_PP0	0x639
#define MSR_INTEL_PP1	0x641
#define MSR_INTEL_PSYS	0x64D
#define MSR_AMD_UNIT	0xC0010299
#define MSR_AMD_CORE	0xC001029A
#define MSR_AMD_PKG	0xC001029B

#define BIT(d)		(1U << (d))

static const char *const source_names[] = {
	[RAPL_SRC_NONE] = "none",
	[RAPL_SRC_PERF] = "perf",
	[RAPL_SRC_POWERCAP] = "powercap",
	[RAPL_SRC_MSR] = "msr",
	[RAPL_SRC_AUTO] = "auto",
};

/* perf event and powercap zone names of each domain */
static const char *const perf_events[RAPL_DOMAINS] = {
	[RAPL_PKG] = "energy-pkg",
	[RAPL_CORE] = "energy-cores",
	[RAPL_UNCORE] = "energy-gpu",
	[RAPL_DRAM] = "energy-ram",
	[RAPL_PSYS] = "energy-psys",
};

static const char *const zone_names[RAPL_DOMAINS] = {
	[RAPL_PKG] = "package-",	/* a prefix: package-0, package-0-die-1 */
	[RAPL_CORE] = "core",
	[RAPL_UNCORE] = "uncore",
	[RAPL_DRAM] = "dram",
	[RAPL_PSYS] = "psys",
};

/* The energy status MSRs of a vendor, 0 where it has none. */
struct msr_regs {
	const char *vendor;
	__u64 unit;
	__u64 addr[RAPL_DOMAINS];
};

static const struct msr_regs msr_intel = {
	.vendor = "Intel",
	.unit = MSR_INTEL_UNIT,
	.addr = {
		[RAPL_PKG] = MSR_INTEL_PKG,
		[RAPL_CORE] = MSR_INTEL_PP0,
		[RAPL_UNCORE] = MSR_INTEL_PP1,
		[RAPL_DRAM] = MSR_INTEL_DRAM,
		[RAPL_PSYS] = MSR_INTEL_PSYS,
	},
};

static const struct msr_regs msr_amd = {
	.vendor = "AMD",
	.unit = MSR_AMD_UNIT,
	.addr = {
		[RAPL_PKG] = MSR_AMD_PKG,
		[RAPL_CORE] = MSR_AMD_CORE,
	},
};

/* One counter: a domain on one package (or one powercap zone). */
struct rapl_ctr {
	char *what;		/* for messages: a path, or an event and CPU */
	int fd;
	bool own_fd;		/* closed with the counter (msr shares them) */
	bool failing;		/* a read failed and was logged */
	int err;		/* the last read's -errno */
	enum rapl_domain dom;
	__u64 addr;		/* msr: the register */
	__u64 max_range;	/* powercap: max_energy_range_uj */
	__u64 prev;		/* the last reading */
	__u64 now;		/* the reading in progress */
	__u64 rem;		/* carried fraction, in 2^-shift uJ */
	struct rapl_conv conv;
};

struct rapl {
	enum rapl_source src;
	int npkg;
	unsigned int domains;
	struct rapl_ctr *ctr;
	int nctr;
	int *fds;		/* msr: one per package, shared by its counters */
	int nfds;
	__u64 sum[RAPL_DOMAINS];
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

enum rapl_source rapl_source(const struct rapl *r)
{
	return r->src;
}

unsigned int rapl_domains(const struct rapl *r)
{
	return r->domains;
}

int rapl_packages(const struct rapl *r)
{
	return r->npkg;
}

/* Pure helpers */

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

/* A decimal or 0x-hex number at @s, into @out; *@end after it. */
static int parse_num(const char *s, int base, __u64 *out, const char **end)
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

/* A whole decimal file content, newline allowed. */
static int parse_u64(const char *s, __u64 *out)
{
	const char *e;
	__u64 v;

	if (parse_num(s, 10, &v, &e) || !at_end(e))
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

		if (parse_num(p, 10, &lo, &p) || lo > INT_MAX)
			return -EINVAL;
		hi = lo;
		if (*p == '-' &&
		    (parse_num(p + 1, 10, &hi, &p) || hi > INT_MAX || hi < lo))
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

	if (strncmp(s, "event=", 6) || parse_num(s + 6, 0, &v, &e) ||
	    !at_end(e))
		return -EINVAL;
	*config = v;
	return 0;
}

/* File access */

/* Why a read failed, for messages. */
static const char *why(int err)
{
	if (err == -ENODATA)
		return "short read";
	if (err == -EBADMSG)
		return "not a number";
	return strerror(-err);
}

/* Format a path into @buf of PATH_MAX bytes; -ENAMETOOLONG if it does not
 * fit. */
static int path_fmt(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int path_fmt(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* Read the text file @path into @buf (NUL-terminated); 0 or -errno. */
static int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		err = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return err;
}

/* Read the text file @dir/@name into @buf, without its newline. */
static int read_line_at(const char *dir, const char *name, char *buf,
			size_t len)
{
	char path[PATH_MAX];
	size_t n;
	int err;

	err = path_fmt(path, "%s/%s", dir, name);
	if (!err)
		err = read_text(path, buf, len);
	if (err)
		return err;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* Read MSR @addr through @fd. */
static int msr_read(int fd, __u64 addr, __u64 *v)
{
	__u64 le;
	ssize_t n;

	n = pread(fd, &le, sizeof(le), (off_t)addr);
	if (n < 0)
		return -errno;
	if (n != sizeof(le))
		return -ENODATA;
	*v = le64toh(le);
	return 0;
}

/* Read a counter's raw value (msr: low 32 bits). */
static int ctr_read(const struct rapl *r, const struct rapl_ctr *c, __u64 *v)
{
	char buf[32];
	ssize_t n;
	int err;

	switch (r->src) {
	case RAPL_SRC_MSR:
		err = msr_read(c->fd, c->addr, v);
		if (!err)
			*v &= 0xffffffffULL;
		return err;
	case RAPL_SRC_POWERCAP:
		n = pread(c->fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			return -errno;
		if (!n)
			return -ENODATA;
		buf[n] = '\0';
		return parse_u64(buf, v) ? -EBADMSG : 0;
	case RAPL_SRC_PERF:
		n = read(c->fd, v, sizeof(*v));
		if (n < 0)
			return -errno;
		return n == sizeof(*v) ? 0 : -ENODATA;
	default:
		return -EINVAL;
	}
}

/* Counts (msr, perf) or microjoules (powercap) from prev to now. */
static __u64 ctr_delta(const struct rapl *r, const struct rapl_ctr *c)
{
	switch (r->src) {
	case RAPL_SRC_MSR:
		return rapl_delta32(c->prev, c->now);
	case RAPL_SRC_POWERCAP:
		return rapl_delta_range(c->prev, c->now, c->max_range);
	default:
		return c->now - c->prev;	/* 64 bits, modulo 2^64 */
	}
}

/* Counters */

/* Append a counter; NULL when out of memory (then @fd is closed if owned). */
static struct rapl_ctr *add_ctr(struct rapl *r, int fd, bool own_fd,
				enum rapl_domain dom, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static struct rapl_ctr *add_ctr(struct rapl *r, int fd, bool own_fd,
				enum rapl_domain dom, const char *fmt, ...)
{
	struct rapl_ctr *ctr, *c;
	char *what;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto fail;
	ctr = realloc(r->ctr, (r->nctr + 1) * sizeof(*ctr));
	if (!ctr) {
		free(what);
		goto fail;
	}
	r->ctr = ctr;
	c = &ctr[r->nctr++];
	memset(c, 0, sizeof(*c));
	c->what = what;
	c->fd = fd;
	c->own_fd = own_fd;
	c->dom = dom;
	return c;
fail:
	if (own_fd)
		close(fd);
	return NULL;
}

/* Remember a shared descriptor, closed by reset; closes it on failure. */
static int add_fd(struct rapl *r, int fd)
{
	int *fds = realloc(r->fds, (r->nfds + 1) * sizeof(*fds));

	if (!fds) {
		close(fd);
		return -ENOMEM;
	}
	r->fds = fds;
	r->fds[r->nfds++] = fd;
	return 0;
}

/* Drop the counters of the domains in @mask. */
static void drop_domains(struct rapl *r, unsigned int mask)
{
	int i, j = 0;

	for (i = 0; i < r->nctr; i++) {
		struct rapl_ctr *c = &r->ctr[i];

		if (!(mask & BIT(c->dom))) {
			r->ctr[j++] = *c;
			continue;
		}
		if (c->own_fd)
			close(c->fd);
		free(c->what);
	}
	r->nctr = j;
}

/* The domains of the counters, with how many counters each has. */
static unsigned int ctr_domains(const struct rapl *r, int count[RAPL_DOMAINS])
{
	unsigned int mask = 0;

	if (count)
		memset(count, 0, RAPL_DOMAINS * sizeof(*count));
	for (int i = 0; i < r->nctr; i++) {
		mask |= BIT(r->ctr[i].dom);
		if (count)
			count[r->ctr[i].dom]++;
	}
	return mask;
}

/* Close and forget everything: back to source none. */
static void reset(struct rapl *r)
{
	drop_domains(r, ~0U);
	free(r->ctr);
	for (int i = 0; i < r->nfds; i++)
		close(r->fds[i]);
	free(r->fds);
	memset(r, 0, sizeof(*r));
}

/* Keep per-package domains only where every one of @npkg packages has them
 * (psys is read once). */
static void keep_complete(struct rapl *r, int npkg, const char *src)
{
	int count[RAPL_DOMAINS];
	unsigned int mask = ctr_domains(r, count), drop = 0;

	for (int d = 0; d < RAPL_DOMAINS; d++) {
		if (d == RAPL_PSYS || !(mask & BIT(d)) || count[d] == npkg)
			continue;
		log_info("rapl: %s: %s on %d of %d packages only: not counted",
			 src, rapl_domain_name(d), count[d], npkg);
		drop |= BIT(d);
	}
	drop_domains(r, drop);
}

/* perf */

/* Read @dir/events/@event* into @config and @conv; -ENOENT when the event
 * is absent. Other failures are logged at @lvl. */
static int perf_event_info(const char *dir, const char *event,
			   enum log_level lvl, __u64 *config,
			   struct rapl_conv *conv)
{
	char path[PATH_MAX], buf[128];
	int err;

	err = path_fmt(path, "%s/events/%s", dir, event);
	if (!err)
		err = read_text(path, buf, sizeof(buf));
	if (err == -ENOENT)
		return err;
	if (err) {
		log_msg(lvl, "rapl: perf: %s: %s", path, strerror(-err));
		return err;
	}
	if (rapl_parse_perf_event(buf, config)) {
		log_msg(lvl, "rapl: perf: %s: not an event=N line", path);
		return -EINVAL;
	}
	err = path_fmt(path, "%s/events/%s.scale", dir, event);
	if (!err)
		err = read_text(path, buf, sizeof(buf));
	if (err) {
		log_msg(lvl, "rapl: perf: %s: %s", path, strerror(-err));
		return err;
	}
	err = rapl_parse_scale(buf, conv);
	if (err) {
		log_msg(lvl, "rapl: perf: %s: not a usable scale", path);
		return err;
	}
	err = path_fmt(path, "%s/events/%s.unit", dir, event);
	if (!err)
		err = read_text(path, buf, sizeof(buf));
	if (err && err != -ENOENT) {
		log_msg(lvl, "rapl: perf: %s: %s", path, strerror(-err));
		return err;
	}
	if (!err && strcmp(buf, "Joules") && strcmp(buf, "Joules\n")) {
		log_msg(lvl, "rapl: perf: %s: unit is not Joules", path);
		return -EINVAL;
	}
	return 0;
}

int rapl_perf_scan(const char *dir, struct rapl_perf_info *out)
{
	char buf[4096];
	__u64 type;
	int err, n;

	memset(out, 0, sizeof(*out));
	err = read_line_at(dir, "type", buf, sizeof(buf));
	if (err) {
		log_info("rapl: perf: %s/type: %s", dir, strerror(-err));
		return err;
	}
	if (parse_u64(buf, &type) || type > 0xffffffffULL) {
		log_info("rapl: perf: %s/type: '%.20s' is not a PMU type", dir,
			 buf);
		return -EINVAL;
	}
	out->type = type;
	err = read_line_at(dir, "cpumask", buf, sizeof(buf));
	if (err) {
		log_info("rapl: perf: %s/cpumask: %s", dir, strerror(-err));
		return err;
	}
	n = rapl_parse_cpulist(buf, out->cpus, RAPL_MAX_PKGS);
	if (n < 0) {
		log_info("rapl: perf: %s/cpumask: '%.40s' is not a CPU list%s",
			 dir, buf, n == -E2BIG ? " of at most 256" : "");
		return n;
	}
	out->ncpus = n;
	for (int d = 0; d < RAPL_DOMAINS; d++) {
		/* a missing or odd event is a line only for pkg */
		err = perf_event_info(dir, perf_events[d],
				      d == RAPL_PKG ? LOG_LVL_INFO :
						      LOG_LVL_DEBUG,
				      &out->config[d], &out->conv[d]);
		if (!err)
			out->domains |= BIT(d);
		else if (d == RAPL_PKG && err == -ENOENT)
			log_info("rapl: perf: %s: no %s event", dir,
				 perf_events[d]);
		if (err && d == RAPL_PKG)
			return err;
	}
	return 0;
}

static int perf_open(__u32 type, __u64 config, int cpu)
{
	struct perf_event_attr attr = {
		.type = type,
		.size = sizeof(attr),
		.config = config,
	};

	return syscall(__NR_perf_event_open, &attr, -1, cpu, -1,
		       PERF_FLAG_FD_CLOEXEC);
}

static int perf_build(struct rapl *r, const char *dir)
{
	struct rapl_perf_info *info;
	int err;

	info = malloc(sizeof(*info));
	if (!info)
		return -ENOMEM;
	err = rapl_perf_scan(dir, info);
	if (err) {
		err = -ENODEV;
		goto cleanup;
	}
	for (int d = 0; d < RAPL_DOMAINS; d++) {
		int ncpus = d == RAPL_PSYS ? 1 : info->ncpus;

		if (!(info->domains & BIT(d)))
			continue;
		for (int i = 0; i < ncpus; i++) {
			int fd = perf_open(info->type, info->config[d],
					   info->cpus[i]);
			struct rapl_ctr *c;

			if (fd < 0) {
				err = -errno;
				log_info("rapl: perf: %s on CPU %d: %s%s",
					 perf_events[d], info->cpus[i],
					 strerror(-err),
					 d == RAPL_PKG ? "" : " (not counted)");
				drop_domains(r, BIT(d));
				if (d == RAPL_PKG) {
					err = -ENODEV;
					goto cleanup;
				}
				break;
			}
			c = add_ctr(r, fd, true, d, "%s on CPU %d",
				    perf_events[d], info->cpus[i]);
			if (!c) {
				err = -ENOMEM;
				goto cleanup;
			}
			c->conv = info->conv[d];
		}
	}
	r->npkg = info->ncpus;
	err = 0;
cleanup:
	free(info);
	return err;
}

/* powercap */

/* Whether @name is @prefix followed by "N" or "N:M"; *@sub set for N:M. */
static bool zone_entry(const char *name, const char *prefix, bool *sub)
{
	const char *p = name + strlen(prefix);
	int parts = 0;

	if (strncmp(name, prefix, strlen(prefix)))
		return false;
	for (;;) {
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		parts++;
		if (!*p)
			break;
		if (*p++ != ':' || parts == 2)
			return false;
	}
	*sub = parts == 2;
	return true;
}

/* Add the counter of zone @dir/@zone; -ENODEV (logged) when it is bad,
 * 1 when it is no domain of ours. *@pkg: the package number, or -1. */
static int pc_zone(struct rapl *r, const char *dir, const char *zone,
		   int *pkg)
{
	char zdir[PATH_MAX], path[PATH_MAX], buf[64];
	struct rapl_ctr *c;
	__u64 max;
	int d, fd, err;

	*pkg = -1;
	err = path_fmt(zdir, "%s/%s", dir, zone);
	if (!err)
		err = read_line_at(zdir, "name", buf, sizeof(buf));
	if (err) {
		log_warn("rapl: powercap: %s: no name (%s)", zone,
			 strerror(-err));
		return -ENODEV;
	}
	for (d = 0; d < RAPL_DOMAINS; d++)
		if (d == RAPL_PKG ? !strncmp(buf, zone_names[d],
					     strlen(zone_names[d])) :
				    !strcmp(buf, zone_names[d]))
			break;
	if (d == RAPL_DOMAINS) {
		log_debug("rapl: powercap: %s: zone '%s' not counted", zone,
			  buf);
		return 1;
	}
	if (d == RAPL_PKG && sscanf(buf, "package-%d", pkg) != 1) {
		log_warn("rapl: powercap: %s: '%s' names no package", zone,
			 buf);
		return -ENODEV;
	}
	err = read_line_at(zdir, "max_energy_range_uj", buf, sizeof(buf));
	if (err) {
		log_warn("rapl: powercap: %s: no max_energy_range_uj (%s)",
			 zone, strerror(-err));
		return -ENODEV;
	}
	if (parse_u64(buf, &max) || !max) {
		log_warn("rapl: powercap: %s: max_energy_range_uj '%s' is not a range",
			 zone, buf);
		return -ENODEV;
	}
	fd = -1;
	if (!path_fmt(path, "%s/energy_uj", zdir))
		fd = open(path, O_RDONLY | O_CLOEXEC);
	else
		errno = ENAMETOOLONG;
	if (fd < 0) {
		log_warn("rapl: powercap: %s: %s", path, strerror(errno));
		return -ENODEV;
	}
	c = add_ctr(r, fd, true, d, "%s", path);
	if (!c)
		return -ENOMEM;
	c->max_range = max;
	c->conv.mul = 1;	/* already microjoules */
	return 0;
}

/* Add the zones @dir/@prefix*; *@npkg: how many packages they cover. */
static int pc_scan(struct rapl *r, const char *dir, const char *prefix,
		   int *npkg)
{
	struct dirent **names = NULL;
	int pkgs[RAPL_MAX_PKGS];
	int n, err = 0;

	*npkg = 0;
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		err = -errno;
		log_info("rapl: powercap: %s: %s", dir, strerror(-err));
		return err == -ENOMEM ? err : -ENODEV;
	}
	for (int i = 0; i < n && !err; i++) {
		bool sub, seen = false;
		int pkg;

		if (!zone_entry(names[i]->d_name, prefix, &sub))
			continue;
		err = pc_zone(r, dir, names[i]->d_name, &pkg);
		if (err > 0)
			err = 0;
		if (err || pkg < 0)
			continue;
		for (int j = 0; j < *npkg; j++)
			seen |= pkgs[j] == pkg;
		if (seen)
			continue;	/* another die of the package */
		if (*npkg == RAPL_MAX_PKGS) {
			log_warn("rapl: powercap: %s: more than %d packages",
				 dir, RAPL_MAX_PKGS);
			err = -ENODEV;
			continue;
		}
		pkgs[(*npkg)++] = pkg;
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

static int pc_build(struct rapl *r, const char *dir)
{
	int npkg, err;

	err = pc_scan(r, dir, "intel-rapl:", &npkg);
	if (!err && !npkg) {
		/* no MSR zones: the MMIO ones, if any, count in their place */
		reset(r);
		err = pc_scan(r, dir, "intel-rapl-mmio:", &npkg);
		if (!err && npkg)
			log_info("rapl: powercap: no intel-rapl package zone, using intel-rapl-mmio");
	}
	if (!err && !npkg) {
		log_info("rapl: powercap: %s: no package zone", dir);
		err = -ENODEV;
	}
	if (err)
		return err;
	r->npkg = npkg;
	return 0;
}

/* msr */

struct msr_cpu {
	int cpu;
	long long pkg;	/* physical package id; -1 - cpu in a fixture */
};

/* scandir filter: a CPU number */
static int cpu_entry(const struct dirent *de)
{
	const char *e;
	__u64 cpu;

	return !parse_num(de->d_name, 10, &cpu, &e) && !*e && cpu <= INT_MAX;
}

/* The lowest CPU of each package under @dir, in CPU order, into *@out. */
static int msr_cpus(const char *dir, struct msr_cpu **out, int *nout)
{
	struct msr_cpu *cpus = NULL, *p;
	struct dirent **names = NULL;
	int n = 0, nnames, err = 0;

	*out = NULL;
	*nout = 0;
	/* versionsort: 2 before 10, so each package's first is its lowest */
	nnames = scandir(dir, &names, cpu_entry, versionsort);
	if (nnames < 0) {
		err = -errno;
		log_info("rapl: msr: %s: %s", dir, strerror(-err));
		return err == -ENOMEM ? err : -ENODEV;
	}
	for (int k = 0; k < nnames; k++) {
		char path[PATH_MAX], buf[32];
		int cpu = atoi(names[k]->d_name), i;
		struct stat st;
		long long pkg;
		__u64 id;

		err = path_fmt(path, "%s/%d/msr", dir, cpu);
		if (!err && stat(path, &st))
			err = -errno;
		if (err) {
			log_info("rapl: msr: %s: %s", path, strerror(-err));
			err = -ENODEV;
			goto cleanup;
		}
		pkg = -1 - (long long)cpu;
		if (S_ISCHR(st.st_mode)) {
			/* the device: one CPU per physical package */
			err = path_fmt(path, CPU_SYSFS "/cpu%d/topology/physical_package_id",
				       cpu);
			if (!err)
				err = read_text(path, buf, sizeof(buf));
			if (err || parse_u64(buf, &id)) {
				log_debug("rapl: msr: %s: unreadable, CPU %d not used",
					  path, cpu);
				err = 0;
				continue;
			}
			pkg = id;
		}
		for (i = 0; i < n && cpus[i].pkg != pkg; i++)
			;
		if (i < n)
			continue;	/* a higher CPU of a package seen */
		if (n == RAPL_MAX_PKGS) {
			log_warn("rapl: msr: %s: more than %d packages", dir,
				 RAPL_MAX_PKGS);
			err = -ENODEV;
			goto cleanup;
		}
		p = realloc(cpus, (n + 1) * sizeof(*cpus));
		if (!p) {
			err = -ENOMEM;
			goto cleanup;
		}
		cpus = p;
		cpus[n].cpu = cpu;
		cpus[n++].pkg = pkg;
	}
	if (!n) {
		log_info("rapl: msr: %s: no CPU with an msr device", dir);
		err = -ENODEV;
		goto cleanup;
	}
	*out = cpus;
	*nout = n;
	cpus = NULL;
cleanup:
	for (int k = 0; k < nnames; k++)
		free(names[k]);
	free(names);
	free(cpus);
	return err;
}

/* Which vendor's unit register @fd has, and its unit; logged when none. */
static int msr_vendor(int fd, const char *path, const struct msr_regs **regs,
		      struct rapl_conv *conv)
{
	__u64 vi = 0, va = 0;
	int ei, ea;

	ei = msr_read(fd, MSR_INTEL_UNIT, &vi);
	if (!ei && vi) {
		*regs = &msr_intel;
		return rapl_msr_unit(vi, conv);
	}
	ea = msr_read(fd, MSR_AMD_UNIT, &va);
	if (!ea && va) {
		*regs = &msr_amd;
		return rapl_msr_unit(va, conv);
	}
	if (!ei || !ea)
		log_warn("rapl: msr: %s: unit register reads 0", path);
	else
		log_info("rapl: msr: %s: no RAPL unit register (0x%x: %s, 0x%x: %s)",
			 path, MSR_INTEL_UNIT, why(ei), MSR_AMD_UNIT, why(ea));
	return -ENODEV;
}

static int msr_build(struct rapl *r, const char *dir)
{
	const struct msr_regs *regs = NULL, *first = NULL;
	struct msr_cpu *cpus;
	int n, err;

	err = msr_cpus(dir, &cpus, &n);
	if (err)
		return err;
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct rapl_conv conv;
		int fd;

		fd = -1;
		if (!path_fmt(path, "%s/%d/msr", dir, cpus[i].cpu))
			fd = open(path, O_RDONLY | O_CLOEXEC);
		else
			errno = ENAMETOOLONG;
		if (fd < 0) {
			log_info("rapl: msr: %s: %s", path, strerror(errno));
			err = -ENODEV;
			goto cleanup;
		}
		err = add_fd(r, fd);
		if (err)
			goto cleanup;
		err = msr_vendor(fd, path, &regs, &conv);
		if (err)
			goto cleanup;
		if (first && regs != first) {
			log_warn("rapl: msr: %s: %s, CPU %d was %s", path,
				 regs->vendor, cpus[0].cpu, first->vendor);
			err = -ENODEV;
			goto cleanup;
		}
		first = regs;
		for (int d = 0; d < RAPL_DOMAINS; d++) {
			struct rapl_ctr *c;
			__u64 v;

			if (!regs->addr[d] || (d == RAPL_PSYS && i))
				continue;
			err = msr_read(fd, regs->addr[d], &v);
			if (err && d == RAPL_PKG) {
				log_warn("rapl: msr: %s: package energy (0x%llx): %s",
					 path, regs->addr[d], why(err));
				err = -ENODEV;
				goto cleanup;
			}
			if (err) {
				log_debug("rapl: msr: %s: %s (0x%llx): %s",
					  path, rapl_domain_name(d), regs->addr[d],
					  why(err));
				err = 0;
				continue;
			}
			c = add_ctr(r, fd, false, d, "%s %s (0x%llx)", path,
				    rapl_domain_name(d), regs->addr[d]);
			if (!c) {
				err = -ENOMEM;
				goto cleanup;
			}
			c->addr = regs->addr[d];
			c->conv = conv;
		}
	}
	keep_complete(r, n, "msr");
	r->npkg = n;
	log_debug("rapl: msr: %s, %d packages", regs->vendor, n);
cleanup:
	free(cpus);
	return err;
}

/* Probing and reading */

/* Read every counter into its now, its error into err; the first error,
 * whose counter is *@bad. */
static int read_all(struct rapl *r, struct rapl_ctr **bad)
{
	int err = 0;

	*bad = NULL;
	for (int i = 0; i < r->nctr; i++) {
		struct rapl_ctr *c = &r->ctr[i];

		c->err = ctr_read(r, c, &c->now);
		if (c->err && !err) {
			err = c->err;
			*bad = c;
		}
	}
	return err;
}

static void wait_ns(__u64 ns)
{
	struct timespec ts = {
		.tv_sec = ns / 1000000000ULL,
		.tv_nsec = ns % 1000000000ULL,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Keep the domains that move over the probe interval; -ENODEV (logged)
 * when pkg does not. */
static int probe(struct rapl *r, const struct rapl_opts *o)
{
	const char *src = source_names[r->src];
	__u64 ns = o->probe_ns ? o->probe_ns : PROBE_NS;
	unsigned int moved = 0, have;
	struct rapl_ctr *bad;
	int err;

	for (int pass = 0; pass < 2; pass++) {
		if (pass && o->probe_wait)
			o->probe_wait(o->probe_arg);
		else if (pass)
			wait_ns(ns);
		err = read_all(r, &bad);
		if (err) {
			log_warn("rapl: %s: %s: %s", src, bad->what, why(err));
			return -ENODEV;
		}
		if (!pass)
			for (int i = 0; i < r->nctr; i++)
				r->ctr[i].prev = r->ctr[i].now;
	}
	for (int i = 0; i < r->nctr; i++) {
		struct rapl_ctr *c = &r->ctr[i];

		if (c->now != c->prev)
			moved |= BIT(c->dom);
		c->prev = c->now;
	}
	have = ctr_domains(r, NULL);
	for (int d = 0; d < RAPL_DOMAINS; d++)
		if ((have & ~moved) & BIT(d))
			log_debug("rapl: %s: %s did not move, not counted",
				  src, rapl_domain_name(d));
	drop_domains(r, have & ~moved);
	if (!(moved & BIT(RAPL_PKG))) {
		char when[32];

		if (ns >= 1000000)
			snprintf(when, sizeof(when), "%llu ms", ns / 1000000);
		else
			snprintf(when, sizeof(when), "%llu us", ns / 1000);
		if (moved)
			log_info("rapl: %s: the package counter did not move in %s",
				 src, when);
		else
			log_info("rapl: %s: no counter moved in %s", src, when);
		return -ENODEV;
	}
	r->domains = moved;
	return 0;
}

/* Set up source @s and probe it; -ENODEV (logged) when it is absent. */
static int try_source(struct rapl *r, const struct rapl_opts *o,
		      enum rapl_source s)
{
	int err;

	r->src = s;
	switch (s) {
	case RAPL_SRC_PERF:
		err = perf_build(r, o->perf_dir ? o->perf_dir : PERF_DIR);
		break;
	case RAPL_SRC_POWERCAP:
		err = pc_build(r, o->powercap_dir ? o->powercap_dir :
						    POWERCAP_DIR);
		break;
	case RAPL_SRC_MSR:
		err = msr_build(r, o->msr_dir ? o->msr_dir : MSR_DIR);
		break;
	default:
		err = -ENODEV;
	}
	r->src = s;	/* a reset on the way cleared it */
	if (!err)
		err = probe(r, o);
	return err;
}

int rapl_open(struct rapl **out, const struct rapl_opts *o)
{
	static const struct rapl_opts defaults = { .want = RAPL_SRC_AUTO };
	static const enum rapl_source order[] = {
		RAPL_SRC_PERF, RAPL_SRC_POWERCAP, RAPL_SRC_MSR,
	};
	struct rapl *r;
	int err;

	*out = NULL;
	if (!o)
		o = &defaults;
	if ((unsigned int)o->want > RAPL_SRC_AUTO)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (unsigned int i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (o->want != RAPL_SRC_AUTO && o->want != order[i])
			continue;
		err = try_source(r, o, order[i]);
		if (!err)
			break;
		reset(r);
		if (err == -ENOMEM)
			goto fail;
	}
	if (r->src != RAPL_SRC_NONE) {
		char doms[64] = "";

		for (int d = 0; d < RAPL_DOMAINS; d++)
			if (r->domains & BIT(d))
				snprintf(doms + strlen(doms),
					 sizeof(doms) - strlen(doms), " %s",
					 rapl_domain_name(d));
		log_info("rapl: energy from %s, %d package%s, domains%s",
			 source_names[r->src], r->npkg,
			 r->npkg == 1 ? "" : "s", doms);
	} else if (o->want == RAPL_SRC_NONE) {
		log_info("rapl: energy source none, as asked");
	} else {
		log_warn("rapl: no energy source (%s): energy is not measured",
			 source_names[o->want]);
	}
	*out = r;
	return 0;
fail:
	free(r);
	return err;
}

int rapl_read(struct rapl *r, __u64 sum_uj[RAPL_DOMAINS])
{
	struct rapl_ctr *bad;
	int err = read_all(r, &bad);

	for (int i = 0; i < r->nctr && err; i++) {
		struct rapl_ctr *c = &r->ctr[i];

		if (c->err && !c->failing)
			log_warn("rapl: %s: %s: %s", source_names[r->src],
				 c->what, why(c->err));
		if (c->err)
			c->failing = true;
	}
	if (err)
		goto out;
	for (int i = 0; i < r->nctr; i++) {
		struct rapl_ctr *c = &r->ctr[i];

		if (c->failing) {
			log_info("rapl: %s: %s: readable again", source_names[r->src],
				 c->what);
			c->failing = false;
		}
		r->sum[c->dom] += rapl_conv_uj(&c->conv, ctr_delta(r, c),
					       &c->rem);
		c->prev = c->now;
	}
out:
	memcpy(sum_uj, r->sum, sizeof(r->sum));
	return err;
}

void rapl_close(struct rapl *r)
{
	if (!r)
		return;
	reset(r);
	free(r);
}
