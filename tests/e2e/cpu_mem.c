// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU time and memory against the kernel's accounting: a busy child against
 * /proc/PID/schedstat, a cgroup full of short-lived processes against its
 * cpu.stat, a resident set against VmRSS.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define CPU_BUSY_NS		1000000000ULL	/* 1 s */
#define EXEC_LEADER_NS		200000000ULL	/* 200 ms */
#define EXEC_THREAD_NS		300000000ULL	/* 300 ms */
#define SHORT_LIVED_N		2000
#define MEM_BYTES		(100UL << 20)

static int busy_then_stop(void *arg)
{
	(void)arg;
	burn_cpu_ns(CPU_BUSY_NS);
	raise(SIGSTOP);
	return 0;
}

/*
 * A child runs @body (busy, then stopped by itself): its cpu_ns within 1 %
 * of the first field of /proc/PID/schedstat.
 */
static void stopped_child_vs_schedstat(const char *name, child_fn body,
				       const char *what)
{
	struct e2e_work w = {};
	struct e2e_child c = {};
	struct energy_proc p;
	struct energy_key key;
	__u64 sched = 0, sched2 = 0;

	if (!work_begin(&w, false) ||
	    !work_spawn_stopped(&w, &c, body, NULL, "busy child", what))
		goto cleanup;
	/* Let its last switch-out and a few samples go by. */
	sleep_ms(100);
	if (!ASSERT_EQ(read_schedstat_ns(c.pid, &sched), 0,
		       "read /proc/PID/schedstat"))
		goto cleanup;
	printf("  %s: schedstat %llu ns\n", name, (unsigned long long)sched);
	if (work_skip_kernel_only(&w) ||
	    !child_wait_procs(&c, &key, &p, "the busy child is in procs"))
		goto cleanup;
	WAIT_UNTIL(!procs_lookup(&key, &p) && near(p.c.cpu_ns, sched, 0.01),
		   E2E_SETTLE_MS);
	/* The stopped child does not run: schedstat must not have moved. */
	ASSERT_EQ(read_schedstat_ns(c.pid, &sched2), 0, "read schedstat again");
	ASSERT_EQ(sched2, sched, "schedstat of the stopped child is stable");
	printf("  %s: energyd cpu_ns %llu ns (%+.3f%%)\n", name,
	       (unsigned long long)p.c.cpu_ns,
	       100.0 * ((double)p.c.cpu_ns - sched) / sched);
	ASSERT_NEAR(p.c.cpu_ns, sched, 0.01,
		    "procs cpu_ns of the stopped child vs /proc/PID/schedstat");
	ASSERT_TRUE(!(p.flags & ENERGY_F_EXITED), "the stopped child is alive");
	ASSERT_EQ(p.cgroup_id, w.cg.id,
		  "procs cgroup_id is the child's cgroup");
cleanup:
	work_end(&w);
}

/* A child busy for 1 s of CPU, stopped. */
void cpu_vs_schedstat(void)
{
	stopped_child_vs_schedstat("cpu_vs_schedstat", busy_then_stop,
				   "busy child stops itself after 1 s of CPU");
}

/* The thread that execs: busy, then an exec that stops itself. */
static void *burn_then_exec(void *arg)
{
	(void)arg;
	burn_cpu_ns(EXEC_THREAD_NS);
	execl("/bin/sh", "sh", "-c", "kill -STOP $$", (char *)NULL);
	_exit(127);
}

/* The leader: busy, then a thread that execs, which ends the leader. */
static int leader_then_thread_exec(void *arg)
{
	pthread_t th;

	(void)arg;
	burn_cpu_ns(EXEC_LEADER_NS);
	if (pthread_create(&th, NULL, burn_then_exec, NULL))
		return 1;
	for (;;)
		pause();
}

/*
 * An exec by a thread other than the leader: the kernel gives it the
 * leader's pid, and the leader is gone. The process's cpu_ns within 1 % of
 * its CPU clock (clock_getcpuclockid(): the leader's time and the new
 * leader's), where /proc/PID/schedstat shows the thread's time from before
 * its exec: counted once, not again under its new pid.
 */
void cpu_exec_from_thread(void)
{
	struct e2e_work w = {};
	struct e2e_child c = {};
	struct energy_proc p;
	struct energy_key key;
	struct timespec ts;
	__u64 sched = 0, want;
	clockid_t cid;

	if (!work_begin(&w, false) ||
	    !work_spawn_stopped(&w, &c, leader_then_thread_exec, NULL,
				"exec child",
				"a thread's exec stops itself after 500 ms of CPU"))
		goto cleanup;
	sleep_ms(100);
	if (!ASSERT_EQ(read_schedstat_ns(c.pid, &sched), 0,
		       "read /proc/PID/schedstat") ||
	    !ASSERT_EQ(clock_getcpuclockid(c.pid, &cid), 0,
		       "the process's CPU clock") ||
	    !ASSERT_EQ(clock_gettime(cid, &ts), 0, "read it"))
		goto cleanup;
	want = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	printf("  cpu_exec_from_thread: process CPU clock %llu ns, schedstat %llu ns\n",
	       (unsigned long long)want, (unsigned long long)sched);
	ASSERT_TRUE(sched >= EXEC_THREAD_NS,
		    "schedstat holds the thread's time from before its exec");
	ASSERT_TRUE(want >= sched + EXEC_LEADER_NS,
		    "the process's clock holds the leader's time too");
	if (work_skip_kernel_only(&w) ||
	    !child_wait_procs(&c, &key, &p, "the exec child is in procs"))
		goto cleanup;
	WAIT_UNTIL(!procs_lookup(&key, &p) && near(p.c.cpu_ns, want, 0.01),
		   E2E_SETTLE_MS);
	printf("  cpu_exec_from_thread: energyd cpu_ns %llu ns (%+.3f%%)\n",
	       (unsigned long long)p.c.cpu_ns,
	       100.0 * ((double)p.c.cpu_ns - want) / want);
	ASSERT_NEAR(p.c.cpu_ns, want, 0.01,
		    "procs cpu_ns across an exec by a thread vs the kernel's");
	ASSERT_TRUE(!strncmp(p.comm, "sh", sizeof(p.comm)),
		    "the comm is the exec'd program's");
cleanup:
	work_end(&w);
}

static int busy_renice_stop(void *arg)
{
	(void)arg;
	burn_cpu_ns(CPU_BUSY_NS / 2);
	/* The scheduler re-picks a running task whose weight changes,
	 * without a context switch. */
	if (setpriority(PRIO_PROCESS, 0, 1))
		return 2;
	burn_cpu_ns(CPU_BUSY_NS);
	raise(SIGSTOP);
	return 0;
}

/* A child that changes its own nice value while running, then stops: none
 * of the slice around the change lost. */
void cpu_across_renice(void)
{
	stopped_child_vs_schedstat("cpu_across_renice", busy_renice_stop,
				   "busy child renices itself after 0.5 s, stops after 1 s");
}

static int spawn_true(void *arg)
{
	int n = *(int *)arg, status;
	pid_t pid;

	for (int i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			return 2;
		if (!pid) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			return 3;
	}
	return 0;
}

/*
 * 2,000 processes of /bin/true in a cgroup, all gone: the cgroup's totals
 * hold their CPU time, within 5 % of the cgroup's cpu.stat.
 */
void short_lived_vs_cpu_stat(void)
{
	int n = SHORT_LIVED_N, status, left = -1;
	struct e2e_work w = {};
	struct e2e_child c = {};
	struct energy_cgroup tot = {};
	__u64 usec = 0;
	char buf[64];

	if (!work_begin(&w, false))
		goto cleanup;
	if (!ASSERT_EQ(work_fork(&w, &c, spawn_true, &n), 0,
		       "fork the spawner"))
		goto cleanup;
	if (!ASSERT_EQ(child_wait(&c, 0, E2E_WORKLOAD_MS, &status), 0,
		       "the spawner finishes"))
		goto cleanup;
	if (!ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status),
			 "the spawner ran /bin/true 2,000 times and exited 0")) {
		fprintf(stderr, "  spawner %s\n",
			status_str(status, buf, sizeof(buf)));
		goto cleanup;
	}
	if (!w.live) {
		if (!ASSERT_EQ(cg_cpu_usage_usec(&w.cg, &usec), 0,
			       "read cpu.stat"))
			goto cleanup;
		printf("  short_lived_vs_cpu_stat: cpu.stat usage %llu us\n",
		       (unsigned long long)usec);
	}
	if (work_skip_kernel_only(&w))
		goto cleanup;
	if (!ASSERT_TRUE(WAIT_UNTIL((left = procs_count_cgroup(w.cg.id)) == 0,
				    E2E_VANISH_MS),
			 "every process of the cgroup leaves procs within 3 s of the last exit")) {
		fprintf(stderr, "  %d entries of cgroup %llu still in procs\n",
			left, (unsigned long long)w.cg.id);
		goto cleanup;
	}
	WAIT_UNTIL(!cgroups_lookup(w.cg.id, &tot) && !tot.procs_alive &&
		   tot.procs_exited >= (__u64)n + 1, E2E_SETTLE_MS);
	if (!ASSERT_EQ(cg_cpu_usage_usec(&w.cg, &usec), 0, "read cpu.stat"))
		goto cleanup;
	printf("  short_lived_vs_cpu_stat: cpu.stat usage %llu us, energyd %llu ns (%+.2f%%), %llu exited, %llu alive\n",
	       (unsigned long long)usec, (unsigned long long)tot.c.cpu_ns,
	       usec ? 100.0 * ((double)tot.c.cpu_ns - usec * 1000.0) /
		      (usec * 1000.0) : 0.0,
	       (unsigned long long)tot.procs_exited,
	       (unsigned long long)tot.procs_alive);
	ASSERT_EQ(tot.procs_alive, 0, "cgroups: no process alive");
	ASSERT_GE(tot.procs_exited, n + 1,
		  "cgroups: procs_exited counts the spawner and its 2,000 children");
	ASSERT_NEAR(tot.c.cpu_ns, usec * 1000.0, 0.05,
		    "cgroups cpu_ns vs the cgroup's cpu.stat usage_usec");
cleanup:
	work_end(&w);
}

static int touch_then_stop(void *arg)
{
	volatile char *mem;

	(void)arg;
	mem = mmap(NULL, MEM_BYTES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 2;
	for (size_t off = 0; off < MEM_BYTES; off += 4096)
		mem[off] = 1;
	/* Be scheduled in several samples so that mem is refreshed. */
	for (int i = 0; i < 10; i++)
		sleep_ms(5);
	raise(SIGSTOP);
	return 0;
}

/* 100 MiB touched, stopped: mem_bytes within 5 % of VmRSS. */
void mem_vs_vmrss(void)
{
	struct e2e_work w = {};
	struct e2e_child c = {};
	struct energy_proc p;
	struct energy_key key;
	__u64 rss_kb = 0;

	if (!work_begin(&w, false) ||
	    !work_spawn_stopped(&w, &c, touch_then_stop, NULL, "memory child",
				"memory child touches 100 MiB and stops itself"))
		goto cleanup;
	if (!ASSERT_EQ(read_proc_field(c.pid, "status", "VmRSS:", &rss_kb), 0,
		       "read VmRSS from /proc/PID/status"))
		goto cleanup;
	printf("  mem_vs_vmrss: VmRSS %llu kB\n", (unsigned long long)rss_kb);
	ASSERT_GE(rss_kb * 1024, MEM_BYTES, "VmRSS holds the 100 MiB touched");
	if (work_skip_kernel_only(&w) ||
	    !child_wait_procs(&c, &key, &p, "the memory child is in procs"))
		goto cleanup;
	WAIT_UNTIL(!procs_lookup(&key, &p) &&
		   near(p.mem_bytes, rss_kb * 1024.0, 0.05), E2E_SETTLE_MS);
	printf("  mem_vs_vmrss: energyd mem_bytes %llu (%+.2f%%)\n",
	       (unsigned long long)p.mem_bytes,
	       100.0 * ((double)p.mem_bytes - rss_kb * 1024.0) /
	       (rss_kb * 1024.0));
	ASSERT_NEAR(p.mem_bytes, rss_kb * 1024.0, 0.05,
		    "procs mem_bytes vs VmRSS of /proc/PID/status");
	ASSERT_EQ(p.cgroup_id, w.cg.id,
		  "procs cgroup_id is the child's cgroup");
cleanup:
	work_end(&w);
}

/* Ten reads of all, 100 ms apart: the spinner @pid's cpu_ns within one
 * sample (and the kernel's tick, which updates the runtime schedstat
 * shows) of /proc/PID/schedstat at each, never ahead of it. */
static void spinner_vs_schedstat(pid_t pid, __u64 sample_ns)
{
	__u64 lag_max = 0;

	for (int i = 0; i < 10; i++) {
		__u64 before = 0, after = 0, cpu_ns = 0, uj;

		read_schedstat_ns(pid, &before);
		if (!ASSERT_TRUE(e2e_all_proc(pid, &uj, &cpu_ns), "spinner in all"))
			break;
		read_schedstat_ns(pid, &after);
		if (before > cpu_ns && before - cpu_ns > lag_max)
			lag_max = before - cpu_ns;
		if (!ASSERT_TRUE(cpu_ns <= after, "cpu_ns never ahead of schedstat") ||
		    !ASSERT_TRUE(cpu_ns + sample_ns + 10000000ULL >= before,
				 "cpu_ns within a sample (and a tick) of schedstat"))
			fprintf(stderr, "  read %d: cpu_ns %llu, schedstat %llu .. %llu\n",
				i, cpu_ns, before, after);
		sleep_ms(100);
	}
	fprintf(stderr, "  largest lag behind schedstat: %llu ns (sample_ns %llu)\n",
		lag_max, sample_ns);
}

/*
 * A SCHED_FIFO spin loop alone on its CPU never switches out: at every
 * read of all, 100 ms apart, its cpu_ns is within one sample (and the
 * kernel's tick, which updates the runtime schedstat shows) of
 * /proc/PID/schedstat, never ahead of it.
 */
void cpu_never_switches(void)
{
	struct e2e_work w = {};
	struct e2e_child c = {};
	struct energy_proc val;
	struct energy_key key;
	__u64 sample_ns;
	pid_t daemon = e2e_daemon_pid();
	int cpu = e2e_lone_cpu();
	bool moved = false;

	if (!work_begin(&w, true))
		goto cleanup;
	if (cpu < 0) {
		TEST_SKIP("one CPU: nothing can have one to itself");
		goto cleanup;
	}
	sample_ns = e2e_param_read("sample_ns");
	/* The test and the daemon's threads keep off the spinner's CPU. */
	moved = true;
	if (!ASSERT_EQ(e2e_avoid_cpu(getpid(), cpu), 0, "the test off the CPU") ||
	    !ASSERT_EQ(e2e_avoid_cpu(daemon, cpu), 0, "energyd off the CPU"))
		goto cleanup;
	if (!ASSERT_EQ(work_fork(&w, &c, e2e_fifo_spin, &cpu), 0, "fork the spinner"))
		goto cleanup;
	if (!child_wait_procs(&c, &key, &val, "spinner in procs"))
		goto cleanup;
	sleep_ms(300);
	spinner_vs_schedstat(c.pid, sample_ns);
cleanup:
	child_kill(&c);
	if (moved) {
		e2e_avoid_cpu(getpid(), -1);
		e2e_avoid_cpu(daemon, -1);
	}
	work_end(&w);
}

/*
 * The same spin loop on its CPU since before energyd started, with no
 * switch there since (an energyd restarted on a busy machine): it is
 * counted at every sample too, not only once it first switches out.
 */
void cpu_running_before_start(void)
{
	const char *log = "/tmp/energyd-e2e-before.log";
	struct e2e_child c = {};
	int cpu = e2e_lone_cpu(), status = -1;
	bool moved = false;
	__u64 uj, ns;
	pid_t pid = 0;

	if (cpu < 0) {
		TEST_SKIP("one CPU: nothing can have one to itself");
		return;
	}
	if (e2e_kernel_only()) {
		TEST_SKIP("E2E_NO_DAEMON set");
		return;
	}
	/* energyd, forked by the test, keeps off the CPU too. */
	moved = true;
	if (!ASSERT_EQ(e2e_avoid_cpu(getpid(), cpu), 0, "the test off the CPU") ||
	    !ASSERT_EQ(child_spawn(&c, NULL, e2e_fifo_spin, &cpu), 0, "fork the spinner"))
		goto cleanup;
	sleep_ms(100);
	pid = e2e_spawn_energyd(log, NULL, 0);
	if (!ASSERT_TRUE(pid > 0, "spawn energyd") ||
	    !ASSERT_TRUE(WAIT_UNTIL(e2e_all_proc(c.pid, &uj, &ns), E2E_SETTLE_MS * 5),
			 "the spinner in all"))
		goto cleanup;
	/* Under emulation a 6.1 guest's first samples after the start came
	 * 100 ms apart beside the spinner: there the reads wait a little, as
	 * in cpu_never_switches. The host reads at once: within 300 ms of the
	 * start the kernel has usually switched on the spinner's CPU, and
	 * then a missing first record would no longer show. */
	if (e2e_emulated())
		sleep_ms(300);
	spinner_vs_schedstat(c.pid, 10000000ULL);
cleanup:
	child_kill(&c);
	if (moved)
		e2e_avoid_cpu(getpid(), -1);
	if (pid > 0) {
		kill(pid, SIGTERM);
		if (waitpid(pid, &status, 0) != pid)
			status = -1;
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status),
			    "energyd exits 0 on SIGTERM");
	}
}
