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

#include "access.h"
#include "caller.h"
#include "files.h"
#include "view.h"

/* Threads reading requests: handlers never wait, so a few suffice. */
#define EFS_THREADS	6

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
	int mountinfo_fd;		/* polled for changes of the mounts */
	/* The session serving the mount now, and its threads (loop.c). */
	struct fuse_session *se;
	pthread_t threads[EFS_THREADS];
	int nthreads;
	int stop_fd;			/* eventfd: readable once they stop */
	bool stopping;
	bool adopted;			/* handed over by an earlier energyd */
	void *init_req;			/* the connection's FUSE_INIT */
	size_t init_len;
	unsigned int conn;		/* its connection in fusectl */
};

/* The session's threads and the connection's handover (loop.c). */

/* Read and answer requests on @dev_fd (made non-blocking) through the
 * threads' own I/O. 0 or -errno. */
int efs_session_io(struct efs *fs, int dev_fd);

/* Start EFS_THREADS threads serving fs->se; 0 or -errno. */
int efs_loop_start(struct efs *fs);

/* Stop them between requests, none read and left unanswered. */
void efs_loop_stop(struct efs *fs);

/* A sealed memfd holding the connection's FUSE_INIT, for a successor;
 * the fd or -errno. */
int efs_init_save(const struct efs *fs);

/* The FUSE_INIT in such a memfd into fs->init_req; 0 or -EINVAL. */
int efs_init_load(struct efs *fs, int init_fd);

/* Hand fs->init_req to the new session, as if the kernel sent it. */
void efs_init_replay(struct efs *fs);

/* Ask the kernel to queue again what a dead energyd read unanswered. */
void efs_resend(const struct efs *fs);

/* The request handlers. */
extern const struct fuse_lowlevel_ops efs_ops;

/* The attributes of node @ino into @st (fs.c). */
void node_stat(const struct efs *fs, fuse_ino_t ino, struct stat *st);

/* Whether @ino is a node of the tree. */
static inline bool node_valid(fuse_ino_t ino)
{
	return ino >= INO_ROOT && ino < INO_END;
}

/* Identify the caller of @req into @c: 0 when it may read all and write
 * params/, -EACCES when not, another -errno when it cannot be told
 * (refuse.c). */
int efs_check_privileged(struct efs *fs, fuse_req_t req, struct caller *c);

/* The handlers of what a reader may try beyond reading (refuse.c):
 * access(2), and the changes it gets refused with the errno each has. */
void efs_access(fuse_req_t req, fuse_ino_t ino, int mask);
void efs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		 int to_set, struct fuse_file_info *fi);
void efs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
	       mode_t mode, dev_t rdev);
void efs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
	       mode_t mode);
void efs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void efs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		 const char *name);
void efs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
	      const char *newname);
void efs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		fuse_ino_t newparent, const char *newname, unsigned int flags);
void efs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		mode_t mode, struct fuse_file_info *fi);
void efs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		  const char *value, size_t size, int flags);
void efs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);
void efs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
		   off_t length, struct fuse_file_info *fi);

/* Fill fs->nodes: the files and directories served. */
void efs_build_tree(struct efs *fs);

#endif /* ENERGY_EFS_H */
