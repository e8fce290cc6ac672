// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "carbon.h"
#include "shared.h"
#include "table.h"

/* The arrays of a table, in the order they lie in its block. */
#define TABLE_ARRAYS(X)							\
	X(snap) X(counted) X(dead_window) X(dead_key) X(ekey) X(last)	\
	X(energy_uj) X(carry_pj) X(scores) X(carbon_uj) X(carbon_ng)	\
	X(carbon_rem)							\
	X(cg_key) X(cg_id) X(cg_base) X(cg_base_uj) X(cg_base_ng)	\
	X(cg_prev) X(cg_prev_uj) X(cg_prev_ng)

/* Each array starts 64-byte aligned. */
static size_t array_size(size_t n, size_t elem)
{
	return (n * elem + 63) & ~(size_t)63;
}

size_t table_bytes(size_t cap)
{
	struct table t;
	size_t n = 0;

#define ADD(f) n += array_size(cap, sizeof(*t.f));
	TABLE_ARRAYS(ADD)
#undef ADD
	return n + array_size(TABLE_CGROUPS, sizeof(*t.folded));
}

int table_init_at(struct table *t, size_t cap, void *mem, bool kept)
{
	char *p = mem;

	if (!kept)
		memset(t, 0, sizeof(*t));
	else if (t->cap != cap || t->len > cap || t->folded_len > TABLE_CGROUPS)
		return -EINVAL;
#define SET(f) t->f = (void *)p; p += array_size(cap, sizeof(*t->f));
	TABLE_ARRAYS(SET)
#undef SET
	t->folded = (void *)p;
	t->folded_cap = TABLE_CGROUPS;
	t->cap = cap;
	t->mem = NULL;
	return 0;
}

int table_init(struct table *t, size_t cap)
{
	void *mem = calloc(1, table_bytes(cap));

	if (!mem)
		return -ENOMEM;
	table_init_at(t, cap, mem, false);
	t->mem = mem;
	return 0;
}

void table_fini(struct table *t)
{
	if (!t->mem)
		return;
	free(t->mem);
	memset(t, 0, sizeof(*t));
}

void table_sample(struct table *t, const struct energy_proc *live, size_t n)
{
	if (n > t->cap)
		n = t->cap;
	memcpy(t->snap, live, n * sizeof(*live));
	t->len = n;
	t->sample++;
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

/* The totals of cgroup @id in @arr, added when missing; @arr grows unless
 * @fixed. NULL when full or out of memory. */
static struct cgroup_total *total_for(struct cgroup_total **arr, size_t *len,
				      size_t *cap, bool fixed, __u64 id)
{
	struct cgroup_total *n;

	for (size_t i = 0; i < *len; i++)
		if ((*arr)[i].id == id)
			return &(*arr)[i];
	if (*len == *cap && fixed)
		return NULL;
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

static bool key_eq(const struct energy_key *a, const struct energy_key *b)
{
	return a->tgid == b->tgid && a->start_ns == b->start_ns;
}

void table_add_gain(struct table *t, const struct thread_gain *gain)
{
	for (size_t i = 0; i < t->len; i++) {
		struct energy_proc *p = &t->snap[i];
		struct counted_cpu *f = &t->counted[i];

		if (!proc_used(p))
			continue;
		if (gain) {
			p->c.cpu_ns += gain[i].cpu_ns;
			p->c.wakeups += gain[i].wakeups;
		}
		if (key_eq(&f->key, &p->key)) {
			if (p->c.cpu_ns < f->cpu_ns)
				p->c.cpu_ns = f->cpu_ns;
			if (p->c.wakeups < f->wakeups)
				p->c.wakeups = f->wakeups;
		} else {
			shared_key_store(&f->key, &p->key);
		}
		shared_store(&f->cpu_ns, p->c.cpu_ns);
		shared_store(&f->wakeups, p->c.wakeups);
	}
}

/* What a counter gained; a counter never shrinks, but a torn read could
 * make it look so for a moment. */
static void counters_delta(struct energy_counters *d,
			   const struct energy_counters *now,
			   const struct energy_counters *then)
{
	const __u64 *n = (const __u64 *)now, *o = (const __u64 *)then;
	__u64 *out = (__u64 *)d;

	for (size_t k = 0; k < sizeof(*d) / sizeof(__u64); k++)
		out[k] = n[k] > o[k] ? n[k] - o[k] : 0;
}

/* What slot @i's process did since it joined the cgroup it is counted in:
 * its counters into @d, its energy and carbon added to *uj and *ng. */
static void in_cgroup(const struct table *t, size_t i,
		      struct energy_counters *d, __u64 *uj, __u64 *ng)
{
	const struct energy_proc *p = &t->snap[i];
	__u64 e = table_energy_of(t, i, &p->key);
	__u64 c = table_carbon_of(t, i, &p->key);

	counters_delta(d, &p->c, &t->cg_base[i]);
	*uj += e > t->cg_base_uj[i] ? e - t->cg_base_uj[i] : 0;
	*ng += c > t->cg_base_ng[i] ? c - t->cg_base_ng[i] : 0;
}

/* The cgroup slot @i's process is counted in: a new process starts in its
 * own, whole; one that moved leaves what it did up to the last sample in
 * the old one (lost, never double counted, when memory runs out). */
static void cgroup_follow(struct table *t, size_t i)
{
	const struct energy_proc *p = &t->snap[i];
	struct cgroup_total *ct;

	if (!key_eq(&t->cg_key[i], &p->key)) {
		t->cg_key[i] = p->key;
		t->cg_id[i] = p->cgroup_id;
		memset(&t->cg_base[i], 0, sizeof(t->cg_base[i]));
		t->cg_base_uj[i] = 0;
		t->cg_base_ng[i] = 0;
	} else if (t->cg_id[i] != p->cgroup_id) {
		ct = total_for(&t->folded, &t->folded_len, &t->folded_cap, true,
			       t->cg_id[i]);
		if (ct) {
			struct energy_counters d;

			counters_delta(&d, &t->cg_prev[i], &t->cg_base[i]);
			counters_add(&ct->c, &d);
			ct->energy_uj += t->cg_prev_uj[i] - t->cg_base_uj[i];
			ct->carbon_ng += t->cg_prev_ng[i] - t->cg_base_ng[i];
		}
		t->cg_id[i] = p->cgroup_id;
		t->cg_base[i] = t->cg_prev[i];
		t->cg_base_uj[i] = t->cg_prev_uj[i];
		t->cg_base_ng[i] = t->cg_prev_ng[i];
	}
	t->cg_prev[i] = p->c;
	t->cg_prev_uj[i] = table_energy_of(t, i, &p->key);
	t->cg_prev_ng[i] = table_carbon_of(t, i, &p->key);
}

void table_follow_cgroups(struct table *t)
{
	for (size_t i = 0; i < t->len; i++)
		if (proc_used(&t->snap[i]))
			cgroup_follow(t, i);
}

size_t table_window(struct table *t, struct table_freed *freed, size_t max)
{
	size_t n = 0;

	t->window++;
	for (size_t i = 0; i < t->len; i++) {
		struct energy_proc *p = &t->snap[i];
		struct energy_counters d;
		struct cgroup_total *ct;

		if (!proc_used(p))
			continue;
		cgroup_follow(t, i);
		if (!(p->flags & ENERGY_F_EXITED))
			continue;
		/* The slot may hold another process than the one marked. */
		if (!t->dead_window[i] || !key_eq(&t->dead_key[i], &p->key)) {
			t->dead_window[i] = t->window;
			t->dead_key[i] = p->key;
			continue;
		}
		if (n == max)
			continue;
		/* When memory runs out the counters are lost, never the
		 * table's consistency. */
		ct = total_for(&t->folded, &t->folded_len, &t->folded_cap, true,
			       p->cgroup_id);
		if (ct) {
			in_cgroup(t, i, &d, &ct->energy_uj, &ct->carbon_ng);
			counters_add(&ct->c, &d);
			ct->procs_exited++;
		}
		counters_add(&t->exited_c, &p->c);
		t->exited_uj += table_energy_of(t, i, &p->key);
		t->exited_ng += table_carbon_of(t, i, &p->key);
		shared_key_store(&t->ekey[i], &(struct energy_key){ 0 });
		memset(&t->cg_key[i], 0, sizeof(t->cg_key[i]));
		freed[n].slot = i;
		freed[n].key = p->key;
		n++;
		memset(p, 0, sizeof(*p));
		t->dead_window[i] = 0;
	}
	return n;
}

__u64 table_energy_of(const struct table *t, size_t i,
		      const struct energy_key *key)
{
	return key_eq(&t->ekey[i], key) ? t->energy_uj[i] : 0;
}

__u64 table_carbon_of(const struct table *t, size_t i,
		      const struct energy_key *key)
{
	return key_eq(&t->ekey[i], key) ? t->carbon_ng[i] : 0;
}

void table_carbon_sample(struct table *t, __u64 ug_per_kwh, __u64 node_uj,
			 __u64 idle_uj)
{
	struct table_carbon *c = &t->carbon;

	for (size_t i = 0; i < t->len; i++)
		if (proc_used(&t->snap[i]))
			shared_store(&t->carbon_ng[i], t->carbon_ng[i] +
				     carbon_ng(t->energy_uj[i] - t->carbon_uj[i],
					       ug_per_kwh, &t->carbon_rem[i]));
	memcpy(t->carbon_uj, t->energy_uj, t->len * sizeof(*t->carbon_uj));
	c->node_ng += carbon_ng(node_uj, ug_per_kwh, &c->node_rem);
	c->idle_ng += carbon_ng(idle_uj, ug_per_kwh, &c->idle_rem);
}

static void record_add(struct model_record *r, const struct energy_counters *d,
		       __u64 mem_bytes, __u64 window_ns)
{
	r->x[M_CPU_NS] += d->cpu_ns;
	r->x[M_MEM_BYTES] += (unsigned __int128)mem_bytes * window_ns / 1000000000ULL;
	r->x[M_INSTRUCTIONS] += d->instructions;
	r->x[M_WAKEUPS] += d->wakeups;
	r->x[M_DISK_READ_BYTES] += d->disk_read_bytes;
	r->x[M_DISK_WRITE_BYTES] += d->disk_write_bytes;
	r->x[M_NET_RX_PACKETS] += d->rx_packets;
	r->x[M_NET_TX_PACKETS] += d->tx_packets;
}

__u64 table_energy_window(struct table *t, struct attrib *a,
			  struct attrib_in *in, const __u64 weights[M_METRICS],
			  int ncpus)
{
	struct model_record *rec = &t->last_window;
	__u64 busy_ns = 0, idle;

	for (size_t i = 0; i < t->len; i++) {
		const struct energy_proc *p = &t->snap[i];
		struct energy_counters d;
		__u64 mem;

		t->scores[i] = 0;
		if (!proc_used(p))
			continue;
		if (!key_eq(&t->ekey[i], &p->key)) {
			/* A new process in this slot: it starts from zero,
			 * unless it was there before the first window. */
			shared_key_store(&t->ekey[i], &p->key);
			shared_store(&t->energy_uj[i], 0);
			t->carbon_uj[i] = 0;
			t->carry_pj[i] = 0;
			shared_store(&t->carbon_ng[i], 0);
			t->carbon_rem[i] = 0;
			if (t->primed)
				memset(&t->last[i], 0, sizeof(t->last[i]));
			else
				t->last[i] = p->c;
		}
		counters_delta(&d, &p->c, &t->last[i]);
		t->last[i] = p->c;
		busy_ns += d.cpu_ns;
		mem = p->flags & ENERGY_F_EXITED ? 0 : p->mem_bytes;
		t->scores[i] = model_score_pj(weights, &d, mem, in->window_ns);
		record_add(rec, &d, mem, in->window_ns);
	}
	rec->window_ns += in->window_ns;
	rec->energy_uj += in->e_uj;
	in->low_activity = busy_ns * 50 < (__u64)ncpus * in->window_ns;
	idle = attrib_window(a, in, t->scores, t->len, t->energy_uj, t->carry_pj);
	t->primed = true;
	return idle;
}

long table_cgroup_totals(const struct table *t, struct cgroup_total **out)
{
	struct cgroup_total *arr = NULL, *ct;
	size_t len = 0, cap = 0;

	for (size_t i = 0; i < t->folded_len; i++) {
		ct = total_for(&arr, &len, &cap, false, t->folded[i].id);
		if (!ct)
			goto nomem;
		*ct = t->folded[i];
	}
	for (size_t i = 0; i < t->len; i++) {
		const struct energy_proc *p = &t->snap[i];
		struct energy_counters d;
		bool followed;

		if (!proc_used(p))
			continue;
		/* table_window() has set where the process is counted; before
		 * it, the whole process is in its cgroup. */
		followed = key_eq(&t->cg_key[i], &p->key);
		ct = total_for(&arr, &len, &cap, false,
			       followed ? t->cg_id[i] : p->cgroup_id);
		if (!ct)
			goto nomem;
		if (followed) {
			in_cgroup(t, i, &d, &ct->energy_uj, &ct->carbon_ng);
			counters_add(&ct->c, &d);
		} else {
			counters_add(&ct->c, &p->c);
			ct->energy_uj += table_energy_of(t, i, &p->key);
			ct->carbon_ng += table_carbon_of(t, i, &p->key);
		}
		if (p->flags & ENERGY_F_EXITED)
			ct->procs_exited++;
		else {
			ct->procs_alive++;
			ct->mem_bytes += p->mem_bytes;
		}
	}
	*out = arr;
	return len;
nomem:
	free(arr);
	return -ENOMEM;
}

static int id_cmp(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

long table_prune_cgroups(struct table *t, bool (*gone)(void *ctx, __u64 id),
			 void *ctx, __u64 **out)
{
	__u64 *used = NULL, *pruned = NULL;
	size_t nused = 0, n = 0, j = 0;

	*out = NULL;
	used = malloc((2 * t->len + 1) * sizeof(*used));
	pruned = malloc((t->folded_len + 1) * sizeof(*pruned));
	if (!used || !pruned)
		goto nomem;
	/* Where the table's processes are, and are counted. */
	for (size_t i = 0; i < t->len; i++) {
		const struct energy_proc *p = &t->snap[i];

		if (!proc_used(p))
			continue;
		used[nused++] = p->cgroup_id;
		if (key_eq(&t->cg_key[i], &p->key))
			used[nused++] = t->cg_id[i];
	}
	qsort(used, nused, sizeof(*used), id_cmp);
	for (size_t i = 0; i < t->folded_len; i++) {
		__u64 id = t->folded[i].id;

		if (!bsearch(&id, used, nused, sizeof(*used), id_cmp) &&
		    gone(ctx, id)) {
			pruned[n++] = id;
			continue;
		}
		t->folded[j++] = t->folded[i];
	}
	t->folded_len = j;
	free(used);
	*out = pruned;
	return n;
nomem:
	free(used);
	free(pruned);
	return -ENOMEM;
}
