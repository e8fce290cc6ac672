// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyctl (ENERGYCTL, default build/energyctl) against the shared
 * daemon: get and set, a refused set naming the range, apply with its
 * rollback and --persist, status as root and as nobody in a cgroup of its
 * own, top -n 1 with a busy process, top's screen driven in tmux, record's
 * refusal where energy is the model's. Each command runs through sh with
 * its output captured; the figures are checked against params/ and the
 * processes the test made.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "harness.h"

#define NOBODY		65534
/* The busy process's name: last by name, first by power. */
#define BUSY_COMM	"zz-ctl-busy"

static const char *ctl(void)
{
	const char *c = getenv("ENERGYCTL");

	return c && *c ? c : "build/energyctl";
}

/* Run the shell command made of @fmt, its stdout and stderr into @out
 * (NUL-terminated, cut at @len). Returns its exit code, -1 when it did
 * not exit. */
static int __attribute__((format(printf, 3, 4)))
sh(char *out, size_t len, const char *fmt, ...)
{
	char cmd[2048];
	size_t off = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	out[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (off + 1 < len) {
		size_t n = fread(out + off, 1, len - 1 - off, p);

		if (!n)
			break;
		off += n;
	}
	out[off] = '\0';
	/* Drain what did not fit. */
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void *burn_thread(void *p)
{
	(void)p;
	for (;;)
		burn_cpu_ns(1000000000ULL);
	return NULL;
}

/* Two threads burning CPU until killed, named BUSY_COMM. */
static int busy_body(void *arg)
{
	pthread_t t;

	(void)arg;
	prctl(PR_SET_NAME, BUSY_COMM);
	if (pthread_create(&t, NULL, burn_thread, NULL))
		return 1;
	burn_thread(NULL);
	return 0;
}

void ctl_get_set(void)
{
	char out[4096];
	__u64 v0 = ~0ULL, v1 = 0;
	int rc;

	if (!e2e_begin())
		goto cleanup;
	v0 = e2e_param_read("w_wakeups");
	if (!ASSERT_TRUE(v0 != ~0ULL, "params/w_wakeups readable"))
		goto cleanup;
	rc = sh(out, sizeof(out), "%s get w_wakeups", ctl());
	ASSERT_EQ(rc, 0, "get exits 0");
	ASSERT_EQ(strtoull(out, NULL, 10), v0, "get prints params/w_wakeups");
	rc = sh(out, sizeof(out), "%s set w_wakeups %llu", ctl(), v0 + 11);
	ASSERT_EQ(rc, 0, out);
	ASSERT_EQ(e2e_param_read("w_wakeups"), v0 + 11, "set wrote params/w_wakeups");
	rc = sh(out, sizeof(out), "%s get w_wakeups", ctl());
	v1 = strtoull(out, NULL, 10);
	ASSERT_EQ(v1, v0 + 11, "get reads back what set wrote");
	/* energyd refuses; energyctl names the parameter and its range */
	rc = sh(out, sizeof(out), "%s set idle_mw 10000001", ctl());
	ASSERT_EQ(rc, 1, "a refused set exits 1");
	ASSERT_TRUE(strstr(out, "idle_mw: '10000001'") && strstr(out, "0..10000000 milliwatts"),
		    out);
	rc = sh(out, sizeof(out), "%s set sample_ns 300000000", ctl());
	ASSERT_EQ(rc, 1, "sample_ns above window_ns refused");
	ASSERT_TRUE(strstr(out, "sample_ns") && strstr(out, "window_ns (200000000)"), out);
	ASSERT_EQ(e2e_param_read("sample_ns"), E2E_SAMPLE_NS, "sample_ns unchanged");
	rc = sh(out, sizeof(out), "%s set no_such 1", ctl());
	ASSERT_EQ(rc, 2, "an unknown parameter is a usage error");
	ASSERT_TRUE(strstr(out, "unknown parameter 'no_such'"), out);
	fprintf(stderr, "  get/set: w_wakeups %llu -> %llu; refusal: %s", v0, v1, out);
cleanup:
	if (v0 != ~0ULL) {
		char val[24];
		int n = snprintf(val, sizeof(val), "%llu\n", v0);

		e2e_param_write("w_wakeups", val, n);
	}
	e2e_end();
}

void ctl_apply(void)
{
	char conf[] = "/tmp/energyd-e2e-apply-XXXXXX", persist[64], out[4096], *text = NULL;
	__u64 v0 = ~0ULL;
	FILE *f;
	int fd, rc;

	persist[0] = '\0';
	if (!e2e_begin())
		goto cleanup;
	v0 = e2e_param_read("w_wakeups");
	fd = mkstemp(conf);
	if (!ASSERT_TRUE(fd >= 0 && v0 != ~0ULL, "weights file"))
		goto cleanup;
	f = fdopen(fd, "w");
	/* The second value passes the file's own check (sample_ns under the
	 * default 1 s window) but not energyd's (its window is 200 ms). */
	fprintf(f, "w_wakeups = %llu\nsample_ns = 500000000\n", v0 + 7);
	fclose(f);
	rc = sh(out, sizeof(out), "%s apply %s", ctl(), conf);
	ASSERT_EQ(rc, 1, "apply refused");
	ASSERT_TRUE(strstr(out, "sample_ns: '500000000'"), out);
	ASSERT_TRUE(strstr(out, "w_wakeups set back to"), "the rollback is told");
	ASSERT_EQ(e2e_param_read("w_wakeups"), v0, "w_wakeups rolled back");
	ASSERT_EQ(e2e_param_read("sample_ns"), E2E_SAMPLE_NS, "sample_ns unchanged");

	/* A file refused by its own check changes nothing. */
	f = fopen(conf, "w");
	fprintf(f, "w_wakeups = %llu\nidle_mw = x\n", v0 + 5);
	fclose(f);
	rc = sh(out, sizeof(out), "%s apply %s", ctl(), conf);
	ASSERT_EQ(rc, 1, "a bad file refused");
	ASSERT_TRUE(strstr(out, "line 2: idle_mw") && strstr(out, "nothing changed"), out);
	ASSERT_EQ(e2e_param_read("w_wakeups"), v0, "nothing written");

	/* A good one is applied and, with --persist, written to the config. */
	f = fopen(conf, "w");
	fprintf(f, "# trained\nw_wakeups = %llu\n", v0 + 3);
	fclose(f);
	snprintf(persist, sizeof(persist), "%s.conf", conf);
	/* the configuration's other settings stay */
	f = fopen(persist, "w");
	fprintf(f, "# site\nmountpoint = /run/energy\nw_wakeups = 1\nlisten = 9101\n");
	fclose(f);
	rc = sh(out, sizeof(out), "%s apply %s --persist --config-file %s", ctl(), conf, persist);
	ASSERT_EQ(rc, 0, out);
	ASSERT_EQ(e2e_param_read("w_wakeups"), v0 + 3, "applied");
	text = e2e_read_file(persist, NULL);
	{
		char want[160];

		snprintf(want, sizeof(want), "# site\nmountpoint = /run/energy\nw_wakeups = %llu\nlisten = 9101\n",
			 v0 + 3);
		ASSERT_TRUE(text && !strcmp(text, want), "persisted in place, the other lines kept");
	}
	fprintf(stderr, "  apply: refused file rolled back to %llu, good one applied %llu\n",
		v0, v0 + 3);
cleanup:
	if (v0 != ~0ULL) {
		char val[24];
		int n = snprintf(val, sizeof(val), "%llu\n", v0);

		e2e_param_write("w_wakeups", val, n);
	}
	free(text);
	unlink(conf);
	if (persist[0])
		unlink(persist);
	e2e_end();
}

void ctl_status(void)
{
	static char out[1 << 16];
	struct e2e_work w = {};
	__u64 procs = 0, v;
	const char *name;
	int rc;

	if (!work_begin(&w, true))
		goto cleanup;
	rc = sh(out, sizeof(out), "%s status", ctl());
	ASSERT_EQ(rc, 0, out);
	ASSERT_TRUE(e2e_sys_u64("processes", &procs), "sys's processes");
	ASSERT_TRUE(strstr(out, "energy:       ") && strstr(out, "sample:       10.000 ms, window 200.000 ms"),
		    out);
	ASSERT_TRUE(strstr(out, " W over the last window\n") && strstr(out, "\nidle:  "), "power and idle");
	ASSERT_TRUE(strstr(out, " tracked, ") && strstr(out, "\nuptime:       "), "tracked, uptime");
	ASSERT_TRUE(e2e_sys_u64("capacity", &v), "sys's capacity");
	{
		char want[64];

		snprintf(want, sizeof(want), " tracked, %llu slots\n", v);
		ASSERT_TRUE(strstr(out, want), "the slots of sys");
	}
	fprintf(stderr, "  status as root:\n%s", out);

	/* As nobody in a cgroup of its own: its cgroup, no error, no host data. */
	name = strrchr(w.cg.path, '/');
	rc = sh(out, sizeof(out),
		"sh -c 'echo $$ > %s/cgroup.procs && sleep 0.5 && exec setpriv --reuid=%d --regid=%d --clear-groups %s status'",
		w.cg.path, NOBODY, NOBODY, ctl());
	ASSERT_EQ(rc, 0, out);
	{
		char want[300];

		snprintf(want, sizeof(want), "cgroup:       %s\n", name ? name : "?");
		ASSERT_TRUE(strstr(out, want), out);
	}
	ASSERT_TRUE(strstr(out, "this cgroup only"), "says which view");
	ASSERT_TRUE(!strstr(out, "idle:") && !strstr(out, "tracked") && !strstr(out, "uptime"),
		    "no host data");
	/* the shell root started it from is root's: summed, not listed */
	ASSERT_TRUE(strstr(out, "*others* (1 of other users)\n"), "root's process among the others");
	fprintf(stderr, "  status as nobody:\n%s", out);

	/* top as nobody: its cgroup's processes, the cgroup in the header. */
	rc = sh(out, sizeof(out),
		"sh -c 'echo $$ > %s/cgroup.procs && sleep 0.5 && exec setpriv --reuid=%d --regid=%d --clear-groups %s top -n 1'",
		w.cg.path, NOBODY, NOBODY, ctl());
	ASSERT_EQ(rc, 0, out);
	{
		char want[300];

		snprintf(want, sizeof(want), "energyd top: cgroup %s ", name ? name : "?");
		ASSERT_TRUE(!strncmp(out, want, strlen(want)), out);
	}
	ASSERT_TRUE(strstr(out, " energyctl\n") && !strstr(out, " energyd\n") &&
		    !strstr(out, "idle"), "its own processes only");
	fprintf(stderr, "  top as nobody:\n%s", out);
cleanup:
	work_end(&w);
}

/* The pid of the first row of a text block of top (after the header and
 * the column titles), -1 when none. */
static int first_row_pid(const char *text)
{
	const char *l = strstr(text, "COMMAND\n");

	return l ? atoi(l + 8) : -1;
}

/* Whether the pid rows of a table (after "PID ... COMMAND") are all in
 * @pids (" 1 7 9 ") but for energyctl itself, started after the list was
 * made, and @busy among them. */
static bool rows_in(const char *text, const char *pids, int busy)
{
	const char *l = strstr(text, "COMMAND\n");
	int n = 0, last = 0;
	bool seen = false;
	char want[16];

	if (!l)
		return false;
	for (const char *p = pids; *p; p += strspn(p, " ")) {
		if (atoi(p) > last)
			last = atoi(p);
		p += strcspn(p, " ");
	}
	for (l += 8; *l && *l != '-'; l = strchr(l, '\n') + 1, n++) {
		int pid = atoi(l);

		snprintf(want, sizeof(want), " %d ", pid);
		/* "-": the *others* line, processes it may not see (one that
		 * exited can no longer be asked); the two energyctl runs come
		 * after the pids were listed, the next two pids, shown as "sh"
		 * by a window that saw their fork and not yet their exec */
		if (!strstr(pids, want) && strncmp(l + strspn(l, " "), "- ", 2) &&
		    (pid <= last || pid > last + 2) &&
		    strncmp(l + strcspn(l, "\n") - 10, " energyctl", 10))
			return false;
		seen |= pid == busy;
		if (!strchr(l, '\n'))
			break;
	}
	return seen && n > 0;
}

/*
 * A container made with unshare (user namespace with root mapped, pid,
 * mount and cgroup namespaces) in the test's cgroup, a busy loop in it:
 * status and top -n 1 run inside show that cgroup only, each pid one of
 * the container's own (its /proc), its power over the window, the busy
 * loop first by power, and nothing of the host.
 */
void ctl_container(void)
{
	static char out[1 << 16];
	struct e2e_work w = {};
	char pids[4096] = " ", *p, *q, want[300];
	const char *name;
	int rc, busy = -1;

	if (!work_begin(&w, true))
		goto cleanup;
	name = strrchr(w.cg.path, '/');
	rc = sh(out, sizeof(out),
		"sh -c 'echo $$ > %s/cgroup.procs && exec unshare --user --map-root-user --pid --fork --mount-proc --cgroup "
		"sh -c \"(while :; do :; done) & sleep 0.7; echo BUSY \\$!; echo PIDS \\$(ls /proc | grep \\\"^[0-9]\\\" | tr \\\"\\\\n\\\" \\\" \\\"); "
		"%s status; echo ----; %s top -n 1; kill \\$!\"'",
		w.cg.path, ctl(), ctl());
	if (!ASSERT_EQ(rc, 0, out))
		goto cleanup;
	p = strstr(out, "BUSY ");
	q = strstr(out, "PIDS ");
	if (!ASSERT_TRUE(p && q && sscanf(p, "BUSY %d", &busy) == 1, out))
		goto cleanup;
	snprintf(pids + 1, sizeof(pids) - 2, "%.*s ", (int)strcspn(q + 5, "\n"), q + 5);
	ASSERT_TRUE(busy > 1 && busy < 100, "the busy loop has a pid of the container's");
	ASSERT_TRUE(strstr(out, "view:         this cgroup only"), "status: the cgroup view");
	snprintf(want, sizeof(want), "cgroup:       %s\n", name ? name : "?");
	ASSERT_TRUE(strstr(out, want), "status: the container's cgroup");
	ASSERT_TRUE(strstr(out, " W over the last window\n") && !strstr(out, "power:        0.000 W"),
		    "status: the container's own power");
	ASSERT_TRUE(!strstr(out, "idle") && !strstr(out, "tracked") && !strstr(out, "domains"),
		    "status: nothing of the host");
	ASSERT_TRUE(rows_in(out, pids, busy), "status: the container's processes, with its pids");
	p = strstr(out, "----\n");
	if (!ASSERT_TRUE(p, "top ran"))
		goto cleanup;
	snprintf(want, sizeof(want), "energyd top: cgroup %s ", name ? name : "?");
	ASSERT_TRUE(!strncmp(p + 5, want, strlen(want)), "top: the container's cgroup in the header");
	ASSERT_EQ(first_row_pid(p), busy, "top: the busy loop first, by its pid in the container");
	ASSERT_TRUE(rows_in(p, pids, busy), "top: the container's processes only");
	fprintf(stderr, "  in the container (pids%s, busy %d):\n%s", pids, busy, out);
cleanup:
	work_end(&w);
}

void ctl_top_text(void)
{
	static char out[1 << 17];
	struct e2e_work w = {};
	struct e2e_child c = {};
	int rc, pid;

	if (!work_begin(&w, true))
		goto cleanup;
	if (!ASSERT_EQ(work_fork(&w, &c, busy_body, NULL), 0, "busy process"))
		goto cleanup;
	sleep_ms(600);
	rc = sh(out, sizeof(out), "%s top -n 1", ctl());
	ASSERT_EQ(rc, 0, "top -n 1 exits 0");
	ASSERT_TRUE(!strncmp(out, "energyd top: machine ", 21), out);
	ASSERT_TRUE(strstr(out, "processes, sorted by power\n"), "sorted by power");
	pid = first_row_pid(out);
	ASSERT_EQ(pid, c.pid, "the busy process is at the top");
	if (pid != c.pid)
		fprintf(stderr, "%.2000s\n", out);
	rc = sh(out, sizeof(out), "%s top -n 2 --sort name", ctl());
	ASSERT_EQ(rc, 0, "top -n 2 exits 0");
	ASSERT_TRUE(strstr(out, "sorted by name") && strstr(strstr(out, "sorted by name") + 1,
							    "sorted by name"), "two blocks");
	ASSERT_TRUE(first_row_pid(out) != c.pid, "not first by name");
	rc = sh(out, sizeof(out), "%s top -g -n 1 --json", ctl());
	ASSERT_EQ(rc, 0, "top -g --json exits 0");
	{
		char want[64];

		snprintf(want, sizeof(want), "\"id\":%llu,", w.cg.id);
		ASSERT_TRUE(!strncmp(out, "{\"view\":\"host\"", 14) && strstr(out, want),
			    "the test's cgroup in the JSON");
	}
	fprintf(stderr, "  top -n 1: busy pid %d first\n", c.pid);
cleanup:
	work_end(&w);
}

static bool have_tmux(void)
{
	return !system("command -v tmux >/dev/null 2>&1");
}

/* What the tmux pane @s shows now. */
static void pane(const char *s, char *out, size_t len)
{
	sh(out, len, "tmux capture-pane -p -t %s", s);
}

/* The pid of the first row in a pane. */
static int pane_first_pid(const char *text)
{
	return first_row_pid(text);
}

void ctl_top_tmux(void)
{
	static char out[1 << 16];
	struct e2e_work w = {};
	struct e2e_child c = {};
	char s[64];
	bool started = false;

	if (!have_tmux()) {
		if (e2e_emulated())
			TEST_SKIP("tmux is not in the guest");
		else
			ASSERT_TRUE(false, "tmux installed (scripts/install-deps.sh)");
		return;
	}
	if (!work_begin(&w, true))
		goto cleanup;
	if (!ASSERT_EQ(work_fork(&w, &c, busy_body, NULL), 0, "busy process"))
		goto cleanup;
	snprintf(s, sizeof(s), "energyd-e2e-top-%d", getpid());
	sleep_ms(600);
	if (!ASSERT_EQ(sh(out, sizeof(out), "tmux new-session -d -s %s -x 120 -y 40 '%s top'",
			  s, ctl()), 0, out))
		goto cleanup;
	started = true;
	/* a capture can catch the terminal mid-frame: wait for a whole one */
	ASSERT_TRUE(WAIT_UNTIL((pane(s, out, sizeof(out)), strstr(out, "sorted by power") &&
				pane_first_pid(out) == c.pid && strstr(out, "q quit")), 5000),
		    "header, the busy process at the top, the keys line");
	ASSERT_TRUE(strstr(out, "energyd top: machine ") && strstr(out, "q quit"), out);
	sh(out, sizeof(out), "tmux send-keys -t %s n", s);
	ASSERT_TRUE(WAIT_UNTIL((pane(s, out, sizeof(out)), strstr(out, "sorted by name") != NULL),
			       3000), "n sorts by name");
	ASSERT_TRUE(pane_first_pid(out) != c.pid, "the order changed");
	sh(out, sizeof(out), "tmux send-keys -t %s g", s);
	ASSERT_TRUE(WAIT_UNTIL((pane(s, out, sizeof(out)), strstr(out, "CONTAINER") && strstr(out, "sorted by name")),
			       3000), "g shows cgroups");
	sh(out, sizeof(out), "tmux resize-window -t %s -x 60 -y 20", s);
	sh(out, sizeof(out), "tmux send-keys -t %s p", s);
	ASSERT_TRUE(WAIT_UNTIL((pane(s, out, sizeof(out)), strstr(out, "sorted by power") != NULL),
			       3000), "p sorts by power");
	sh(out, sizeof(out), "tmux send-keys -t %s q", s);
	ASSERT_TRUE(WAIT_UNTIL(sh(out, sizeof(out), "tmux has-session -t %s", s) != 0, 3000),
		    "q quits");
	started = sh(out, sizeof(out), "tmux has-session -t %s", s) == 0;
	fprintf(stderr, "  top in tmux: header, busy pid %d first, n/g/p, q quits\n", c.pid);
cleanup:
	if (started)
		sh(out, sizeof(out), "tmux kill-session -t %s", s);
	work_end(&w);
}

void ctl_record_refused(void)
{
	char out[4096], path[] = "/tmp/energyd-e2e-ctlrec-XXXXXX";
	char *t = NULL;
	int rc, fd;

	if (!e2e_begin())
		goto cleanup;
	t = e2e_read_file(E2E_MNT "/sys", NULL);
	if (!ASSERT_TRUE(t, "sys"))
		goto cleanup;
	if (!strstr(t, "\nenergy_source=model\n")) {
		TEST_SKIP("energy is measured here: energy_ctl_record covers record");
		goto cleanup;
	}
	fd = mkstemp(path);
	if (!ASSERT_TRUE(fd >= 0, "a free name"))
		goto cleanup;
	close(fd);
	unlink(path);
	rc = sh(out, sizeof(out), "%s record -d 3 -o %s", ctl(), path);
	ASSERT_EQ(rc, 1, "record refuses");
	ASSERT_TRUE(strstr(out, "energy is not measured here (energy source model)"), out);
	ASSERT_TRUE(access(path, F_OK) != 0, "and writes nothing");
	fprintf(stderr, "  record on the model: %s", out);
cleanup:
	unlink(path);
	free(t);
	e2e_end();
}
