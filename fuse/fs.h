/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /run/energy: the process table as /proc/energy-compatible text files,
 * served with libfuse's low-level API from threads of its own.
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

/* Unmount, stop the threads, free. */
void efs_stop(struct efs *fs);

#endif /* ENERGY_FS_H */
