// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench: what energyd costs, measured against a floor in the same run
 * (this kind of machine is noisy and its clock reads are slow).
 *
 * 1. Mean ns per run of every energyd program (kernel.bpf_stats_enabled)
 *    next to an empty tp_btf/sched_switch program loaded alongside.
 * 2. Pipe ping-pong on one CPU: no hook, the empty hook, energyd;
 *    alternated, medians and ratios.
 * 3. energyd's own CPU time per second of wall time with 1,000 processes
 *    alive, sampling every 100 ms.
 * 4. cat /run/energy/all with 10,000 processes, next to a /proc scan.
 * 5. /metrics over HTTP with 10,000 processes in 100 cgroups (scrape.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "bench_empty.skel.h"
#include "energy_abi.h"

#define ROUNDS		10
#define RECYCLE_ROUNDS	5
#define PINGPONG_RT	20000
#define IDLE_PROCS	1000
#define DAEMON_SECS	10

const char *bench_energyd = "build/energyd";

double bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -EIO;
}

pid_t bench_start_energyd(const char *sample_ns, const char *const *extra)
{
	struct stat st;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/tmp/energyd-bench.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		const char *argv[32] = { bench_energyd, "-f", "--sample-ns", sample_ns };
		int argc = 4;

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		for (; extra && *extra && argc < 31; extra++)
			argv[argc++] = *extra;
		if (fd >= 0)
			dup2(fd, 2);
		execv(bench_energyd, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 2000; i++) {
		if (!stat(ENERGY_PIN_DIR "/cgroups", &st))
			return pid;
		usleep(5000);
	}
	fprintf(stderr, "bench: energyd did not start (see /tmp/energyd-bench.log)\n");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

void bench_stop_energyd(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static void pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Nanoseconds per round trip of one byte between two processes on CPU 0. */
static double pingpong(int rt)
{
	int a[2], b[2];
	double t0, t1;
	pid_t pid;
	char c = 0;

	if (pipe(a) || pipe(b))
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pin_cpu0();
		for (int i = 0; i < rt; i++)
			if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	pin_cpu0();
	t0 = bench_now_s();
	for (int i = 0; i < rt; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
			break;
	t1 = bench_now_s();
	waitpid(pid, NULL, 0);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	return (t1 - t0) * 1e9 / rt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The empty sched_switch program, and with @variants the two shared-counter
 * programs too; NULL on failure. */
static struct bench_empty_bpf *load_empty(bool variants)
{
	struct bench_empty_bpf *b = bench_empty_bpf__open();

	if (!b)
		return NULL;
	bpf_program__set_autoload(b->progs.sched_switch_atomic, variants);
	bpf_program__set_autoload(b->progs.sched_switch_percpu, variants);
	bpf_program__set_autoload(b->progs.sched_switch_storage, variants);
	bpf_program__set_autoload(b->progs.sched_switch_array, variants);
	if (bench_empty_bpf__load(b) || bench_empty_bpf__attach(b)) {
		bench_empty_bpf__destroy(b);
		return NULL;
	}
	return b;
}

struct prog_stat {
	__u32 id;
	char name[64];
	__u64 runs, ns;
};

#define MAX_PROGS	96

/* The full name of program @fd from its BTF (the kernel's name keeps 15
 * bytes); @short_name when it has none. */
static void prog_full_name(int fd, const struct bpf_prog_info *in,
			   const char *short_name, char *out, size_t len)
{
	struct bpf_func_info fi = {};
	struct bpf_prog_info info = {
		.nr_func_info = 1,
		.func_info_rec_size = sizeof(fi),
		.func_info = (__u64)(unsigned long)&fi,
	};
	__u32 ilen = sizeof(info);
	struct btf *btf;

	snprintf(out, len, "%s", short_name);
	if (!in->btf_id || !in->nr_func_info ||
	    bpf_obj_get_info_by_fd(fd, &info, &ilen))
		return;
	btf = btf__load_from_kernel_by_id(in->btf_id);
	if (!btf)
		return;
	if (btf__type_by_id(btf, fi.type_id))
		snprintf(out, len, "%s",
			 btf__name_by_offset(btf, btf__type_by_id(btf, fi.type_id)->name_off));
	btf__free(btf);
}

/* Run counts and times of every program loaded with an id above @min_id
 * that has run; with @names, their full names. */
static int prog_stats(struct prog_stat *out, int max, __u32 min_id, bool names)
{
	__u32 id = min_id;
	int n = 0;

	while (n < max && !bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.run_cnt) {
			out[n].id = id;
			if (names)
				prog_full_name(fd, &info, info.name, out[n].name,
					       sizeof(out[n].name));
			else
				snprintf(out[n].name, sizeof(out[n].name), "%s", info.name);
			out[n].runs = info.run_cnt;
			out[n].ns = info.run_time_ns;
			n++;
		}
		close(fd);
	}
	return n;
}

/* The highest program id loaded now. */
static __u32 last_prog_id(void)
{
	__u32 id = 0;

	while (!bpf_prog_get_next_id(id, &id))
		;
	return id;
}

/* Mean ns/run of program @id (or, @id 0, the one named @name) between two
 * readings; -1 when it did not run. */
static double mean_between(const struct prog_stat *a, int na,
			   const struct prog_stat *b, int nb, __u32 id,
			   const char *name)
{
	for (int j = 0; j < nb; j++) {
		__u64 runs = b[j].runs, ns = b[j].ns;

		if (id ? b[j].id != id : strcmp(b[j].name, name))
			continue;
		for (int i = 0; i < na; i++)
			if (a[i].id == b[j].id) {
				runs -= a[i].runs;
				ns -= a[i].ns;
			}
		return runs ? (double)ns / runs : -1;
	}
	return -1;
}

/* What a round exercises besides switches and wakeups: forks and exits,
 * exec, direct reads (block requests), UDP over loopback. */
static void round_work(int fd)
{
	static char buf[4096] __attribute__((aligned(4096)));
	char *const argv[] = { "/bin/true", NULL };
	int s = socket(AF_INET, SOCK_DGRAM, 0), r = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	for (int i = 0; i < 20; i++) {
		pid_t p = fork();

		if (p == 0) {
			if (i % 4 == 0)
				execv(argv[0], argv);
			_exit(0);
		}
		waitpid(p, NULL, 0);
	}
	for (int i = 0; fd >= 0 && i < 32; i++)
		if (pread(fd, buf, sizeof(buf), (off_t)i * sizeof(buf)) < 0)
			break;
	if (s >= 0 && r >= 0 && !bind(r, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(r, (struct sockaddr *)&a, &alen))
		for (int i = 0; i < 50; i++)
			if (sendto(s, buf, 64, 0, (struct sockaddr *)&a, sizeof(a)) != 64 ||
			    recv(r, buf, sizeof(buf), 0) != 64)
				break;
	if (s >= 0)
		close(s);
	if (r >= 0)
		close(r);
}

/* A file of 128 KiB under /var/tmp opened for direct reads, or -1. */
static int open_direct(void)
{
	static char buf[4096];
	char path[] = "/var/tmp/energyd-bench-XXXXXX";
	int fd = mkstemp(path), ok = fd >= 0;

	memset(buf, 'b', sizeof(buf));
	for (int i = 0; ok && i < 32; i++)
		ok = write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf);
	ok = ok && !fsync(fd);
	if (fd >= 0)
		close(fd);
	fd = ok ? open(path, O_RDONLY | O_DIRECT) : -1;
	unlink(path);
	return fd;
}

/*
 * The fork program's ns/run, the median over RECYCLE_ROUNDS rounds of
 * forks made once energyd handed the slots of the processes before back
 * (their exit published in one window, the slot freed at the next): the
 * slots come from the CPUs' rings and the queue, as in a daemon that has
 * run a while, where the rounds before took slots never used. -1 when it
 * did not run.
 */
static double fork_recycled(int fd, const struct prog_stat *names, int nn)
{
	struct prog_stat before[MAX_PROGS], after[MAX_PROGS];
	double m[RECYCLE_ROUNDS];
	int nb, na, k = 0;
	__u32 id = 0;

	for (int i = 0; i < nn; i++)
		if (!strcmp(names[i].name, "sched_process_fork_btf"))
			id = names[i].id;
	if (!id)
		return -1;
	usleep(2500 * 1000);	/* two windows of 1 s, and a sample */
	for (int r = 0; r < RECYCLE_ROUNDS; r++) {
		nb = prog_stats(before, MAX_PROGS, 0, false);
		round_work(fd);
		na = prog_stats(after, MAX_PROGS, 0, false);
		m[k] = mean_between(before, nb, after, na, id, NULL);
		if (m[k] > 0)
			k++;
	}
	return k ? bench_median(m, k) : -1;
}

/* Goals of section 1: ns/run of a program in absolute terms (the fork and
 * block programs, per the design's figures) or above the empty program. */
static const struct {
	const char *prog;	/* its name */
	double goal_ns;
	bool above;		/* the goal is above the empty program */
} prog_goals[] = {
	{ "sched_switch_btf", 15, true },
	{ "sched_process_fork_btf", 500, false },
	{ "block_io_start_btf", 400, false },
};

static int bench_programs(void)
{
	struct prog_stat before[MAX_PROGS], after[MAX_PROGS], names[MAX_PROGS];
	static double mean[MAX_PROGS][ROUNDS];
	double floor_mean[ROUNDS];
	struct bench_empty_bpf *empty;
	int nb, na, nn, rounds = 0, fd;
	double recycled;
	__u32 first;
	pid_t d;

	printf("== 1. BPF program cost (kernel.bpf_stats_enabled), %d rounds of switches, wakeups, forks, execs, direct reads and UDP\n",
	       ROUNDS);
	if (write_file("/proc/sys/kernel/bpf_stats_enabled", "1")) {
		fprintf(stderr, "bench: cannot enable kernel.bpf_stats_enabled\n");
		return -1;
	}
	empty = load_empty(true);
	if (!empty) {
		fprintf(stderr, "bench: cannot load the empty program\n");
		return -1;
	}
	first = last_prog_id();
	d = bench_start_energyd("100000000", NULL);
	if (d < 0)
		return -1;
	fd = open_direct();
	/* The names of energyd's programs that run: the first round's. */
	nn = 0;
	for (int r = 0; r < ROUNDS; r++) {
		nb = prog_stats(before, MAX_PROGS, 0, false);
		pingpong(PINGPONG_RT);
		round_work(fd);
		na = prog_stats(after, MAX_PROGS, 0, false);
		if (!nn)
			nn = prog_stats(names, MAX_PROGS, first, true);
		floor_mean[rounds] = mean_between(before, nb, after, na, 0, "sched_switch_em");
		if (floor_mean[rounds] <= 0)
			continue;
		for (int i = 0; i < nn; i++)
			mean[i][rounds] = mean_between(before, nb, after, na,
						       names[i].id, NULL);
		rounds++;
	}
	recycled = fork_recycled(fd, names, nn);
	if (fd >= 0)
		close(fd);
	if (!rounds) {
		fprintf(stderr, "bench: the empty program never ran\n");
		goto out;
	}
	printf("  medians over %d rounds; the empty tp_btf/sched_switch program: %.1f ns/run\n",
	       rounds, bench_median(floor_mean, rounds));
	printf("  %-28s %10s %12s %s\n", "program", "ns/run", "above empty", "goal");
	for (int i = 0; i < nn; i++) {
		double v[ROUNDS], diff[ROUNDS], m;
		int k = 0;
		char goal[64] = "";

		for (int r = 0; r < rounds; r++)
			if (mean[i][r] > 0) {
				v[k] = mean[i][r];
				diff[k++] = mean[i][r] - floor_mean[r];
			}
		if (!k)
			continue;
		m = bench_median(v, k);
		for (size_t g = 0; g < sizeof(prog_goals) / sizeof(prog_goals[0]); g++) {
			double x;

			if (strcmp(prog_goals[g].prog, names[i].name))
				continue;
			x = prog_goals[g].above ? bench_median(diff, k) : m;
			snprintf(goal, sizeof(goal), "<= %.0f ns%s: %s",
				 prog_goals[g].goal_ns,
				 prog_goals[g].above ? " above empty" : "",
				 x <= prog_goals[g].goal_ns ? "met" : "NOT met");
		}
		printf("  %-28s %10.1f %12.1f %s\n", names[i].name, m,
		       bench_median(diff, k), goal);
	}
	if (recycled > 0)
		printf("  sched_process_fork_btf once the slots of the rounds' processes were handed back (the CPUs' rings, the queue): %.1f ns/run, median of %d rounds\n",
		       recycled, RECYCLE_ROUNDS);
	printf("  shared counter, above the floor: atomic add in an array %.1f ns, plain add in a per-CPU array %.1f ns\n",
	       mean_between(NULL, 0, after, na, 0, "sched_switch_at") -
	       mean_between(NULL, 0, after, na, 0, "sched_switch_em"),
	       mean_between(NULL, 0, after, na, 0, "sched_switch_pe") -
	       mean_between(NULL, 0, after, na, 0, "sched_switch_em"));
	printf("  a thread's state, found and a plain add to it, above the floor: in an array by pid %.1f ns, in task storage %.1f ns\n",
	       mean_between(NULL, 0, after, na, 0, "sched_switch_ar") -
	       mean_between(NULL, 0, after, na, 0, "sched_switch_em"),
	       mean_between(NULL, 0, after, na, 0, "sched_switch_st") -
	       mean_between(NULL, 0, after, na, 0, "sched_switch_em"));
out:
	bench_stop_energyd(d);
	bench_empty_bpf__destroy(empty);
	write_file("/proc/sys/kernel/bpf_stats_enabled", "0");
	return rounds ? 0 : -1;
}

static int bench_pingpong(void)
{
	double none[ROUNDS], emp[ROUNDS], ed[ROUNDS], mn, me, md;

	printf("== 2. pipe ping-pong on one CPU, %d round trips x %d rounds\n",
	       PINGPONG_RT, ROUNDS);
	pingpong(PINGPONG_RT);	/* warm up */
	for (int r = 0; r < ROUNDS; r++) {
		struct bench_empty_bpf *empty;
		pid_t d;

		none[r] = pingpong(PINGPONG_RT);
		empty = load_empty(false);
		if (!empty)
			return -1;
		emp[r] = pingpong(PINGPONG_RT);
		bench_empty_bpf__destroy(empty);
		d = bench_start_energyd("100000000", NULL);
		if (d < 0)
			return -1;
		ed[r] = pingpong(PINGPONG_RT);
		bench_stop_energyd(d);
	}
	mn = bench_median(none, ROUNDS);
	me = bench_median(emp, ROUNDS);
	md = bench_median(ed, ROUNDS);
	printf("  median ns/round trip: no hook %.0f, empty hook %.0f, energyd %.0f\n",
	       mn, me, md);
	printf("  energyd / no hook: %.3f (goal <= 1.06: %s); energyd / empty hook: %.3f; empty hook / no hook: %.3f\n",
	       md / mn, md / mn <= 1.06 ? "met" : "NOT met", md / me, me / mn);
	return 0;
}

static double proc_cpu_s(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns / 1e9;
}

static int bench_daemon(void)
{
	pid_t kids[IDLE_PROCS], d;
	double c0, c1, t0, t1;
	int n = 0;

	printf("== 3. energyd CPU with %d processes alive, sample_ns=100 ms, %d s\n",
	       IDLE_PROCS, DAEMON_SECS);
	for (; n < IDLE_PROCS; n++) {
		kids[n] = fork();
		if (kids[n] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/* wake up now and then, like real idle processes */
			for (;;)
				sleep(1);
		}
		if (kids[n] < 0)
			break;
	}
	d = bench_start_energyd("100000000", NULL);
	if (d >= 0) {
		sleep(1);
		c0 = proc_cpu_s(d);
		t0 = bench_now_s();
		sleep(DAEMON_SECS);
		c1 = proc_cpu_s(d);
		t1 = bench_now_s();
		printf("  energyd CPU: %.3f ms per second = %.4f %% of one core (goal <= 0.1 %%)\n",
		       (c1 - c0) * 1e3 / (t1 - t0), (c1 - c0) * 100 / (t1 - t0));
		bench_stop_energyd(d);
	}
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	return d < 0 ? -1 : 0;
}

/* Reads a whole file with 64 KiB reads; bytes read, or -1. */
long bench_read_all(const char *path)
{
	static char buf[65536];
	long total = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		total += r;
	close(fd);
	return r < 0 ? -1 : total;
}

/* What `all` offers, the /proc way: stat, statm, io and cgroup of every
 * process. Returns the number of processes read. */
static long proc_scan(void)
{
	static const char *const files[] = { "stat", "statm", "io", "cgroup" };
	char path[300];
	struct dirent *de;
	long n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		for (size_t i = 0; i < 4; i++) {
			snprintf(path, sizeof(path), "/proc/%s/%s", de->d_name, files[i]);
			bench_read_all(path);
		}
		n++;
	}
	closedir(d);
	return n;
}

static int bench_cat_all(void)
{
	enum { KIDS = 10000, RUNS = 10 };
	double fuse[RUNS], scan[RUNS], t0;
	static pid_t kids[KIDS];
	long bytes = 0, procs = 0;
	int n = 0, err = 0;
	pid_t d;

	printf("== 4. cat /run/energy/all with %d processes alive, vs a /proc scan (stat, statm, io, cgroup)\n",
	       KIDS);
	for (; n < KIDS; n++) {
		kids[n] = fork();
		if (kids[n] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			pause();
			_exit(0);
		}
		if (kids[n] < 0)
			break;
	}
	d = bench_start_energyd("100000000", NULL);
	if (d < 0) {
		err = -1;
		goto out;
	}
	usleep(300000);
	for (int r = 0; r < RUNS; r++) {
		t0 = bench_now_s();
		bytes = bench_read_all("/run/energy/all");
		fuse[r] = (bench_now_s() - t0) * 1e3;
		t0 = bench_now_s();
		procs = proc_scan();
		scan[r] = (bench_now_s() - t0) * 1e3;
	}
	bench_stop_energyd(d);
	printf("  all: %ld bytes; /proc scan: %ld processes\n", bytes, procs);
	printf("  median ms: cat all %.2f (goal <= 15), /proc scan %.2f; /proc scan / all: %.1fx (goal >= 10)\n",
	       bench_median(fuse, RUNS), bench_median(scan, RUNS),
	       bench_median(scan, RUNS) / bench_median(fuse, RUNS));
out:
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	return err;
}

int main(int argc, char **argv)
{
	const char *parts;
	int err = 0;

	if (argc > 1)
		bench_energyd = argv[1];
	if (geteuid()) {
		fprintf(stderr, "bench: needs root\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* BENCH_PARTS=45 runs parts 4 and 5 only */
	parts = getenv("BENCH_PARTS") ?: "12345";
	if (strchr(parts, '1'))
		err |= bench_programs();
	if (strchr(parts, '2'))
		err |= bench_pingpong();
	if (strchr(parts, '3'))
		err |= bench_daemon();
	if (strchr(parts, '4'))
		err |= bench_cat_all();
	if (strchr(parts, '5'))
		err |= bench_scrape();
	return err ? 1 : 0;
}
