// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caller.h"
#include "cgpath.h"
#include "log.h"

/* include/linux/exportfs.h: a kernfs node by its 64-bit id. */
#define FILEID_KERNFS	0xfe
/* The kernfs id of a cgroup hierarchy's root. */
#define CGROUP_ROOT_ID	1

/* The cgroup @id opened by its kernfs handle: an fd, or -errno (-ESTALE:
 * removed). */
static int open_id(const struct cgpath *c, __u64 id)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh = { .handle_bytes = sizeof(__u64), .handle_type = FILEID_KERNFS } };
	int fd;

	if (c->mnt_fd < 0)
		return -ENOENT;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(c->mnt_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int cgpath_init(struct cgpath *c)
{
	struct caller_env env = {};
	int err;

	*c = (struct cgpath){ .mnt_fd = -1 };
	err = caller_env_init(&env);
	if (err || !env.cgroup2)
		goto out;
	c->mnt = strdup(env.cgroup2);
	if (!c->mnt) {
		err = -ENOMEM;
		goto out;
	}
	c->mnt_fd = open(c->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->mnt_fd >= 0) {
		/* Refused here (a seccomp filter without it, no
		 * CAP_DAC_READ_SEARCH), it is refused for every cgroup. */
		int fd = open_id(c, CGROUP_ROOT_ID);

		if (fd >= 0)
			close(fd);
		else
			log_warn("cgroup paths: open_by_handle_at on %s: %s: cgroups are named by id only, removed ones are not pruned",
				 c->mnt, strerror(-fd));
	}
out:
	caller_env_fini(&env);
	return err == -ENOMEM ? err : 0;
}

void cgpath_fini(struct cgpath *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	free(c->mnt);
	if (c->mnt_fd >= 0)
		close(c->mnt_fd);
	*c = (struct cgpath){ .mnt_fd = -1 };
}

bool cgpath_gone(void *ctx, __u64 id)
{
	const struct cgpath *c = ctx;
	int fd;

	if (c->mnt_fd < 0)
		return false;	/* nothing can be told: keep it */
	fd = open_id(c, id);
	if (fd >= 0)
		close(fd);
	return fd == -ESTALE || fd == -ENOENT;
}

/* The path of @id under the mount, newly allocated; NULL when unknown. */
static char *resolve(const struct cgpath *c, __u64 id)
{
	char link[64], path[PATH_MAX];
	size_t mlen = strlen(c->mnt);
	ssize_t len;
	int fd;

	if (c->mnt_fd < 0)
		return NULL;
	fd = open_id(c, id);
	if (fd < 0)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	close(fd);
	if (len <= 0)
		return NULL;
	path[len] = '\0';
	if (strncmp(path, c->mnt, mlen) || (path[mlen] && path[mlen] != '/'))
		return NULL;	/* outside the mount: not ours to name */
	return strdup(path[mlen] ? path + mlen : "/");
}

const char *cgpath_of(struct cgpath *c, __u64 id)
{
	size_t lo = 0, hi = c->n;
	struct cgpath_entry *e;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->n && c->v[lo].id == id) {
		e = &c->v[lo];
		/* a cgroup that could not be told may be there now */
		if (!e->path)
			e->path = resolve(c, id);
		e->seen = c->gen;
		return e->path;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct cgpath_entry *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		c->v = v;
		c->cap = cap;
	}
	memmove(&c->v[lo + 1], &c->v[lo], (c->n - lo) * sizeof(c->v[0]));
	c->n++;
	e = &c->v[lo];
	*e = (struct cgpath_entry){ .id = id, .path = resolve(c, id), .seen = c->gen };
	return e->path;
}

void cgpath_prune(struct cgpath *c)
{
	size_t j = 0;

	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].seen == c->gen)
			c->v[j++] = c->v[i];
		else
			free(c->v[i].path);
	}
	c->n = j;
	c->gen++;
}
