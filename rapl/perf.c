// SPDX-License-Identifier: GPL-2.0-only
/*
 * The perf power PMU: one event per domain on one CPU per package (the
 * PMU's cpumask). The kernel accumulates into a 64-bit count of .scale
 * joules (2^-32 J); it can wrap after 2^32 J, so deltas are taken modulo
 * 2^64.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>

#include "driver.h"
#include "log.h"
#include "rapl.h"

#define PERF_DIR	"/sys/bus/event_source/devices/power"

/* perf event names of each domain */
static const char *const perf_events[RAPL_DOMAINS] = {
	[RAPL_PKG] = "energy-pkg",
	[RAPL_CORE] = "energy-cores",
	[RAPL_UNCORE] = "energy-gpu",
	[RAPL_DRAM] = "energy-ram",
	[RAPL_PSYS] = "energy-psys",
};

/* Read @dir/events/@event* into @config and @conv; -ENOENT when the event
 * is absent. Other failures are logged at @lvl. */
static int perf_event_info(const char *dir, const char *event,
			   enum log_level lvl, __u64 *config,
			   struct rapl_conv *conv)
{
	char path[PATH_MAX], buf[128];
	int err;

	err = rapl_path_fmt(path, "%s/events/%s", dir, event);
	if (!err)
		err = rapl_read_text(path, buf, sizeof(buf));
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
	err = rapl_path_fmt(path, "%s/events/%s.scale", dir, event);
	if (!err)
		err = rapl_read_text(path, buf, sizeof(buf));
	if (err) {
		log_msg(lvl, "rapl: perf: %s: %s", path, strerror(-err));
		return err;
	}
	err = rapl_parse_scale(buf, conv);
	if (err) {
		log_msg(lvl, "rapl: perf: %s: not a usable scale", path);
		return err;
	}
	err = rapl_path_fmt(path, "%s/events/%s.unit", dir, event);
	if (!err)
		err = rapl_read_text(path, buf, sizeof(buf));
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
	err = rapl_read_line_at(dir, "type", buf, sizeof(buf));
	if (err) {
		log_info("rapl: perf: %s/type: %s", dir, strerror(-err));
		return err;
	}
	if (rapl_parse_u64(buf, &type) || type > 0xffffffffULL) {
		log_info("rapl: perf: %s/type: '%.20s' is not a PMU type", dir,
			 buf);
		return -EINVAL;
	}
	out->type = type;
	err = rapl_read_line_at(dir, "cpumask", buf, sizeof(buf));
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

static int perf_build(struct rapl *r, const struct rapl_opts *o)
{
	const char *dir = o->perf_dir ? o->perf_dir : PERF_DIR;
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
				rapl_drop_domains(r, BIT(d));
				if (d == RAPL_PKG) {
					err = -ENODEV;
					goto cleanup;
				}
				break;
			}
			c = rapl_add_ctr(r, fd, true, d, "%s on CPU %d",
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

/* The event's count. */
static int perf_read(const struct rapl_ctr *c, __u64 *v)
{
	ssize_t n;

	n = read(c->fd, v, sizeof(*v));
	if (n < 0)
		return -errno;
	return n == sizeof(*v) ? 0 : -ENODATA;
}

/* 64 bits, modulo 2^64. */
static __u64 perf_delta(const struct rapl_ctr *c)
{
	return c->now - c->prev;
}

const struct rapl_driver rapl_perf_driver = {
	.src = RAPL_SRC_PERF,
	.build = perf_build,
	.read = perf_read,
	.delta = perf_delta,
};
