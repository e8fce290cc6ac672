// SPDX-License-Identifier: GPL-2.0-only
/*
 * make soak: churn for a bounded time, not part of make check.
 *
 * SOAK_RATE (1000) short processes a second for SOAK_MINUTES (10, a
 * fraction allowed) in a cgroup of their own, each forked, busy for
 * SOAK_BUSY_US (50) µs of CPU and gone. Every 10 s the daemon's VmRSS is
 * read and all and cgroup are read through the mount. Then:
 *   - VmRSS after the first minute (the first half of a shorter run)
 *     within 10 % of what it was then;
 *   - nothing logged by the daemon during the churn;
 *   - once every process has left, the cgroup's cpu_ns in the daemon's
 *     totals (exited processes included) within 2 % of its cpu.stat
 *     usage_usec.
 * The figures are printed whatever the outcome.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define SOAK_SAMPLE_MS		10000
#define SOAK_SAMPLES_MAX	1024

/* What the spawner shares with the test. */
struct soak_shared {
	__u64 end_ns;		/* CLOCK_MONOTONIC: stop spawning */
	__u64 rate;		/* processes a second */
	__u64 busy_ns;		/* each one's CPU time */
	__u64 spawned;		/* forked so far */
	__u64 failed;		/* forks refused, children not exiting 0 */
};

static double env_double(const char *name, double def)
{
	const char *v = getenv(name);
	char *end;
	double d;

	if (!v || !*v)
		return def;
	d = strtod(v, &end);
	return *end || d <= 0 ? def : d;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __u64 cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void reap(struct soak_shared *sh, bool block)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			__atomic_add_fetch(&sh->failed, 1, __ATOMIC_RELAXED);
}

/* A short process: busy for its CPU time, gone. */
static int short_one(void *arg)
{
	const struct soak_shared *sh = arg;
	__u64 until = cpu_ns() + sh->busy_ns;

	while (cpu_ns() < until)
		;
	return 0;
}

/* The spawner: one child per 1/rate s, on an absolute clock (a late tick
 * forks the ones it owes, at most 100 at once). Each a process of its own
 * that shares the spawner's memory until it exits (CLONE_VM|CLONE_VFORK,
 * one stack for all): a fork would copy the test's page tables each time,
 * some 2 ms of CPU, more than two CPUs can give a thousand a second. */
static int spawner(void *arg)
{
	struct soak_shared *sh = arg;
	__u64 period = 1000000000ULL / sh->rate, next = mono_ns(), n = 0;

	while (next < sh->end_ns) {
		struct timespec ts = { next / 1000000000ULL, next % 1000000000ULL };
		int owed;

		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		for (owed = 0; next <= mono_ns() && owed < 100; owed++) {
			static char stack[64 * 1024] __attribute__((aligned(16)));
			pid_t pid = clone(short_one, stack + sizeof(stack),
					  CLONE_VM | CLONE_VFORK | SIGCHLD, sh);

			if (pid < 0)
				__atomic_add_fetch(&sh->failed, 1, __ATOMIC_RELAXED);
			else
				n++;
			next += period;
		}
		if (next + 100 * period < mono_ns())
			next = mono_ns();	/* too far behind: owe no more */
		__atomic_store_n(&sh->spawned, n, __ATOMIC_RELAXED);
		reap(sh, false);
	}
	reap(sh, true);
	return 0;
}

static __u64 daemon_rss_kb(void)
{
	__u64 kb = 0;

	read_proc_field(e2e_daemon_pid(), "status", "VmRSS:", &kb);
	return kb;
}

void soak_churn(void)
{
	double minutes = env_double("SOAK_MINUTES", 10);
	__u64 total_ms = minutes * 60000, warm_ms = 60000, t0, left_ms;
	static __u64 rss[SOAK_SAMPLES_MAX], at_ms[SOAK_SAMPLES_MAX];
	__u64 usec = 0, ref = 0, lo = ~0ULL, hi = 0, spawned = 0;
	struct energy_cgroup tot = {};
	struct e2e_child c = {};
	struct e2e_work w = {};
	struct soak_shared *sh;
	int n = 0, status = -1, lines = -1, left = -1;
	double drift = 0, cpu_err = 100;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_TRUE(sh != MAP_FAILED, "shared page"))
		return;
	if (total_ms < 2 * warm_ms)
		warm_ms = total_ms / 2;
	*sh = (struct soak_shared){
		.rate = env_double("SOAK_RATE", 1000),
		.busy_ns = env_double("SOAK_BUSY_US", 50) * 1000,
	};
	if (!work_begin(&w, true))
		goto cleanup;
	e2e_daemon_log_mark();
	t0 = mono_ns();
	sh->end_ns = t0 + total_ms * 1000000ULL;
	if (!ASSERT_EQ(work_fork(&w, &c, spawner, sh), 0, "fork the spawner"))
		goto cleanup;
	fprintf(stderr, "  soak: %llu processes/s of %llu us CPU for %.1f min in %s\n",
		sh->rate, sh->busy_ns / 1000, minutes, w.cg.path);
	for (;;) {
		__u64 now_ms = (mono_ns() - t0) / 1000000ULL;

		if (now_ms >= total_ms || n == SOAK_SAMPLES_MAX)
			break;
		sleep_ms(now_ms + SOAK_SAMPLE_MS > total_ms ?
			 total_ms - now_ms : SOAK_SAMPLE_MS);
		free(e2e_read_file(E2E_MNT "/all", NULL));
		free(e2e_read_file(E2E_MNT "/cgroup", NULL));
		at_ms[n] = (mono_ns() - t0) / 1000000ULL;
		rss[n] = daemon_rss_kb();
		fprintf(stderr, "  soak: %4llu s: %llu processes, daemon VmRSS %llu kB\n",
			at_ms[n] / 1000,
			__atomic_load_n(&sh->spawned, __ATOMIC_RELAXED), rss[n]);
		n++;
	}
	if (!ASSERT_EQ(child_wait(&c, 0, 60000, &status), 0, "the spawner ends"))
		goto cleanup;
	spawned = sh->spawned;
	lines = e2e_daemon_log_count("");
	/* every process gone from procs, folded into the cgroup's totals */
	left_ms = E2E_VANISH_MS + 10000;
	WAIT_UNTIL((left = procs_count_cgroup(w.cg.id)) == 0, left_ms);
	WAIT_UNTIL(!cgroups_lookup(w.cg.id, &tot) && !tot.procs_alive &&
		   tot.procs_exited >= spawned + 1, E2E_SETTLE_MS);
	if (!ASSERT_EQ(cg_cpu_usage_usec(&w.cg, &usec), 0, "read cpu.stat"))
		goto cleanup;

	for (int i = 0; i < n; i++) {
		if (at_ms[i] < warm_ms)
			continue;
		if (!ref)
			ref = rss[i];
		lo = rss[i] < lo ? rss[i] : lo;
		hi = rss[i] > hi ? rss[i] : hi;
	}
	if (ref) {
		double up = (double)hi / ref - 1, down = 1 - (double)lo / ref;

		drift = up > down ? up : down;
	}
	if (usec)
		cpu_err = ((double)tot.c.cpu_ns - usec * 1000.0) / (usec * 1000.0) * 100;
	fprintf(stderr, "  soak: %llu processes in %.1f s (%.0f/s), %llu failed; %d left in procs\n",
		spawned, total_ms / 1000.0, spawned / (total_ms / 1000.0),
		sh->failed, left);
	fprintf(stderr, "  soak: daemon VmRSS %llu kB at %llu s, then %llu..%llu kB (%.1f %% at most off)\n",
		ref, warm_ms / 1000, lo == ~0ULL ? 0 : lo, hi, drift * 100);
	fprintf(stderr, "  soak: daemon log lines during the churn: %d\n", lines);
	fprintf(stderr, "  soak: cgroup cpu: energyd %llu ns in %llu exited + %llu alive, cpu.stat %llu us (%+.2f %%)\n",
		tot.c.cpu_ns, tot.procs_exited, tot.procs_alive, usec, cpu_err);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status), "the spawner exits 0");
	ASSERT_TRUE(!sh->failed, "every fork taken, every child exits 0");
	ASSERT_TRUE(spawned >= sh->rate * total_ms / 1000 * 9 / 10,
		    "at least 90 % of the processes asked for");
	ASSERT_TRUE(ref > 0 && drift <= 0.10, "VmRSS within 10 % after the warm-up");
	ASSERT_EQ(lines, 0, "nothing logged during the churn");
	ASSERT_EQ(left, 0, "every process leaves procs");
	ASSERT_TRUE(tot.procs_exited >= spawned, "every process counted as exited");
	ASSERT_TRUE(cpu_err >= -2 && cpu_err <= 2, "cpu_ns within 2 % of cpu.stat");
cleanup:
	munmap(sh, sizeof(*sh));
	work_end(&w);
}
