// SPDX-License-Identifier: GPL-2.0-only
/*
 * powercap: the intel-rapl zones (AMD kernels use the same tree). energy_uj
 * is the 32-bit hardware counter in microjoules, rounded down:
 * energy_uj = raw * unit and max_energy_range_uj = 0xffffffff * unit
 * (intel_rapl_common.c), so it takes values 0..max_range and the true
 * step from max_range to 0 is one hardware unit (15 or 61 uJ). We count a
 * wrap as max_range - prev + 1 + now: the counter's value space, less than
 * one unit short per wrap (a wrap takes 65 kJ or more). The
 * intel-rapl-mmio zones repeat the package counters of intel-rapl (same
 * MSR, other power-limit interface): they are used only where no
 * intel-rapl package zone exists, never both.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "log.h"
#include "rapl.h"

#define POWERCAP_DIR	"/sys/class/powercap"

/* powercap zone names of each domain */
static const char *const zone_names[RAPL_DOMAINS] = {
	[RAPL_PKG] = "package-",	/* a prefix: package-0, package-0-die-1 */
	[RAPL_CORE] = "core",
	[RAPL_UNCORE] = "uncore",
	[RAPL_DRAM] = "dram",
	[RAPL_PSYS] = "psys",
};

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
	err = rapl_path_fmt(zdir, "%s/%s", dir, zone);
	if (!err)
		err = rapl_read_line_at(zdir, "name", buf, sizeof(buf));
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
	err = rapl_read_line_at(zdir, "max_energy_range_uj", buf, sizeof(buf));
	if (err) {
		log_warn("rapl: powercap: %s: no max_energy_range_uj (%s)",
			 zone, strerror(-err));
		return -ENODEV;
	}
	if (rapl_parse_u64(buf, &max) || !max) {
		log_warn("rapl: powercap: %s: max_energy_range_uj '%s' is not a range",
			 zone, buf);
		return -ENODEV;
	}
	fd = -1;
	if (!rapl_path_fmt(path, "%s/energy_uj", zdir))
		fd = open(path, O_RDONLY | O_CLOEXEC);
	else
		errno = ENAMETOOLONG;
	if (fd < 0) {
		log_warn("rapl: powercap: %s: %s", path, strerror(errno));
		return -ENODEV;
	}
	c = rapl_add_ctr(r, fd, true, d, "%s", path);
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

static int pc_build(struct rapl *r, const struct rapl_opts *o)
{
	const char *dir = o->powercap_dir ? o->powercap_dir : POWERCAP_DIR;
	int npkg, err;

	err = pc_scan(r, dir, "intel-rapl:", &npkg);
	if (!err && !npkg) {
		/* no MSR zones: the MMIO ones, if any, count in their place */
		rapl_reset(r);
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

/* energy_uj, read again from its start. */
static int pc_read(const struct rapl_ctr *c, __u64 *v)
{
	char buf[32];
	ssize_t n;

	n = pread(c->fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	if (!n)
		return -ENODATA;
	buf[n] = '\0';
	return rapl_parse_u64(buf, v) ? -EBADMSG : 0;
}

/* Microjoules, across a wrap at max_energy_range_uj. */
static __u64 pc_delta(const struct rapl_ctr *c)
{
	return rapl_delta_range(c->prev, c->now, c->max_range);
}

const struct rapl_driver rapl_powercap_driver = {
	.src = RAPL_SRC_POWERCAP,
	.build = pc_build,
	.read = pc_read,
	.delta = pc_delta,
};
