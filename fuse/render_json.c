// SPDX-License-Identifier: GPL-2.0-only
/*
 * The JSON files, as one json-c tree per open, serialised at the end. A
 * failed allocation anywhere marks the tree failed (sticky, like an
 * rbuf's oom) and the file is answered with ENOMEM. Strings are made
 * valid UTF-8 first: json-c escapes control characters but passes other
 * bytes through as they are.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "container.h"
#include "render_json.h"
#include "shared.h"
#include "table.h"
#include "utf8.h"

/* Members are added once each, under names that are string literals. */
#define ADD_FLAGS	(JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY)
#define TO_STRING_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* A new object, or NULL with @oom set. */
static struct json_object *obj_new(bool *oom)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		*oom = true;
	return o;
}

static struct json_object *arr_new(bool *oom)
{
	struct json_object *a = json_object_new_array();

	if (!a)
		*oom = true;
	return a;
}

/* Add @v (taken over; NULL: its allocation failed) to @o as @key. */
static void put(struct json_object *o, const char *key, struct json_object *v,
		bool *oom)
{
	if (!o || !v || json_object_object_add_ex(o, key, v, ADD_FLAGS)) {
		json_object_put(v);
		*oom = true;
	}
}

/* Add a JSON null to @o as @key. */
static void put_null(struct json_object *o, const char *key, bool *oom)
{
	if (!o || json_object_object_add_ex(o, key, NULL, ADD_FLAGS))
		*oom = true;
}

/* Append @v (taken over) to array @a. */
static void append(struct json_object *a, struct json_object *v, bool *oom)
{
	if (!a || !v || json_object_array_add(a, v)) {
		json_object_put(v);
		*oom = true;
	}
}

static void put_u64(struct json_object *o, const char *key, __u64 v, bool *oom)
{
	put(o, key, json_object_new_uint64(v), oom);
}

static void put_bool(struct json_object *o, const char *key, bool v, bool *oom)
{
	put(o, key, json_object_new_boolean(v), oom);
}

/* The @len bytes at @s as a JSON string, made valid UTF-8; NULL when out
 * of memory. */
static struct json_object *str_new(const char *s, size_t len)
{
	char small[ENERGY_COMM_LEN * UTF8_GROWTH + 1], *buf = small;
	struct json_object *v;
	size_t n;

	if (len > ENERGY_COMM_LEN) {
		if (len > (SIZE_MAX - 1) / UTF8_GROWTH)
			return NULL;
		buf = malloc(len * UTF8_GROWTH + 1);
		if (!buf)
			return NULL;
	}
	n = utf8_sanitize(buf, s, len);
	v = json_object_new_string_len(buf, n);
	if (buf != small)
		free(buf);
	return v;
}

/* Add string @s to @o as @key; NULL or "" as JSON null when @empty_null. */
static void put_str(struct json_object *o, const char *key, const char *s,
		    bool empty_null, bool *oom)
{
	if (!s || (empty_null && !*s))
		put_null(o, key, oom);
	else
		put(o, key, str_new(s, strlen(s)), oom);
}

/*
 * What the machine, a process and a cgroup all have: their energy and
 * counters, units in the names. A figure every entry gets goes here.
 */
static void put_counters(struct json_object *o, const struct energy_counters *c,
			 __u64 mem_bytes, __u64 energy_uj, __u64 carbon_ng,
			 bool *oom)
{
	put_u64(o, "energy_uj", energy_uj, oom);
	put_u64(o, "carbon_ng", carbon_ng, oom);
	put_u64(o, "cpu_ns", c->cpu_ns, oom);
	put_u64(o, "mem_bytes", mem_bytes, oom);
	put_u64(o, "instructions", c->instructions, oom);
	put_u64(o, "wakeups", c->wakeups, oom);
	put_u64(o, "disk_read_bytes", c->disk_read_bytes, oom);
	put_u64(o, "disk_write_bytes", c->disk_write_bytes, oom);
	put_u64(o, "net_rx_packets", c->rx_packets, oom);
	put_u64(o, "net_tx_packets", c->tx_packets, oom);
	put_u64(o, "net_rx_bytes", c->rx_bytes, oom);
	put_u64(o, "net_tx_bytes", c->tx_bytes, oom);
}

/* The container and pod that cgroup path @path names, or null. */
static void put_container(struct json_object *o, const char *path, bool *oom)
{
	struct container_ident ci;
	struct json_object *c;

	if (!path || !container_from_cgroup(path, &ci)) {
		put_null(o, "container", oom);
		return;
	}
	c = obj_new(oom);
	put_str(c, "runtime", ci.runtime, true, oom);
	put_str(c, "id", ci.id, true, oom);
	put_str(c, "pod_uid", ci.pod_uid, true, oom);
	put(o, "container", c, oom);
}

/* One process, @pid as the reader sees it, in cgroup @cg (NULL: not in
 * the window). A process's own members go here. */
static struct json_object *proc_new(__u32 pid, __u64 energy_uj,
				    __u64 carbon_ng,
				    const struct energy_proc *rec,
				    const struct window_cgroup *cg, bool *oom)
{
	struct json_object *o = obj_new(oom);

	put_u64(o, "pid", pid, oom);
	put_u64(o, "start_ns", rec->key.start_ns, oom);
	put(o, "comm", str_new(rec->comm, strnlen(rec->comm, ENERGY_COMM_LEN)),
	    oom);
	put_bool(o, "alive", !(rec->flags & ENERGY_F_EXITED), oom);
	put_bool(o, "kernel", rec->flags & ENERGY_F_KTHREAD, oom);
	put_counters(o, &rec->c, rec->mem_bytes, energy_uj, carbon_ng, oom);
	put_u64(o, "cgroup_id", rec->cgroup_id, oom);
	put_str(o, "cgroup", cg ? cg->path : NULL, false, oom);
	return o;
}

/* One cgroup of a window, exited processes included. A cgroup's own
 * members go here. */
static struct json_object *cgroup_new(const struct window_cgroup *cg,
				      bool *oom)
{
	struct json_object *o = obj_new(oom);

	put_u64(o, "id", cg->id, oom);
	put_str(o, "path", cg->path, false, oom);
	put_container(o, cg->path, oom);
	put_counters(o, &cg->c, cg->mem_bytes, cg->energy_uj, cg->carbon_ng,
		     oom);
	put_u64(o, "window_uj", cg->window_uj, oom);
	put_u64(o, "procs_alive", cg->procs_alive, oom);
	put_u64(o, "procs_exited", cg->procs_exited, oom);
	return o;
}

/* The window @w, or null before the first; with the machine's energy in
 * it where @machine (all.json: the reader is root). */
static void put_window(struct json_object *o, const struct window_snap *w,
		       bool machine, bool *oom)
{
	struct json_object *win;

	if (!w) {
		put_null(o, "window", oom);
		return;
	}
	win = obj_new(oom);
	put_u64(win, "time_ns", w->time_ns, oom);
	put_u64(win, "window_ns", w->window_ns, oom);
	if (machine)
		put_u64(win, "window_uj", w->window_uj, oom);
	put(o, "window", win, oom);
}

static struct json_object *energy_new(const struct render_json_all *in,
				      bool *oom)
{
	const struct render_head *h = in->h;
	struct json_object *o = obj_new(oom), *rapl = obj_new(oom);

	put_str(o, "source", in->source, false, oom);
	put_str(o, "basis", in->basis, false, oom);
	put_bool(o, "measured", in->measured, oom);
	put_u64(o, "idle_mw", in->idle_mw, oom);
	for (int d = 0; d < RAPL_DOMAINS; d++)
		if (h->rapl_domains & (1U << d))
			put_u64(rapl, rapl_domain_name(d), h->rapl_uj[d], oom);
	put(o, "rapl_uj", rapl, oom);
	put_u64(o, "total_uj", in->tot->at.total_uj, oom);
	put_u64(o, "idle_uj", in->tot->at.idle_uj, oom);
	put_u64(o, "processes_uj", in->tot->at.procs_uj, oom);
	put_u64(o, "exited_uj", in->tot->exited_uj, oom);
	put_u64(o, "carbon_g_per_kwh", in->carbon_g_per_kwh, oom);
	put_u64(o, "carbon_ng", in->tot->carbon_ng, oom);
	put_u64(o, "idle_carbon_ng", in->tot->idle_carbon_ng, oom);
	put_u64(o, "exited_carbon_ng", in->tot->exited_ng, oom);
	return o;
}

static struct json_object *system_new(const struct render_json_all *in,
				      bool *oom)
{
	struct json_object *o = obj_new(oom);
	struct energy_proc sys;

	render_system_sum(&sys, in->slots, in->n, &in->tot->exited,
			  in->en->counted);
	put_counters(o, &sys.c, sys.mem_bytes, in->tot->at.total_uj,
		     in->tot->carbon_ng, oom);
	return o;
}

static struct json_object *procs_new(const struct render_json_all *in,
				     bool *oom)
{
	const struct render_energy *en = in->en;
	struct json_object *a = arr_new(oom);

	for (size_t i = 0; i < in->n && !*oom; i++) {
		/* A copy: the slot may change while it is read. */
		struct energy_proc rec;
		__u64 uj = 0, ng = 0;

		if (!slot_load(&rec, &in->slots[i]))
			continue;
		counted_apply(&rec, en->counted ? &en->counted[i] : NULL);
		if (en->key[i].tgid == rec.key.tgid &&
		    en->key[i].start_ns == rec.key.start_ns) {
			uj = en->uj[i];
			ng = en->ng ? en->ng[i] : 0;
		}
		append(a, proc_new(rec.key.tgid, uj, ng, &rec,
				   window_cgroup_of(in->win, rec.cgroup_id), oom),
		       oom);
	}
	return a;
}

static struct json_object *cgroups_new(const struct window_snap *w, bool *oom)
{
	struct json_object *a = arr_new(oom);

	for (size_t i = 0; w && i < w->ncg && !*oom; i++)
		append(a, cgroup_new(&w->cg[i], oom), oom);
	return a;
}

/* Serialise @root into @b, newline-terminated, and free it. */
static void emit(struct rbuf *b, struct json_object *root, bool oom)
{
	const char *text = NULL;
	size_t len = 0;

	if (!oom && root)
		text = json_object_to_json_string_length(root, TO_STRING_FLAGS,
							 &len);
	if (!text || !rbuf_reserve(b, len + 1)) {
		b->oom = true;
	} else {
		memcpy(b->data + b->len, text, len);
		b->len += len;
		b->data[b->len++] = '\n';
		b->data[b->len] = '\0';
	}
	json_object_put(root);
}

void render_all_json(struct rbuf *b, const struct render_json_all *in)
{
	const struct render_head *h = in->h;
	bool oom = false;
	struct json_object *root = obj_new(&oom);

	put_u64(root, "schema", RENDER_JSON_SCHEMA, &oom);
	put_u64(root, "timestamp_ns", h->timestamp_ns, &oom);
	put_u64(root, "iterations", h->iterations, &oom);
	put_u64(root, "sample_ns", h->sample_ns, &oom);
	put_u64(root, "window_ns", h->window_ns, &oom);
	put(root, "energy", energy_new(in, &oom), &oom);
	put(root, "system", system_new(in, &oom), &oom);
	put(root, "processes", procs_new(in, &oom), &oom);
	put_window(root, in->win, true, &oom);
	put(root, "cgroups", cgroups_new(in->win, &oom), &oom);
	emit(b, root, oom);
}

struct cgroup_procs {
	struct json_object *procs;
	const struct window_cgroup *cg;
	bool *oom;
};

static void cgroup_proc(void *arg, __u32 pid, const struct window_entry *e)
{
	struct cgroup_procs *cp = arg;

	if (!*cp->oom)
		append(cp->procs, proc_new(pid, e->energy_uj, e->carbon_ng, &e->rec,
					   cp->cg, cp->oom), cp->oom);
}

void render_cgroup_json(struct rbuf *b, const struct window_snap *w,
			__u64 cgroup_id, __u32 ns_ino,
			const struct render_filter *f)
{
	struct render_others others = {};
	const struct window_cgroup *cg = cgroup_id ? window_cgroup_of(w, cgroup_id) : NULL;
	bool oom = false;
	struct json_object *root = obj_new(&oom), *procs = arr_new(&oom);
	struct cgroup_procs cp = { .procs = procs, .cg = cg, .oom = &oom };

	put_u64(root, "schema", RENDER_JSON_SCHEMA_CGROUP, &oom);
	put_window(root, w, false, &oom);
	if (cg)
		put(root, "cgroup", cgroup_new(cg, &oom), &oom);
	else
		put_null(root, "cgroup", &oom);
	render_cgroup_walk(w, cgroup_id, ns_ino, f, &others, cgroup_proc, &cp);
	put(root, "processes", procs, &oom);
	if (others.n) {
		struct json_object *o = obj_new(&oom);

		put_u64(o, "processes", others.n, &oom);
		put_counters(o, &others.rec.c, others.rec.mem_bytes,
			     others.energy_uj, others.carbon_ng, &oom);
		put(root, "others", o, &oom);
	} else {
		put_null(root, "others", &oom);
	}
	emit(b, root, oom);
}
