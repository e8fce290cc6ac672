/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /run/energy: the process table as /proc/energy-compatible text files,
 * served with libfuse's low-level API from threads of its own
 * (handlers in fs.c, the mount's life in mount.c).
 */
#ifndef ENERGY_FS_H
#define ENERGY_FS_H

#include <stdbool.h>

#include "view.h"

#define EFS_DEFAULT_MOUNTPOINT	"/run/energy"

struct efs;

/* A connection that outlives an energyd: its /dev/fuse fd and a memfd with
 * its FUSE_INIT (-1: none). */
struct efs_conn {
	int dev_fd;
	int init_fd;
};

/*
 * Serve what @v shows at @mountpoint: on the connection in @adopt (NULL or
 * fds -1: none) that an energyd before this one handed over, its fds taken
 * (used, or closed when it is not mounted there any more); otherwise a new
 * mount (the directory created if missing; a stale mount left by a killed
 * energyd detached first; a non-empty directory refused). Returns 0 or
 * -errno, logged.
 */
int efs_start(struct efs **out, const char *mountpoint, struct view *v,
	      struct efs_conn *adopt);

/* Whether efs_start took over a handed-over connection. */
bool efs_adopted(const struct efs *fs);

/* The connection, for a successor: into @out its /dev/fuse fd (still
 * fs's own) and a new memfd of its FUSE_INIT (the caller's to close).
 * 0 or -errno. */
int efs_handover(const struct efs *fs, struct efs_conn *out);

/* The fd to poll for POLLPRI: the mount table changed (-1: none). */
int efs_watch_fd(const struct efs *fs);

/* After the mount table changed: when the mount was taken away from
 * outside, log it and mount again. Returns 0 when nothing changed, 1 when
 * mounted again (a new connection), or -errno (logged) when it cannot be
 * mounted again. */
int efs_check(struct efs *fs);

/* Stop the threads and free (NULL is fine). With @keep, the mount stays
 * and its connection lives on in the fds handed over (efs_handover); a
 * request that comes meanwhile waits for the next energyd. Otherwise it is
 * unmounted. */
void efs_stop(struct efs *fs, bool keep);

#endif /* ENERGY_FS_H */
