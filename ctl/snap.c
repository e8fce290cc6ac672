// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parsing what energyctl reads from the mount: sys's "key=value" lines and
 * the JSON files (README.md's JSON section) into one snapshot. Pure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "model.h"
#include "params.h"
#include "snap.h"

const char *const snap_rapl_names[5] = { "pkg", "core", "uncore", "dram", "psys" };

int snap_kv(const char *text, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);

		if (l > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			size_t vl = l - klen - 1;

			if (vl + 1 > len)
				return -ENOSPC;
			memcpy(buf, p + klen + 1, vl);
			buf[vl] = '\0';
			return 0;
		}
		p = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int snap_kv_u64(const char *text, const char *key, __u64 *v)
{
	char buf[32];
	int err = snap_kv(text, key, buf, sizeof(buf));

	if (err)
		return err == -ENOSPC ? -EINVAL : err;
	return param_parse_u64(buf, strlen(buf), 0, ~0ULL, v) ? -EINVAL : 0;
}

struct ctx {
	char *why;
	size_t why_len;
	int err;
};

static void bad(struct ctx *c, const char *what, const char *name)
{
	if (!c->err)
		snprintf(c->why, c->why_len, "%s: %s", name, what);
	c->err = -EINVAL;
}

static json_object *member(struct ctx *c, json_object *o, const char *name,
			   json_type type, bool nullable)
{
	json_object *m;

	if (!json_object_object_get_ex(o, name, &m)) {
		bad(c, "missing", name);
		return NULL;
	}
	if (!m) {
		if (!nullable)
			bad(c, "is null", name);
		return NULL;
	}
	if (!json_object_is_type(m, type)) {
		bad(c, "has the wrong type", name);
		return NULL;
	}
	return m;
}

static __u64 u64_of(struct ctx *c, json_object *o, const char *name)
{
	json_object *m = member(c, o, name, json_type_int, false);

	if (!m)
		return 0;
	errno = 0;
	return json_object_get_uint64(m);
}

static bool bool_of(struct ctx *c, json_object *o, const char *name)
{
	json_object *m = member(c, o, name, json_type_boolean, false);

	return m && json_object_get_boolean(m);
}

static void str_of(struct ctx *c, json_object *o, const char *name, char *buf,
		   size_t len, bool nullable)
{
	json_object *m = member(c, o, name, json_type_string, nullable);

	buf[0] = '\0';
	if (m)
		snprintf(buf, len, "%s", json_object_get_string(m));
}

static void counters_of(struct ctx *c, json_object *o, struct snap_counters *k)
{
	k->energy_uj = u64_of(c, o, "energy_uj");
	k->cpu_ns = u64_of(c, o, "cpu_ns");
	k->mem_bytes = u64_of(c, o, "mem_bytes");
	k->instructions = u64_of(c, o, "instructions");
	k->wakeups = u64_of(c, o, "wakeups");
	k->disk_read_bytes = u64_of(c, o, "disk_read_bytes");
	k->disk_write_bytes = u64_of(c, o, "disk_write_bytes");
	k->net_rx_packets = u64_of(c, o, "net_rx_packets");
	k->net_tx_packets = u64_of(c, o, "net_tx_packets");
}

static void cgroup_of(struct ctx *c, json_object *o, struct snap_cgroup *g)
{
	json_object *ct;

	g->id = u64_of(c, o, "id");
	str_of(c, o, "path", g->path, sizeof(g->path), true);
	counters_of(c, o, &g->c);
	g->procs_alive = u64_of(c, o, "procs_alive");
	g->procs_exited = u64_of(c, o, "procs_exited");
	g->window_uj = u64_of(c, o, "window_uj");
	g->container[0] = '\0';
	ct = member(c, o, "container", json_type_object, true);
	if (ct) {
		char rt[16], id[80], pod[48];

		str_of(c, ct, "runtime", rt, sizeof(rt), true);
		str_of(c, ct, "id", id, sizeof(id), true);
		str_of(c, ct, "pod_uid", pod, sizeof(pod), true);
		if (id[0])
			snprintf(g->container, sizeof(g->container), "%s:%.12s",
				 rt[0] ? rt : "container", id);
		else if (pod[0])
			snprintf(g->container, sizeof(g->container), "pod:%.36s", pod);
	}
}

static void proc_of(struct ctx *c, json_object *o, struct snap_proc *p)
{
	__u64 pid = u64_of(c, o, "pid");

	p->pid = pid > 0x7fffffff ? 0 : (int)pid;
	p->start_ns = u64_of(c, o, "start_ns");
	str_of(c, o, "comm", p->comm, sizeof(p->comm), false);
	p->alive = bool_of(c, o, "alive");
	p->kernel = bool_of(c, o, "kernel");
	p->cgroup_id = u64_of(c, o, "cgroup_id");
	counters_of(c, o, &p->c);
}

static void energy_of(struct ctx *c, json_object *o, struct snap *s)
{
	json_object *r;

	str_of(c, o, "source", s->source, sizeof(s->source), false);
	str_of(c, o, "basis", s->basis, sizeof(s->basis), false);
	s->measured = bool_of(c, o, "measured");
	s->idle_mw = u64_of(c, o, "idle_mw");
	s->total_uj = u64_of(c, o, "total_uj");
	s->idle_uj = u64_of(c, o, "idle_uj");
	s->processes_uj = u64_of(c, o, "processes_uj");
	s->exited_uj = u64_of(c, o, "exited_uj");
	r = member(c, o, "rapl_uj", json_type_object, false);
	for (int i = 0; r && i < 5; i++) {
		json_object *m;

		if (json_object_object_get_ex(r, snap_rapl_names[i], &m)) {
			s->rapl_has[i] = true;
			s->rapl_uj[i] = u64_of(c, r, snap_rapl_names[i]);
		}
	}
}

/* An array member's objects, each parsed by @one into @arr (of @size
 * bytes each). */
static void *array_of(struct ctx *c, json_object *o, const char *name,
		      size_t size, size_t *n,
		      void (*one)(struct ctx *, json_object *, void *))
{
	json_object *a = member(c, o, name, json_type_array, false);
	size_t len = a ? json_object_array_length(a) : 0;
	char *arr;

	*n = 0;
	if (!a)
		return NULL;
	arr = calloc(len ? len : 1, size);
	if (!arr) {
		if (!c->err)
			snprintf(c->why, c->why_len, "out of memory");
		c->err = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < len && !c->err; i++) {
		json_object *e = json_object_array_get_idx(a, i);

		if (!json_object_is_type(e, json_type_object)) {
			bad(c, "holds something other than objects", name);
			break;
		}
		one(c, e, arr + i * size);
	}
	*n = len;
	return arr;
}

static void proc_cb(struct ctx *c, json_object *o, void *p)
{
	proc_of(c, o, p);
}

static void cgroup_cb(struct ctx *c, json_object *o, void *g)
{
	cgroup_of(c, o, g);
}

int snap_parse(const char *text, bool host, struct snap *s, char *why,
	       size_t why_len)
{
	struct ctx c = { .why = why, .why_len = why_len };
	enum json_tokener_error jerr;
	json_object *root, *w, *o;

	memset(s, 0, sizeof(*s));
	s->host = host;
	root = json_tokener_parse_verbose(text, &jerr);
	if (!root || !json_object_is_type(root, json_type_object)) {
		snprintf(why, why_len, "not a JSON object (%s)",
			 root ? "another type" : json_tokener_error_desc(jerr));
		json_object_put(root);
		return -EINVAL;
	}
	/* all.json's schema is 1, cgroup.json's 2 */
	if (u64_of(&c, root, "schema") != (host ? 1 : 2) && !c.err)
		bad(&c, host ? "is not 1" : "is not 2", "schema");
	w = member(&c, root, "window", json_type_object, true);
	if (w) {
		s->have_window = true;
		s->win_time_ns = u64_of(&c, w, "time_ns");
		s->win_len_ns = u64_of(&c, w, "window_ns");
		if (host)
			s->win_uj = u64_of(&c, w, "window_uj");
	}
	if (host) {
		s->timestamp_ns = u64_of(&c, root, "timestamp_ns");
		s->iterations = u64_of(&c, root, "iterations");
		s->sample_ns = u64_of(&c, root, "sample_ns");
		s->window_ns = u64_of(&c, root, "window_ns");
		o = member(&c, root, "energy", json_type_object, false);
		if (o)
			energy_of(&c, o, s);
		o = member(&c, root, "system", json_type_object, false);
		if (o)
			counters_of(&c, o, &s->system);
		s->cgroups = array_of(&c, root, "cgroups", sizeof(*s->cgroups),
				      &s->ncgroups, cgroup_cb);
	} else {
		s->timestamp_ns = s->win_time_ns;
		o = member(&c, root, "cgroup", json_type_object, true);
		if (o) {
			s->have_own = true;
			cgroup_of(&c, o, &s->own);
			s->win_uj = s->own.window_uj;
		}
		/* null, or the processes the reader may not see one by one */
		if (json_object_object_get_ex(root, "others", &o) && o) {
			s->others = u64_of(&c, o, "processes");
			counters_of(&c, o, &s->others_c);
		}
	}
	if (!c.err)
		s->procs = array_of(&c, root, "processes", sizeof(*s->procs),
				    &s->nprocs, proc_cb);
	json_object_put(root);
	if (c.err)
		snap_free(s);
	return c.err;
}

void snap_free(struct snap *s)
{
	free(s->procs);
	free(s->cgroups);
	memset(s, 0, sizeof(*s));
}

bool snap_measured_uj(const struct snap *s, __u64 *uj)
{
	enum { PKG, CORE, UNCORE, DRAM, PSYS };

	if (!s->measured)
		return false;
	if (!strcmp(s->basis, "psys") && s->rapl_has[PSYS])
		*uj = s->rapl_uj[PSYS];
	else if (!strcmp(s->basis, "pkg+dram") && s->rapl_has[PKG] && s->rapl_has[DRAM])
		*uj = s->rapl_uj[PKG] + s->rapl_uj[DRAM];
	else if (!strcmp(s->basis, "pkg") && s->rapl_has[PKG])
		*uj = s->rapl_uj[PKG];
	else
		return false;
	return true;
}

__u64 snap_mw(__u64 uj, __u64 ns)
{
	if (!ns)
		return 0;
	return (__u64)((unsigned __int128)uj * 1000000ULL / ns);
}

int snap_record(const struct snap *prev, const struct snap *cur,
		struct model_record *r)
{
	const struct snap_counters *a = &prev->system, *b = &cur->system;
	__u64 e0, e1, dt;

	if (!snap_measured_uj(prev, &e0) || !snap_measured_uj(cur, &e1) ||
	    cur->timestamp_ns <= prev->timestamp_ns)
		return -EINVAL;
	if (e1 < e0 || b->cpu_ns < a->cpu_ns || b->instructions < a->instructions ||
	    b->wakeups < a->wakeups || b->disk_read_bytes < a->disk_read_bytes ||
	    b->disk_write_bytes < a->disk_write_bytes ||
	    b->net_rx_packets < a->net_rx_packets || b->net_tx_packets < a->net_tx_packets)
		return -ERANGE;
	dt = cur->timestamp_ns - prev->timestamp_ns;
	memset(r, 0, sizeof(*r));
	r->window_ns = dt;
	r->energy_uj = e1 - e0;
	r->x[M_CPU_NS] = b->cpu_ns - a->cpu_ns;
	r->x[M_MEM_BYTES] = (__u64)((unsigned __int128)b->mem_bytes * dt / 1000000000ULL);
	r->x[M_INSTRUCTIONS] = b->instructions - a->instructions;
	r->x[M_WAKEUPS] = b->wakeups - a->wakeups;
	r->x[M_DISK_READ_BYTES] = b->disk_read_bytes - a->disk_read_bytes;
	r->x[M_DISK_WRITE_BYTES] = b->disk_write_bytes - a->disk_write_bytes;
	r->x[M_NET_RX_PACKETS] = b->net_rx_packets - a->net_rx_packets;
	r->x[M_NET_TX_PACKETS] = b->net_tx_packets - a->net_tx_packets;
	return 0;
}
