/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The open files of the filesystem, by handle (slot index and generation):
 * a request whose file was released in the meantime (its reader was killed
 * mid-read) finds nothing instead of freed memory, and a reply in flight
 * holds a reference that keeps the text alive until it is sent.
 */
#ifndef ENERGY_FILES_H
#define ENERGY_FILES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "caller.h"
#include "params.h"
#include "render.h"

/* What an open file holds: the text rendered at open and, for a parameter,
 * what has been written to it so far, applied whole at flush. */
struct open_file {
	int refs;		/* guarded by the table's lock */
	pthread_mutex_t lock;	/* one read of this open at a time */
	unsigned long ino;	/* what it serves, to whom */
	struct caller who;
	struct rbuf text;
	bool drained;		/* read to its end: the text was freed */
	char wbuf[PARAM_WRITE_MAX];	/* guarded by the table's lock */
	size_t wlen;
	bool wbad;		/* a write was refused: apply nothing */
};

/* A handle is the table's tag (16 bits), the slot's generation (16) and
 * its index (32): an energyd that took the connection over from another,
 * with another tag, tells the handles of the files opened before. */
struct file_table {
	pthread_mutex_t lock;
	struct open_file **slot;
	__u16 *gen;
	size_t cap;
	__u16 tag;
};

/* An empty table. */
void files_init(struct file_table *ft);

/* Free the table and any file left in it. */
void files_fini(struct file_table *ft);

/* A new file for @ino, opened by @who; NULL when out of memory. */
struct open_file *file_new(unsigned long ino, const struct caller *who);

/* Free a file no table holds. */
void file_free(struct open_file *of);

/* Register @of (one reference, the table's) and return its handle; 0 when
 * out of memory. */
__u64 files_add(struct file_table *ft, struct open_file *of);

/* The file of handle @fh with a reference taken, NULL when released. */
struct open_file *files_get(struct file_table *ft, __u64 fh);

/* Drop a reference (files_get's, or the table's after files_remove); the
 * last one frees the file. */
void files_put(struct file_table *ft, struct open_file *of);

/* Forget handle @fh; its file lives on while replies hold it. Returns the
 * file (with the table's reference, for files_put), NULL when unknown. */
struct open_file *files_remove(struct file_table *ft, __u64 fh);

/* Whether @fh was handed out by another table (an earlier energyd's). */
bool files_foreign(const struct file_table *ft, __u64 fh);

#endif /* ENERGY_FILES_H */
