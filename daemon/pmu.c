// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>

#include "pmu.h"

static int perf_open(struct perf_event_attr *attr, int cpu)
{
	return syscall(__NR_perf_event_open, attr, -1, cpu, -1,
		       PERF_FLAG_FD_CLOEXEC);
}

int pmu_open(struct pmu *p, int ncpus)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED |
			       PERF_FORMAT_TOTAL_TIME_RUNNING,
	};
	int opened = 0, err = -ENODEV;

	p->ncpus = ncpus;
	p->fds = malloc(ncpus * sizeof(*p->fds));
	if (!p->fds)
		return -ENOMEM;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		p->fds[cpu] = perf_open(&attr, cpu);
		if (p->fds[cpu] >= 0)
			opened++;
		else if (errno != ENODEV)	/* ENODEV: CPU offline */
			err = -errno;
	}
	if (!opened) {
		pmu_close(p);
		return err;
	}
	return 0;
}

void pmu_close(struct pmu *p)
{
	if (!p->fds)
		return;
	for (int cpu = 0; cpu < p->ncpus; cpu++)
		if (p->fds[cpu] >= 0)
			close(p->fds[cpu]);
	free(p->fds);
	p->fds = NULL;
}
