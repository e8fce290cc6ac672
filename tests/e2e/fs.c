// SPDX-License-Identifier: GPL-2.0-only
/*
 * The /run/energy filesystem, checked from the side of its readers: root,
 * nobody, a process in a sibling cgroup, a container (cgroup2 child plus
 * pid, mount and cgroup namespaces with /run/energy bind-mounted read-only)
 * and root inside a user namespace. Then the daemon's life cycle around
 * its mount: SIGTERM, SIGKILL and restart, no root, a full process map.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define NOBODY		65534
#define MAX_PIDS	256
#define FUSE_MAGIC	0x65735546

/* ---- reading the files ---- */

/* The pids of the process lines of @text. */
static int line_pids(const char *text, pid_t *pids, int max)
{
	int n = 0;

	for (const char *l = text; l && *l && n < max; ) {
		unsigned int pid;

		if (sscanf(l, "pid=%u ", &pid) == 1)
			pids[n++] = pid;
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return n;
}

static bool has_pid(const pid_t *pids, int n, pid_t pid)
{
	for (int i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

#define LINE_RE "pid=[0-9]+ energy=[0-9]+\\.[0-9]{3} alive=[01] kernel=[01] " \
	"cpu_ns=[0-9]+ mem=[0-9]+ instructions=[0-9]+ wakeups=[0-9]+ "      \
	"diski=[0-9]+ disko=[0-9]+ rx=[0-9]+ tx=[0-9]+ "

/* ---- tests with the shared daemon ---- */

/* all as root: the header lines, the *system* line, one line per process,
 * every line in the documented format. */
void fs_all_format(void)
{
	static const char *const head[] = {
		"^timestamp=[0-9]+$", "^iterations=[0-9]+$",
		"^sample_ns=[0-9]+$", "^window_ns=[0-9]+$",
	};
	regex_t re_head[4], re_sys, re_line;
	char *text = NULL, *line, *save;
	int n = 0, procs = 0, bad = 0;

	if (!e2e_begin())
		goto cleanup;
	for (int i = 0; i < 4; i++)
		regcomp(&re_head[i], head[i], REG_EXTENDED | REG_NOSUB);
	regcomp(&re_sys, "^" LINE_RE "comm=\\*system\\*$", REG_EXTENDED | REG_NOSUB);
	regcomp(&re_line, "^" LINE_RE "comm=.{0,16}$", REG_EXTENDED | REG_NOSUB);
	text = e2e_read_file(E2E_MNT "/all", NULL);
	if (!ASSERT_TRUE(text, "root reads " E2E_MNT "/all"))
		goto free_re;
	ASSERT_TRUE(*text && text[strlen(text) - 1] == '\n', "ends with a newline");
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n++) {
		bool ok;

		if (n < 4)
			ok = !regexec(&re_head[n], line, 0, NULL, 0);
		else if (n == 4)
			ok = !strncmp(line, "pid=0 ", 6) &&
			     !regexec(&re_sys, line, 0, NULL, 0);
		else
			ok = !regexec(&re_line, line, 0, NULL, 0) && ++procs;
		if (!ok && bad++ < 5)
			fprintf(stderr, "  line %d does not match: %s\n", n + 1, line);
	}
	ASSERT_EQ(bad, 0, "every line in the documented format");
	ASSERT_GE(procs, 10, "process lines");
free_re:
	for (int i = 0; i < 4; i++)
		regfree(&re_head[i]);
	regfree(&re_sys);
	regfree(&re_line);
cleanup:
	free(text);
	e2e_end();
}

struct nobody_arg {
	const char *procs_path;		/* the cgroup's cgroup.procs */
};

/* As nobody in a fresh cgroup: all and sys are refused, cgroup lists only
 * processes of that cgroup (itself among them), params cannot be written. */
static int nobody_body(void *p)
{
	const struct nobody_arg *a = p;
	pid_t pids[MAX_PIDS], members[MAX_PIDS];
	char *text, *procs;
	int n, m, fd;

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return 10;
	if (open(E2E_MNT "/all", O_RDONLY) >= 0 || errno != EACCES)
		return 11;
	if (open(E2E_MNT "/sys", O_RDONLY) >= 0 || errno != EACCES)
		return 12;
	if (open(E2E_MNT "/metrics", O_RDONLY) >= 0 || errno != EACCES)
		return 19;
	fd = open(E2E_MNT "/params/sample_ns", O_WRONLY);
	if (fd >= 0 || errno != EACCES)
		return 13;
	if (access(E2E_MNT "/params/sample_ns", R_OK) || e2e_param_read("sample_ns") == ~0ULL)
		return 14;
	/* Wait for a window that shows this process. */
	for (int tries = 0; tries < 100; tries++) {
		text = e2e_read_file(E2E_MNT "/cgroup", NULL);
		if (!text)
			return 15;
		n = line_pids(text, pids, MAX_PIDS);
		free(text);
		if (has_pid(pids, n, getpid()))
			break;
		sleep_ms(20);
	}
	if (!has_pid(pids, n, getpid()))
		return 16;
	procs = e2e_read_file(a->procs_path, NULL);
	if (!procs)
		return 17;
	m = 0;
	for (char *l = procs; *l && m < MAX_PIDS; l = strchr(l, '\n') + 1) {
		members[m++] = atoi(l);
		if (!strchr(l, '\n'))
			break;
	}
	free(procs);
	for (int i = 0; i < n; i++)
		if (!has_pid(members, m, pids[i]))
			return 18;
	return 0;
}

void fs_nobody(void)
{
	static const char *const why[] = {
		[10] = "cannot become nobody",
		[11] = "all is not refused with EACCES",
		[12] = "sys is not refused with EACCES",
		[13] = "params/sample_ns opens for writing",
		[14] = "params/sample_ns is not readable",
		[15] = "cgroup is not readable",
		[16] = "cgroup never shows the reader itself",
		[17] = "cannot read cgroup.procs",
		[18] = "cgroup lists a process of another cgroup",
		[19] = "metrics is not refused with EACCES",
	};
	struct e2e_work w = {};
	struct e2e_child c = {};
	struct nobody_arg a;
	char procs[PATH_MAX + 16];
	__u64 before;
	int status = 0;

	if (!work_begin(&w, true))
		goto cleanup;
	before = e2e_param_read("sample_ns");
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", w.cg.path);
	a.procs_path = procs;
	if (!ASSERT_EQ(work_fork(&w, &c, nobody_body, &a), 0, "spawn"))
		goto cleanup;
	if (!ASSERT_EQ(child_wait(&c, 0, 10000, &status), 0, "child finishes"))
		goto cleanup;
	if (WIFEXITED(status) && WEXITSTATUS(status) && WEXITSTATUS(status) < 20)
		fprintf(stderr, "  nobody: %s\n", why[WEXITSTATUS(status)]);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "nobody sees what it may and nothing else");
	ASSERT_EQ(e2e_param_read("sample_ns"), before, "sample_ns unchanged");
cleanup:
	work_end(&w);
}

static int busy_body(void *p)
{
	(void)p;
	burn_cpu_ns(3000000000ULL);
	return 0;
}

struct sibling_arg {
	pid_t own[2], other[2];
};

/* Reads cgroup many times: never a pid of the sibling cgroup, and its own
 * busy processes show up. */
static int sibling_reader(void *p)
{
	const struct sibling_arg *a = p;
	pid_t pids[MAX_PIDS];
	bool seen_own = false;

	for (int i = 0; i < 60; i++) {
		char *text = e2e_read_file(E2E_MNT "/cgroup", NULL);
		int n;

		if (!text)
			return 10;
		n = line_pids(text, pids, MAX_PIDS);
		free(text);
		for (int j = 0; j < 2; j++)
			if (has_pid(pids, n, a->other[j]))
				return 11;
		seen_own |= has_pid(pids, n, a->own[0]) && has_pid(pids, n, a->own[1]);
		sleep_ms(20);
	}
	return seen_own ? 0 : 12;
}

void fs_sibling_cgroups(void)
{
	struct e2e_cg cga = {}, cgb = {};
	struct e2e_child busy[4] = {}, reader = {};
	struct sibling_arg arg;
	int status = 0;

	if (!e2e_begin())
		goto cleanup;
	if (!ASSERT_EQ(cg_create(&cga), 0, "cgroup A") ||
	    !ASSERT_EQ(cg_create(&cgb), 0, "cgroup B"))
		goto cleanup;
	for (int i = 0; i < 4; i++)
		if (!ASSERT_EQ(child_spawn(&busy[i], i < 2 ? &cga : &cgb,
					   busy_body, NULL), 0, "busy child"))
			goto cleanup;
	arg = (struct sibling_arg){
		.own = { busy[0].pid, busy[1].pid },
		.other = { busy[2].pid, busy[3].pid },
	};
	if (!ASSERT_EQ(child_spawn(&reader, &cga, sibling_reader, &arg), 0,
		       "reader in A"))
		goto cleanup;
	if (!ASSERT_EQ(child_wait(&reader, 0, 20000, &status), 0, "reader finishes"))
		goto cleanup;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 11)
		fprintf(stderr, "  the reader in A saw a process of B\n");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 12)
		fprintf(stderr, "  the reader in A never saw its own busy processes\n");
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "a reader sees its cgroup and never its sibling");
cleanup:
	child_kill(&reader);
	for (int i = 0; i < 4; i++)
		child_kill(&busy[i]);
	cg_remove(&cga);
	cg_remove(&cgb);
	e2e_end();
}

/* The numeric entries of the container's /proc. */
static int proc_pids(pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) && n < max)
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			pids[n++] = atoi(de->d_name);
	closedir(d);
	return n;
}

/* Pid 1 of the container: a private /proc, /run/energy bound read-only as
 * a container runtime does, two more processes, then cgroup must list
 * exactly what its /proc lists, with the container's pids. */
static int container_init(void)
{
	pid_t kids[2], seen[MAX_PIDS], mine[MAX_PIDS];
	int n = 0, m, ret = 0;
	char *text;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 11;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return 12;
	if (mount(E2E_MNT, E2E_MNT, NULL, MS_BIND, NULL) ||
	    mount(NULL, E2E_MNT, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL))
		return 13;
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (!kids[i]) {
			pause();
			_exit(0);
		}
	}
	/* Two windows and a sample, so the window holds all three. */
	sleep_ms(2 * E2E_WINDOW_NS / 1000000 + 50);
	text = e2e_read_file(E2E_MNT "/cgroup", NULL);
	m = proc_pids(mine, MAX_PIDS);
	if (!text || m < 0) {
		ret = 14;
		goto out;
	}
	n = line_pids(text, seen, MAX_PIDS);
	if (n != m || !has_pid(seen, n, 1) || !has_pid(seen, n, kids[0]) ||
	    !has_pid(seen, n, kids[1]))
		ret = 15;
	for (int i = 0; i < m; i++)
		if (!has_pid(seen, n, mine[i]))
			ret = 15;
	if (ret) {
		fprintf(stderr, "  container /proc:");
		for (int i = 0; i < m; i++)
			fprintf(stderr, " %d", mine[i]);
		fprintf(stderr, "\n  container cgroup file:\n%s", text);
	}
	/* Read-only as bound: writes fail whoever asks. */
	if (!ret && open(E2E_MNT "/params/sample_ns", O_WRONLY) >= 0)
		ret = 16;
out:
	free(text);
	for (int i = 0; i < 2; i++)
		kill(kids[i], SIGKILL);
	return ret;
}

static int container_body(void *p)
{
	pid_t init;
	int status;

	(void)p;
	if (unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWCGROUP))
		return 10;
	init = fork();
	if (init < 0)
		return 10;
	if (!init) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(container_init());
	}
	if (waitpid(init, &status, 0) != init || !WIFEXITED(status))
		return 19;
	return WEXITSTATUS(status);
}

/* Root inside a user namespace is root only there: all, sys and all.json
 * are refused. */
static int userns_body(void *p)
{
	char map[64];
	int fd;

	(void)p;
	if (unshare(CLONE_NEWUSER))
		return 10;
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd < 0 || write(fd, "deny", 4) != 4)
		return 11;
	close(fd);
	snprintf(map, sizeof(map), "0 %d 1", 0);
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
		return 12;
	close(fd);
	fd = open("/proc/self/gid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
		return 13;
	close(fd);
	if (getuid() != 0)
		return 14;
	if (open(E2E_MNT "/all", O_RDONLY) >= 0 || errno != EACCES)
		return 15;
	if (open(E2E_MNT "/sys", O_RDONLY) >= 0 || errno != EACCES)
		return 16;
	if (open(E2E_MNT "/all.json", O_RDONLY) >= 0 || errno != EACCES)
		return 17;
	return 0;
}

void fs_container(void)
{
	struct e2e_work w = {};
	struct e2e_child c = {}, u = {};
	int status = 0;

	if (!work_begin(&w, true))
		goto cleanup;
	if (!ASSERT_EQ(work_fork(&w, &c, container_body, NULL), 0, "spawn"))
		goto cleanup;
	if (!ASSERT_EQ(child_wait(&c, 0, 20000, &status), 0, "container finishes"))
		goto cleanup;
	if (!ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			 "the container's cgroup file lists exactly its own processes, with its pids"))
		fprintf(stderr, "  container exit code %d (10 unshare, 11-13 mounts, 14 read, 15 mismatch, 16 writable)\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);

	if (!ASSERT_EQ(child_spawn(&u, NULL, userns_body, NULL), 0, "spawn"))
		goto cleanup;
	if (!ASSERT_EQ(child_wait(&u, 0, 10000, &status), 0, "userns child finishes"))
		goto cleanup;
	if (!ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			 "root in a user namespace gets EACCES on all, sys and all.json"))
		fprintf(stderr, "  userns exit code %d (10-14 set-up, 15 all, 16 sys, 17 all.json)\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
cleanup:
	child_kill(&u);
	work_end(&w);
}

/* Samples taken over @ms milliseconds. */
static __u64 iterations_over(unsigned int ms)
{
	__u64 a = 0, b = 0;

	if (!e2e_sys_u64("iterations", &a))
		return 0;
	sleep_ms(ms);
	if (!e2e_sys_u64("iterations", &b))
		return 0;
	return b - a;
}

/* A valid write changes the sampling rate; every bad value is refused with
 * EINVAL and changes nothing. */
void fs_params(void)
{
	static const char *const bad[] = {
		"abc\n", "-5000000\n", "0\n", "\n", "999999\n", "60000000001\n",
		"18446744073709551616\n", "5000000x\n", " 5000000\n",
		"2000000000\n",	/* above window_ns */
	};
	char sample[32], *junk = NULL;
	__u64 n;

	if (!e2e_begin())
		goto cleanup;
	n = iterations_over(1000);
	ASSERT_TRUE(near(n, 1e9 / E2E_SAMPLE_NS, 0.3), "about 100 samples a second at 10 ms");
	if (!ASSERT_EQ(e2e_param_write("sample_ns", "50000000\n", 9), 0, "set 50 ms"))
		goto cleanup;
	ASSERT_EQ(e2e_param_read("sample_ns"), 50000000, "read back");
	sleep_ms(100);
	n = iterations_over(1000);
	ASSERT_TRUE(near(n, 20, 0.3), "about 20 samples a second at 50 ms");
	fprintf(stderr, "  params: %llu samples in 1 s at 50 ms\n", n);
	snprintf(sample, sizeof(sample), "%llu\n", E2E_SAMPLE_NS);
	ASSERT_EQ(e2e_param_write("sample_ns", sample, strlen(sample)), 0, "restore 10 ms");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(e2e_param_write("sample_ns", bad[i], strlen(bad[i])), -EINVAL, bad[i]);
		ASSERT_EQ(e2e_param_read("sample_ns"), E2E_SAMPLE_NS, "sample_ns unchanged");
	}
	ASSERT_EQ(e2e_param_write("window_ns", "5000000\n", 8), -EINVAL, "window_ns below sample_ns");
	ASSERT_EQ(e2e_param_read("window_ns"), E2E_WINDOW_NS, "window_ns unchanged");
	ASSERT_EQ(e2e_param_write("w_cpu_ns", "x1\n", 3), -EINVAL, "a weight that is no number");
	/* Megabytes of junk. */
	junk = malloc(4 << 20);
	if (ASSERT_TRUE(junk, "alloc")) {
		memset(junk, '7', 4 << 20);
		ASSERT_EQ(e2e_param_write("sample_ns", junk, 4 << 20), -EINVAL, "4 MiB of digits");
		ASSERT_EQ(e2e_param_read("sample_ns"), E2E_SAMPLE_NS, "sample_ns unchanged");
	}
	/* The daemon survived all of it. */
	ASSERT_TRUE(iterations_over(200) > 0, "still sampling");
cleanup:
	free(junk);
	e2e_end();
}

/* Reads cgroup every few ms for a while: content only changes together
 * with window_time, and window_time moves a window at a time. */
static int window_reader(void *p)
{
	char *prev = NULL;
	__u64 prev_wt = 0, first_wt = 0;
	int windows = 0, changes = 0;
	__u64 end = now_ns() + 1500000000ULL;

	(void)p;
	while (now_ns() < end) {
		char *text = e2e_read_file(E2E_MNT "/cgroup", NULL), *wt;
		__u64 t = 0;

		burn_cpu_ns(2000000);	/* so this process's counters move */
		if (!text)
			return 10;
		if (!*text && !prev) {
			free(text);	/* no window has shown this cgroup yet */
			continue;
		}
		wt = strstr(text, "window_time=");
		if (!wt || sscanf(wt, "window_time=%llu", &t) != 1) {
			free(text);
			return 11;
		}
		if (prev && t == prev_wt && strcmp(prev, text)) {
			free(text);
			free(prev);
			return 12;	/* changed inside a window */
		}
		if (prev && t != prev_wt) {
			windows++;
			changes += !!strcmp(prev, text);
		}
		if (!first_wt)
			first_wt = t;
		free(prev);
		prev = text;
		prev_wt = t;
	}
	free(prev);
	if (windows < 4)
		return 13;
	if (!changes)
		return 14;
	/* Boundaries a window apart on average. */
	if (!near((double)(prev_wt - first_wt) / windows, E2E_WINDOW_NS, 0.25))
		return 15;
	return 0;
}

void fs_window_boundaries(void)
{
	struct e2e_work w = {};
	struct e2e_child c = {};
	int status = 0;

	if (!work_begin(&w, true))
		goto cleanup;
	if (!ASSERT_EQ(work_fork(&w, &c, window_reader, NULL), 0, "spawn"))
		goto cleanup;
	if (!ASSERT_EQ(child_wait(&c, 0, 10000, &status), 0, "reader finishes"))
		goto cleanup;
	if (!ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			 "cgroup changes only at window boundaries"))
		fprintf(stderr, "  reader exit code %d (11 no window_time, 12 changed within a window, 13 too few windows, 14 never changed, 15 spacing)\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
cleanup:
	work_end(&w);
}

struct reader_stats {
	long reads, errors, short_reads;
	__u64 end;
};

static void *all_reader(void *p)
{
	struct reader_stats *st = p;

	while (now_ns() < st->end) {
		size_t len = 0;
		char *t = e2e_read_file(E2E_MNT "/all", &len);

		if (!t) {
			st->errors++;
			continue;
		}
		/* A whole snapshot: header first, newline last, and as many
		 * bytes as the lines add up to. */
		if (strncmp(t, "timestamp=", 10) || !len || t[len - 1] != '\n' ||
		    strlen(t) != len || !strstr(t, "comm=*system*\n"))
			st->short_reads++;
		st->reads++;
		free(t);
	}
	return NULL;
}

/* A thread of the test's own, at the sampler's priority and period: how
 * often the machine itself left such a thread more than 3 periods late
 * (other work on it), to tell that from energyd's doing. */
struct late_probe {
	__u64 period_ns, end_ns;
	__u64 late;
};

static void *late_probe(void *p)
{
	struct late_probe *lp = p;
	struct itimerspec its = {
		.it_interval = { 0, lp->period_ns },
		.it_value = { 0, lp->period_ns },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	__u64 ticks;

	setpriority(PRIO_PROCESS, gettid(), -10);
	if (fd < 0 || timerfd_settime(fd, 0, &its, NULL))
		return NULL;
	while (now_ns() < lp->end_ns)
		if (read(fd, &ticks, sizeof(ticks)) == sizeof(ticks) && ticks > 3)
			lp->late++;
	close(fd);
	return NULL;
}

/* 8 readers of all for 10 s at 10 ms samples: no error, no short read,
 * no sampling gap of more than 3 samples. Under emulation, where timers
 * and two emulated CPUs share one host thread, samples are 20 ms apart:
 * the same assertions on a wider grid. */
void fs_concurrent_readers(void)
{
	__u64 sample = e2e_emulated() ? 2 * E2E_SAMPLE_NS : E2E_SAMPLE_NS;
	struct reader_stats st[8] = {};
	pthread_t th[8];
	__u64 late0 = 0, late1 = 0, it0 = 0, it1 = 0;
	struct late_probe probe = {};
	bool probe_started = false;
	pthread_t probe_th;
	long reads = 0, errors = 0, shorts = 0;
	char buf[32];
	int started = 0;

	if (!e2e_begin())
		goto cleanup;
	snprintf(buf, sizeof(buf), "%llu\n", sample);
	if (!ASSERT_EQ(e2e_param_write("sample_ns", buf, strlen(buf)), 0, "sample_ns"))
		goto cleanup;
	if (!ASSERT_TRUE(e2e_sys_u64("late_samples", &late0) &&
			 e2e_sys_u64("iterations", &it0), "sys has late_samples"))
		goto cleanup;
	probe.period_ns = sample;
	probe.end_ns = now_ns() + 10000000000ULL;
	probe_started = !pthread_create(&probe_th, NULL, late_probe, &probe);
	for (int i = 0; i < 8; i++) {
		st[i].end = now_ns() + 10000000000ULL;
		if (pthread_create(&th[i], NULL, all_reader, &st[i]))
			break;
		started++;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		reads += st[i].reads;
		errors += st[i].errors;
		shorts += st[i].short_reads;
	}
	ASSERT_EQ(started, 8, "8 readers");
	ASSERT_TRUE(e2e_sys_u64("late_samples", &late1) && e2e_sys_u64("iterations", &it1),
		    "sys readable afterwards");
	if (probe_started)
		pthread_join(probe_th, NULL);
	fprintf(stderr, "  concurrent: %ld reads of all, %llu samples in 10 s; late samples %llu, the test's own probe thread late %llu times\n",
		reads, it1 - it0, late1 - late0, probe.late);
	ASSERT_EQ(errors, 0, "no read error");
	ASSERT_EQ(shorts, 0, "no short read");
	ASSERT_TRUE(probe_started, "probe thread");
	/* energyd's sampler no later than a thread of the same priority that
	 * does nothing but wake: what the machine's other work causes is
	 * not energyd's (an idle machine gives 0 and 0) */
	ASSERT_TRUE(late1 - late0 <= probe.late,
		    "no sampling gap longer than 3 samples but those the machine caused");
	ASSERT_GE(it1 - it0, 10000000000ULL / sample * 9 / 10, "samples kept coming");
cleanup:
	snprintf(buf, sizeof(buf), "%llu\n", E2E_SAMPLE_NS);
	e2e_param_write("sample_ns", buf, strlen(buf));
	e2e_end();
}

/* ---- the daemon's life around its mount (after daemon_stop) ---- */

static bool files_served(void)
{
	char *t = e2e_read_file(E2E_MNT "/sys", NULL);
	bool ok = t && !strncmp(t, "timestamp=", 10);

	free(t);
	return ok;
}

static bool is_fuse_mount(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == FUSE_MAGIC;
}

static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	if (!d)
		return false;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

static int stop(pid_t pid, int sig)
{
	int status = -1;

	kill(pid, sig);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* After SIGTERM (the daemon_stop test): nothing mounted, nothing left. */
void fs_after_stop(void)
{
	ASSERT_TRUE(!is_fuse_mount(E2E_MNT), E2E_MNT " is no longer mounted");
	ASSERT_TRUE(dir_empty(E2E_MNT), E2E_MNT " is empty");
}

/* SIGKILL leaves a dead mount; the next energyd clears it and serves. */
void fs_kill_restart(void)
{
	const char *log = "/tmp/energyd-e2e-restart.log";
	pid_t pid;
	int status;

	pid = e2e_spawn_energyd(log, NULL, 0);
	if (!ASSERT_TRUE(WAIT_UNTIL(files_served(), E2E_SETTLE_MS * 5), "first energyd serves"))
		goto cleanup;
	status = stop(pid, SIGKILL);
	pid = 0;
	ASSERT_TRUE(WIFSIGNALED(status), "killed");
	ASSERT_TRUE(access(E2E_MNT "/sys", F_OK) && errno == ENOTCONN,
		    "the dead mount answers ENOTCONN");
	pid = e2e_spawn_energyd(log, NULL, 0);
	ASSERT_TRUE(WAIT_UNTIL(files_served(), E2E_SETTLE_MS * 5),
		    "the next energyd clears the stale mount and serves");
	status = stop(pid, SIGTERM);
	pid = 0;
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit 0 on SIGTERM");
	ASSERT_TRUE(dir_empty(E2E_MNT) && !is_fuse_mount(E2E_MNT), "unmounted");
cleanup:
	if (pid > 0)
		stop(pid, SIGKILL);
	if (test__failures)
		system("sed 's/^/  energyd| /' /tmp/energyd-e2e-restart.log >&2");
}

/* Not root: one line naming what is missing, a non-zero exit. */
void daemon_not_root(void)
{
	const char *log = "/tmp/energyd-e2e-nonroot.log";
	char *text = NULL;
	pid_t pid;
	int status;

	pid = e2e_spawn_energyd(log, NULL, NOBODY);
	if (!ASSERT_TRUE(pid > 0, "spawn"))
		return;
	if (waitpid(pid, &status, 0) != pid)
		status = -1;
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0, "non-zero exit");
	text = e2e_read_file(log, NULL);
	ASSERT_TRUE(text && strstr(text, "root") && strchr(text, '\n') == text + strlen(text) - 1,
		    "one line that says root is needed");
	if (text)
		fprintf(stderr, "  nobody: %s", text);
	free(text);
	ASSERT_TRUE(!is_fuse_mount(E2E_MNT), "nothing mounted");
}

static int sleeper(void *p)
{
	(void)p;
	pause();
	return 0;
}

/* A process map too small for the machine: what does not fit is counted
 * as dropped, everything else keeps working. */
void daemon_map_full(void)
{
	const char *log = "/tmp/energyd-e2e-full.log";
	const char *extra[] = { "--max-procs", "64", NULL };
	struct e2e_child kids[100] = {};
	__u64 dropped = 0, it = 0, procs = 0;
	pid_t pid;
	int status;

	pid = e2e_spawn_energyd(log, extra, 0);
	if (!ASSERT_TRUE(WAIT_UNTIL(files_served(), E2E_SETTLE_MS * 5), "energyd serves"))
		goto cleanup;
	for (int i = 0; i < 100; i++)
		child_spawn(&kids[i], NULL, sleeper, NULL);
	ASSERT_TRUE(WAIT_UNTIL(e2e_sys_u64("dropped_procs", &dropped) && dropped > 0,
			       E2E_SETTLE_MS), "dropped processes are counted");
	ASSERT_TRUE(e2e_sys_u64("processes", &procs) && procs <= 64, "no more than 64 slots used");
	ASSERT_TRUE(iterations_over(100) > 0 && e2e_sys_u64("iterations", &it), "still sampling");
	fprintf(stderr, "  map full: %llu processes tracked, %llu dropped\n", procs, dropped);
	status = stop(pid, SIGTERM);
	pid = 0;
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit 0 on SIGTERM");
cleanup:
	for (int i = 0; i < 100; i++)
		child_kill(&kids[i]);
	if (pid > 0)
		stop(pid, SIGKILL);
}

/* A mount point with something in it is refused, by name, and nothing is
 * mounted over it. */
void fs_nonempty_mountpoint(void)
{
	const char *log = "/tmp/energyd-e2e-nonempty.log";
	char dir[] = "/tmp/energyd-e2e-mnt-XXXXXX", file[64], *text = NULL;
	const char *extra[] = { "--mountpoint", dir, NULL };
	pid_t pid;
	int status = -1, fd;

	if (!ASSERT_TRUE(mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(file, sizeof(file), "%s/keep", dir);
	fd = open(file, O_WRONLY | O_CREAT, 0644);
	close(fd);
	pid = e2e_spawn_energyd(log, extra, 0);
	if (pid > 0 && waitpid(pid, &status, 0) != pid)
		status = -1;
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0, "refused: non-zero exit");
	text = e2e_read_file(log, NULL);
	ASSERT_TRUE(text && strstr(text, dir) && strstr(text, "not empty"),
		    "the error names the directory and says it is not empty");
	ASSERT_TRUE(!is_fuse_mount(dir) && !access(file, F_OK), "nothing mounted over it");
	ASSERT_TRUE(access(ENERGY_PIN_DIR, F_OK) && errno == ENOENT, "no pins left behind");
	free(text);
	unlink(file);
	rmdir(dir);
}

static double mtime_of(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -1;
	return st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
}

static double real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The files carry real times: all, sys and metrics their last sample,
 * cgroup its last window, a parameter its last write, the directories the
 * daemon's start (attributes are cached for a second: allow two).
 */
void fs_file_times(void)
{
	double now, root, params, all, cgroup, param0, param1, other0;
	char buf[32];

	if (!e2e_begin())
		goto cleanup;
	sleep_ms(1100);
	now = real_now();
	root = mtime_of(E2E_MNT);
	params = mtime_of(E2E_MNT "/params");
	all = mtime_of(E2E_MNT "/all");
	cgroup = mtime_of(E2E_MNT "/cgroup");
	param0 = mtime_of(E2E_MNT "/params/idle_mw");
	fprintf(stderr, "  times: now %.3f, root %.3f, all %.3f, cgroup %.3f, params/idle_mw %.3f\n",
		now, root, all, cgroup, param0);
	ASSERT_TRUE(root > 1e9 && root == params && root <= now, "directories: the daemon's start");
	ASSERT_TRUE(all > root && now - all < 2.0, "all: its last sample");
	ASSERT_TRUE(cgroup >= root && now - cgroup < 2.0 + E2E_WINDOW_NS / 1e9,
		    "cgroup: its last window");
	ASSERT_TRUE(mtime_of(E2E_MNT "/sys") > root && mtime_of(E2E_MNT "/metrics") > root,
		    "sys and metrics: the last sample");
	ASSERT_TRUE(param0 >= root && param0 <= now, "a parameter: the start or its last write");
	other0 = mtime_of(E2E_MNT "/params/sample_ns");
	snprintf(buf, sizeof(buf), "%llu\n", e2e_param_read("idle_mw"));
	sleep_ms(1100);
	ASSERT_EQ(e2e_param_write("idle_mw", buf, strlen(buf)), 0, "idle_mw rewritten");
	sleep_ms(1100);
	param1 = mtime_of(E2E_MNT "/params/idle_mw");
	ASSERT_TRUE(param1 > param0 + 1.0 && param1 <= real_now(), "its time is the write's");
	ASSERT_TRUE(mtime_of(E2E_MNT "/params/sample_ns") == other0,
		    "another parameter keeps its time");
cleanup:
	e2e_end();
}

/* ---- privacy between users in one cgroup ---- */

#define OTHER_UID	65533

static int other_user_burns(void *p)
{
	(void)p;
	if (setgroups(0, NULL) || setgid(OTHER_UID) || setuid(OTHER_UID))
		return 10;
	burn_cpu_ns(200000000ULL);
	raise(SIGSTOP);
	return 0;
}

struct privacy_arg {
	pid_t other;
	__u64 other_cpu_ns;
};

/* As nobody in the cgroup the other user's process is in: its own line,
 * not the other's, whose counters are in the *others* line. */
static int privacy_body(void *p)
{
	const struct privacy_arg *a = p;
	unsigned long long cpu = 0;
	pid_t pids[MAX_PIDS];
	char *text = NULL, *o;
	int n = 0;

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return 10;
	for (int tries = 0; tries < 100; tries++) {
		free(text);
		text = e2e_read_file(E2E_MNT "/cgroup", NULL);
		if (!text)
			return 11;
		n = line_pids(text, pids, MAX_PIDS);
		if (has_pid(pids, n, getpid()))
			break;
		sleep_ms(20);
	}
	if (!has_pid(pids, n, getpid()))
		return 12;
	if (has_pid(pids, n, a->other))
		return 13;
	o = strstr(text, "comm=*others*\n");
	while (o && o > text && o[-1] != '\n')
		o--;
	if (!o || sscanf(o, "pid=0 %*s %*s %*s cpu_ns=%llu", &cpu) != 1)
		return 14;
	free(text);
	return near(cpu, a->other_cpu_ns, 0.01) ? 0 : 15;
}

/*
 * Processes of two uids in one cgroup: nobody sees its own line and the
 * other uid's process only in the *others* line (its CPU time there, as
 * schedstat has it). (Root reads unfiltered: test_render_cgroup_others.)
 */
void fs_cgroup_privacy(void)
{
	static const char *const why[] = {
		[10] = "cannot become nobody",
		[11] = "cgroup not readable",
		[12] = "cgroup never shows the reader itself",
		[13] = "the other uid's process has its own line",
		[14] = "no *others* line",
		[15] = "the *others* line does not hold the other's CPU time",
	};
	struct e2e_work w = {};
	struct e2e_child other = {}, reader = {};
	struct privacy_arg a = {};
	int status = -1;

	if (!work_begin(&w, true))
		goto cleanup;
	if (!work_spawn_stopped(&w, &other, other_user_burns, NULL, "other uid's process",
				"the other uid's process burns 200 ms and stops"))
		goto cleanup;
	a.other = other.pid;
	if (!ASSERT_EQ(read_schedstat_ns(other.pid, &a.other_cpu_ns), 0, "schedstat"))
		goto cleanup;
	if (!ASSERT_EQ(work_fork(&w, &reader, privacy_body, &a), 0, "fork the reader") ||
	    !ASSERT_EQ(child_wait(&reader, 0, 10000, &status), 0, "the reader finishes"))
		goto cleanup;
	if (WIFEXITED(status) && WEXITSTATUS(status) >= 10 && WEXITSTATUS(status) <= 15)
		fprintf(stderr, "  privacy: %s\n", why[WEXITSTATUS(status)]);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status),
		    "nobody sees the other uid's process only summed");
	fprintf(stderr, "  privacy: other uid's process %d, cpu_ns %llu\n", other.pid,
		(unsigned long long)a.other_cpu_ns);
cleanup:
	work_end(&w);
}
