// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "render.h"
#include "shared.h"
#include "table.h"

#define LINE_LEN_GUESS	320	/* most lines are shorter */

/* One process line straight into the buffer; a longer line than guessed
 * gets the room it needs, none is dropped (out of memory sets oom). */
static void put_proc(struct rbuf *b, __u32 pid, __u64 energy_uj,
		     const struct energy_proc *rec, const __u64 *window_time)
{
	int n;

	if (!rbuf_reserve(b, LINE_LEN_GUESS))
		return;
	n = format_proc_line(b->data + b->len, b->cap - b->len, pid, energy_uj,
			     rec, window_time);
	if (n <= 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		if (!rbuf_reserve(b, n))
			return;
		n = format_proc_line(b->data + b->len, b->cap - b->len, pid,
				     energy_uj, rec, window_time);
	}
	b->len += n;
}

void render_head(struct rbuf *b, const struct render_head *h)
{
	rbuf_printf(b, "timestamp=%llu\niterations=%llu\nsample_ns=%llu\nwindow_ns=%llu\n",
		    h->timestamp_ns, h->iterations, h->sample_ns, h->window_ns);
	for (int d = 0; d < RAPL_DOMAINS; d++)
		if (h->rapl_domains & (1U << d))
			rbuf_printf(b, "rapl_%s_sum_uj=%llu\n",
				    rapl_domain_name(d), h->rapl_uj[d]);
}

void render_system_sum(struct energy_proc *sys, const struct energy_proc *slots,
		       size_t n, const struct energy_counters *exited,
		       const struct counted_cpu *counted)
{
	*sys = (struct energy_proc){
		.flags = ENERGY_F_KTHREAD,
		.comm = "*system*",
	};
	if (exited)
		sys->c = *exited;
	for (size_t i = 0; i < n; i++) {
		struct energy_proc rec;

		if (!slot_load(&rec, &slots[i]))
			continue;
		counted_apply(&rec, counted ? &counted[i] : NULL);
		counters_add(&sys->c, &rec.c);
		if (!(rec.flags & ENERGY_F_EXITED))
			sys->mem_bytes += rec.mem_bytes;
	}
}

void render_system_line(struct rbuf *b, const struct energy_proc *slots,
			size_t n, const struct energy_counters *exited,
			const struct render_energy *en)
{
	struct energy_proc sys;

	render_system_sum(&sys, slots, n, exited, en->counted);
	put_proc(b, 0, en->total_uj, &sys, NULL);
}

void render_all(struct rbuf *b, const struct render_head *h,
		const struct energy_proc *slots, size_t n,
		const struct energy_counters *exited,
		const struct render_energy *en)
{
	render_head(b, h);
	if (en->measured)
		rbuf_printf(b, "idle_uj=%llu\ncarry_uj=%llu\nexited_uj=%llu\n",
			    en->idle_uj, en->carry_uj, en->exited_uj);
	render_system_line(b, slots, n, exited, en);
	for (size_t i = 0; i < n; i++) {
		/* A copy: the slot may change while it is formatted. */
		struct energy_proc rec;
		__u64 uj = 0;

		if (!slot_load(&rec, &slots[i]))
			continue;
		counted_apply(&rec, en->counted ? &en->counted[i] : NULL);
		if (en->key[i].tgid == rec.key.tgid &&
		    en->key[i].start_ns == rec.key.start_ns)
			uj = en->uj[i];
		put_proc(b, rec.key.tgid, uj, &rec, NULL);
	}
}

__u32 render_pid_in_ns(const struct energy_pidns *ns, __u32 ns_ino)
{
	for (__u32 i = 0; i <= ns->level && i < ENERGY_PIDNS_LEVELS; i++)
		if (ns->ns_ino[i] == ns_ino)
			return ns->nr[i];
	return 0;
}

void render_others_add(struct render_others *o, const struct window_entry *e)
{
	if (!o->n++)
		memcpy(o->rec.comm, "*others*", sizeof("*others*"));
	counters_add(&o->rec.c, &e->rec.c);
	if (!(e->rec.flags & ENERGY_F_EXITED))
		o->rec.mem_bytes += e->rec.mem_bytes;
	o->energy_uj += e->energy_uj;
	o->carbon_ng += e->carbon_ng;
}

void render_cgroup_walk(const struct window_snap *w, __u64 cgroup_id,
			__u32 ns_ino, const struct render_filter *f,
			struct render_others *o,
			void (*one)(void *arg, __u32 pid, const struct window_entry *e),
			void *arg)
{
	for (size_t i = 0; w && cgroup_id && i < w->n; i++) {
		const struct window_entry *e = &w->e[i];
		__u32 pid;

		if (e->rec.cgroup_id != cgroup_id)
			continue;
		pid = render_pid_in_ns(&e->ns, ns_ino);
		if (!pid)
			continue;
		if (f && !f->may_see(f->arg, e))
			render_others_add(o, e);
		else
			one(arg, pid, e);
	}
}

struct cgroup_text {
	struct rbuf *b;
	const __u64 *window_time;
};

static void cgroup_line(void *arg, __u32 pid, const struct window_entry *e)
{
	struct cgroup_text *t = arg;

	put_proc(t->b, pid, e->energy_uj, &e->rec, t->window_time);
}

void render_cgroup(struct rbuf *b, const struct window_snap *w,
		   __u64 cgroup_id, __u32 ns_ino, const struct render_filter *f)
{
	struct cgroup_text t = { .b = b, .window_time = &w->time_ns };
	struct render_others o = {};

	render_cgroup_walk(w, cgroup_id, ns_ino, f, &o, cgroup_line, &t);
	if (o.n)
		put_proc(b, 0, o.energy_uj, &o.rec, &w->time_ns);
}
