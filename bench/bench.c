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
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "bench_empty.skel.h"
#include "energy_abi.h"

#define ROUNDS		10
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
	if (bench_empty_bpf__load(b) || bench_empty_bpf__attach(b)) {
		bench_empty_bpf__destroy(b);
		return NULL;
	}
	return b;
}

struct prog_stat {
	char name[BPF_OBJ_NAME_LEN];
	__u64 runs, ns;
};

/* Run counts and times of every loaded program that has run. */
static int prog_stats(struct prog_stat *out, int max)
{
	__u32 id = 0;
	int n = 0;

	while (n < max && !bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.run_cnt) {
			memcpy(out[n].name, info.name, sizeof(out[n].name));
			out[n].runs = info.run_cnt;
			out[n].ns = info.run_time_ns;
			n++;
		}
		close(fd);
	}
	return n;
}

/* Mean ns/run of @name between two readings; -1 when it did not run. */
static double mean_between(const struct prog_stat *a, int na,
			   const struct prog_stat *b, int nb, const char *name)
{
	for (int j = 0; j < nb; j++) {
		__u64 runs = b[j].runs, ns = b[j].ns;

		if (strcmp(b[j].name, name))
			continue;
		for (int i = 0; i < na; i++)
			if (!strcmp(a[i].name, name)) {
				runs -= a[i].runs;
				ns -= a[i].ns;
			}
		return runs ? (double)ns / runs : -1;
	}
	return -1;
}

static int bench_programs(void)
{
	struct prog_stat before[64], after[64];
	double diff[ROUNDS], sw_mean[ROUNDS], floor_mean[ROUNDS];
	struct bench_empty_bpf *empty;
	int nb, na, rounds = 0;
	pid_t d;

	printf("== 1. BPF program cost (kernel.bpf_stats_enabled)\n");
	if (write_file("/proc/sys/kernel/bpf_stats_enabled", "1")) {
		fprintf(stderr, "bench: cannot enable kernel.bpf_stats_enabled\n");
		return -1;
	}
	empty = load_empty(true);
	if (!empty) {
		fprintf(stderr, "bench: cannot load the empty program\n");
		return -1;
	}
	d = bench_start_energyd("100000000", NULL);
	if (d < 0)
		return -1;
	/* Switches and wakeups from a ping-pong, forks and exits from short
	 * processes; the difference to the empty program, round by round. */
	for (int r = 0; r < ROUNDS; r++) {
		nb = prog_stats(before, 64);
		pingpong(PINGPONG_RT);
		for (int i = 0; i < 20; i++) {
			pid_t p = fork();

			if (p == 0)
				_exit(0);
			waitpid(p, NULL, 0);
		}
		na = prog_stats(after, 64);
		sw_mean[rounds] = mean_between(before, nb, after, na, "sched_switch_bt");
		floor_mean[rounds] = mean_between(before, nb, after, na, "sched_switch_em");
		if (sw_mean[rounds] > 0 && floor_mean[rounds] > 0) {
			diff[rounds] = sw_mean[rounds] - floor_mean[rounds];
			rounds++;
		}
	}
	na = prog_stats(after, 64);
	printf("  %-24s %12s %10s\n", "program", "runs", "ns/run");
	for (int i = 0; i < na; i++)
		printf("  %-24s %12llu %10.1f\n", after[i].name, after[i].runs,
		       (double)after[i].ns / after[i].runs);
	if (rounds)
		printf("  sched_switch: median %.1f ns/run, empty floor %.1f, above the floor %.1f ns over %d rounds (goal <= 30)\n",
		       bench_median(sw_mean, rounds), bench_median(floor_mean, rounds),
		       bench_median(diff, rounds), rounds);
	printf("  shared counter, above the floor: atomic add in an array %.1f ns, plain add in a per-CPU array %.1f ns\n",
	       mean_between(NULL, 0, after, na, "sched_switch_at") -
	       mean_between(NULL, 0, after, na, "sched_switch_em"),
	       mean_between(NULL, 0, after, na, "sched_switch_pe") -
	       mean_between(NULL, 0, after, na, "sched_switch_em"));
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
	printf("  energyd / no hook: %.3f (goal <= 1.10); energyd / empty hook: %.3f (goal <= 1.05)\n",
	       md / mn, md / me);
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
