/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-CPU retired-instruction counters read by the sched_switch program. */
#ifndef ENERGY_PMU_H
#define ENERGY_PMU_H

struct pmu {
	int *fds;	/* one per possible CPU, -1 where none */
	int ncpus;
};

/*
 * Open an instructions counter on every online CPU. Returns 0, or a negative
 * errno when the machine has no usable PMU (then nothing is left open).
 */
int pmu_open(struct pmu *p, int ncpus);

/* Close the counters. */
void pmu_close(struct pmu *p);

#endif /* ENERGY_PMU_H */
