// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "files.h"

void files_init(struct file_table *ft)
{
	memset(ft, 0, sizeof(*ft));
	pthread_mutex_init(&ft->lock, NULL);
}

struct open_file *file_new(unsigned long ino, const struct caller *who)
{
	struct open_file *of = calloc(1, sizeof(*of));

	if (!of)
		return NULL;
	pthread_mutex_init(&of->lock, NULL);
	of->ino = ino;
	of->who = *who;
	return of;
}

void file_free(struct open_file *of)
{
	rbuf_free(&of->text);
	pthread_mutex_destroy(&of->lock);
	free(of);
}

__u64 files_add(struct file_table *ft, struct open_file *of)
{
	__u64 fh = 0;
	size_t i;

	pthread_mutex_lock(&ft->lock);
	for (i = 0; i < ft->cap; i++)
		if (!ft->slot[i])
			break;
	if (i == ft->cap) {
		size_t cap = ft->cap ? ft->cap * 2 : 64;
		struct open_file **s = realloc(ft->slot, cap * sizeof(*s));
		__u16 *g = s ? realloc(ft->gen, cap * sizeof(*g)) : NULL;

		if (s)
			ft->slot = s;
		if (!g)
			goto out;
		ft->gen = g;
		memset(&s[ft->cap], 0, (cap - ft->cap) * sizeof(*s));
		memset(&g[ft->cap], 0, (cap - ft->cap) * sizeof(*g));
		i = ft->cap;
		ft->cap = cap;
	}
	ft->slot[i] = of;
	of->refs = 1;
	/* Generation 0 is never handed out, so no handle is 0. */
	if (++ft->gen[i] == 0)
		ft->gen[i] = 1;
	fh = (__u64)ft->tag << 48 | (__u64)ft->gen[i] << 32 | i;
out:
	pthread_mutex_unlock(&ft->lock);
	return fh;
}

struct open_file *files_get(struct file_table *ft, __u64 fh)
{
	size_t i = fh & 0xffffffffU;
	struct open_file *of = NULL;

	pthread_mutex_lock(&ft->lock);
	if (i < ft->cap && !files_foreign(ft, fh) &&
	    ft->gen[i] == (__u16)(fh >> 32) && ft->slot[i]) {
		of = ft->slot[i];
		of->refs++;
	}
	pthread_mutex_unlock(&ft->lock);
	return of;
}

void files_put(struct file_table *ft, struct open_file *of)
{
	bool last;

	pthread_mutex_lock(&ft->lock);
	last = --of->refs == 0;
	pthread_mutex_unlock(&ft->lock);
	if (last)
		file_free(of);
}

struct open_file *files_remove(struct file_table *ft, __u64 fh)
{
	size_t i = fh & 0xffffffffU;
	struct open_file *of = NULL;

	pthread_mutex_lock(&ft->lock);
	if (i < ft->cap && !files_foreign(ft, fh) &&
	    ft->gen[i] == (__u16)(fh >> 32)) {
		of = ft->slot[i];
		ft->slot[i] = NULL;
	}
	pthread_mutex_unlock(&ft->lock);
	return of;
}

bool files_foreign(const struct file_table *ft, __u64 fh)
{
	return fh >> 48 != ft->tag;
}

void files_fini(struct file_table *ft)
{
	for (size_t i = 0; i < ft->cap; i++)
		if (ft->slot[i])
			file_free(ft->slot[i]);
	free(ft->slot);
	free(ft->gen);
	pthread_mutex_destroy(&ft->lock);
}
