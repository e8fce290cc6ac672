// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mount's life: prepare the mount point, mount, or take over the
 * connection an energyd before this one handed over; notice when the mount
 * is taken away from outside and mount again; at the end, keep the
 * connection for the next energyd, or unmount and abort a connection whose
 * tree is still in use.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "efs.h"
#include "fs.h"
#include "log.h"

#define FUSECTL_DIR		"/sys/fs/fuse/connections"
#define FSNAME			"energyd"

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
 * daemon's mount namespace lists it now; when it is, its device's minor
 * (the connection's number in fusectl) into @minor, if not NULL. */
static bool mount_lookup(struct efs *fs, unsigned int *minor)
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
		/* "ID PARENT MAJOR:MINOR ..." */
		if (found && minor && sscanf(l, "%*u %*u %*u:%u", minor) != 1)
			*minor = 0;
	}
	free(text);
	/* When mountinfo cannot be read, nothing is known to be wrong. */
	return found || len <= 0;
}

static bool mounted(struct efs *fs)
{
	return mount_lookup(fs, NULL);
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

/* Stop serving. A connection kept for the next energyd stays mounted,
 * every request in it answered or still queued; otherwise the mount is
 * detached (when still there), what is queued is served, and what comes
 * after is ended with ENOTCONN. */
static void session_down(struct efs *fs, bool keep)
{
	if (!fs->se)
		return;
	if (!keep && mounted(fs) && umount2(fs->mountpoint, MNT_DETACH))
		log_warn("%s: unmount: %s", fs->mountpoint, strerror(errno));
	efs_loop_stop(fs);
	if (!keep)
		conn_abort(fs);
	fuse_session_destroy(fs->se);	/* closes the fd */
	fs->se = NULL;
	free(fs->init_req);
	fs->init_req = NULL;
}

/* A new connection mounted at @mp; its /dev/fuse fd, or -errno (logged).
 * The mount libfuse makes as root: nosuid, nodev, open to all. */
static int mount_new(const char *mp)
{
	char opts[128];
	int fd, err;

	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		log_err("/dev/fuse: %s", strerror(errno));
		return -errno;
	}
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
	if (mount(FSNAME, mp, "fuse." FSNAME, MS_NOSUID | MS_NODEV, opts)) {
		err = -errno;
		log_err("%s: cannot mount: %s", mp, strerror(errno));
		close(fd);
		return err;
	}
	return fd;
}

/* The connection in @adopt, when it can be served: its fds are taken
 * (kept in fs, or closed). Returns its /dev/fuse fd or -1. */
static int adopt_conn(struct efs *fs, struct efs_conn *adopt)
{
	int fd = adopt->dev_fd, err;

	adopt->dev_fd = -1;
	err = adopt->init_fd >= 0 ? efs_init_load(fs, adopt->init_fd) : -ENODATA;
	if (adopt->init_fd >= 0)
		close(adopt->init_fd);
	adopt->init_fd = -1;
	if (!err && mounted(fs))
		return fd;
	log_warn("%s: the connection handed over %s; mounting anew",
		 fs->mountpoint, err ? "comes without a valid INIT" :
		 "is not mounted there any more");
	close(fd);
	free(fs->init_req);
	fs->init_req = NULL;
	return -1;
}

/* Serve a connection: the one in @adopt (NULL: none) that an earlier
 * energyd handed over, or a new one mounted at fs->mountpoint. 0 or
 * -errno, logged. */
static int session_up(struct efs *fs, struct efs_conn *adopt)
{
	char *argv[] = { FSNAME, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	unsigned int conn;
	int fd = -1, err;

	if (adopt && adopt->dev_fd >= 0)
		fd = adopt_conn(fs, adopt);
	fs->adopted = fd >= 0;
	if (!fs->adopted) {
		err = prepare_mountpoint(fs->mountpoint);
		if (err)
			return err;
	}
	fs->se = fuse_session_new(&args, &efs_ops, sizeof(efs_ops), fs);
	fuse_opt_free_args(&args);	/* what the session added to them */
	if (!fs->se) {
		log_err("cannot create the FUSE session");
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	if (fd < 0)
		fd = mount_new(fs->mountpoint);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	err = efs_session_io(fs, fd);
	if (err) {
		log_err("cannot serve %s: %s", fs->mountpoint, strerror(-err));
		close(fd);
		goto fail;
	}
	if (fs->adopted) {
		efs_init_replay(fs);
		efs_resend(fs);
	}
	err = efs_loop_start(fs);
	if (err) {
		log_err("cannot start the FUSE threads: %s", strerror(-err));
		goto fail;
	}
	/* The connection's number in fusectl is its device's, as the mount
	 * table has it: a stat of the mount would be a request of the
	 * daemon's to itself, one that hangs while the threads cannot
	 * answer (under valgrind, which holds its lock over the stat). */
	conn = 0;
	fs->conn = mount_lookup(fs, &conn) ? conn : 0;
	/* The kernel sent FUSE_INIT at the mount: once a thread has read
	 * it, the connection can be handed over (efs_handover). */
	for (int i = 0; i < 500; i++) {
		if (__atomic_load_n(&fs->init_req, __ATOMIC_ACQUIRE))
			break;
		usleep(10000);
	}
	if (fs->adopted)
		log_info("%s: serving the connection an earlier energyd handed over",
			 fs->mountpoint);
	return 0;
fail:
	session_down(fs, false);
	return err;
}

int efs_start(struct efs **out, const char *mountpoint, struct view *v,
	      struct efs_conn *adopt)
{
	struct efs *fs;
	int err;

	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->v = v;
	fs->mountinfo_fd = -1;
	fs->stop_fd = -1;
	files_init(&fs->files);
	/* This energyd's handles, told from those of one before it. */
	if (getrandom(&fs->files.tag, sizeof(fs->files.tag), 0) !=
	    sizeof(fs->files.tag))
		fs->files.tag = getpid();
	efs_build_tree(fs);
	err = caller_env_init(&fs->env);
	if (err) {
		log_err("cannot read the daemon's namespaces: %s", strerror(-err));
		goto fail;
	}
	fs->mountpoint = strdup(mountpoint);
	if (!fs->mountpoint) {
		err = -ENOMEM;
		goto fail;
	}
	fs->mountinfo_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fs->mountinfo_fd < 0)
		log_warn("/proc/self/mountinfo: %s: an unmount from outside goes unnoticed",
			 strerror(errno));
	err = session_up(fs, adopt);
	if (err)
		goto fail;
	*out = fs;
	return 0;
fail:
	efs_stop(fs, false);
	return err;
}

int efs_watch_fd(const struct efs *fs)
{
	return fs ? fs->mountinfo_fd : -1;
}

int efs_check(struct efs *fs)
{
	int err;

	if (!fs || mounted(fs))
		return 0;
	log_warn("%s: unmounted from outside energyd; mounting it again",
		 fs->mountpoint);
	session_down(fs, false);
	err = session_up(fs, NULL);
	return err ?: 1;
}

bool efs_adopted(const struct efs *fs)
{
	return fs && fs->adopted;
}

int efs_handover(const struct efs *fs, struct efs_conn *out)
{
	out->dev_fd = out->init_fd = -1;
	if (!fs || !fs->se)
		return -ENOTCONN;
	out->init_fd = efs_init_save(fs);
	if (out->init_fd < 0)
		return out->init_fd;
	out->dev_fd = fuse_session_fd(fs->se);
	return 0;
}

void efs_stop(struct efs *fs, bool keep)
{
	if (!fs)
		return;
	session_down(fs, keep);
	if (fs->mountinfo_fd >= 0)
		close(fs->mountinfo_fd);
	files_fini(&fs->files);
	caller_env_fini(&fs->env);
	free(fs->mountpoint);
	free(fs);
}
