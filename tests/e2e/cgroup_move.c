// SPDX-License-Identifier: GPL-2.0-only
/*
 * Processes that change cgroup: one moved while asleep shows up in its
 * new group's view (read as nobody from inside it) and leaves the old
 * one's; a busy one moved A -> B leaves what it did in A's totals, and
 * A + B is its CPU time as schedstat has it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define NOBODY		65534

static int become_nobody(void)
{
	return setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY) ? -1 : 0;
}

static int sleeper_body(void *arg)
{
	(void)arg;
	/* Dumpable again after the uid change, so that nobody may read its
	 * /proc/PID/io and see its line. */
	if (become_nobody() || prctl(PR_SET_DUMPABLE, 1))
		return 10;
	sleep_ms(30000);
	return 0;
}

/* Whether the cgroup file, read now by the caller, lists @pid. */
static int cgroup_lists(pid_t pid)
{
	char *text = e2e_read_file(E2E_MNT "/cgroup", NULL);
	char want[32];
	bool found;

	if (!text)
		return -1;
	snprintf(want, sizeof(want), "\npid=%d ", pid);
	found = strstr(text, want) || !strncmp(text, want + 1, strlen(want + 1));
	free(text);
	return found;
}

struct reader_arg {
	pid_t pid;
	bool want;		/* listed, or not */
	int tries;		/* 20 ms apart */
};

/* As nobody: the cgroup file comes to list @pid, or not, within the
 * tries. */
static int reader_body(void *p)
{
	const struct reader_arg *a = p;

	if (become_nobody())
		return 10;
	for (int i = 0; i < a->tries; i++) {
		int r = cgroup_lists(a->pid);

		if (r < 0)
			return 11;
		if (r == a->want)
			return 0;
		sleep_ms(20);
	}
	return 12;
}

static bool run_reader(const struct e2e_cg *cg, pid_t pid, bool want,
		       int tries, const char *what)
{
	struct reader_arg a = { .pid = pid, .want = want, .tries = tries };
	struct e2e_child c = {};
	char buf[64];
	int status = 0;

	if (!ASSERT_EQ(child_spawn(&c, cg, reader_body, &a), 0, "spawn a reader"))
		return false;
	if (!ASSERT_EQ(child_wait(&c, 0, 10000, &status), 0, "reader finishes")) {
		child_kill(&c);
		return false;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "  reader: %s\n", status_str(status, buf, sizeof(buf)));
	return ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status), what);
}

void cgroup_move_asleep(void)
{
	struct e2e_work w = {};
	struct e2e_cg cgb = {};
	struct e2e_child sleeper = {};
	struct energy_proc val;
	struct energy_key key;
	__u64 window_ns;
	int tries;

	if (!work_begin(&w, true))
		goto cleanup;
	if (!ASSERT_EQ(cg_create(&cgb), 0, "cgroup B"))
		goto cleanup;
	window_ns = e2e_param_read("window_ns");
	/* Three windows of tries at 20 ms. */
	tries = window_ns * 3 / 20000000ULL + 1;
	if (!ASSERT_EQ(work_fork(&w, &sleeper, sleeper_body, NULL), 0,
		       "fork the sleeper"))
		goto cleanup;
	if (!child_wait_procs(&sleeper, &key, &val, "sleeper in procs"))
		goto cleanup;
	if (!run_reader(&w.cg, sleeper.pid, true, tries,
			"the sleeper is in A's view as nobody"))
		goto cleanup;
	/* Asleep for a window by now: no switch refreshes its cgroup. */
	if (!ASSERT_EQ(cg_move(&cgb, sleeper.pid), 0, "move the sleeper to B"))
		goto cleanup;
	if (!run_reader(&cgb, sleeper.pid, true, tries,
			"the sleeper shows up in B's view, read from inside B as nobody"))
		goto cleanup;
	run_reader(&w.cg, sleeper.pid, false, 1,
		   "and is gone from A's view in the same window");
	ASSERT_EQ(procs_lookup(&key, &val), 0, "its slot");
	ASSERT_EQ(val.cgroup_id, cgb.id, "its slot names B");
cleanup:
	child_kill(&sleeper);
	cg_remove(&cgb);
	work_end(&w);
}

static int spin_body(void *arg)
{
	(void)arg;
	burn_cpu_ns(60000000000ULL);
	return 0;
}

/* cpu_ns of cgroup @cg in the cgroups map, or ~0 when it is not there. */
static __u64 cg_total_cpu(const struct e2e_cg *cg)
{
	struct energy_cgroup v;

	return cgroups_lookup(cg->id, &v) ? ~0ULL : v.c.cpu_ns;
}

void cgroup_move_busy(void)
{
	struct e2e_work w = {};
	struct e2e_cg cgb = {};
	struct e2e_child spin = {};
	struct energy_proc val;
	struct energy_key key;
	__u64 window_ms, a1, a2, b1, b2, a, b, sched, uj;
	struct energy_cgroup ca, cb;
	int status;

	if (!work_begin(&w, true))
		goto cleanup;
	if (!ASSERT_EQ(cg_create(&cgb), 0, "cgroup B"))
		goto cleanup;
	window_ms = e2e_param_read("window_ns") / 1000000ULL;
	if (!ASSERT_EQ(work_fork(&w, &spin, spin_body, NULL), 0, "fork the spinner"))
		goto cleanup;
	if (!child_wait_procs(&spin, &key, &val, "spinner in procs"))
		goto cleanup;
	sleep_ms(window_ms * 3 / 2);
	if (!ASSERT_EQ(cg_move(&cgb, spin.pid), 0, "move the spinner to B"))
		goto cleanup;
	/* Two boundaries: the move is seen at the first. */
	sleep_ms(window_ms * 2 + window_ms / 2);
	a1 = cg_total_cpu(&w.cg);
	b1 = cg_total_cpu(&cgb);
	sleep_ms(window_ms * 2);
	a2 = cg_total_cpu(&w.cg);
	b2 = cg_total_cpu(&cgb);
	fprintf(stderr, "  A: %llu -> %llu ns, B: %llu -> %llu ns\n", a1, a2, b1, b2);
	ASSERT_TRUE(a1 != ~0ULL && a1 > 0, "A has what the spinner did there");
	ASSERT_EQ(a2, a1, "A stops growing after the move");
	ASSERT_TRUE(b1 != ~0ULL && b2 != ~0ULL && b2 > b1, "B grows");
	/* Stopped: switched out, schedstat and cpu_ns exact. */
	kill(spin.pid, SIGSTOP);
	if (!ASSERT_EQ(child_wait(&spin, WUNTRACED, 5000, &status), 0, "spinner stops"))
		goto cleanup;
	if (!ASSERT_EQ(read_schedstat_ns(spin.pid, &sched), 0, "schedstat"))
		goto cleanup;
	sleep_ms(window_ms * 2 + window_ms / 2);
	a = cg_total_cpu(&w.cg);
	b = cg_total_cpu(&cgb);
	ASSERT_EQ(procs_lookup(&key, &val), 0, "its slot");
	fprintf(stderr, "  A %llu + B %llu = %llu ns; cpu_ns %llu, schedstat %llu\n",
		a, b, a + b, val.c.cpu_ns, sched);
	ASSERT_TRUE(near(a + b, val.c.cpu_ns, 0.01), "A + B is its cpu_ns within 1 %");
	ASSERT_TRUE(near(val.c.cpu_ns, sched, 0.01), "its cpu_ns is schedstat's");
	/* The map's energy: what the process earned in each group, which
	 * together is all of its energy. */
	if (ASSERT_EQ(cgroups_lookup(w.cg.id, &ca), 0, "A in the cgroups map") &&
	    ASSERT_EQ(cgroups_lookup(cgb.id, &cb), 0, "B in the cgroups map") &&
	    ASSERT_TRUE(e2e_all_proc(spin.pid, &uj, &sched), "its line in all")) {
		fprintf(stderr, "  energy: A %llu + B %llu µJ in the map; all %llu µJ\n",
			ca.energy_uj, cb.energy_uj, uj);
		ASSERT_TRUE(ca.energy_uj > 0 && cb.energy_uj > 0,
			    "the cgroups map has energy for A and B");
		/* The map is the last window's; all, of the last sample,
		 * may have the memory's energy since. */
		ASSERT_TRUE(ca.energy_uj + cb.energy_uj <= uj &&
			    near(ca.energy_uj + cb.energy_uj, uj, 0.01),
			    "A + B in the map is the process's energy (within 1 %)");
	}
cleanup:
	child_kill(&spin);
	cg_remove(&cgb);
	work_end(&w);
}
