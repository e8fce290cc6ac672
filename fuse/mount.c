// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mount's life: prepare the mount point, mount and serve from a
 * thread of sessions; notice when the mount is taken away from outside
 * and mount again; abort a connection whose tree is still in use when its
 * session must end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "efs.h"
#include "fs.h"
#include "log.h"

/* Worker threads kept waiting for requests, and the most there are. */
#define EFS_IDLE_THREADS	10
#define EFS_MAX_THREADS		16
#define FUSECTL_DIR		"/sys/fs/fuse/connections"
#define MOUNT_OPTS		"allow_other,fsname=energyd,subtype=energyd"

/* Whether @mp is a mount whose daemon is gone: it answers ENOTCONN (its
 * attributes may still be cached, so the directory is opened too). */
static bool stale(const char *mp)
{
	struct stat st;
	DIR *d;

	if (stat(mp, &st))
		return errno == ENOTCONN;
	d = opendir(mp);
	if (d) {
		closedir(d);
		return false;
	}
	return errno == ENOTCONN;
}

/* A stale mount (its daemon was killed): detach it. An existing directory
 * must be empty; a missing one is created. */
static int prepare_mountpoint(const char *mp)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (stale(mp)) {
		if (umount2(mp, MNT_DETACH)) {
			log_err("%s: cannot detach the stale mount: %s", mp,
				strerror(errno));
			return -errno;
		}
		log_info("%s: detached a stale mount left by an earlier energyd", mp);
	}
	if (stat(mp, &st)) {
		if (errno != ENOENT || mkdir(mp, 0755)) {
			log_err("%s: %s", mp, strerror(errno));
			return -errno;
		}
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("%s: not a directory", mp);
		return -ENOTDIR;
	}
	d = opendir(mp);
	if (!d) {
		log_err("%s: %s", mp, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			break;
	closedir(d);
	if (de) {
		log_err("%s: not empty; refusing to mount over it", mp);
		return -ENOTEMPTY;
	}
	return 0;
}

/* Whether energyd's file system is mounted at fs->mountpoint, as the
 * daemon's mount namespace lists it now. */
static bool mounted(struct efs *fs)
{
	char *text = NULL, mnt[PATH_MAX];
	bool found = false, root;
	ssize_t len;

	len = caller_read_file(AT_FDCWD, "/proc/self/mountinfo", &text);
	for (char *l = text, *end; len > 0 && l && *l && !found; l = end) {
		end = strchr(l, '\n');
		if (end)
			*end++ = '\0';
		found = caller_parse_mountinfo_line(l, "fuse.energyd", mnt,
						    sizeof(mnt), &root) == 1 &&
			!strcmp(mnt, fs->mountpoint);
	}
	free(text);
	/* When mountinfo cannot be read, nothing is known to be wrong. */
	return found || len <= 0;
}

/* End connection fs->conn at once, answering every request still in it
 * with ENOTCONN, so that the session's threads return. */
static void conn_abort(struct efs *fs)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), FUSECTL_DIR "/%u/abort", fs->conn);
	if (access(FUSECTL_DIR "/", F_OK) == 0 && access(path, F_OK) &&
	    mount("fusectl", FUSECTL_DIR, "fusectl", 0, NULL) && errno != EBUSY)
		log_debug(FUSECTL_DIR ": %s", strerror(errno));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;		/* the connection has ended already */
	if (write(fd, "1", 1) != 1)
		log_warn("%s: %s", path, strerror(errno));
	close(fd);
}

static void *loop_thread(void *arg)
{
	struct efs *fs = arg;

	fuse_session_loop_mt(fs->se, fs->loop_cfg);
	return NULL;
}

/* Mount a new session at fs->mountpoint and serve it; 0 or -errno,
 * logged. */
static int session_up(struct efs *fs)
{
	char *argv[] = { "energyd", "-o", MOUNT_OPTS, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct stat st;
	int err;

	err = prepare_mountpoint(fs->mountpoint);
	if (err)
		return err;
	fs->se = fuse_session_new(&args, &efs_ops, sizeof(efs_ops), fs);
	fuse_opt_free_args(&args);	/* what the session added to them */
	if (!fs->se) {
		log_err("cannot create the FUSE session");
		return -EIO;
	}
	if (fuse_session_mount(fs->se, fs->mountpoint)) {
		log_err("%s: cannot mount (is /dev/fuse there?)", fs->mountpoint);
		err = -EIO;
		goto fail;
	}
	err = -pthread_create(&fs->thread, NULL, loop_thread, fs);
	if (err) {
		log_err("cannot start the FUSE thread: %s", strerror(-err));
		fuse_session_unmount(fs->se);
		goto fail;
	}
	fs->running = true;
	/* The connection's number in fusectl is its device's; stat only
	 * now, as the mount answers only once the loop runs. */
	fs->conn = stat(fs->mountpoint, &st) ? 0 : minor(st.st_dev);
	return 0;
fail:
	fuse_session_destroy(fs->se);
	fs->se = NULL;
	return err;
}

/* Stop serving: detach the mount (when still there) and end the session. */
static void session_down(struct efs *fs)
{
	if (!fs->se)
		return;
	if (fs->running) {
		fuse_session_exit(fs->se);
		/* Detaching ends the connection once nobody uses the tree;
		 * aborting ends it when somebody still does. Either way
		 * the loop's reads fail and its threads return. */
		if (mounted(fs) && umount2(fs->mountpoint, MNT_DETACH))
			log_warn("%s: unmount: %s", fs->mountpoint, strerror(errno));
		conn_abort(fs);
		pthread_join(fs->thread, NULL);
		fs->running = false;
	}
	fuse_session_unmount(fs->se);
	fuse_session_destroy(fs->se);
	fs->se = NULL;
}

int efs_start(struct efs **out, const char *mountpoint, struct view *v)
{
	struct efs *fs;
	int err;

	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->v = v;
	fs->mountinfo_fd = -1;
	files_init(&fs->files);
	efs_build_tree(fs);
	err = caller_env_init(&fs->env);
	if (err) {
		log_err("cannot read the daemon's namespaces: %s", strerror(-err));
		goto fail;
	}
	fs->mountpoint = strdup(mountpoint);
	fs->loop_cfg = fuse_loop_cfg_create();
	if (!fs->mountpoint || !fs->loop_cfg) {
		err = -ENOMEM;
		goto fail;
	}
	fuse_loop_cfg_set_clone_fd(fs->loop_cfg, 0);
	fuse_loop_cfg_set_idle_threads(fs->loop_cfg, EFS_IDLE_THREADS);
	fuse_loop_cfg_set_max_threads(fs->loop_cfg, EFS_MAX_THREADS);
	fs->mountinfo_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fs->mountinfo_fd < 0)
		log_warn("/proc/self/mountinfo: %s: an unmount from outside goes unnoticed",
			 strerror(errno));
	err = session_up(fs);
	if (err)
		goto fail;
	*out = fs;
	return 0;
fail:
	efs_stop(fs);
	return err;
}

int efs_watch_fd(const struct efs *fs)
{
	return fs ? fs->mountinfo_fd : -1;
}

int efs_check(struct efs *fs)
{
	if (!fs || mounted(fs))
		return 0;
	log_warn("%s: unmounted from outside energyd; mounting it again",
		 fs->mountpoint);
	session_down(fs);
	return session_up(fs);
}

void efs_stop(struct efs *fs)
{
	if (!fs)
		return;
	session_down(fs);
	if (fs->loop_cfg)
		fuse_loop_cfg_destroy(fs->loop_cfg);
	if (fs->mountinfo_fd >= 0)
		close(fs->mountinfo_fd);
	files_fini(&fs->files);
	caller_env_fini(&fs->env);
	free(fs->mountpoint);
	free(fs);
}
