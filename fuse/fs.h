/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /run/energy: the process table as /proc/energy-compatible text files,
 * served with libfuse's low-level API from threads of its own
 * (handlers in fs.c, the mount's life in mount.c).
 */
#ifndef ENERGY_FS_H
#define ENERGY_FS_H

#include "view.h"

#define EFS_DEFAULT_MOUNTPOINT	"/run/energy"

struct efs;

/*
 * Mount at @mountpoint (created if missing; a stale mount left by a killed
 * energyd is detached first; a non-empty directory is refused) and start
 * serving what @v shows. Returns 0 or -errno, logged.
 */
int efs_start(struct efs **out, const char *mountpoint, struct view *v);

/* The fd to poll for POLLPRI: the mount table changed (-1: none). */
int efs_watch_fd(const struct efs *fs);

/* After the mount table changed: when the mount was taken away from
 * outside, log it and mount again. Returns 0, or -errno (logged) when it
 * cannot be mounted again. */
int efs_check(struct efs *fs);

/* Unmount, stop the threads, free (NULL is fine). */
void efs_stop(struct efs *fs);

#endif /* ENERGY_FS_H */
