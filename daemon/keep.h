/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state that outlives an energyd: the table and the sampler's figures
 * in a memfd (lib/state.h's layout), written in place at every sample and
 * handed to the next energyd with the BPF maps that go on counting
 * (daemon/handover.c), so that its counters go on from where they were.
 */
#ifndef ENERGY_KEEP_H
#define ENERGY_KEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "sampler.h"
#include "state.h"
#include "table.h"

struct keep {
	int fd;				/* the memfd */
	void *mem;
	size_t bytes;
	struct state_head *head;
	struct table *t;		/* in mem */
	struct sampler_keep *k;		/* in mem */
	bool resumed;			/* mem is an energyd before's */
};

/* The tag of the state in memfd @fd (-1: none), or 0 when it holds no
 * state's head. */
__u64 keep_peek_tag(int fd);

/*
 * Take up the state in @fd (-1: none) when @usable (the BPF maps it counted
 * from were taken over) and it is a valid one of @tag and @cap slots, else
 * set up a new one; @fd is taken either way. Returns 0 or -errno, logged.
 */
int keep_open(struct keep *kp, int fd, bool usable, __u64 tag, size_t cap);

/* The first sample is in: a next energyd may go on from here. */
void keep_valid(struct keep *kp);

/* Unmap and close (the state lives on where the fd was handed over). */
void keep_close(struct keep *kp);

#endif /* ENERGY_KEEP_H */
