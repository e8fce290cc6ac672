/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What one energyd hands the next across a restart, through systemd's file
 * descriptor store (FileDescriptorStoreMax=): the FUSE connection, so that
 * the mount and every bind mount of it in containers stay up, and the
 * daemon's state. Outside systemd there is no store and nothing is handed
 * over.
 */
#ifndef ENERGY_HANDOVER_H
#define ENERGY_HANDOVER_H

#include <stdbool.h>

#include "fs.h"

/* The names the fds are stored under. */
#define HANDOVER_FUSE		"fuse"
#define HANDOVER_FUSE_INIT	"fuse-init"

struct handover {
	struct efs_conn fuse;	/* -1: none handed over */
};

/* Take the fds systemd passes (LISTEN_FDS with LISTEN_FDNAMES) into @h,
 * closing any of another name. */
void handover_collect(struct handover *h);

/* Close what is still in @h (what efs_start did not take). */
void handover_fini(struct handover *h);

/* Store the connection of @fs with systemd (when energyd runs under it),
 * the fds of an earlier one replaced. 0, or -errno (logged). */
int handover_store_fuse(const struct efs *fs);

/* Take energyd's fds out of the store: nothing will follow this energyd. */
void handover_forget(void);

/* Whether systemd restarts energyd after this stop: a restart job is
 * queued for its unit. False outside systemd or when it cannot tell. */
bool handover_restart_pending(void);

#endif /* ENERGY_HANDOVER_H */
