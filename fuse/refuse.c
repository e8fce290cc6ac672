// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a reader may try on the mount beyond reading, and the answer each
 * gets. access(2) answers as open would (without a handler the kernel
 * says yes to everyone). The tree is fixed: names are neither made nor
 * removed (EPERM for root, EACCES for others, as the directories' modes
 * say), modes, owners and times do not change (EPERM), extended
 * attributes do not exist (EOPNOTSUPP), and a parameter is truncated to
 * zero only, by a caller who may write it (`echo v > params/x`).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "efs.h"

int efs_check_privileged(struct efs *fs, fuse_req_t req, struct caller *c)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	int err;

	err = caller_identify(&fs->env, ctx->pid, ctx->uid, ctx->gid, c);
	if (err)
		return err;
	return c->privileged ? 0 : -EACCES;
}

void efs_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct efs *fs = fuse_req_userdata(req);
	struct caller c;
	int err;

	if (!node_valid(ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	err = caller_identify(&fs->env, ctx->pid, ctx->uid, ctx->gid, &c) ?:
	      access_check(fs->nodes[ino].rule, fs->nodes[ino].mode,
			   c.privileged, mask);
	fuse_reply_err(req, -err);
}

void efs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		 int to_set, struct fuse_file_info *fi)
{
	struct efs *fs = fuse_req_userdata(req);
	struct caller c;
	struct stat st;
	int err;

	(void)fi;
	if (!node_valid(ino))
		err = -ENOENT;
	else if (to_set & ~FUSE_SET_ATTR_SIZE)
		err = -EPERM;		/* chmod, chown, utimes */
	else if (fs->nodes[ino].rule != ACC_PARAM)
		err = -EACCES;		/* as an open for writing */
	else
		err = efs_check_privileged(fs, req, &c);
	if (!err && attr->st_size != 0)
		err = -EINVAL;		/* a value is written, not sized */
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	node_stat(fs, ino, &st);
	fuse_reply_attr(req, &st, 1.0);
}

/* A change of the tree: refused as a directory of mode 0555 refuses it. */
static void refuse_change(fuse_req_t req)
{
	fuse_reply_err(req, fuse_req_ctx(req)->uid ? EACCES : EPERM);
}

void efs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
	       mode_t mode, dev_t rdev)
{
	(void)parent, (void)name, (void)mode, (void)rdev;
	refuse_change(req);
}

void efs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
	       mode_t mode)
{
	(void)parent, (void)name, (void)mode;
	refuse_change(req);
}

void efs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent, (void)name;
	refuse_change(req);
}

void efs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		 const char *name)
{
	(void)link, (void)parent, (void)name;
	refuse_change(req);
}

void efs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
	      const char *newname)
{
	(void)ino, (void)newparent, (void)newname;
	refuse_change(req);
}

void efs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	(void)parent, (void)name, (void)newparent, (void)newname, (void)flags;
	refuse_change(req);
}

void efs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		mode_t mode, struct fuse_file_info *fi)
{
	(void)parent, (void)name, (void)mode, (void)fi;
	refuse_change(req);
}

void efs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		  const char *value, size_t size, int flags)
{
	(void)ino, (void)name, (void)value, (void)size, (void)flags;
	fuse_reply_err(req, EOPNOTSUPP);
}

void efs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	(void)ino, (void)name;
	fuse_reply_err(req, EOPNOTSUPP);
}

void efs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
		   off_t length, struct fuse_file_info *fi)
{
	(void)ino, (void)mode, (void)offset, (void)length, (void)fi;
	fuse_reply_err(req, EOPNOTSUPP);
}
