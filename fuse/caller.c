// SPDX-License-Identifier: GPL-2.0-only
/*
 * Caller identity from /proc. Every file of one process is read through a
 * directory fd on /proc/PID opened once, so a pid reused in the middle of a
 * lookup makes the lookup fail (ENOENT/ESRCH) instead of mixing up two
 * processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include <linux/nsfs.h>

#include "caller.h"

ssize_t caller_read_file(int dirfd, const char *path, char **out)
{
	size_t size = 4096, used = 0;
	char *buf, *bigger;
	ssize_t ret;
	int fd;

	*out = NULL;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(size);
	if (!buf) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		ssize_t n;

		if (used + 1 == size) {
			if (size >= CALLER_FILE_MAX) {
				ret = -EFBIG;
				goto cleanup;
			}
			size *= 2;
			bigger = realloc(buf, size);
			if (!bigger) {
				ret = -ENOMEM;
				goto cleanup;
			}
			buf = bigger;
		}
		n = read(fd, buf + used, size - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto cleanup;
		}
		if (!n)
			break;
		used += n;
	}
	buf[used] = '\0';
	*out = buf;
	buf = NULL;
	ret = used;
cleanup:
	free(buf);
	close(fd);
	return ret;
}

/* The text after "@key:" at the start of a line of @text, or NULL. */
static const char *status_field(const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ':')
			return p + klen + 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool at_eol(const char *p)
{
	while (is_blank(*p))
		p++;
	return *p == '\n' || *p == '\0';
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int caller_parse_cap_eff(const char *status_text, __u64 *caps)
{
	const char *p = status_field(status_text, "CapEff");
	__u64 v = 0;
	int digits = 0, d;

	if (!p)
		return -ENOENT;
	while (is_blank(*p))
		p++;
	for (; (d = hex_digit(*p)) >= 0; p++) {
		if (++digits > 16)
			return -EINVAL;
		v = v << 4 | d;
	}
	if (!digits || !at_eol(p))
		return -EINVAL;
	*caps = v;
	return 0;
}

int caller_parse_ids(const char *status_text, const char *key,
		     unsigned int ids[4])
{
	const char *p = status_field(status_text, key);
	unsigned int v[4];

	if (!p)
		return -ENOENT;
	for (int i = 0; i < 4; i++) {
		unsigned long long x = 0;
		int digits = 0;

		while (is_blank(*p))
			p++;
		for (; *p >= '0' && *p <= '9'; p++) {
			x = x * 10 + (*p - '0');
			if (++digits > 10 || x > 0xffffffffULL)
				return -EINVAL;
		}
		if (!digits)
			return -EINVAL;
		v[i] = x;
	}
	if (!at_eol(p))
		return -EINVAL;
	memcpy(ids, v, sizeof(v));
	return 0;
}

int caller_parse_nspid(const char *status_text, pid_t *pids, int max)
{
	const char *p = status_field(status_text, "NSpid");
	int n = 0;

	if (!p)
		return -ENOENT;
	for (;;) {
		long v = 0;
		int digits = 0;

		while (is_blank(*p))
			p++;
		if (*p == '\n' || *p == '\0')
			break;
		for (; *p >= '0' && *p <= '9'; p++, digits++) {
			v = v * 10 + (*p - '0');
			if (v > INT_MAX)
				return -EINVAL;
		}
		if (!digits || v <= 0 || !(is_blank(*p) || *p == '\n' || !*p))
			return -EINVAL;
		if (n == max)
			return -E2BIG;
		pids[n++] = v;
	}
	return n ? n : -EINVAL;
}

int caller_parse_cgroup2_path(const char *cgroup_text, char *path, size_t len)
{
	const char *line = cgroup_text, *found = NULL;
	size_t found_len = 0;

	if (!*cgroup_text)
		return -EINVAL;
	while (*line) {
		const char *eol = strchrnul(line, '\n');
		const char *p = line, *ctl, *c2;
		bool zero;

		if (eol == line) {		/* empty line: the last one */
			line = *eol ? eol + 1 : eol;
			continue;
		}
		/* hierarchy-ID:controller-list:cgroup-path */
		while (p < eol && *p >= '0' && *p <= '9')
			p++;
		if (p == line || p == eol || *p != ':')
			return -EINVAL;
		zero = p - line == 1 && *line == '0';
		ctl = p + 1;
		c2 = memchr(ctl, ':', eol - ctl);
		if (!c2 || c2 + 1 == eol || c2[1] != '/')
			return -EINVAL;
		if (zero) {
			if (c2 != ctl || found)	/* v2: no controllers, once */
				return -EINVAL;
			found = c2 + 1;
			found_len = eol - found;
		}
		line = *eol ? eol + 1 : eol;
	}
	if (!found)
		return -ENOENT;
	if (found_len >= len)
		return -ENAMETOOLONG;
	memcpy(path, found, found_len);
	path[found_len] = '\0';
	return 0;
}

/* Next space-separated field of a line from *@p: its start and length. */
static bool next_field(const char **p, const char **start, size_t *flen)
{
	const char *s = *p;

	while (*s == ' ')
		s++;
	if (*s == '\0' || *s == '\n')
		return false;
	*start = s;
	while (*s && *s != ' ' && *s != '\n')
		s++;
	*flen = s - *start;
	*p = s;
	return true;
}

/* Copy field @f of @flen bytes into @out, undoing "\ooo" escapes. */
static int unescape(const char *f, size_t flen, char *out, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < flen; i++) {
		char ch = f[i];

		if (ch == '\\' && i + 3 < flen &&
		    f[i + 1] >= '0' && f[i + 1] <= '3' &&
		    f[i + 2] >= '0' && f[i + 2] <= '7' &&
		    f[i + 3] >= '0' && f[i + 3] <= '7') {
			ch = (f[i + 1] - '0') << 6 | (f[i + 2] - '0') << 3 |
			     (f[i + 3] - '0');
			i += 3;
		}
		if (o + 1 >= len)
			return -ENAMETOOLONG;
		out[o++] = ch;
	}
	out[o] = '\0';
	return 0;
}

int caller_parse_mountinfo_line(const char *line, const char *fstype,
				char *mnt, size_t len, bool *is_root)
{
	const char *p = line, *f[5], *fs;
	size_t fl[5], fslen;
	bool sep = false;
	int i, ret;

	/* mount-ID parent-ID major:minor root mount-point options ... */
	for (i = 0; i < 5; i++)
		if (!next_field(&p, &f[i], &fl[i]))
			return -EINVAL;
	/* ... optional fields, "-", fs-type source super-options */
	while (next_field(&p, &fs, &fslen)) {
		if (fslen == 1 && *fs == '-') {
			sep = true;
			break;
		}
	}
	if (!sep || !next_field(&p, &fs, &fslen))
		return -EINVAL;
	if (fslen != strlen(fstype) || memcmp(fs, fstype, fslen))
		return 0;
	ret = unescape(f[4], fl[4], mnt, len);
	if (ret < 0)
		return ret;
	*is_root = fl[3] == 1 && f[3][0] == '/';
	return 1;
}

/* Find the cgroup2 mount point in @proc/self/mountinfo into *@out. */
static int find_cgroup2(const char *proc, char **out)
{
	char path[PATH_MAX], mnt[PATH_MAX];
	char *line = NULL, *best = NULL;
	bool best_root = false, is_root;
	size_t cap = 0;
	FILE *f = NULL;
	int ret;

	ret = snprintf(path, sizeof(path), "%s/self/mountinfo", proc);
	if (ret < 0 || (size_t)ret >= sizeof(path)) {
		ret = -ENAMETOOLONG;
		goto cleanup;
	}
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		goto cleanup;
	}
	while (getline(&line, &cap, f) > 0) {
		/* malformed lines are skipped: one odd mount must not matter */
		if (caller_parse_mountinfo_line(line, "cgroup2", mnt, sizeof(mnt),
						&is_root) != 1)
			continue;
		if (best && (best_root || !is_root))
			continue;
		free(best);
		best = strdup(mnt);
		if (!best) {
			ret = -ENOMEM;
			goto cleanup;
		}
		best_root = is_root;
	}
	if (ferror(f)) {
		ret = -EIO;
		goto cleanup;
	}
	ret = best ? 0 : -ENOENT;
	*out = best;
	best = NULL;
cleanup:
	free(best);
	free(line);
	if (f)
		fclose(f);
	return ret;
}

/* stat() @proc/self/ns/@name into @dev and @ino. */
static int own_ns(const char *proc, const char *name, dev_t *dev, ino_t *ino)
{
	char path[PATH_MAX];
	struct stat st;
	int ret;

	ret = snprintf(path, sizeof(path), "%s/self/ns/%s", proc, name);
	if (ret < 0 || (size_t)ret >= sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &st))
		return -errno;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

int caller_env_init(struct caller_env *env)
{
	int ret;

	env->cgroup2_alloc = NULL;
	if (!env->proc)
		env->proc = "/proc";
	ret = own_ns(env->proc, "user", &env->own_userns_dev,
		     &env->own_userns_ino);
	if (ret < 0)
		goto cleanup;
	ret = own_ns(env->proc, "pid", &env->own_pidns_dev,
		     &env->own_pidns_ino);
	if (ret < 0)
		goto cleanup;
	if (!env->cgroup2) {
		ret = find_cgroup2(env->proc, &env->cgroup2_alloc);
		if (ret < 0 && ret != -ENOENT)
			goto cleanup;
		env->cgroup2 = env->cgroup2_alloc;
	}
	ret = 0;
cleanup:
	return ret;
}

void caller_env_fini(struct caller_env *env)
{
	if (env->cgroup2_alloc && env->cgroup2 == env->cgroup2_alloc)
		env->cgroup2 = NULL;
	free(env->cgroup2_alloc);
	env->cgroup2_alloc = NULL;
}

/* A file of a process that is not there means the process is gone. */
static int gone(int err)
{
	return err == -ENOENT ? -ESRCH : err;
}

/* An O_PATH fd on @env->proc/@pid, or -ESRCH / -errno. */
static int open_pid_dir(const struct caller_env *env, pid_t pid)
{
	char path[PATH_MAX];
	int ret, fd;

	if (pid <= 0)
		return -ESRCH;
	ret = snprintf(path, sizeof(path), "%s/%d", env->proc, (int)pid);
	if (ret < 0 || (size_t)ret >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return gone(-errno);
	return fd;
}

/* Whether a cgroup path has a ".." component (outside our cgroup ns). */
static bool climbs(const char *path)
{
	const char *p = path;

	while ((p = strstr(p, "/..")) != NULL) {
		if (p[3] == '/' || p[3] == '\0')
			return true;
		p += 3;
	}
	return false;
}

/*
 * The cgroup2 id of the process at @piddir into @id: 0 when unknown.
 * Returns -ESRCH if the process is gone, else 0.
 */
static int cgroup_id_of(const struct caller_env *env, int piddir, __u64 *id)
{
	char cg[PATH_MAX], full[PATH_MAX];
	char *text = NULL;
	struct stat st;
	ssize_t len;
	int ret = 0;

	*id = 0;
	if (!env->cgroup2)
		goto cleanup;
	len = caller_read_file(piddir, "cgroup", &text);
	if (len < 0) {
		if (len == -ESRCH || len == -ENOENT)
			ret = -ESRCH;
		goto cleanup;
	}
	if (caller_parse_cgroup2_path(text, cg, sizeof(cg)) < 0 || climbs(cg))
		goto cleanup;
	len = snprintf(full, sizeof(full), "%s%s", env->cgroup2,
		       strcmp(cg, "/") ? cg : "");
	if (len < 0 || (size_t)len >= sizeof(full))
		goto cleanup;
	/* a removed cgroup (" (deleted)") or a race: unknown */
	if (stat(full, &st) || !S_ISDIR(st.st_mode))
		goto cleanup;
	*id = st.st_ino;
cleanup:
	free(text);
	return ret;
}

int caller_identify(const struct caller_env *env, pid_t pid, uid_t uid,
		    gid_t gid, struct caller *c)
{
	pid_t nspid[CALLER_NSPID_MAX];
	char *status = NULL;
	struct stat st;
	bool own_userns;
	ssize_t len;
	__u64 caps;
	int dir, n, ret;

	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->uid = uid;
	c->gid = gid;
	dir = open_pid_dir(env, pid);
	if (dir < 0)
		return dir;
	len = caller_read_file(dir, "status", &status);
	if (len < 0) {
		ret = gone(len);
		goto cleanup;
	}
	ret = caller_parse_cap_eff(status, &caps);
	if (ret < 0) {
		ret = -EINVAL;
		goto cleanup;
	}
	n = caller_parse_nspid(status, nspid, CALLER_NSPID_MAX);
	if (n < 0) {
		ret = -EINVAL;
		goto cleanup;
	}
	if (fstatat(dir, "ns/user", &st, 0)) {
		ret = gone(-errno);
		goto cleanup;
	}
	own_userns = st.st_dev == env->own_userns_dev &&
		     st.st_ino == env->own_userns_ino;
	c->privileged = own_userns && (caps & (1ULL << CAP_SYS_ADMIN));
	c->ptrace_all = own_userns && (caps & (1ULL << CAP_SYS_PTRACE));
	if (fstatat(dir, "ns/pid", &st, 0)) {
		ret = gone(-errno);
		goto cleanup;
	}
	c->pidns_dev = st.st_dev;
	c->pidns_ino = st.st_ino;
	c->pidns_level = n - 1;
	ret = cgroup_id_of(env, dir, &c->cgroup_id);
cleanup:
	free(status);
	close(dir);
	return ret;
}

bool caller_may_read_io(const struct caller_env *env, const struct caller *c,
			pid_t host_pid)
{
	unsigned int uid[4], gid[4];
	char *status = NULL;
	struct stat st;
	bool ok = false;
	int dir;

	if (c->ptrace_all || host_pid == c->pid)
		return true;
	dir = open_pid_dir(env, host_pid);
	if (dir < 0)
		return false;
	if (caller_read_file(dir, "status", &status) < 0 ||
	    caller_parse_ids(status, "Uid", uid) || caller_parse_ids(status, "Gid", gid))
		goto out;
	/* real, effective and saved ids all the reader's */
	for (int i = 0; i < 3; i++)
		if (uid[i] != c->uid || gid[i] != c->gid)
			goto out;
	/* dumpable: a process that is not has its /proc directory owned by
	 * root, not by its effective uid */
	ok = !fstat(dir, &st) && st.st_uid == uid[1];
out:
	free(status);
	close(dir);
	return ok;
}

pid_t caller_pid_in_ns(const struct caller_env *env, const struct caller *c,
		       pid_t host_pid)
{
	pid_t nspid[CALLER_NSPID_MAX], ret = 0;
	int dir, nsfd = -1, n, level;
	char *status = NULL;
	struct stat st;

	if (c->pidns_dev == env->own_pidns_dev &&
	    c->pidns_ino == env->own_pidns_ino)
		return host_pid;
	dir = open_pid_dir(env, host_pid);
	if (dir < 0)
		return 0;
	if (caller_read_file(dir, "status", &status) < 0)
		goto cleanup;
	n = caller_parse_nspid(status, nspid, CALLER_NSPID_MAX);
	/* visible only from its own level and the levels above it */
	if (n <= c->pidns_level || c->pidns_level < 0)
		goto cleanup;
	nsfd = openat(dir, "ns/pid", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || fstat(nsfd, &st))
		goto cleanup;
	if (st.st_dev == c->pidns_dev && st.st_ino == c->pidns_ino) {
		ret = nspid[n - 1];	/* the caller's own namespace */
		goto cleanup;
	}
	for (level = n - 1; level > c->pidns_level; level--) {
		int parent = ioctl(nsfd, NS_GET_PARENT);

		if (parent < 0)
			goto cleanup;
		close(nsfd);
		nsfd = parent;
	}
	if (fstat(nsfd, &st))
		goto cleanup;
	if (st.st_dev == c->pidns_dev && st.st_ino == c->pidns_ino)
		ret = nspid[c->pidns_level];
cleanup:
	if (nsfd >= 0)
		close(nsfd);
	free(status);
	close(dir);
	return ret;
}
