/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside fuse/: the filesystem's state, shared by the request handlers
 * (fs.c) and the mount's life (mount.c).
 */
#ifndef ENERGY_EFS_H
#define ENERGY_EFS_H

#define FUSE_USE_VERSION 312

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <fuse_lowlevel.h>

#include "caller.h"
#include "files.h"
#include "view.h"

enum {
	INO_ROOT = FUSE_ROOT_ID,
	INO_ALL,
	INO_CGROUP,
	INO_SYS,
	INO_METRICS,
	INO_ALL_JSON,
	INO_CGROUP_JSON,
	INO_PARAMS,
	INO_PARAM0,		/* + enum param_id */
	INO_END = INO_PARAM0 + P_MAX,
};

enum access_rule {
	ACC_ANYONE,		/* read by anyone */
	ACC_PRIVILEGED,		/* CAP_SYS_ADMIN in the initial user ns */
	ACC_PARAM,		/* read by anyone, written by the privileged */
};

struct node {
	fuse_ino_t parent;
	const char *name;
	mode_t mode;
	enum access_rule rule;
};

struct efs {
	struct view *v;
	struct caller_env env;
	struct file_table files;
	struct node nodes[INO_END];
	char *mountpoint;
	struct fuse_loop_config *loop_cfg;
	int mountinfo_fd;		/* polled for changes of the mounts */
	/* The session serving the mount now. */
	struct fuse_session *se;
	pthread_t thread;
	bool running;			/* the thread was started */
	unsigned int conn;		/* its connection in fusectl */
};

/* The request handlers. */
extern const struct fuse_lowlevel_ops efs_ops;

/* Fill fs->nodes: the files and directories served. */
void efs_build_tree(struct efs *fs);

#endif /* ENERGY_EFS_H */
