/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What one energyd hands the next across a restart, through systemd's file
 * descriptor store (FileDescriptorStoreMax=): the FUSE connection, so that
 * the mount and every bind mount of it in containers stay up, the BPF
 * maps and links, so that counting goes on while no energyd runs, and the
 * daemon's state (daemon/keep.h). Outside systemd there is no store and
 * nothing is handed over.
 */
#ifndef ENERGY_HANDOVER_H
#define ENERGY_HANDOVER_H

#include <stdbool.h>

#include "collector.h"
#include "fs.h"
#include "keep.h"

/* The names the fds are stored under; the BPF objects' are the
 * collector's (COLL_KEEP_MAP, COLL_KEEP_LINK). */
#define HANDOVER_FUSE		"fuse"
#define HANDOVER_FUSE_INIT	"fuse-init"
#define HANDOVER_STATE		"state"

struct handover {
	struct efs_conn fuse;	/* -1: none handed over */
	int state_fd;		/* the counting state (daemon/keep.h) */
	struct coll_kept bpf;	/* the BPF maps and links, tag unset */
};

/* Take the fds systemd passes (LISTEN_FDS with LISTEN_FDNAMES) into @h,
 * closing any of another name. */
void handover_collect(struct handover *h);

/* Close what is still in @h (what was not taken) and free it. */
void handover_fini(struct handover *h);

/* Store the connection of @fs with systemd (when energyd runs under it),
 * the fds of an earlier one replaced. 0, or -errno (logged). */
int handover_store_fuse(const struct efs *fs);

/*
 * Store with systemd what a next energyd goes on counting from: @c's BPF
 * maps and links and @kp's state, unless they are the ones @h received
 * (stored already); take out of the store what @h received and @c did not
 * take. 0, or the first -errno (logged).
 */
int handover_store_counts(const struct handover *h, const struct collector *c,
			  const struct keep *kp);

/* Take energyd's fds out of the store, those @h received and those of @c:
 * nothing will follow this energyd. */
void handover_forget(const struct handover *h, const struct collector *c);

/* Whether systemd restarts energyd after this stop: a restart job is
 * queued for its unit. False outside systemd or when it cannot tell. */
bool handover_restart_pending(void);

#endif /* ENERGY_HANDOVER_H */
