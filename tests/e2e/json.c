// SPDX-License-Identifier: GPL-2.0-only
/*
 * all.json and cgroup.json against their text twins and the kernel: read
 * by jq, which must take them as valid; a stopped process shows the same
 * counters in all.json as in all, its CPU time as schedstat has it; the
 * cgroup.json of a reader matches its cgroup file of the same window and
 * its totals the cgroup's cpu.stat; nobody may read cgroup.json only; a
 * hostile command name comes out valid and sanitized.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "harness.h"

#define NOBODY		65534

/* The figures a process line of all and cgroup has, in order: the text's
 * names and the JSON members they are. */
static const char *const text_names[] = {
	"cpu_ns", "mem", "instructions", "wakeups", "diski", "disko",
	"rx", "tx",
};
static const char *const json_names[] = {
	"cpu_ns", "mem_bytes", "instructions", "wakeups", "disk_read_bytes",
	"disk_write_bytes", "net_rx_packets", "net_tx_packets",
};
#define NFIG	(sizeof(text_names) / sizeof(text_names[0]))

/* One process line's values. */
struct line_vals {
	__u64 pid, energy_uj, alive, kernel;
	__u64 fig[NFIG];
};

/* ---- jq ---- */

/*
 * Runs "jq @args FILE" on the @len bytes of @text (written to FILE);
 * returns its standard output (NUL-terminated, to be freed) and stores its
 * exit code in @rc (-1 when it did not exit). NULL when it could not run.
 */
static char *jq(const char *text, size_t len, const char *args, int *rc)
{
	char path[] = "/tmp/energyd-e2e-json-XXXXXX", cmd[2048];
	size_t n = 0, cap = 65536;
	char *out = NULL;
	int fd, status;
	FILE *p;

	*rc = -1;
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		goto out;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "jq %s %s", args, path);
	p = popen(cmd, "r");
	if (!p)
		goto out;
	out = malloc(cap + 1);
	while (out) {
		size_t r;

		if (n == cap) {
			char *q = realloc(out, 2 * cap + 1);

			if (!q) {
				free(out);
				out = NULL;
				break;
			}
			out = q;
			cap *= 2;
		}
		r = fread(out + n, 1, cap - n, p);
		if (!r)
			break;
		n += r;
	}
	if (out)
		out[n] = '\0';
	status = pclose(p);
	if (status != -1 && WIFEXITED(status))
		*rc = WEXITSTATUS(status);
out:
	unlink(path);
	return out;
}

/* Whether jq takes @text as one JSON object of schema @schema. */
static bool jq_valid(const char *text, size_t len, int schema)
{
	char *out, filter[64];
	int rc;

	snprintf(filter, sizeof(filter), "-e '.schema == %d' >/dev/null", schema);
	out = jq(text, len, filter, &rc);
	free(out);
	return rc == 0;
}

/* The line jq makes of a process object: the members of line_vals. */
static void jq_line_filter(char *buf, size_t len)
{
	char figs[512] = "";

	for (size_t i = 0; i < NFIG; i++) {
		strcat(figs, ", .");
		strcat(figs, json_names[i]);
	}
	snprintf(buf, len, "[.pid, .energy_uj, (if .alive then 1 else 0 end), (if .kernel then 1 else 0 end)%s] | map(tostring) | join(\" \")",
		 figs);
}

static bool parse_jq_line(const char *l, struct line_vals *v)
{
	char *end;

	v->pid = strtoull(l, &end, 10);
	v->energy_uj = strtoull(end, &end, 10);
	v->alive = strtoull(end, &end, 10);
	v->kernel = strtoull(end, &end, 10);
	for (size_t i = 0; i < NFIG; i++)
		v->fig[i] = strtoull(end, &end, 10);
	return end != l && (*end == '\n' || !*end);
}

/* ---- the text files ---- */

/* Parse the process line @l of all or cgroup. */
static bool parse_text_line(const char *l, struct line_vals *v)
{
	const char *eol = strchr(l, '\n');
	unsigned long long mj, frac;
	char key[32];

	if (sscanf(l, "pid=%llu energy=%llu.%3llu alive=%llu kernel=%llu",
		   (unsigned long long *)&v->pid, &mj, &frac,
		   (unsigned long long *)&v->alive,
		   (unsigned long long *)&v->kernel) != 5)
		return false;
	v->energy_uj = mj * 1000 + frac;
	for (size_t i = 0; i < NFIG; i++) {
		const char *p;

		snprintf(key, sizeof(key), " %s=", text_names[i]);
		p = strstr(l, key);
		if (!p || (eol && p > eol))
			return false;
		v->fig[i] = strtoull(p + strlen(key), NULL, 10);
	}
	return true;
}

/* The line of process @pid in the text @text, parsed. */
static bool text_line_of(const char *text, pid_t pid, struct line_vals *v)
{
	char key[32];
	const char *l;

	snprintf(key, sizeof(key), "\npid=%d ", pid);
	l = text ? strstr(text, key) : NULL;
	if (!l && text && !strncmp(text, key + 1, strlen(key + 1)))
		l = text - 1;	/* the first line (cgroup has no header) */
	return l && parse_text_line(l + 1, v);
}

static bool vals_eq(const struct line_vals *a, const struct line_vals *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* Alike but for the energy, which moves at every sample. */
static bool vals_eq_but_energy(const struct line_vals *a,
			       const struct line_vals *b)
{
	struct line_vals x = *a;

	x.energy_uj = b->energy_uj;
	return vals_eq(&x, b);
}

/* Field by field: @json against @text, named @what. */
static void check_vals(const struct line_vals *json, const struct line_vals *text,
		       const char *what)
{
	char m[160];

	snprintf(m, sizeof(m), "%s: pid", what);
	ASSERT_EQ(json->pid, text->pid, m);
	snprintf(m, sizeof(m), "%s: energy_uj vs energy", what);
	ASSERT_EQ(json->energy_uj, text->energy_uj, m);
	snprintf(m, sizeof(m), "%s: alive", what);
	ASSERT_EQ(json->alive, text->alive, m);
	snprintf(m, sizeof(m), "%s: kernel", what);
	ASSERT_EQ(json->kernel, text->kernel, m);
	for (size_t i = 0; i < NFIG; i++) {
		snprintf(m, sizeof(m), "%s: %s vs %s", what, json_names[i],
			 text_names[i]);
		ASSERT_EQ(json->fig[i], text->fig[i], m);
	}
}

/* The value of the header line "@key=" of all. */
static __u64 head_u64(const char *text, const char *key)
{
	char k[40];
	const char *p;

	snprintf(k, sizeof(k), "%s=", key);
	p = text ? strstr(text, k) : NULL;
	return p ? strtoull(p + strlen(k), NULL, 10) : 0;
}

/*
 * Whether the @len bytes at @s are valid UTF-8 (RFC 3629), decoded code
 * point by code point; the offset of the first bad sequence in @bad
 * otherwise. jq cannot tell: it replaces what it cannot decode.
 */
static bool utf8_valid(const char *s, size_t len, size_t *bad)
{
	static const __u32 min_cp[] = { 0, 0, 0x80, 0x800, 0x10000 };
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len; ) {
		size_t n = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 ? 2 :
			   (p[i] & 0xf0) == 0xe0 ? 3 : (p[i] & 0xf8) == 0xf0 ? 4 : 0;
		__u32 cp = n == 1 ? p[i] : p[i] & (0x7f >> n);

		for (size_t k = 1; n && k < n; k++) {
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				n = 0;
			else
				cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (!n || cp < min_cp[n] || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			*bad = i;
			return false;
		}
		i += n;
	}
	return true;
}

/* ---- a stopped process in all.json and all ---- */

#define UDP_N		20
#define UDP_BYTES	300

/* CPU, wakeups and loopback UDP to itself, then stopped: every figure
 * moved, none moves any more. */
static int busy_then_stop(void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	char buf[UDP_BYTES];
	int s;

	(void)arg;
	burn_cpu_ns(300000000ULL);
	for (int i = 0; i < 5; i++)
		sleep_ms(2);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(s, (struct sockaddr *)&a, &alen))
		return 2;
	memset(buf, 'j', sizeof(buf));
	for (int i = 0; i < UDP_N; i++)
		if (sendto(s, buf, sizeof(buf), 0, (struct sockaddr *)&a,
			   sizeof(a)) != sizeof(buf) ||
		    recv(s, buf, sizeof(buf), 0) != sizeof(buf))
			return 3;
	close(s);
	raise(SIGSTOP);
	return 0;
}

/* The test cgroup's path as the daemon shows it: from the cgroup2 root. */
static void cg_rel_path(char *buf, size_t len, const struct e2e_cg *cg)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", cg->path);
	snprintf(buf, len, "/%s", basename(path));
}

/*
 * all, all.json, all again until both texts show the stopped child alike
 * but for its energy (which moves every sample) and the window shows its
 * cgroup. Then jq takes all.json as valid, every figure of the child
 * is the text's, its cpu_ns is schedstat's within 1 %, its start time is
 * when it was forked, its cgroup is the test's; the header and the
 * machine's energy lie between the two texts'.
 */
void fs_all_json(void)
{
	struct e2e_work w = {};
	struct e2e_child c = {};
	struct line_vals t1, t2, j = {};
	char filter[1400], line[1024], rel[PATH_MAX + 1], *out = NULL;
	char *a1 = NULL, *a2 = NULL, *js = NULL;
	size_t jlen = 0, bad = 0;
	__u64 sched = 0, start = 0, cgid = 0, alive = 0;
	char cgpath[PATH_MAX + 1] = "", container[16] = "";
	bool same = false;
	int rc = -1;

	if (!work_begin(&w, true) ||
	    !work_spawn_stopped(&w, &c, busy_then_stop, NULL, "busy child",
				"the busy child used 300 ms of CPU, sent UDP and stopped"))
		goto cleanup;
	/* Its last switch-out and a window that shows its cgroup. */
	sleep_ms(E2E_WINDOW_NS / 1000000 + 50);
	if (!ASSERT_EQ(read_schedstat_ns(c.pid, &sched), 0, "read schedstat"))
		goto cleanup;
	cg_rel_path(rel, sizeof(rel), &w.cg);
	for (int tries = 0; tries < 50 && !same; tries++) {
		free(a1);
		free(js);
		free(a2);
		a1 = e2e_read_file(E2E_MNT "/all", NULL);
		js = e2e_read_file(E2E_MNT "/all.json", &jlen);
		a2 = e2e_read_file(E2E_MNT "/all", NULL);
		same = a1 && js && a2 && text_line_of(a1, c.pid, &t1) &&
		       text_line_of(a2, c.pid, &t2) && vals_eq_but_energy(&t1, &t2) &&
		       strstr(js, rel);
		if (!same)
			sleep_ms(20);
	}
	if (!ASSERT_TRUE(js, "root reads all.json") ||
	    !ASSERT_TRUE(same, "the reads of all before and after all.json show the child alike"))
		goto cleanup;
	ASSERT_TRUE(jq_valid(js, jlen, 1), "jq takes all.json as valid JSON, schema 1");
	if (!ASSERT_TRUE(utf8_valid(js, jlen, &bad), "all.json is valid UTF-8"))
		fprintf(stderr, "  first bad byte at %zu\n", bad);

	jq_line_filter(line, sizeof(line));
	snprintf(filter, sizeof(filter), "-r '.processes[] | select(.pid == %d) | %s'",
		 c.pid, line);
	out = jq(js, jlen, filter, &rc);
	if (!ASSERT_EQ(rc, 0, "jq finds the child") ||
	    !ASSERT_TRUE(out && parse_jq_line(out, &j), "one process object for the child"))
		goto cleanup;
	fprintf(stderr, "  all.json: pid %d energy_uj %llu cpu_ns %llu mem_bytes %llu wakeups %llu net_tx_packets %llu; schedstat %llu ns\n",
		c.pid, j.energy_uj, j.fig[0], j.fig[1], j.fig[3], j.fig[7], sched);
	/* Energy moves every sample, by its memory even while stopped:
	 * all.json's lies between the two texts'. */
	ASSERT_TRUE(t1.energy_uj <= j.energy_uj && j.energy_uj <= t2.energy_uj,
		    "all.json's energy between the two reads of all");
	j.energy_uj = t1.energy_uj;
	check_vals(&j, &t1, "all.json vs all, stopped child");
	ASSERT_NEAR(j.fig[0], sched, 0.01, "all.json cpu_ns vs /proc/PID/schedstat");
	ASSERT_GE(j.fig[7], UDP_N, "it sent its datagrams: tx compared is not 0");
	ASSERT_GE(j.fig[3], 1, "it was woken: wakeups compared is not 0");
	ASSERT_EQ(j.alive, 1, "alive");
	free(out);

	snprintf(filter, sizeof(filter),
		 "-r '.processes[] | select(.pid == %d) | \"\\(.start_ns) \\(.cgroup_id) \\(.cgroup)\"'",
		 c.pid);
	out = jq(js, jlen, filter, &rc);
	if (ASSERT_TRUE(out && sscanf(out, "%llu %llu %4096s", &start, &cgid, cgpath) == 3,
			"start_ns, cgroup_id, cgroup")) {
		ASSERT_TRUE(start >= c.start_lo && start <= c.start_hi,
			    "start_ns is CLOCK_MONOTONIC of its fork");
		ASSERT_EQ(cgid, w.cg.id, "cgroup_id");
		ASSERT_STREQ(cgpath, rel, "cgroup path from the cgroup2 root");
	}
	free(out);

	snprintf(filter, sizeof(filter),
		 "-r '.cgroups[] | select(.id == %llu) | \"\\(.path) \\(.container) \\(.procs_alive)\"'",
		 w.cg.id);
	out = jq(js, jlen, filter, &rc);
	cgpath[0] = '\0';
	if (ASSERT_TRUE(out && sscanf(out, "%4096s %15s %llu", cgpath, container, &alive) == 3,
			"the test cgroup in cgroups")) {
		ASSERT_STREQ(cgpath, rel, "its path");
		ASSERT_STREQ(container, "null", "no container");
		ASSERT_GE(alive, 1, "the stopped child alive in it");
	}
	free(out);

	out = jq(js, jlen, "-r '\"\\(.timestamp_ns) \\(.iterations) \\(.system.energy_uj)\"'", &rc);
	if (ASSERT_TRUE(out, "header")) {
		unsigned long long ts = 0, it = 0, e = 0;
		struct line_vals s1, s2;

		sscanf(out, "%llu %llu %llu", &ts, &it, &e);
		ASSERT_TRUE(head_u64(a1, "timestamp") <= ts && ts <= head_u64(a2, "timestamp"),
			    "timestamp_ns between the two texts'");
		ASSERT_TRUE(head_u64(a1, "iterations") <= it && it <= head_u64(a2, "iterations"),
			    "iterations between the two texts'");
		ASSERT_TRUE(text_line_of(a1, 0, &s1) && text_line_of(a2, 0, &s2) &&
			    s1.energy_uj <= e && e <= s2.energy_uj,
			    "system energy_uj between the two *system* lines'");
	}
cleanup:
	free(out);
	free(a1);
	free(a2);
	free(js);
	work_end(&w);
}

/* ---- cgroup.json read from inside the cgroup ---- */

#define READ_TEXT_MAX	(64 << 10)
#define READ_JSON_MAX	(256 << 10)

/* What a reader in the test cgroup saw, in memory shared with the test. */
struct cg_read {
	bool nobody;		/* become nobody first */
	bool json_only;		/* cgroup.json once, nothing else */
	pid_t self;
	size_t text_len, json_len;
	char text[READ_TEXT_MAX];
	char json[READ_JSON_MAX];
};

static const char *const reader_why[] = {
	[10] = "cannot become nobody",
	[11] = "all.json is not refused with EACCES",
	[12] = "a file could not be read",
	[13] = "cgroup never showed the reader alike twice",
	[14] = "a file is larger than the buffer",
};

static bool keep(char *dst, size_t max, size_t *dlen, const char *src,
		 size_t len)
{
	if (len >= max)
		return false;
	memcpy(dst, src, len + 1);
	*dlen = len;
	return true;
}

/* cgroup, cgroup.json, cgroup again until both texts are the same window
 * and show the reader itself; kept in the shared memory. */
static int cg_reader(void *p)
{
	struct cg_read *r = p;
	char key[32];
	int ret = 13;

	r->self = getpid();
	if (r->nobody) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			return 10;
		if (open(E2E_MNT "/all.json", O_RDONLY) >= 0 || errno != EACCES)
			return 11;
	}
	if (r->json_only) {
		char *j = e2e_read_file(E2E_MNT "/cgroup.json", &r->json_len);

		ret = !j ? 12 : keep(r->json, READ_JSON_MAX, &r->json_len, j,
				     r->json_len) ? 0 : 14;
		free(j);
		return ret;
	}
	snprintf(key, sizeof(key), "pid=%d ", r->self);
	for (int tries = 0; tries < 200 && ret == 13; tries++) {
		size_t l1 = 0, l2 = 0, lj = 0;
		char *t1 = e2e_read_file(E2E_MNT "/cgroup", &l1);
		char *j = e2e_read_file(E2E_MNT "/cgroup.json", &lj);
		char *t2 = e2e_read_file(E2E_MNT "/cgroup", &l2);

		if (!t1 || !j || !t2)
			ret = 12;
		else if (!strcmp(t1, t2) && strstr(t1, key))
			ret = keep(r->text, READ_TEXT_MAX, &r->text_len, t1, l1) &&
			      keep(r->json, READ_JSON_MAX, &r->json_len, j, lj) ? 0 : 14;
		free(t1);
		free(j);
		free(t2);
		if (ret == 13)
			sleep_ms(10);
	}
	return ret;
}

static struct cg_read *cg_read_new(void)
{
	struct cg_read *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return r == MAP_FAILED ? NULL : r;
}

/* Runs a reader in @w's cgroup with @r's settings; true when it
 * succeeded. */
static bool run_reader(struct e2e_work *w, struct e2e_child *c,
		       struct cg_read *r, const char *what)
{
	int status = 0, code;

	if (!ASSERT_EQ(work_fork(w, c, cg_reader, r), 0, "fork the reader") ||
	    !ASSERT_EQ(child_wait(c, 0, 10000, &status), 0, "the reader finishes"))
		return false;
	code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (code > 0 && code < (int)(sizeof(reader_why) / sizeof(reader_why[0])) &&
	    reader_why[code])
		fprintf(stderr, "  reader: %s\n", reader_why[code]);
	return ASSERT_EQ(code, 0, what);
}

/*
 * The reader's cgroup.json against its cgroup file of the same window:
 * the window's time, the cgroup, and every process with every figure, in
 * the same order; every process of that cgroup. True when all held.
 */
static bool cgroup_json_vs_text(const struct cg_read *r, const struct e2e_cg *cg,
				const char *who)
{
	char filter[1400], line[1024], msg[128];
	const char *jl, *tl;
	char *out = NULL;
	__u64 wt = 0, jt = 0, id = 0, wrong = ~0ULL;
	int rc = -1, n = 0, fails = test__failures;
	const char *p;

	snprintf(msg, sizeof(msg), "%s: jq takes cgroup.json as valid JSON, schema 2", who);
	if (!ASSERT_TRUE(jq_valid(r->json, r->json_len, 2), msg))
		return false;
	out = jq(r->json, r->json_len,
		 "-e '(.window | has(\"window_uj\") | not) and (.cgroup.window_uj <= .cgroup.energy_uj)' >/dev/null",
		 &rc);
	snprintf(msg, sizeof(msg), "%s: no machine energy, the cgroup's own window energy", who);
	ASSERT_EQ(rc, 0, msg);
	free(out);
	out = NULL;
	p = strstr(r->text, "window_time=");
	ASSERT_TRUE(p && sscanf(p, "window_time=%llu", (unsigned long long *)&wt) == 1,
		    "window_time in cgroup");
	snprintf(filter, sizeof(filter),
		 "-r '\"\\(.window.time_ns) \\(.cgroup.id) \\([.processes[] | select(.cgroup_id != %llu)] | length)\"'",
		 cg->id);
	out = jq(r->json, r->json_len, filter, &rc);
	if (ASSERT_TRUE(out && sscanf(out, "%llu %llu %llu", (unsigned long long *)&jt,
				      (unsigned long long *)&id,
				      (unsigned long long *)&wrong) == 3,
			"window, cgroup, processes of other cgroups")) {
		snprintf(msg, sizeof(msg), "%s: window.time_ns is the text's window_time", who);
		ASSERT_EQ(jt, wt, msg);
		snprintf(msg, sizeof(msg), "%s: cgroup.id is the reader's cgroup", who);
		ASSERT_EQ(id, cg->id, msg);
		snprintf(msg, sizeof(msg), "%s: no process of another cgroup", who);
		ASSERT_EQ(wrong, 0, msg);
	}
	free(out);

	jq_line_filter(line, sizeof(line));
	snprintf(filter, sizeof(filter), "-r '.processes[] | %s'", line);
	out = jq(r->json, r->json_len, filter, &rc);
	if (!ASSERT_TRUE(out && rc == 0, "the processes of cgroup.json"))
		goto out;
	for (jl = out, tl = r->text; *jl && *tl; n++) {
		struct line_vals jv, tv;

		snprintf(msg, sizeof(msg), "%s: process %d of cgroup.json vs cgroup", who, n);
		if (!ASSERT_TRUE(parse_jq_line(jl, &jv) && parse_text_line(tl, &tv), msg))
			break;
		check_vals(&jv, &tv, msg);
		jl = strchr(jl, '\n');
		tl = strchr(tl, '\n');
		if (!jl || !tl)
			break;
		jl++;
		tl++;
	}
	snprintf(msg, sizeof(msg), "%s: as many processes as the text lists", who);
	ASSERT_TRUE(jl && tl && !*jl && !*tl, msg);
	fprintf(stderr, "  %s: cgroup.json of window %llu: %d processes compared with cgroup\n",
		who, (unsigned long long)jt, n);
	snprintf(line, sizeof(line), "\"pid\":%d,", r->self);
	snprintf(msg, sizeof(msg), "%s: the reader itself is listed", who);
	ASSERT_TRUE(strstr(r->json, line), msg);
out:
	free(out);
	return test__failures == fails;
}

static int stop_now(void *arg)
{
	(void)arg;
	burn_cpu_ns(50000000ULL);
	raise(SIGSTOP);
	return 0;
}

/* A stopped process and a reader in the test cgroup: the reader's
 * cgroup.json lists both, as its cgroup file of the same window does. */
void fs_cgroup_json(void)
{
	struct e2e_work w = {};
	struct e2e_child s = {}, c = {};
	struct cg_read *r = cg_read_new();
	char key[32];

	if (!work_begin(&w, true) || !ASSERT_TRUE(r, "shared memory") ||
	    !work_spawn_stopped(&w, &s, stop_now, NULL, "stopped child",
				"the child stopped itself"))
		goto cleanup;
	if (!run_reader(&w, &c, r, "a reader in the cgroup reads cgroup and cgroup.json") ||
	    !cgroup_json_vs_text(r, &w.cg, "root"))
		goto cleanup;
	snprintf(key, sizeof(key), "\"pid\":%d,", s.pid);
	ASSERT_TRUE(strstr(r->json, key), "the stopped child is listed");
cleanup:
	if (r)
		munmap(r, sizeof(*r));
	work_end(&w);
}

/* nobody: all.json refused, cgroup.json its own cgroup's, as cgroup. */
void fs_json_nobody(void)
{
	struct e2e_work w = {};
	struct e2e_child c = {};
	struct cg_read *r = cg_read_new();

	if (!work_begin(&w, true) || !ASSERT_TRUE(r, "shared memory"))
		goto cleanup;
	r->nobody = true;
	if (!run_reader(&w, &c, r, "nobody gets EACCES on all.json and reads cgroup.json"))
		goto cleanup;
	cgroup_json_vs_text(r, &w.cg, "nobody");
cleanup:
	if (r)
		munmap(r, sizeof(*r));
	work_end(&w);
}

static int burn_exit(void *arg)
{
	burn_cpu_ns(*(__u64 *)arg);
	return 0;
}

/*
 * Three processes burn 300 ms each and exit: once they are folded, the
 * cgroup.json of a reader in the same cgroup has the cgroup's CPU time
 * within 5 % of its cpu.stat, and counts them exited.
 */
void fs_cgroup_json_totals(void)
{
	enum { KIDS = 3 };
	struct e2e_work w = {};
	struct e2e_child kids[KIDS] = {}, c = {};
	struct cg_read *r = cg_read_new();
	unsigned long long cpu = 0, exited = 0, energy = 0;
	__u64 burn = 300000000ULL, usec = 0, end;
	bool ok = false;
	char *out = NULL;
	int status, rc;

	if (!work_begin(&w, true) || !ASSERT_TRUE(r, "shared memory"))
		goto cleanup;
	for (int i = 0; i < KIDS; i++)
		if (!ASSERT_EQ(work_fork(&w, &kids[i], burn_exit, &burn), 0, "fork") ||
		    !ASSERT_EQ(child_wait(&kids[i], 0, E2E_WORKLOAD_MS, &status), 0,
			       "the child exits"))
			goto cleanup;
	r->json_only = true;
	end = now_ns() + (E2E_VANISH_MS + E2E_SETTLE_MS) * 1000000ULL;
	while (!ok && now_ns() < end) {
		if (!run_reader(&w, &c, r, "a reader in the cgroup reads cgroup.json"))
			goto cleanup;
		free(out);
		out = jq(r->json, r->json_len,
			 "-r '\"\\(.cgroup.cpu_ns) \\(.cgroup.procs_exited) \\(.cgroup.energy_uj)\"'",
			 &rc);
		if (!ASSERT_EQ(cg_cpu_usage_usec(&w.cg, &usec), 0, "read cpu.stat"))
			goto cleanup;
		ok = out && sscanf(out, "%llu %llu %llu", &cpu, &exited, &energy) == 3 &&
		     exited >= KIDS && near(cpu, usec * 1000.0, 0.05);
		if (!ok)
			sleep_ms(50);
	}
	ASSERT_TRUE(jq_valid(r->json, r->json_len, 2), "jq takes cgroup.json as valid JSON");
	fprintf(stderr, "  cgroup.json: cpu_ns %llu, procs_exited %llu, energy_uj %llu; cpu.stat %llu us (%+.2f%%)\n",
		cpu, exited, energy, usec,
		usec ? 100.0 * (cpu / 1e3 - usec) / usec : 0.0);
	ASSERT_GE(exited, KIDS, "the exited processes counted");
	ASSERT_NEAR(cpu, usec * 1000.0, 0.05, "cgroup.json cpu_ns vs cpu.stat usage_usec");
cleanup:
	free(out);
	if (r)
		munmap(r, sizeof(*r));
	work_end(&w);
}

/* ---- a hostile command name ---- */

/* Quotes, a backslash, a newline, a tab, control bytes, DEL, 0xff and a
 * 3-byte sequence cut short: 15 bytes, as much as comm holds. */
static const char hostile_comm[] = "q\"\\\n\t\x01\x1b\x7f\xff\xe2\x82ok!!";
static const char hostile_want[] =
	"q\"\\\n\t\x01\x1b\x7f\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdok!!";

static int hostile_body(void *arg)
{
	(void)arg;
	if (prctl(PR_SET_NAME, hostile_comm))
		return 2;
	/* Run through a few samples: they take the new comm. */
	burn_cpu_ns(50000000ULL);
	raise(SIGSTOP);
	return 0;
}

/* jq reads all.json with that process in it, and its comm back with
 * invalid UTF-8 as one U+FFFD per byte, everything else as it was. */
void fs_json_hostile_comm(void)
{
	struct e2e_work w = {};
	struct e2e_child c = {};
	char args[256], got[128] = "", *js = NULL, *out = NULL;
	size_t jlen = 0, bad = 0;
	int rc = -1;

	if (!work_begin(&w, true) ||
	    !work_spawn_stopped(&w, &c, hostile_body, NULL, "hostile child",
				"the child renamed itself and stopped"))
		goto cleanup;
	snprintf(args, sizeof(args), "-r '.processes[] | select(.pid == %d) | .comm'", c.pid);
	WAIT_UNTIL((free(js), free(out), out = NULL,
		    js = e2e_read_file(E2E_MNT "/all.json", &jlen),
		    js && (out = jq(js, jlen, args, &rc)) && rc == 0 &&
		    !strncmp(out, hostile_want, strlen(hostile_want))),
		   E2E_SETTLE_MS);
	if (!ASSERT_TRUE(js, "read all.json"))
		goto cleanup;
	ASSERT_TRUE(jq_valid(js, jlen, 1), "jq takes all.json as valid with the hostile comm in it");
	if (!ASSERT_TRUE(utf8_valid(js, jlen, &bad), "all.json is valid UTF-8"))
		fprintf(stderr, "  first bad byte at %zu: %.40s\n", bad, js + bad);
	if (out) {
		size_t n = strlen(out);

		/* jq -r ends the string with a newline of its own. */
		if (n && out[n - 1] == '\n')
			out[n - 1] = '\0';
		snprintf(got, sizeof(got), "%s", out);
	}
	ASSERT_EQ(rc, 0, "jq finds the process");
	ASSERT_STREQ(got, hostile_want,
		     "comm read back: quotes, backslash, control bytes kept, each invalid byte U+FFFD");
	fprintf(stderr, "  hostile comm: %zu bytes in, %zu bytes back from jq\n",
		strlen(hostile_comm), strlen(got));
cleanup:
	free(out);
	free(js);
	work_end(&w);
}
