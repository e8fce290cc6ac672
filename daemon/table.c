// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

#define TABLE_MIN_CAP	1024

static size_t key_hash(const struct energy_key *k)
{
	__u64 h = ((__u64)k->tgid << 32) ^ k->start_ns;

	/* splitmix64 finaliser */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return (size_t)h;
}

static bool key_eq(const struct energy_key *a, const struct energy_key *b)
{
	return a->tgid == b->tgid && a->start_ns == b->start_ns;
}

int table_init(struct table *t)
{
	memset(t, 0, sizeof(*t));
	t->slots = calloc(TABLE_MIN_CAP, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->cap = TABLE_MIN_CAP;
	return 0;
}

void table_fini(struct table *t)
{
	free(t->slots);
	free(t->gone);
	memset(t, 0, sizeof(*t));
}

static struct proc *slot_for(struct proc *slots, size_t cap,
			     const struct energy_key *key)
{
	size_t i = key_hash(key) & (cap - 1);

	while (slots[i].used && !key_eq(&slots[i].key, key))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int table_grow(struct table *t)
{
	size_t cap = t->cap * 2;
	struct proc *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].used)
			*slot_for(slots, cap, &t->slots[i].key) = t->slots[i];
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void slot_remove(struct table *t, struct proc *p)
{
	size_t i = p - t->slots, j = i;

	for (;;) {
		size_t home;

		j = (j + 1) & (t->cap - 1);
		if (!t->slots[j].used)
			break;
		home = key_hash(&t->slots[j].key) & (t->cap - 1);
		/* Move j into the hole i unless its home lies in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	memset(&t->slots[i], 0, sizeof(t->slots[i]));
	t->len--;
}

void table_begin_sample(struct table *t)
{
	t->sample++;
}

int table_upsert(struct table *t, const struct energy_key *key,
		 const struct energy_proc *rec)
{
	struct proc *p;

	if ((t->len + 1) * 4 > t->cap * 3) {
		int err = table_grow(t);

		if (err)
			return err;
	}
	p = slot_for(t->slots, t->cap, key);
	if (!p->used) {
		p->used = true;
		p->key = *key;
		p->dead_window = 0;
		t->len++;
	}
	p->rec = *rec;
	p->seen = t->sample;
	return 0;
}

const struct proc *table_find(const struct table *t,
			      const struct energy_key *key)
{
	const struct proc *p = slot_for(t->slots, t->cap, key);

	return p->used ? p : NULL;
}

const struct proc *table_next(const struct table *t, const struct proc *p)
{
	size_t i = p ? (size_t)(p - t->slots) + 1 : 0;

	for (; i < t->cap; i++)
		if (t->slots[i].used)
			return &t->slots[i];
	return NULL;
}

void counters_add(struct energy_counters *dst,
		  const struct energy_counters *src)
{
	dst->cpu_ns += src->cpu_ns;
	dst->instructions += src->instructions;
	dst->wakeups += src->wakeups;
	dst->disk_read_bytes += src->disk_read_bytes;
	dst->disk_write_bytes += src->disk_write_bytes;
	dst->rx_packets += src->rx_packets;
	dst->tx_packets += src->tx_packets;
	dst->rx_bytes += src->rx_bytes;
	dst->tx_bytes += src->tx_bytes;
}

static struct cgroup_total *total_for(struct cgroup_total **arr, size_t *len,
				      size_t *cap, __u64 id)
{
	struct cgroup_total *n;

	for (size_t i = 0; i < *len; i++)
		if ((*arr)[i].id == id)
			return &(*arr)[i];
	if (*len == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		n = realloc(*arr, ncap * sizeof(*n));
		if (!n)
			return NULL;
		*arr = n;
		*cap = ncap;
	}
	n = &(*arr)[(*len)++];
	memset(n, 0, sizeof(*n));
	n->id = id;
	return n;
}

/* Fold a process into the totals of the processes that left. When memory
 * runs out the counters are lost, never the table's consistency. */
static void fold(struct table *t, struct proc *p)
{
	struct cgroup_total *ct = total_for(&t->gone, &t->gone_len,
					    &t->gone_cap, p->rec.cgroup_id);

	if (ct) {
		counters_add(&ct->c, &p->rec.c);
		ct->procs_exited++;
	}
	slot_remove(t, p);
}

size_t table_end_sample(struct table *t)
{
	size_t n = 0, i = 0;

	while (i < t->cap) {
		struct proc *p = &t->slots[i];

		/* slot_remove may shift a later entry into i: look again. */
		if (p->used && p->seen != t->sample) {
			fold(t, p);
			n++;
			continue;
		}
		i++;
	}
	return n;
}

size_t table_window(struct table *t, struct energy_key *gone, size_t max)
{
	size_t n = 0, i = 0;

	t->window++;
	while (i < t->cap) {
		struct proc *p = &t->slots[i];

		if (p->used && (p->rec.flags & ENERGY_F_EXITED)) {
			/* A removal can shift an entry already marked in
			 * this pass back under i: the window number tells. */
			if (p->dead_window && p->dead_window < t->window &&
			    n < max) {
				gone[n++] = p->key;
				fold(t, p);
				continue;
			}
			if (!p->dead_window)
				p->dead_window = t->window;
		}
		i++;
	}
	return n;
}

long table_cgroup_totals(const struct table *t, struct cgroup_total **out)
{
	struct cgroup_total *arr = NULL, *ct;
	size_t len = 0, cap = 0;
	const struct proc *p;

	for (size_t i = 0; i < t->gone_len; i++) {
		ct = total_for(&arr, &len, &cap, t->gone[i].id);
		if (!ct)
			goto nomem;
		*ct = t->gone[i];
	}
	for (p = NULL; (p = table_next(t, p)); ) {
		ct = total_for(&arr, &len, &cap, p->rec.cgroup_id);
		if (!ct)
			goto nomem;
		counters_add(&ct->c, &p->rec.c);
		if (p->rec.flags & ENERGY_F_EXITED)
			ct->procs_exited++;
		else
			ct->procs_alive++;
	}
	*out = arr;
	return len;
nomem:
	free(arr);
	return -ENOMEM;
}
