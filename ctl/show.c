// SPDX-License-Identifier: GPL-2.0-only
/* What status and top show (show.h). Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "snap.h"
#include "show.h"

const char *view_watts(char *buf, __u64 mw)
{
	snprintf(buf, 24, "%llu.%03llu", mw / 1000, mw % 1000);
	return buf;
}

static void duration(char *buf, size_t len, long long s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, len, "%lldd %02lldh%02lldm%02llds", s / 86400,
			 s / 3600 % 24, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%lldh%02lldm%02llds", s / 3600, s / 60 % 60, s % 60);
}

static void ms(char *buf, size_t len, __u64 ns)
{
	snprintf(buf, len, "%llu.%03llu ms", ns / 1000000, ns / 1000 % 1000);
}

/* sys's @key as a number, 0 when it has none. */
static __u64 sys_u64(const char *sys, const char *key)
{
	__u64 v = 0;

	snap_kv_u64(sys, key, &v);
	return v;
}

static const char *const sys_counts[] = {
	"processes", "capacity", "dropped_procs", "dropped_requests",
	"dropped_task_storage", "pmu_read_errors", "rapl_rejected", "late_samples",
	"model_error_windows",
};

#define NCOUNTS	(sizeof(sys_counts) / sizeof(sys_counts[0]))

static void json_u64(json_object *o, const char *k, __u64 v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static json_object *cgroup_json(const struct snap_cgroup *g)
{
	json_object *o = json_object_new_object();

	json_u64(o, "id", g->id);
	json_object_object_add(o, "path", g->path[0] ? json_object_new_string(g->path) : NULL);
	json_object_object_add(o, "container", g->container[0] ?
			       json_object_new_string(g->container) : NULL);
	json_u64(o, "energy_uj", g->c.energy_uj);
	json_u64(o, "cpu_ns", g->c.cpu_ns);
	json_u64(o, "mem_bytes", g->c.mem_bytes);
	json_u64(o, "procs_alive", g->procs_alive);
	json_u64(o, "procs_exited", g->procs_exited);
	json_u64(o, "window_uj", g->window_uj);
	return o;
}

static void put_json(struct rbuf *b, json_object *o)
{
	rbuf_printf(b, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static void status_host_json(struct rbuf *b, const struct status_in *in)
{
	const struct snap *s = in->s;
	json_object *o = json_object_new_object(), *e = json_object_new_object();
	json_object *d = json_object_new_array();
	char ver[64];

	json_object_object_add(o, "view", json_object_new_string("host"));
	json_object_object_add(e, "source", json_object_new_string(s->source));
	json_object_object_add(e, "basis", json_object_new_string(s->basis));
	json_object_object_add(e, "measured", json_object_new_boolean(s->measured));
	for (int i = 0; i < 5; i++)
		if (s->rapl_has[i])
			json_object_array_add(d, json_object_new_string(snap_rapl_names[i]));
	json_object_object_add(e, "domains", d);
	json_object_object_add(o, "energy", e);
	json_u64(o, "sample_ns", s->sample_ns);
	json_u64(o, "window_ns", s->window_ns);
	json_object_object_add(o, "power_mw", s->have_window ?
			       json_object_new_uint64(snap_mw(s->win_uj, s->win_len_ns)) : NULL);
	json_u64(o, "idle_mw", s->idle_mw);
	json_object_object_add(o, "model_error_pct",
			       !snap_kv(in->sys, "model_error_pct", ver, sizeof(ver)) &&
			       strcmp(ver, "-") ? json_object_new_double_s(strtod(ver, NULL), ver) : NULL);
	for (size_t i = 0; i < NCOUNTS; i++)
		json_u64(o, sys_counts[i], sys_u64(in->sys, sys_counts[i]));
	json_object_object_add(o, "uptime_s", in->have_uptime ?
			       json_object_new_int64(in->uptime_s) : NULL);
	json_object_object_add(o, "version", snap_kv(in->sys, "version", ver, sizeof(ver)) ?
			       NULL : json_object_new_string(ver));
	put_json(b, o);
}

static void status_host(struct rbuf *b, const struct status_in *in)
{
	const struct snap *s = in->s;
	char a[32], c[32], w[24], buf[64];

	rbuf_printf(b, "energy:       %s, %s", s->source,
		    s->measured ? "measured" : "estimated by the model");
	if (s->measured)
		rbuf_printf(b, " (%s)", s->basis);
	rbuf_printf(b, "\ndomains:     ");
	for (int i = 0, any = 0; i < 5 || !any; i++) {
		if (i == 5) {
			rbuf_printf(b, " none");
			break;
		}
		if (s->rapl_has[i]) {
			rbuf_printf(b, " %s", snap_rapl_names[i]);
			any = 1;
		}
	}
	ms(a, sizeof(a), s->sample_ns);
	ms(c, sizeof(c), s->window_ns);
	rbuf_printf(b, "\nsample:       %s, window %s\n", a, c);
	if (s->have_window)
		rbuf_printf(b, "power:        %s W over the last window\n",
			    view_watts(w, snap_mw(s->win_uj, s->win_len_ns)));
	else
		rbuf_printf(b, "power:        no window yet\n");
	rbuf_printf(b, "idle:         %s W\n", view_watts(w, s->idle_mw));
	if (!snap_kv(in->sys, "model_error_pct", buf, sizeof(buf)) && strcmp(buf, "-"))
		rbuf_printf(b, "model error:  %s %% over the last %llu windows\n", buf,
			    sys_u64(in->sys, "model_error_windows"));
	rbuf_printf(b, "processes:    %llu tracked, %llu slots\n",
		    sys_u64(in->sys, "processes"), sys_u64(in->sys, "capacity"));
	rbuf_printf(b, "dropped:      %llu processes, %llu requests, %llu task storage\n",
		    sys_u64(in->sys, "dropped_procs"), sys_u64(in->sys, "dropped_requests"),
		    sys_u64(in->sys, "dropped_task_storage"));
	rbuf_printf(b, "late samples: %llu\nrejected:     %llu RAPL readings\n",
		    sys_u64(in->sys, "late_samples"), sys_u64(in->sys, "rapl_rejected"));
	if (in->have_uptime) {
		duration(buf, sizeof(buf), in->uptime_s);
		rbuf_printf(b, "uptime:       %s\n", buf);
	}
	if (!snap_kv(in->sys, "version", buf, sizeof(buf)))
		rbuf_printf(b, "version:      %s\n", buf);
}

static void status_cgroup(struct rbuf *b, const struct snap *s, bool json)
{
	const struct snap_cgroup *g = &s->own;
	char w[24];

	if (json) {
		json_object *o = json_object_new_object(), *a = json_object_new_array();

		json_object_object_add(o, "view", json_object_new_string("cgroup"));
		json_object_object_add(o, "window_ns", s->have_window ?
				       json_object_new_uint64(s->win_len_ns) : NULL);
		json_object_object_add(o, "cgroup", s->have_own ? cgroup_json(g) : NULL);
		json_object_object_add(o, "power_mw", s->have_own && s->have_window ?
				       json_object_new_uint64(snap_mw(g->window_uj, s->win_len_ns)) :
				       NULL);
		for (size_t i = 0; i < s->nprocs; i++) {
			const struct snap_proc *p = &s->procs[i];
			json_object *e = json_object_new_object();

			json_object_object_add(e, "pid", json_object_new_int(p->pid));
			json_object_object_add(e, "comm", json_object_new_string(p->comm));
			json_object_object_add(e, "alive", json_object_new_boolean(p->alive));
			json_u64(e, "energy_uj", p->c.energy_uj);
			json_u64(e, "cpu_ns", p->c.cpu_ns);
			json_object_array_add(a, e);
		}
		json_object_object_add(o, "processes", a);
		if (s->others) {
			json_object *x = json_object_new_object();

			json_u64(x, "processes", s->others);
			json_u64(x, "energy_uj", s->others_c.energy_uj);
			json_u64(x, "cpu_ns", s->others_c.cpu_ns);
			json_object_object_add(o, "others", x);
		} else {
			json_object_object_add(o, "others", NULL);
		}
		put_json(b, o);
		return;
	}
	rbuf_printf(b, "view:         this cgroup only (the host's files are root's)\n");
	if (!s->have_own) {
		rbuf_printf(b, "cgroup:       not shown yet (no window since it appeared)\n");
		return;
	}
	rbuf_printf(b, "cgroup:       %s\n", g->path[0] ? g->path : "(path unknown)");
	if (g->container[0])
		rbuf_printf(b, "container:    %s\n", g->container);
	rbuf_printf(b, "energy:       %llu.%06llu J in total\n", g->c.energy_uj / 1000000,
		    g->c.energy_uj % 1000000);
	rbuf_printf(b, "cpu:          %llu.%03llu s\n", g->c.cpu_ns / 1000000000,
		    g->c.cpu_ns / 1000000 % 1000);
	rbuf_printf(b, "processes:    %llu alive, %llu exited\n", g->procs_alive,
		    g->procs_exited);
	if (s->have_window) {
		rbuf_printf(b, "power:        %s W over the last window\n",
			    view_watts(w, snap_mw(g->window_uj, s->win_len_ns)));
		rbuf_printf(b, "window:       %llu ms\n", s->win_len_ns / 1000000);
	}
	rbuf_printf(b, "%8s %14s %12s  %s\n", "PID", "ENERGY_J", "CPU_S", "COMMAND");
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct snap_proc *p = &s->procs[i];

		rbuf_printf(b, "%8d %7llu.%06llu %8llu.%03llu  %s%s\n", p->pid,
			    p->c.energy_uj / 1000000, p->c.energy_uj % 1000000,
			    p->c.cpu_ns / 1000000000, p->c.cpu_ns / 1000000 % 1000,
			    p->comm, p->alive ? "" : " (exited)");
	}
	if (s->others)
		rbuf_printf(b, "%8s %7llu.%06llu %8llu.%03llu  *others* (%llu of other users)\n",
			    "-", s->others_c.energy_uj / 1000000, s->others_c.energy_uj % 1000000,
			    s->others_c.cpu_ns / 1000000000, s->others_c.cpu_ns / 1000000 % 1000,
			    s->others);
}

void view_status(struct rbuf *b, const struct status_in *in, bool json)
{
	if (!in->sys)
		status_cgroup(b, in->s, json);
	else if (json)
		status_host_json(b, in);
	else
		status_host(b, in);
}

static __u64 delta(__u64 now, __u64 then)
{
	return now >= then ? now - then : 0;
}

static __u64 permille(__u64 ns, __u64 dt)
{
	return dt ? (__u64)((unsigned __int128)ns * 1000 / dt) : 0;
}

static const struct snap_proc *find_proc(const struct snap *s, const struct snap_proc *p)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == p->pid && s->procs[i].start_ns == p->start_ns)
			return &s->procs[i];
	return NULL;
}

static const struct snap_cgroup *find_cgroup(const struct snap *s, __u64 id)
{
	for (size_t i = 0; i < s->ncgroups; i++)
		if (s->cgroups[i].id == id)
			return &s->cgroups[i];
	return NULL;
}

struct top_row *view_top_rows(const struct snap *prev, const struct snap *cur,
			      bool cgroups, struct top_head *h)
{
	__u64 dt_e = delta(cur->win_time_ns, prev->win_time_ns);
	__u64 dt_c = cur->host ? delta(cur->timestamp_ns, prev->timestamp_ns) : dt_e;
	size_t n = cgroups ? cur->ncgroups : cur->nprocs;
	struct top_row *rows;

	memset(h, 0, sizeof(*h));
	h->host = cur->host;
	h->window_ns = cur->host ? cur->window_ns : cur->win_len_ns;
	if (cur->host) {
		h->mw = snap_mw(delta(cur->system.energy_uj, prev->system.energy_uj), dt_e);
		h->idle_mw = cur->idle_mw;
		h->measured = cur->measured;
		snprintf(h->source, sizeof(h->source), "%s", cur->source);
	} else {
		if (cur->have_own && prev->have_own && cur->own.id == prev->own.id)
			h->mw = snap_mw(delta(cur->own.c.energy_uj, prev->own.c.energy_uj), dt_e);
		snprintf(h->cgroup, sizeof(h->cgroup), "%s",
			 cur->have_own ? cur->own.path : "");
	}
	if (cgroups && !cur->host)
		n = 0;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		struct top_row *r = &rows[i];
		struct snap_counters zero = {}, now, then;

		if (cgroups) {
			const struct snap_cgroup *g = &cur->cgroups[i], *o = find_cgroup(prev, g->id);

			r->cgroup_id = g->id;
			snprintf(r->name, sizeof(r->name), "%s", g->path[0] ? g->path : "?");
			snprintf(r->container, sizeof(r->container), "%s", g->container);
			now = g->c;
			then = o ? o->c : zero;
		} else {
			const struct snap_proc *p = &cur->procs[i], *o = find_proc(prev, p);

			r->pid = p->pid;
			r->cgroup_id = p->cgroup_id;
			snprintf(r->name, sizeof(r->name), "%s", p->comm);
			now = p->c;
			then = o ? o->c : zero;
		}
		r->mw = snap_mw(delta(now.energy_uj, then.energy_uj), dt_e);
		r->cpu_permille = permille(delta(now.cpu_ns, then.cpu_ns), dt_c);
		r->mem_bytes = now.mem_bytes;
		r->energy_uj = now.energy_uj;
	}
	h->n = n;
	return rows;
}

static enum top_sort sort_key;

static int cmp_u64(__u64 a, __u64 b)
{
	return a > b ? -1 : a < b;
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct top_row *a = pa, *b = pb;
	int c = 0;

	switch (sort_key) {
	case SORT_POWER: c = cmp_u64(a->mw, b->mw); break;
	case SORT_CPU: c = cmp_u64(a->cpu_permille, b->cpu_permille); break;
	case SORT_MEM: c = cmp_u64(a->mem_bytes, b->mem_bytes); break;
	case SORT_NAME: c = strcmp(a->name, b->name); break;
	}
	if (!c && sort_key != SORT_POWER)
		c = cmp_u64(a->mw, b->mw);
	if (!c)
		c = a->pid != b->pid ? (a->pid < b->pid ? -1 : 1) :
		    -cmp_u64(a->cgroup_id, b->cgroup_id);
	return c;
}

void view_top_sort(struct top_row *rows, size_t n, enum top_sort key)
{
	sort_key = key;
	qsort(rows, n, sizeof(*rows), cmp_rows);
}

static const char *const sort_names[] = { "power", "cpu", "memory", "name" };

void view_top_header(struct rbuf *b, const struct top_head *h, bool cgroups,
		     enum top_sort key)
{
	char w[24], i[24];

	if (h->host)
		rbuf_printf(b, "energyd top: machine %s W, idle %s W, %s (%s), window %llu ms\n",
			    view_watts(w, h->mw), view_watts(i, h->idle_mw),
			    h->measured ? "measured" : "estimated", h->source,
			    h->window_ns / 1000000);
	else
		rbuf_printf(b, "energyd top: cgroup %s %s W, window %llu ms\n",
			    h->cgroup[0] ? h->cgroup : "(not shown yet)",
			    view_watts(w, h->mw), h->window_ns / 1000000);
	rbuf_printf(b, "%zu %s%s, sorted by %s\n", h->n, cgroups ? "cgroup" : "process",
		    h->n == 1 ? "" : cgroups ? "s" : "es", sort_names[key]);
}

static void cut_line(struct rbuf *b, size_t start, size_t width)
{
	if (width && b->len - start > width) {
		b->len = start + width;
		b->data[b->len] = '\0';
	}
	rbuf_printf(b, "\n");
}

void view_top_lines(struct rbuf *b, const struct top_row *rows, size_t n,
		    bool cgroups, size_t max, size_t width)
{
	size_t start = b->len;
	char w[24];

	if (cgroups)
		rbuf_printf(b, "%10s %10s %6s %10s  %-20s %s", "CGROUP", "POWER_W", "CPU%",
			    "MEM_MB", "CONTAINER", "PATH");
	else
		rbuf_printf(b, "%8s %10s %6s %10s  %s", "PID", "POWER_W", "CPU%", "MEM_MB",
			    "COMMAND");
	cut_line(b, start, width);
	for (size_t k = 0; k < n && (!max || k < max) && !b->oom; k++) {
		const struct top_row *r = &rows[k];

		start = b->len;
		if (cgroups)
			rbuf_printf(b, "%10llu %10s %4llu.%llu %10llu  %-20s %s", r->cgroup_id,
				    view_watts(w, r->mw), r->cpu_permille / 10,
				    r->cpu_permille % 10, r->mem_bytes >> 20,
				    r->container[0] ? r->container : "-", r->name);
		else
			rbuf_printf(b, "%8d %10s %4llu.%llu %10llu  %s", r->pid,
				    view_watts(w, r->mw), r->cpu_permille / 10,
				    r->cpu_permille % 10, r->mem_bytes >> 20, r->name);
		cut_line(b, start, width);
	}
}

void view_top_json(struct rbuf *b, const struct top_head *h,
		   const struct top_row *rows, size_t n, bool cgroups)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(o, "view", json_object_new_string(h->host ? "host" : "cgroup"));
	json_u64(o, "power_mw", h->mw);
	if (h->host) {
		json_u64(o, "idle_mw", h->idle_mw);
		json_object_object_add(o, "measured", json_object_new_boolean(h->measured));
		json_object_object_add(o, "source", json_object_new_string(h->source));
	} else {
		json_object_object_add(o, "cgroup", h->cgroup[0] ?
				       json_object_new_string(h->cgroup) : NULL);
	}
	json_u64(o, "window_ns", h->window_ns);
	for (size_t k = 0; k < n; k++) {
		const struct top_row *r = &rows[k];
		json_object *e = json_object_new_object();

		if (cgroups) {
			json_u64(e, "id", r->cgroup_id);
			json_object_object_add(e, "path", json_object_new_string(r->name));
			json_object_object_add(e, "container", r->container[0] ?
					       json_object_new_string(r->container) : NULL);
		} else {
			json_object_object_add(e, "pid", json_object_new_int(r->pid));
			json_object_object_add(e, "comm", json_object_new_string(r->name));
			json_u64(e, "cgroup_id", r->cgroup_id);
		}
		json_u64(e, "power_mw", r->mw);
		json_u64(e, "cpu_permille", r->cpu_permille);
		json_u64(e, "mem_bytes", r->mem_bytes);
		json_u64(e, "energy_uj", r->energy_uj);
		json_object_array_add(a, e);
	}
	json_object_object_add(o, cgroups ? "cgroups" : "processes", a);
	put_json(b, o);
}
