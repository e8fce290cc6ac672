// SPDX-License-Identifier: GPL-2.0-only
/*
 * all.json and cgroup.json from fixture rows and windows, parsed back with
 * json-c: every member where the schema puts it, with the value it must
 * have, strings made valid UTF-8.
 */
#include <stdlib.h>

#include <json.h>

#include "render_json.h"
#include "unit.h"

#define CTR_ID	"2b724db583be899c97982355826975ce27ea29d0998874a4100ba1ec1c298ed0"
#define FFFD	"\xef\xbf\xbd"

/* 16 bytes, no NUL: quote, backslash, control bytes, DEL, invalid UTF-8
 * (0xff, then a 3-byte sequence cut short), all the way to the end. */
static const char hostile_comm[ENERGY_COMM_LEN] =
	"q\"\\\n\t\x01\x1b\x7f\xff\xe2\x82zzzzZ";
static const char hostile_want[] =
	"q\"\\\n\t\x01\x1b\x7f" FFFD FFFD FFFD "zzzzZ";

/* The member at @path ("a.b.0.c": names and array indexes), or NULL. */
static struct json_object *at(struct json_object *o, const char *path)
{
	char buf[128], *save, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o;
	     tok = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, strtoul(tok, NULL, 10));
		else if (!json_object_object_get_ex(o, tok, &o))
			o = NULL;
	}
	return o;
}

/* The integer at @path; ~0 - 1 when it is missing or not an integer. */
static __u64 u64_at(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	if (!v || !json_object_is_type(v, json_type_int)) {
		fprintf(stderr, "  %s: no integer\n", path);
		return ~0ULL - 1;
	}
	return json_object_get_uint64(v);
}

static const char *str_at(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	return v && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : NULL;
}

/* 1 true, 0 false, -1 not a boolean. */
static int bool_at(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	if (!v || !json_object_is_type(v, json_type_boolean))
		return -1;
	return json_object_get_boolean(v);
}

/* Whether @path is there and null (json-c: a member holding NULL). */
static bool null_at(struct json_object *o, const char *path)
{
	const char *dot = strrchr(path, '.');
	struct json_object *parent = o, *v = o;
	char head[128];

	if (dot) {
		snprintf(head, sizeof(head), "%.*s", (int)(dot - path), path);
		parent = at(o, head);
	}
	return parent && json_object_object_get_ex(parent, dot ? dot + 1 : path, &v) &&
	       !v;
}

static size_t len_at(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	if (v && json_object_is_type(v, json_type_array))
		return json_object_array_length(v);
	if (v && json_object_is_type(v, json_type_object))
		return json_object_object_length(v);
	return ~(size_t)0;
}

/* @b parsed whole: one line, newline-terminated, valid JSON. */
static struct json_object *parse(const struct rbuf *b)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (!ASSERT_TRUE(b->data && !b->oom && b->len, "rendered"))
		return NULL;
	ASSERT_EQ(b->len, strlen(b->data), "no NUL inside");
	ASSERT_TRUE(b->data[b->len - 1] == '\n' &&
		    strchr(b->data, '\n') == b->data + b->len - 1,
		    "one line, newline-terminated: newlines in strings escaped");
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, b->data, b->len);
	ASSERT_EQ(json_tokener_get_error(tok), json_tokener_success,
		  "json-c parses it back");
	/* The tokener takes the trailing newline as white space. */
	ASSERT_EQ(json_tokener_get_parse_end(tok), b->len,
		  "nothing after the document but the newline");
	json_tokener_free(tok);
	return o;
}

/* A slot with every counter distinct, so that a swapped member shows. */
static void slot(struct energy_proc *p, __u32 tgid, __u64 base, __u64 cgroup,
		 __u32 flags, const char *comm, size_t comm_len)
{
	*p = (struct energy_proc){
		.key = { .tgid = tgid, .start_ns = 1000000000ULL * tgid + 7 },
		.c = { .cpu_ns = base + 1, .instructions = base + 2,
		       .wakeups = base + 3, .disk_read_bytes = base + 4,
		       .disk_write_bytes = base + 5, .rx_packets = base + 6,
		       .tx_packets = base + 7, .rx_bytes = base + 8,
		       .tx_bytes = base + 9 },
		.mem_bytes = base + 10,
		.cgroup_id = cgroup,
		.flags = flags,
	};
	memcpy(p->comm, comm, comm_len);
}

/* The counters of slot() under @prefix ("processes.0."), base @base. */
static void check_counters(struct json_object *o, const char *prefix,
			   __u64 base, const char *what)
{
	static const char *const names[] = {
		"cpu_ns", "instructions", "wakeups", "disk_read_bytes",
		"disk_write_bytes", "net_rx_packets", "net_tx_packets",
		"net_rx_bytes", "net_tx_bytes", "mem_bytes",
	};
	char path[128];

	for (int i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "%s%s", prefix, names[i]);
		if (!ASSERT_EQ(u64_at(o, path), base + 1 + i, what))
			fprintf(stderr, "  member %s\n", path);
	}
}

/* Two cgroups: a docker container's (5) and one without a path (6). */
static struct window_cgroup fixture_cg[2] = {
	{ .id = 5, .path = "/system.slice/docker-" CTR_ID ".scope",
	  .c = { .cpu_ns = 501, .instructions = 502, .wakeups = 503,
		 .disk_read_bytes = 504, .disk_write_bytes = 505,
		 .rx_packets = 506, .tx_packets = 507, .rx_bytes = 508,
		 .tx_bytes = 509 },
	  .mem_bytes = 510, .energy_uj = 5555, .window_uj = 55, .carbon_ng = 5556,
	  .procs_alive = 2,
	  .procs_exited = 3 },
	{ .id = 6, .path = NULL, .c = { .cpu_ns = 6 }, .procs_alive = 1 },
};

void test_render_all_json(void)
{
	struct energy_proc s[4];
	struct energy_key keys[4] = {};
	__u64 uj[4] = { 1234, 0, 99, 77 }, ng[4] = { 4321, 0, 0, 0 };
	struct render_head h = {
		.timestamp_ns = 111, .iterations = 22, .sample_ns = 100000000,
		.window_ns = 1000000000,
		.rapl_domains = 1U << RAPL_PKG | 1U << RAPL_PSYS,
		.rapl_uj = { [RAPL_PKG] = 5, [RAPL_CORE] = 9, [RAPL_PSYS] = 7 },
	};
	struct view_totals tot = {
		.exited = { .cpu_ns = 1000, .tx_packets = 4 },
		.exited_uj = 300,
		.carbon_ng = 7000, .idle_carbon_ng = 600, .exited_ng = 50,
		.at = { .total_uj = 3000500, .idle_uj = 1000, .procs_uj = 2999500 },
	};
	struct window_snap w = {
		.time_ns = 777, .window_ns = 999, .window_uj = 4242,
		.ncg = 2, .cg = fixture_cg,
	};
	struct render_energy en = { .uj = uj, .ng = ng, .key = keys,
				    .total_uj = 3000500 };
	struct render_json_all in = {
		.h = &h, .tot = &tot, .source = "msr", .basis = "psys",
		.measured = true, .idle_mw = 4500, .slots = s, .n = 4, .en = &en,
		.win = &w,
	};
	struct json_object *o;
	struct rbuf b = {};

	memset(s, 0, sizeof(s));
	slot(&s[0], 10, 100, 5, 0, hostile_comm, sizeof(hostile_comm));
	/* s[1] unused */
	slot(&s[2], 12, 300, 6, ENERGY_F_EXITED, "ended", 5);
	slot(&s[3], 13, 400, 99, ENERGY_F_KTHREAD, "kworker/0:1", 11);
	s[3].c.instructions = ~0ULL;	/* the largest counter, exact */
	keys[0] = s[0].key;
	keys[3] = s[3].key;	/* slot 2's energy belongs to an earlier process */
	render_all_json(&b, &in);
	o = parse(&b);
	if (!o)
		goto out;

	ASSERT_EQ(u64_at(o, "schema"), RENDER_JSON_SCHEMA, "schema");
	ASSERT_EQ(u64_at(o, "timestamp_ns"), 111, "timestamp_ns");
	ASSERT_EQ(u64_at(o, "iterations"), 22, "iterations");
	ASSERT_EQ(u64_at(o, "sample_ns"), 100000000, "sample_ns");
	ASSERT_EQ(u64_at(o, "window_ns"), 1000000000, "window_ns");

	ASSERT_STREQ(str_at(o, "energy.source"), "msr", "source");
	ASSERT_STREQ(str_at(o, "energy.basis"), "psys", "basis");
	ASSERT_EQ(bool_at(o, "energy.measured"), 1, "measured");
	ASSERT_EQ(u64_at(o, "energy.idle_mw"), 4500, "idle_mw");
	ASSERT_EQ(len_at(o, "energy.rapl_uj"), 2, "only the measured domains");
	ASSERT_EQ(u64_at(o, "energy.rapl_uj.pkg"), 5, "rapl pkg");
	ASSERT_EQ(u64_at(o, "energy.rapl_uj.psys"), 7, "rapl psys");
	ASSERT_EQ(u64_at(o, "energy.total_uj"), 3000500, "total_uj");
	ASSERT_EQ(u64_at(o, "energy.idle_uj"), 1000, "idle_uj");
	ASSERT_EQ(u64_at(o, "energy.processes_uj"), 2999500, "processes_uj");
	ASSERT_EQ(u64_at(o, "energy.exited_uj"), 300, "exited_uj");
	ASSERT_EQ(u64_at(o, "energy.carbon_ng"), 7000, "node carbon");
	ASSERT_EQ(u64_at(o, "energy.idle_carbon_ng"), 600, "idle carbon");
	ASSERT_EQ(u64_at(o, "energy.exited_carbon_ng"), 50, "exited carbon");
	ASSERT_EQ(u64_at(o, "system.carbon_ng"), 7000, "system carbon");

	/* The *system* line: listed (exited included) plus folded, mem of
	 * the live, the machine's energy. */
	ASSERT_EQ(u64_at(o, "system.energy_uj"), 3000500, "system energy");
	ASSERT_EQ(u64_at(o, "system.cpu_ns"), 1000 + 101 + 301 + 401, "system cpu_ns");
	ASSERT_EQ(u64_at(o, "system.net_tx_packets"), 4 + 107 + 307 + 407,
		  "system tx packets");
	ASSERT_EQ(u64_at(o, "system.mem_bytes"), 110 + 410, "system mem: live only");

	if (!ASSERT_EQ(len_at(o, "processes"), 3, "used slots only"))
		goto out;
	ASSERT_EQ(u64_at(o, "processes.0.pid"), 10, "pid");
	ASSERT_EQ(u64_at(o, "processes.0.start_ns"), 10000000007ULL, "start_ns");
	ASSERT_STREQ(str_at(o, "processes.0.comm"), hostile_want,
		     "a 16-byte hostile comm: all 16 bytes, escaped, invalid UTF-8 as U+FFFD");
	ASSERT_EQ(bool_at(o, "processes.0.alive"), 1, "alive");
	ASSERT_EQ(bool_at(o, "processes.0.kernel"), 0, "not kernel");
	ASSERT_EQ(u64_at(o, "processes.0.energy_uj"), 1234, "own energy");
	ASSERT_EQ(u64_at(o, "processes.0.carbon_ng"), 4321, "own carbon");
	check_counters(o, "processes.0.", 100, "process counters");
	ASSERT_EQ(u64_at(o, "processes.0.cgroup_id"), 5, "cgroup_id");
	ASSERT_STREQ(str_at(o, "processes.0.cgroup"),
		     "/system.slice/docker-" CTR_ID ".scope", "cgroup path");

	ASSERT_EQ(u64_at(o, "processes.1.pid"), 12, "exited pid");
	ASSERT_EQ(bool_at(o, "processes.1.alive"), 0, "exited: alive false");
	ASSERT_EQ(u64_at(o, "processes.1.energy_uj"), 0,
		  "energy of an earlier process in the slot not shown");
	ASSERT_TRUE(null_at(o, "processes.1.cgroup"), "cgroup without a path: null");

	ASSERT_EQ(bool_at(o, "processes.2.kernel"), 1, "kernel thread");
	ASSERT_EQ(u64_at(o, "processes.2.instructions"), ~0ULL,
		  "2^64 - 1 survives as an integer");
	ASSERT_EQ(u64_at(o, "processes.2.energy_uj"), 77, "energy");
	ASSERT_STREQ(str_at(o, "processes.2.comm"), "kworker/0:1", "slash not escaped away");
	ASSERT_TRUE(strstr(b.data, "\"kworker/0:1\""), "slash written plain");
	ASSERT_TRUE(null_at(o, "processes.2.cgroup"), "cgroup not in the window: null");

	ASSERT_EQ(u64_at(o, "window.time_ns"), 777, "window time");
	ASSERT_EQ(u64_at(o, "window.window_ns"), 999, "window length");
	ASSERT_EQ(u64_at(o, "window.window_uj"), 4242, "window energy");
	ASSERT_EQ(u64_at(o, "cgroups.0.window_uj"), 55, "a cgroup's energy in the window");

	if (!ASSERT_EQ(len_at(o, "cgroups"), 2, "every cgroup of the window"))
		goto out;
	ASSERT_EQ(u64_at(o, "cgroups.0.id"), 5, "cgroup id");
	ASSERT_STREQ(str_at(o, "cgroups.0.path"), fixture_cg[0].path, "path");
	ASSERT_STREQ(str_at(o, "cgroups.0.container.runtime"), "docker", "runtime");
	ASSERT_STREQ(str_at(o, "cgroups.0.container.id"), CTR_ID, "container id");
	ASSERT_TRUE(null_at(o, "cgroups.0.container.pod_uid"), "no pod: null");
	ASSERT_EQ(u64_at(o, "cgroups.0.energy_uj"), 5555, "cgroup energy");
	ASSERT_EQ(u64_at(o, "cgroups.0.carbon_ng"), 5556, "cgroup carbon");
	check_counters(o, "cgroups.0.", 500, "cgroup counters");
	ASSERT_EQ(u64_at(o, "cgroups.0.procs_alive"), 2, "procs_alive");
	ASSERT_EQ(u64_at(o, "cgroups.0.procs_exited"), 3, "procs_exited");
	ASSERT_EQ(u64_at(o, "cgroups.1.id"), 6, "second cgroup");
	ASSERT_TRUE(null_at(o, "cgroups.1.path"), "no path: null");
	ASSERT_TRUE(null_at(o, "cgroups.1.container"), "no path: no container");
out:
	json_object_put(o);
	rbuf_free(&b);
}

/* Before the first window: no window, no cgroups, processes still; a
 * model source: nothing measured. */
void test_render_all_json_no_window(void)
{
	struct energy_proc s[1];
	struct energy_key keys[1] = {};
	__u64 uj[1] = {};
	struct render_head h = { .timestamp_ns = 1 };
	struct view_totals tot = {};
	struct render_energy en = { .uj = uj, .key = keys };
	struct render_json_all in = {
		.h = &h, .tot = &tot, .source = "model", .basis = "none",
		.slots = s, .n = 1, .en = &en,
	};
	struct json_object *o;
	struct rbuf b = {};

	slot(&s[0], 1, 0, 1, 0, "init", 4);
	render_all_json(&b, &in);
	o = parse(&b);
	if (!o)
		goto out;
	ASSERT_TRUE(null_at(o, "window"), "window null");
	ASSERT_EQ(len_at(o, "cgroups"), 0, "no cgroups");
	ASSERT_EQ(len_at(o, "processes"), 1, "the process");
	ASSERT_TRUE(null_at(o, "processes.0.cgroup"), "its cgroup path unknown yet");
	ASSERT_EQ(bool_at(o, "energy.measured"), 0, "not measured");
	ASSERT_EQ(len_at(o, "energy.rapl_uj"), 0, "no domain");
	ASSERT_STREQ(str_at(o, "energy.source"), "model", "model");
out:
	json_object_put(o);
	rbuf_free(&b);
}

void test_render_cgroup_json(void)
{
	struct window_snap *w = calloc(1, sizeof(*w) + 4 * sizeof(w->e[0]));
	struct json_object *o = NULL;
	struct rbuf b = {};

	if (!ASSERT_TRUE(w, "alloc"))
		return;
	w->n = 4;
	w->time_ns = 777;
	w->window_ns = 200;
	w->window_uj = 31;
	w->ncg = 2;
	w->cg = fixture_cg;
	/* host process in cgroup 5, a container process (host pid 300, pid
	 * 1 in namespace 4026532000) in cgroup 5, one in cgroup 6, one with
	 * cgroup 0 (unknown) */
	slot(&w->e[0].rec, 100, 0, 5, 0, "host", 4);
	w->e[0].ns = (struct energy_pidns){ .level = 0, .nr = { 100 },
					    .ns_ino = { 4026531836 } };
	w->e[0].energy_uj = 40;
	slot(&w->e[1].rec, 300, 1000, 5, ENERGY_F_EXITED, hostile_comm,
	     sizeof(hostile_comm));
	w->e[1].ns = (struct energy_pidns){ .level = 1, .nr = { 300, 1 },
					    .ns_ino = { 4026531836, 4026532000 } };
	w->e[1].energy_uj = 41;
	slot(&w->e[2].rec, 400, 0, 6, 0, "other", 5);
	w->e[2].ns = (struct energy_pidns){ .level = 0, .nr = { 400 },
					    .ns_ino = { 4026531836 } };
	slot(&w->e[3].rec, 500, 0, 0, 0, "nowhere", 7);
	w->e[3].ns = w->e[2].ns;

	/* The container's reader: its own process only, with its own pid. */
	render_cgroup_json(&b, w, 5, 4026532000, NULL);
	o = parse(&b);
	if (!o)
		goto out;
	ASSERT_EQ(u64_at(o, "schema"), RENDER_JSON_SCHEMA_CGROUP, "schema");
	ASSERT_EQ(u64_at(o, "window.time_ns"), 777, "window time");
	ASSERT_EQ(u64_at(o, "window.window_ns"), 200, "window length");
	ASSERT_TRUE(!at(o, "window.window_uj"),
		    "the machine's window energy is not a container's to see");
	ASSERT_EQ(u64_at(o, "cgroup.window_uj"), 55, "its own energy in the window");
	ASSERT_EQ(u64_at(o, "cgroup.id"), 5, "the reader's cgroup");
	ASSERT_STREQ(str_at(o, "cgroup.container.id"), CTR_ID, "its container");
	check_counters(o, "cgroup.", 500, "cgroup totals from the window's entry");
	ASSERT_EQ(u64_at(o, "cgroup.energy_uj"), 5555, "cgroup energy");
	ASSERT_EQ(u64_at(o, "cgroup.procs_exited"), 3, "exited included");
	if (ASSERT_EQ(len_at(o, "processes"), 1, "only what the namespace sees")) {
		ASSERT_EQ(u64_at(o, "processes.0.pid"), 1, "pid in the reader's namespace");
		ASSERT_EQ(u64_at(o, "processes.0.energy_uj"), 41, "the window's energy");
		ASSERT_EQ(bool_at(o, "processes.0.alive"), 0, "exited");
		ASSERT_STREQ(str_at(o, "processes.0.comm"), hostile_want, "comm sanitized");
		check_counters(o, "processes.0.", 1000, "process counters");
	}
	json_object_put(o);
	rbuf_free(&b);

	/* A host reader: both processes of cgroup 5, host pids. */
	render_cgroup_json(&b, w, 5, 4026531836, NULL);
	o = parse(&b);
	if (o && ASSERT_EQ(len_at(o, "processes"), 2, "host reader: both")) {
		ASSERT_EQ(u64_at(o, "processes.0.pid"), 100, "host pid");
		ASSERT_EQ(u64_at(o, "processes.1.pid"), 300, "host pid of the container's");
	}
	json_object_put(o);
	rbuf_free(&b);

	/* A cgroup the window does not show, an unknown cgroup, no window:
	 * a document all the same. */
	render_cgroup_json(&b, w, 99, 4026531836, NULL);
	o = parse(&b);
	ASSERT_TRUE(o && null_at(o, "cgroup"), "cgroup not in the window: null");
	ASSERT_EQ(len_at(o, "processes"), 0, "no process");
	json_object_put(o);
	rbuf_free(&b);

	render_cgroup_json(&b, w, 0, 4026531836, NULL);
	o = parse(&b);
	ASSERT_TRUE(o && null_at(o, "cgroup"), "cgroup unknown: null");
	ASSERT_EQ(len_at(o, "processes"), 0, "not the processes of cgroup 0");
	json_object_put(o);
	rbuf_free(&b);

	render_cgroup_json(&b, NULL, 5, 4026531836, NULL);
	o = parse(&b);
	ASSERT_TRUE(o && null_at(o, "window") && null_at(o, "cgroup"),
		    "before the first window: window and cgroup null");
	ASSERT_EQ(len_at(o, "processes"), 0, "no process");
out:
	json_object_put(o);
	rbuf_free(&b);
	free(w);
}

/* 10,000 processes: every one there, the buffer grown, nothing failed. */
void test_render_json_large(void)
{
	enum { N = 10000 };
	struct energy_proc *s = calloc(N, sizeof(*s));
	__u64 *uj = calloc(N, sizeof(*uj));
	struct energy_key *keys = calloc(N, sizeof(*keys));
	struct render_energy en = { .uj = uj, .key = keys };
	struct render_head h = {};
	struct view_totals tot = {};
	struct render_json_all in = {
		.h = &h, .tot = &tot, .source = "model", .basis = "none",
		.slots = s, .n = N, .en = &en,
	};
	struct json_object *o = NULL;
	struct rbuf b = {};
	char path[64];

	if (!ASSERT_TRUE(s && uj && keys, "alloc"))
		goto out;
	for (int i = 0; i < N; i++)
		slot(&s[i], i + 1, i, 1, 0, "a-long-command-n", 16);
	render_all_json(&b, &in);
	o = parse(&b);
	if (!o)
		goto out;
	ASSERT_EQ(len_at(o, "processes"), N, "every process");
	snprintf(path, sizeof(path), "processes.%d.pid", N - 1);
	ASSERT_EQ(u64_at(o, path), N, "the last one");
	printf("  all.json: %d processes in %zu bytes\n", N, b.len);
out:
	json_object_put(o);
	rbuf_free(&b);
	free(uj);
	free(keys);
	free(s);
}
