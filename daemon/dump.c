// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dump.h"
#include "format.h"

static int cmp_pid(const void *a, const void *b)
{
	const struct energy_proc *x = *(const struct energy_proc *const *)a;
	const struct energy_proc *y = *(const struct energy_proc *const *)b;

	if (x->key.tgid != y->key.tgid)
		return x->key.tgid < y->key.tgid ? -1 : 1;
	return x->key.start_ns < y->key.start_ns ? -1 : x->key.start_ns > y->key.start_ns;
}

int dump(struct collector *coll, struct table *t, __u64 sample_ns)
{
	struct timespec ts = {
		.tv_sec = sample_ns / 1000000000ULL,
		.tv_nsec = sample_ns % 1000000000ULL,
	};
	const struct energy_proc **v;
	char line[256];
	size_t n = 0;

	coll_new_sample(coll);
	nanosleep(&ts, NULL);
	coll_read(coll, t);	/* the dump needs the copy, not the index */
	v = malloc((t->len + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->len; i++)
		if (proc_used(&t->snap[i]))
			v[n++] = &t->snap[i];
	qsort(v, n, sizeof(*v), cmp_pid);
	for (size_t i = 0; i < n; i++) {
		format_proc_line(line, sizeof(line), v[i]->key.tgid, 0, v[i], NULL);
		fputs(line, stdout);
	}
	free(v);
	return fflush(stdout) ? -errno : 0;
}
