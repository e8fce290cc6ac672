// SPDX-License-Identifier: GPL-2.0-only
/* energyctl's I/O on the mount and on files (io.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "io.h"

static int path_of(char *buf, size_t len, const char *mnt, const char *name)
{
	int n = snprintf(buf, len, "%s%s%s", mnt, *mnt && *name ? "/" : "", name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

char *io_read(const char *mnt, const char *name, size_t *len)
{
	size_t cap = 65536, off = 0;
	char path[PATH_MAX], *buf;
	int fd, err = path_of(path, sizeof(path), mnt, name);

	if (err) {
		errno = -err;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		ssize_t n;

		if (off + 1 >= cap) {
			char *nb = cap >= CTL_READ_MAX ? NULL : realloc(buf, cap * 2);

			if (!nb) {
				err = cap >= CTL_READ_MAX ? -EFBIG : -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + off, cap - 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (!n) {
			buf[off] = '\0';
			if (len)
				*len = off;
			close(fd);
			return buf;
		}
		off += n;
	}
	if (!buf)
		err = -ENOMEM;
	free(buf);
	close(fd);
	errno = -err;
	return NULL;
}

int io_param_write(const char *mnt, const char *name, const char *val)
{
	char path[PATH_MAX], line[64];
	int fd, n, err;
	ssize_t w;

	err = path_of(path, sizeof(path), mnt, "params");
	if (!err && strlen(path) + strlen(name) + 2 > sizeof(path))
		err = -ENAMETOOLONG;
	if (err)
		return err;
	strcat(path, "/");
	strcat(path, name);
	n = snprintf(line, sizeof(line), "%s\n", val);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -EINVAL;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, line, n);
	if (w < 0)
		err = -errno;
	else if (w != n)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int io_param_read(const char *mnt, const char *name, char *buf, size_t len)
{
	char sub[PATH_MAX], *text;
	size_t n;

	if ((size_t)snprintf(sub, sizeof(sub), "params/%s", name) >= sizeof(sub))
		return -ENAMETOOLONG;
	text = io_read(mnt, sub, &n);
	if (!text)
		return -errno;
	while (n && text[n - 1] == '\n')
		text[--n] = '\0';
	if (n + 1 > len) {
		free(text);
		return -ENOSPC;
	}
	memcpy(buf, text, n + 1);
	free(text);
	return 0;
}

int io_write_atomic(const char *path, const char *text, size_t len)
{
	size_t plen = strlen(path), off = 0;
	char *tmp = malloc(plen + 8);
	int fd, err = 0;

	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, plen + 8, "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		off += n;
	}
	if (!err && (fchmod(fd, 0644) || fsync(fd)))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
out:
	free(tmp);
	return err;
}

int io_mtime(const char *mnt, const char *name, long long *sec)
{
	char path[PATH_MAX];
	struct stat sb;
	int err = path_of(path, sizeof(path), mnt, name);

	if (err)
		return err;
	if (stat(path, &sb))
		return -errno;
	*sec = sb.st_mtim.tv_sec;
	return 0;
}
