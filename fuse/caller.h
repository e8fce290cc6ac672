/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who is calling: for the pid/uid/gid of a FUSE request (host pid
 * namespace), whether the caller is privileged, its cgroup2 id and its pid
 * namespace, and which pid a host pid has in that namespace. No libfuse;
 * everything is read under caller_env.proc, so tests can point it at
 * fixture directories. Thread-safe: no static buffers.
 *
 * Pid namespace levels count from the pid namespace of the /proc mount
 * (the daemon's own): 0 there, as in the "NSpid:" lines of /proc/PID/status.
 */
#ifndef ENERGY_CALLER_H
#define ENERGY_CALLER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

/* Most entries an "NSpid:" line can have (MAX_PID_NS_LEVEL + 1). */
#define CALLER_NSPID_MAX	33

/* Largest /proc file read whole (a status with a huge "Groups:" line). */
#define CALLER_FILE_MAX		(1 << 20)

struct caller {
	pid_t pid;		/* host pid (tid) from the request */
	uid_t uid;
	gid_t gid;
	bool privileged;	/* CAP_SYS_ADMIN in the initial user namespace */
	bool ptrace_all;	/* CAP_SYS_PTRACE there */
	__u64 cgroup_id;	/* cgroup2 id of the caller's cgroup, 0 if unknown */
	dev_t pidns_dev;	/* its pid namespace (stat of /proc/PID/ns/pid) */
	ino_t pidns_ino;
	int pidns_level;	/* 0 for the initial pid namespace */
};

/* Where to look: tests point these at fixture directories. */
struct caller_env {
	const char *proc;	/* "/proc" */
	const char *cgroup2;	/* cgroup2 mount point; NULL: find it */
	dev_t own_userns_dev;	/* the daemon's user namespace */
	ino_t own_userns_ino;
	dev_t own_pidns_dev;	/* the daemon's pid namespace */
	ino_t own_pidns_ino;
	char *cgroup2_alloc;	/* private: what caller_env_fini frees */
};

/*
 * Fill @env from /proc/self: own user and pid namespaces, and the cgroup2
 * mount point found in /proc/self/mountinfo. Zero @env first; a proc or
 * cgroup2 already set is kept (and proc's "self" is used). When no cgroup2
 * is mounted, cgroup2 stays NULL and cgroup ids read 0. Returns 0 or -errno.
 */
int caller_env_init(struct caller_env *env);

/* Free what caller_env_init allocated; @env may then be initialised again. */
void caller_env_fini(struct caller_env *env);

/*
 * Identify the caller of a request from host pid (tid) @pid and the
 * request's @uid/@gid into @c. Returns 0, -ESRCH if the pid vanished, or
 * another -errno (-EINVAL for a /proc file it cannot parse). An unknown
 * cgroup (none mounted, cgroup removed) is not an error: cgroup_id is 0.
 */
int caller_identify(const struct caller_env *env, pid_t pid, uid_t uid,
		    gid_t gid, struct caller *c);

/*
 * Whether @c could read /proc/@host_pid/io, as the kernel decides it
 * (ptrace read access with the reader's file system ids): itself, with
 * CAP_SYS_PTRACE in the initial user namespace, or when the process's
 * real, effective and saved uids and gids are all the reader's and it is
 * dumpable. False when the process is gone.
 */
bool caller_may_read_io(const struct caller_env *env, const struct caller *c,
			pid_t host_pid);

/*
 * The "Uid:" or "Gid:" line (@key "Uid" or "Gid") of /proc/PID/status text:
 * real, effective, saved and file system ids into @ids. Returns 0, -ENOENT
 * without such a line or -EINVAL when malformed.
 */
int caller_parse_ids(const char *status_text, const char *key,
		     unsigned int ids[4]);

/*
 * The pid that host pid @host_pid has in @c's pid namespace: @host_pid
 * itself when @c shares the daemon's pid namespace, else 0 when the process
 * is gone or not visible from there.
 */
pid_t caller_pid_in_ns(const struct caller_env *env, const struct caller *c,
		       pid_t host_pid);

/*
 * Read the whole of file @path (relative to directory fd @dirfd, or
 * absolute) into a NUL-terminated buffer that the caller frees, at most
 * CALLER_FILE_MAX bytes. Returns the length, or -errno (-EFBIG if larger).
 */
ssize_t caller_read_file(int dirfd, const char *path, char **out);

/*
 * The "CapEff:" mask of /proc/PID/status text into @caps. Returns 0,
 * -ENOENT without such a line or -EINVAL when it is not a hex mask.
 */
int caller_parse_cap_eff(const char *status_text, __u64 *caps);

/*
 * The "NSpid:" pids of /proc/PID/status text, outermost namespace first,
 * into @pids (room for @max). Returns the count (>= 1), -ENOENT without such
 * a line, -EINVAL when malformed or -E2BIG with more than @max entries.
 */
int caller_parse_nspid(const char *status_text, pid_t *pids, int max);

/*
 * The cgroup2 path of /proc/PID/cgroup text (its "0::/path" line, among any
 * v1 lines) into @path of @len bytes. Returns 0, -ENOENT without a "0::"
 * line, -EINVAL when a line is malformed or -ENAMETOOLONG.
 */
int caller_parse_cgroup2_path(const char *cgroup_text, char *path, size_t len);

/*
 * One line of /proc/PID/mountinfo: when it mounts a file system of type
 * @fstype ("cgroup2", "fuse.energyd"), its mount point (octal escapes
 * undone) into @mnt of @len bytes and whether it mounts the file system's
 * root into @is_root; returns 1. Returns 0 for another file system,
 * -EINVAL when malformed or -ENAMETOOLONG.
 */
int caller_parse_mountinfo_line(const char *line, const char *fstype,
				char *mnt, size_t len,
				bool *is_root);

#endif /* ENERGY_CALLER_H */
