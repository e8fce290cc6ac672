// SPDX-License-Identifier: GPL-2.0-only
/*
 * RAPL faults while energyd runs, on an MSR fixture of one package read
 * on CPU 0 with CPU 1 standing by: CPU 0 goes offline (its file reads
 * short, then is gone), energyd moves to CPU 1 and measures on; CPU 1 goes
 * too, and sys says nothing measures any more. Each fault is one log line.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define MSR_UNIT	0x606
#define MSR_PKG		0x611
#define ESU		14		/* 1/2^14 J */
#define NCPU		2

/* One package's counter, the same register seen through two CPUs' files,
 * advanced at 20 W while a CPU is online. */
struct pkg_fixture {
	char dir[64];
	int fd[NCPU];
	volatile bool online[NCPU];
	volatile bool run;
	__u32 counter;
	__u64 counts;
	pthread_mutex_t lock;
	pthread_t thread;
};

static int put(int fd, __u32 msr, __u64 v)
{
	return pwrite(fd, &v, sizeof(v), msr) == sizeof(v) ? 0 : -errno;
}

static int pf_make(struct pkg_fixture *f)
{
	char path[128];
	int fd;

	snprintf(f->dir, sizeof(f->dir), "/tmp/energyd-e2e-faults-XXXXXX");
	if (!mkdtemp(f->dir))
		return -errno;
	pthread_mutex_init(&f->lock, NULL);
	for (int cpu = 0; cpu < NCPU; cpu++) {
		snprintf(path, sizeof(path), "%s/%d", f->dir, cpu);
		if (mkdir(path, 0755))
			return -errno;
		snprintf(path, sizeof(path), "%s/%d/physical_package_id", f->dir, cpu);
		fd = open(path, O_WRONLY | O_CREAT, 0644);
		if (fd < 0 || write(fd, "0\n", 2) != 2)
			return -EIO;
		close(fd);
		snprintf(path, sizeof(path), "%s/%d/msr", f->dir, cpu);
		f->fd[cpu] = open(path, O_RDWR | O_CREAT, 0600);
		if (f->fd[cpu] < 0)
			return -errno;
		f->online[cpu] = true;
		if (put(f->fd[cpu], MSR_UNIT, 0xA0003 | (ESU << 8)) ||
		    put(f->fd[cpu], MSR_PKG, 0))
			return -EIO;
	}
	return 0;
}

static void *pf_thread(void *p)
{
	struct pkg_fixture *f = p;

	while (f->run) {
		pthread_mutex_lock(&f->lock);
		/* 20 W for 5 ms: 0.1 J */
		f->counter += (1 << ESU) / 10;
		__atomic_add_fetch(&f->counts, (1 << ESU) / 10, __ATOMIC_RELAXED);
		for (int cpu = 0; cpu < NCPU; cpu++)
			if (f->online[cpu])
				put(f->fd[cpu], MSR_PKG, f->counter);
		pthread_mutex_unlock(&f->lock);
		sleep_ms(5);
	}
	return NULL;
}

/* What the fixture advanced, µJ. */
static __u64 pf_uj(struct pkg_fixture *f)
{
	return __atomic_load_n(&f->counts, __ATOMIC_RELAXED) * 1000000ULL >> ESU;
}

/* CPU @cpu goes offline: its file reads short, then is gone. */
static bool pf_offline(struct pkg_fixture *f, int cpu)
{
	char path[128];

	pthread_mutex_lock(&f->lock);
	f->online[cpu] = false;
	pthread_mutex_unlock(&f->lock);
	snprintf(path, sizeof(path), "%s/%d/msr", f->dir, cpu);
	return !ftruncate(f->fd[cpu], 0) && !unlink(path);
}

static bool sys_is(const char *line)
{
	char *t = e2e_read_file(E2E_MNT "/sys", NULL);
	bool found = t && strstr(t, line);

	free(t);
	return found;
}

/* Lines of @log holding @text. */
static int log_count(const char *log, const char *text)
{
	char *t = e2e_read_file(log, NULL), *p = t;
	int n = 0;

	while (p && (p = strstr(p, text))) {
		n++;
		p += strlen(text);
	}
	free(t);
	return n;
}

/* The package sum stands still over a few samples. */
static bool settled(__u64 *sum)
{
	__u64 before = 0;

	if (!e2e_sys_u64("rapl_pkg_sum_uj", &before))
		return false;
	sleep_ms(100);
	return e2e_sys_u64("rapl_pkg_sum_uj", sum) && *sum == before;
}

void energy_rapl_faults(void)
{
	const char *log = "/tmp/energyd-e2e-faults.log";
	struct pkg_fixture f = { .run = true };
	__u64 sum0 = 0, sum1 = 0, sum2 = 0, base = 0, err0 = 0, err1 = 0, reb = 0;
	const char *extra[] = { "--energy-source", "msr", "--msr-dir", f.dir,
				"--probe-ns", "30000000", NULL };
	bool thread = false;
	int status = -1;
	pid_t pid = 0;

	if (!ASSERT_EQ(pf_make(&f), 0, "fixture"))
		goto cleanup;
	if (!ASSERT_EQ(pthread_create(&f.thread, NULL, pf_thread, &f), 0, "thread"))
		goto cleanup;
	thread = true;
	pid = e2e_spawn_energyd(log, extra, 0);
	if (!ASSERT_TRUE(WAIT_UNTIL(sys_is("\nenergy_measuring=pkg\n"), 10000),
			 "energyd measures pkg"))
		goto cleanup;
	ASSERT_TRUE(sys_is("\nrapl_rebinds=0\n") && sys_is("\nrapl_pkg_errors=0\n"),
		    "no fault yet");

	/* CPU 0 goes offline: energyd moves to CPU 1 */
	if (!ASSERT_TRUE(pf_offline(&f, 0), "CPU 0 offline"))
		goto cleanup;
	if (!ASSERT_TRUE(WAIT_UNTIL(e2e_sys_u64("rapl_rebinds", &reb) && reb == 1, 5000),
			 "sys counts the move"))
		goto cleanup;
	ASSERT_TRUE(e2e_sys_u64("rapl_pkg_errors", &err0) && err0 >= 1,
		    "the failed read counted");
	ASSERT_TRUE(sys_is("\nenergy_measuring=pkg\n"), "pkg measures on");
	base = pf_uj(&f);
	ASSERT_TRUE(e2e_sys_u64("rapl_pkg_sum_uj", &sum0), "sum");
	sleep_ms(1000);
	/* the fixture stops; energyd catches up */
	f.run = false;
	pthread_join(f.thread, NULL);
	thread = false;
	ASSERT_TRUE(WAIT_UNTIL(settled(&sum1), 5000), "settled");
	fprintf(stderr, "  on CPU 1: fixture advanced %llu uJ, energyd measured %llu uJ\n",
		pf_uj(&f) - base, sum1 - sum0);
	/* one 10 ms sample apart at most: 0.2 J of 20 */
	ASSERT_NEAR(sum1 - sum0, pf_uj(&f) - base, 0.02, "measured on CPU 1");
	ASSERT_TRUE(e2e_sys_u64("rapl_pkg_errors", &err1) && err1 == err0,
		    "no failure on CPU 1");

	/* CPU 1 goes too: nothing measures, said once */
	if (!ASSERT_TRUE(pf_offline(&f, 1), "CPU 1 offline"))
		goto cleanup;
	ASSERT_TRUE(WAIT_UNTIL(sys_is("\nenergy_measuring=none\n"), 5000),
		    "sys: nothing measures");
	ASSERT_TRUE(sys_is("\nenergy_source=msr\n"), "the source is still named");
	sleep_ms(300);
	ASSERT_TRUE(e2e_sys_u64("rapl_pkg_errors", &err1) && err1 > err0 + 10,
		    "failed reads counted every sample");
	ASSERT_TRUE(e2e_sys_u64("rapl_pkg_sum_uj", &sum2) && sum2 == sum1,
		    "energy stays where it was");
	ASSERT_EQ(log_count(log, "/0/msr pkg (0x611): short read"), 1, "CPU 0's fault: one line");
	ASSERT_EQ(log_count(log, "CPU 0 fails, its package is read on CPU 1"), 1, "the move: one line");
	ASSERT_EQ(log_count(log, "/1/msr pkg (0x611): short read"), 1, "CPU 1's fault: one line");
	ASSERT_EQ(log_count(log, "CPU 1 fails and no other CPU of its package reads"), 1,
		  "no stand-in: one line");
	ASSERT_EQ(log_count(log, "no counter reads: energy is not measured any more"), 1,
		  "nothing measures: one line");
	fprintf(stderr, "  %llu failed reads of pkg, %d log lines about them\n", err1,
		log_count(log, "rapl: msr:"));
cleanup:
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status), "clean stop");
	}
	if (thread) {
		f.run = false;
		pthread_join(f.thread, NULL);
	}
	for (int cpu = 0; cpu < NCPU; cpu++)
		if (f.fd[cpu] > 0)
			close(f.fd[cpu]);
	if (f.dir[0] && !strchr(f.dir, 'X'))
		test_rm_tree(f.dir);
}
