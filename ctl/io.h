/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * energyctl's I/O on the mount and on files: reading a file of the mount
 * whole, writing a parameter, writing a file atomically. Functions return
 * 0 or -errno unless said otherwise.
 */
#ifndef ENERGY_CTL_IO_H
#define ENERGY_CTL_IO_H

#include <stddef.h>

/* Where energyd serves its files unless -m/--mountpoint says otherwise. */
#define CTL_MOUNT_DEFAULT	"/run/energy"

/* Most bytes io_read reads of a file of the mount. */
#define CTL_READ_MAX		(256u << 20)

/* The file @name of the mount @mnt ("": @name is a path) read whole, NUL-terminated, to be freed;
 * NULL with errno set. Its length in @len when not NULL. */
char *io_read(const char *mnt, const char *name, size_t *len);

/* Write @val and a newline to params/@name of @mnt in one write and close:
 * 0, or the -errno of the open, the write or the close (where energyd
 * applies the value and refuses it with -EINVAL). */
int io_param_write(const char *mnt, const char *name, const char *val);

/* The value of params/@name of @mnt, without its newline, in @buf. */
int io_param_read(const char *mnt, const char *name, char *buf, size_t len);

/* Write @text (@len bytes) to @path whole: a temporary file beside it,
 * synced and renamed over it, mode 0644. */
int io_write_atomic(const char *path, const char *text, size_t len);

/* The modification time of @name under @mnt ("" the mount itself), in
 * seconds since the epoch, in @sec. */
int io_mtime(const char *mnt, const char *name, long long *sec);

#endif /* ENERGY_CTL_IO_H */
