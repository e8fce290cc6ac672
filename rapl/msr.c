// SPDX-License-Identifier: GPL-2.0-only
/*
 * msr: /dev/cpu/N/msr of the lowest CPU of each physical package (in a
 * fixture directory of regular files, every N is a package unless a file
 * N/physical_package_id says which). When a CPU's reads fail (it went
 * offline), its counters move to another CPU of the package. Intel or AMD
 * by which unit register reads non-zero. Counters are the low 32 bits,
 * deltas modulo 2^32. AMD's core counter (0xC001029A) is per core: read on
 * the package's CPU it is the energy of that one core, reported as the
 * package's core domain; it is a lower bound of the energy of all cores.
 * psys is read on the first package only.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "driver.h"
#include "log.h"
#include "rapl.h"

#define MSR_DIR		"/dev/cpu"
#define CPU_SYSFS	"/sys/devices/system/cpu"

#define MSR_INTEL_UNIT	0x606
#define MSR_INTEL_PKG	0x611
#define MSR_INTEL_DRAM	0x619
#define MSR_INTEL_PP0	0x639
#define MSR_INTEL_PP1	0x641
#define MSR_INTEL_PSYS	0x64D
#define MSR_AMD_UNIT	0xC0010299
#define MSR_AMD_CORE	0xC001029A
#define MSR_AMD_PKG	0xC001029B

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

struct msr_cpu {
	int cpu;
	long long pkg;	/* physical package id; -1 - cpu in a fixture */
};

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

/* scandir filter: a CPU number */
static int cpu_entry(const struct dirent *de)
{
	const char *e;
	__u64 cpu;

	return !rapl_parse_num(de->d_name, 10, &cpu, &e) && !*e &&
	       cpu <= INT_MAX;
}

/*
 * The package of CPU @cpu under @dir: the device's physical package id
 * (@dev), or a fixture's N/physical_package_id, or -1 - cpu where it has
 * none. 0 or -errno.
 */
static int msr_cpu_pkg(const char *dir, int cpu, bool dev, long long *pkg)
{
	char path[PATH_MAX], buf[32];
	__u64 id;
	int err;

	if (dev)
		err = rapl_path_fmt(path, CPU_SYSFS "/cpu%d/topology/physical_package_id",
				    cpu);
	else
		err = rapl_path_fmt(path, "%s/%d/physical_package_id", dir, cpu);
	if (!err)
		err = rapl_read_text(path, buf, sizeof(buf));
	if (err == -ENOENT && !dev) {
		*pkg = -1 - (long long)cpu;
		return 0;
	}
	if (!err && rapl_parse_u64(buf, &id))
		err = -EINVAL;
	if (!err)
		*pkg = id;
	return err;
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
		char path[PATH_MAX];
		int cpu = atoi(names[k]->d_name), i;
		struct stat st;
		long long pkg;

		err = rapl_path_fmt(path, "%s/%d/msr", dir, cpu);
		if (!err && stat(path, &st))
			err = -errno;
		if (err) {
			log_info("rapl: msr: %s: %s", path, strerror(-err));
			err = -ENODEV;
			goto cleanup;
		}
		if (msr_cpu_pkg(dir, cpu, S_ISCHR(st.st_mode), &pkg)) {
			log_debug("rapl: msr: CPU %d: no package id, not used",
				  cpu);
			continue;
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
			 path, MSR_INTEL_UNIT, rapl_why(ei), MSR_AMD_UNIT,
			 rapl_why(ea));
	return -ENODEV;
}

static int msr_build(struct rapl *r, const struct rapl_opts *o)
{
	const char *dir = o->msr_dir ? o->msr_dir : MSR_DIR;
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
		if (!rapl_path_fmt(path, "%s/%d/msr", dir, cpus[i].cpu))
			fd = open(path, O_RDONLY | O_CLOEXEC);
		else
			errno = ENAMETOOLONG;
		if (fd < 0) {
			log_info("rapl: msr: %s: %s", path, strerror(errno));
			err = -ENODEV;
			goto cleanup;
		}
		err = rapl_add_fd(r, fd);
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
					 path, regs->addr[d], rapl_why(err));
				err = -ENODEV;
				goto cleanup;
			}
			if (err) {
				log_debug("rapl: msr: %s: %s (0x%llx): %s",
					  path, rapl_domain_name(d), regs->addr[d],
					  rapl_why(err));
				err = 0;
				continue;
			}
			c = rapl_add_ctr(r, fd, false, d, "%s %s (0x%llx)", path,
					 rapl_domain_name(d), regs->addr[d]);
			if (!c) {
				err = -ENOMEM;
				goto cleanup;
			}
			c->addr = regs->addr[d];
			c->conv = conv;
			c->cpu = cpus[i].cpu;
			c->pkg = cpus[i].pkg;
		}
	}
	rapl_keep_complete(r, n, "msr");
	r->npkg = n;
	r->dir = strdup(dir);
	if (!r->dir)
		err = -ENOMEM;
	log_debug("rapl: msr: %s, %d packages", regs->vendor, n);
cleanup:
	free(cpus);
	return err;
}

/* The counter's low 32 bits (the high ones are reserved). */
static int msr_ctr_read(const struct rapl_ctr *c, __u64 *v)
{
	int err;

	err = msr_read(c->fd, c->addr, v);
	if (!err)
		*v &= 0xffffffffULL;
	return err;
}

/* Counts, modulo 2^32. */
static __u64 msr_delta(const struct rapl_ctr *c)
{
	return rapl_delta32(c->prev, c->now);
}

/* Whether CPU @cpu's msr at @fd (@path) can stand in for @bad's: the same
 * unit, every counter on @bad's descriptor readable, into @now. */
static int msr_try_cpu(struct rapl *r, const struct rapl_ctr *bad, int fd,
		       const char *path, __u64 *now, bool quiet)
{
	struct rapl_conv conv;
	__u64 unit = 0;
	int err = 0, k = 0;

	for (int i = 0; i < r->nctr && !err; i++) {
		const struct rapl_ctr *c = &r->ctr[i];

		if (c->fd != bad->fd)
			continue;
		if (k == 0) {
			/* the vendor's unit register, as the counter's */
			__u64 ua = c->addr >= MSR_AMD_UNIT ? MSR_AMD_UNIT :
							    MSR_INTEL_UNIT;

			err = msr_read(fd, ua, &unit);
			if (!err && !unit) {
				if (!quiet)
					log_warn("rapl: msr: %s: unit register reads 0",
						 path);
				return -ENODEV;
			}
			if (!err)
				err = rapl_msr_unit(unit, &conv);
			if (!err && (conv.mul != c->conv.mul ||
				     conv.shift != c->conv.shift)) {
				if (!quiet)
					log_warn("rapl: msr: %s: a unit of its own (0x%llx)",
						 path, unit);
				return -ENODEV;
			}
		}
		if (!err)
			err = msr_read(fd, c->addr, &now[k++]);
	}
	if (err && !quiet)
		log_info("rapl: msr: %s: %s", path, rapl_why(err));
	return err;
}

/* Move @bad's counters to another CPU of its package. */
static int msr_rebind(struct rapl *r, struct rapl_ctr *bad, bool quiet)
{
	struct dirent **names = NULL;
	int nnames, old = bad->fd, from = bad->cpu, fd = -1, err = -ENODEV;
	char path[PATH_MAX];
	__u64 *now;

	now = calloc(r->nctr, sizeof(*now));
	if (!now)
		return -ENOMEM;
	nnames = scandir(r->dir, &names, cpu_entry, versionsort);
	for (int k = 0; k < nnames && fd < 0; k++) {
		int cpu = atoi(names[k]->d_name);
		struct stat st;
		long long pkg;

		if (cpu == from ||
		    rapl_path_fmt(path, "%s/%d/msr", r->dir, cpu) ||
		    stat(path, &st) ||
		    msr_cpu_pkg(r->dir, cpu, S_ISCHR(st.st_mode), &pkg) ||
		    pkg != bad->pkg)
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && msr_try_cpu(r, bad, fd, path, now, quiet)) {
			close(fd);
			fd = -1;
		}
		if (fd >= 0) {
			err = 0;
			for (int i = 0, j = 0; i < r->nctr; i++) {
				struct rapl_ctr *c = &r->ctr[i];
				char *what;

				if (c->fd != old)
					continue;
				if (asprintf(&what, "%s %s (0x%llx)", path,
					     rapl_domain_name(c->dom),
					     c->addr) >= 0) {
					free(c->what);
					c->what = what;
				}
				c->fd = fd;
				c->cpu = cpu;
				c->now = c->prev = now[j++] & 0xffffffffULL;
				c->err = 0;
			}
			for (int i = 0; i < r->nfds; i++)
				if (r->fds[i] == old)
					r->fds[i] = fd;
			close(old);
			log_warn("rapl: msr: CPU %d fails, its package is read on CPU %d from now on",
				 from, cpu);
		}
	}
	if (err && !quiet)
		log_warn("rapl: msr: CPU %d fails and no other CPU of its package reads",
			 from);
	for (int k = 0; k < nnames; k++)
		free(names[k]);
	free(names);
	free(now);
	return err;
}

const struct rapl_driver rapl_msr_driver = {
	.src = RAPL_SRC_MSR,
	.build = msr_build,
	.read = msr_ctr_read,
	.delta = msr_delta,
	.rebind = msr_rebind,
};
