/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cgroup2 path of a cgroup id, as the filesystem under the cgroup2
 * mount names it ("/system.slice/docker-<id>.scope"), found by opening the
 * id as a kernfs file handle and cached per id.
 */
#ifndef ENERGY_CGPATH_H
#define ENERGY_CGPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct cgpath_entry {
	__u64 id;
	char *path;		/* NULL: could not be told (removed) */
	__u64 seen;		/* the generation that last asked for it */
};

struct cgpath {
	int mnt_fd;		/* the cgroup2 mount; -1: none */
	char *mnt;		/* its path, stripped from what is found */
	struct cgpath_entry *v;	/* sorted by id */
	size_t n, cap;
	__u64 gen;
};

/* Find the cgroup2 mount. Without one every path is unknown; 0 or
 * -ENOMEM. */
int cgpath_init(struct cgpath *c);

/* Free the cache. */
void cgpath_fini(struct cgpath *c);

/* The path of cgroup @id, NULL when unknown; valid until cgpath_prune. */
const char *cgpath_of(struct cgpath *c, __u64 id);

/* Whether cgroup @id was removed (its handle is stale); false when it
 * exists or nothing can be told (no cgroup2 mount, another error). @ctx
 * is the struct cgpath, for table_prune_cgroups(). */
bool cgpath_gone(void *ctx, __u64 id);

/* Forget the ids not asked for since the last prune. */
void cgpath_prune(struct cgpath *c);

#endif /* ENERGY_CGPATH_H */
