// SPDX-License-Identifier: GPL-2.0-only
/*
 * Churn: more short processes than the process map holds, and more
 * cgroups created and removed than the cgroups map holds. What the
 * daemon counts as dropped is checked against the processes the test
 * started that never appeared in procs; what it forgets against the
 * cgroups the kernel still has.
 *
 * Sizes: E2E_CHURN_PROCS (20,000) processes, E2E_CHURN_CGROUPS (5,000)
 * cgroups; make check-churn runs 100,000 cgroups.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "harness.h"

static unsigned long env_count(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return dflt;
	n = strtoul(v, &end, 10);
	return *end || !n ? dflt : n;
}

/* Total forks since boot, the "processes" line of /proc/stat. */
static __u64 forks_total(void)
{
	char line[256];
	__u64 n = 0;
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "processes %llu", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* ---- the process keys the watcher saw in procs ---- */

#define SEEN_CAP	(1U << 18)

struct seen_set {
	struct energy_key *k;	/* tgid 0: empty */
	size_t n;
	bool full;
};

static void seen_add(struct seen_set *s, const struct energy_key *key)
{
	size_t h = (key->tgid * 2654435761U ^ key->start_ns) & (SEEN_CAP - 1);

	for (size_t i = 0; i < SEEN_CAP; i++, h = (h + 1) & (SEEN_CAP - 1)) {
		struct energy_key *e = &s->k[h];

		if (e->tgid == key->tgid && e->start_ns == key->start_ns)
			return;
		if (!e->tgid) {
			if (s->n + 1 >= SEEN_CAP / 2) {
				s->full = true;
				return;
			}
			e->tgid = key->tgid;
			e->start_ns = key->start_ns;
			s->n++;
			return;
		}
	}
}

static int seen_cb(const struct energy_key *key, const struct energy_proc *v,
		   void *arg)
{
	(void)v;
	seen_add(arg, key);
	return 0;
}

struct watcher {
	struct seen_set seen;
	volatile bool stop;
	unsigned int every_ms;
	__u64 passes;
};

/* Walks procs until told to stop: every process that had a slot is seen
 * (a slot is held a window at least after its process exits). */
static void *watch(void *arg)
{
	struct watcher *w = arg;

	while (!w->stop) {
		procs_foreach(seen_cb, &w->seen);
		w->passes++;
		sleep_ms(w->every_ms);
	}
	procs_foreach(seen_cb, &w->seen);
	return NULL;
}

static int key_cmp(const void *a, const void *b)
{
	const struct energy_key *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

/* The seen keys, sorted, packed at the start of the set's array. */
static size_t seen_sort(struct seen_set *s)
{
	size_t n = 0;

	for (size_t i = 0; i < SEEN_CAP; i++)
		if (s->k[i].tgid)
			s->k[n++] = s->k[i];
	qsort(s->k, n, sizeof(*s->k), key_cmp);
	return n;
}

/* Whether a key of @pid started in [lo, hi] is among the @n sorted. */
static bool seen_has(const struct energy_key *k, size_t n, pid_t pid,
		     __u64 lo, __u64 hi)
{
	size_t a = 0, b = n;

	while (a < b) {
		size_t m = (a + b) / 2;

		if (k[m].tgid < (__u32)pid ||
		    (k[m].tgid == (__u32)pid && k[m].start_ns < lo))
			a = m + 1;
		else
			b = m;
	}
	return a < n && k[a].tgid == (__u32)pid && k[a].start_ns <= hi;
}

/* A process the test started. */
struct started {
	pid_t pid;
	__u64 lo, hi;		/* its start_ns lies in between */
};

/* One short process (vfork, _exit), reaped; false when fork failed. */
static bool short_process(struct started *s)
{
	pid_t pid;

	s->lo = now_ns();
	pid = vfork();
	if (!pid)
		_exit(0);
	s->hi = now_ns();
	s->pid = pid;
	if (pid < 0)
		return false;
	return waitpid(pid, NULL, 0) == pid;
}

/* Short processes per second this machine forks, reaps (1,000 timed). */
static unsigned long fork_rate(void)
{
	struct started s;
	__u64 t = now_ns();

	for (int i = 0; i < 1000; i++)
		if (!short_process(&s))
			return 0;
	t = now_ns() - t;
	return t ? 1000 * 1000000000ULL / t : 0;
}

/* The processes of @st (n) with no key in the watcher's sorted @k. */
static size_t never_tracked(const struct started *st, size_t n,
			    const struct energy_key *k, size_t nk)
{
	size_t u = 0;

	for (size_t i = 0; i < n; i++)
		if (!seen_has(k, nk, st[i].pid, st[i].lo, st[i].hi))
			u++;
	return u;
}

/* Keys seen that started in [lo, hi] but are none of the test's. */
static size_t others_tracked(const struct energy_key *k, size_t nk,
			     const struct started *st, size_t n,
			     __u64 lo, __u64 hi)
{
	size_t o = 0;

	for (size_t i = 0; i < nk; i++) {
		bool ours = false;

		if (k[i].start_ns < lo || k[i].start_ns > hi)
			continue;
		/* The test's processes started in order: bsearch by time. */
		for (size_t a = 0, b = n; a < b;) {
			size_t m = (a + b) / 2;

			if (st[m].hi < k[i].start_ns) {
				a = m + 1;
			} else if (st[m].lo > k[i].start_ns) {
				b = m;
			} else {
				ours = st[m].pid == (pid_t)k[i].tgid;
				break;
			}
		}
		o += !ours;
	}
	return o;
}

static int waiter(void *arg)
{
	(void)arg;
	pause();
	return 0;
}

static bool sys_served(void)
{
	__u64 v;

	return e2e_sys_u64("iterations", &v);
}

/* The keys procs holds now into @now, sorted: their number, or -ENOMEM.
 * The caller frees now->k. */
static long seen_now(struct seen_set *now)
{
	*now = (struct seen_set){ .k = calloc(SEEN_CAP, sizeof(*now->k)) };
	if (!now->k)
		return -ENOMEM;
	procs_foreach(seen_cb, now);
	return seen_sort(now);
}

/* Used slots whose process is one of @st's (n). */
static int ours_in_procs(const struct started *st, size_t n)
{
	struct seen_set now;
	long nk = seen_now(&now);
	int left;

	if (nk < 0)
		return nk;
	left = n - never_tracked(st, n, now.k, nk);
	free(now.k);
	return left;
}

/*
 * Processes alive now that procs holds no slot for (missed by the seed,
 * forked while it ran): one of them may meet the full map later and be
 * counted then, though it was forked before the churn.
 */
static long untracked_alive(void)
{
	struct seen_set now;
	long nk = seen_now(&now), missing = 0;
	struct dirent *d;
	DIR *dir;

	if (nk < 0)
		return nk;
	dir = opendir("/proc");
	if (!dir) {
		free(now.k);
		return -errno;
	}
	while ((d = readdir(dir))) {
		char *end;
		unsigned long pid = strtoul(d->d_name, &end, 10);

		if (*end || !pid)
			continue;
		missing += !seen_has(now.k, nk, pid, 0, ~0ULL);
	}
	closedir(dir);
	free(now.k);
	return missing;
}

/*
 * A process map far smaller than the churn (issue 15): N short processes
 * in about 2 s. Each process is dropped at most once (dropped_procs equals
 * the processes never tracked: the test's own, counted from procs by a
 * watcher, plus at most the others forked meanwhile, from /proc/stat, and
 * those alive before that procs did not hold), and
 * within two windows of the churn every slot it held is free again and a
 * new process is tracked.
 */
void daemon_map_churn(void)
{
	const char *log = "/tmp/energyd-e2e-churn.log";
	bool emu = e2e_emulated();
	unsigned long n = env_count("E2E_CHURN_PROCS", emu ? 2000 : 20000);
	unsigned long cap;
	__u64 window_ns = 1000000000ULL, slack_ns = 100000000ULL;
	char cap_s[32], window_s[32];
	const char *extra[] = { "--max-procs", cap_s, "--window-ns", window_s,
				NULL };
	struct watcher w = { .every_ms = 20 };
	unsigned long rate;
	struct started *st = NULL;
	__u64 d0 = 0, d1 = 0, f0, f1, t0, t_end, t_probe = 0;
	size_t done = 0, nk, ours_lost, others, others_seen;
	long before_lost;
	struct e2e_child probe = {};
	struct energy_key key;
	struct energy_proc val;
	pthread_t th;
	bool watching = false;
	pid_t pid = 0;
	int status, left = -1;

	if (emu)
		slack_ns = window_ns;
	/* Slots are held a window or two after their process exits: a map
	 * that holds half a second of what this machine forks overflows. */
	rate = fork_rate();
	cap = (rate && rate < n / 2 ? rate : n / 2) / 2;
	if (cap < 256)
		cap = 256;
	snprintf(cap_s, sizeof(cap_s), "%lu", cap);
	snprintf(window_s, sizeof(window_s), "%llu", window_ns);
	st = calloc(n, sizeof(*st));
	w.seen.k = calloc(SEEN_CAP, sizeof(*w.seen.k));
	if (!ASSERT_TRUE(st && w.seen.k, "memory for the keys"))
		goto cleanup;
	pid = e2e_spawn_energyd(log, extra, 0);
	/* "cgroups" is pinned last, once the files are served. */
	if (!ASSERT_TRUE(WAIT_UNTIL(sys_served() &&
				    !access(ENERGY_PIN_DIR "/cgroups", F_OK),
				    E2E_SETTLE_MS * 5), "energyd serves, its maps pinned"))
		goto cleanup;
	if (!ASSERT_EQ(e2e_maps_open(), 0, "open its pinned maps"))
		goto cleanup;
	if (!ASSERT_EQ(pthread_create(&th, NULL, watch, &w), 0, "start the watcher"))
		goto cleanup;
	watching = true;

	/* Forks before f0 were counted at fork, so in d0 by the next sample. */
	f0 = forks_total();
	t0 = now_ns();
	before_lost = untracked_alive();
	if (!ASSERT_GE(before_lost, 0, "list the processes procs does not hold"))
		goto cleanup;
	sleep_ms(50);
	ASSERT_TRUE(e2e_sys_u64("dropped_procs", &d0), "read dropped_procs");
	/* About n per 2 s, as fast as the machine allows but not faster. */
	for (; done < n; done++) {
		__u64 due = t0 + 50000000ULL + done * (2000000000ULL / n);
		__u64 now = now_ns();

		if (now + 1000000 < due)
			sleep_ms((due - now) / 1000000);
		if (!short_process(&st[done]))
			break;
	}
	t_end = now_ns();
	if (!ASSERT_EQ(done, n, "every short process forked and reaped"))
		goto cleanup;

	/* Within two windows: a new process is tracked, every slot held by
	 * the churn is free. */
	while (now_ns() < t_end + 2 * window_ns + slack_ns) {
		if (child_spawn(&probe, NULL, waiter, NULL))
			break;
		if (!child_find(&probe, &key, &val)) {
			t_probe = now_ns();
			break;
		}
		child_kill(&probe);
		sleep_ms(20);
	}
	ASSERT_TRUE(t_probe, "a new process is tracked within two windows of the churn");
	left = ours_in_procs(st, n);
	while (left && now_ns() < t_end + 2 * window_ns + slack_ns) {
		sleep_ms(10);
		left = ours_in_procs(st, n);
	}
	ASSERT_EQ(left, 0, "within two windows every slot of the churn is free");
	fprintf(stderr, "  churn: %lu processes/s forked alone; %lu processes in %.2f s, %lu slots; tracking again %.0f ms after, %d of its slots held %.0f ms after\n",
		rate, n, (t_end - t0) / 1e9 - 0.05, cap,
		t_probe ? (t_probe - t_end) / 1e6 : -1.0, left,
		(now_ns() - t_end) / 1e6);

	w.stop = true;
	pthread_join(th, NULL);
	watching = false;
	sleep_ms(50);
	ASSERT_TRUE(e2e_sys_u64("dropped_procs", &d1), "read dropped_procs");
	f1 = forks_total();
	if (!ASSERT_TRUE(!w.seen.full, "the watcher kept every key"))
		goto cleanup;
	nk = seen_sort(&w.seen);
	ours_lost = never_tracked(st, n, w.seen.k, nk);
	others = f1 - f0 - n;	/* the probes and everyone else's */
	others_seen = others_tracked(w.seen.k, nk, st, n, t0, now_ns());
	fprintf(stderr, "  churn: dropped_procs +%llu; the test's processes never in procs %zu of %lu; others forked %zu (threads too), %zu of them seen in procs (%llu passes); %ld alive before it not in procs\n",
		d1 - d0, ours_lost, n, others, others_seen, w.passes,
		before_lost);
	ASSERT_TRUE(ours_lost > 0 && ours_lost < n, "the churn overflows the map, some of it is tracked");
	ASSERT_GE(d1 - d0, ours_lost, "every process never tracked is counted");
	ASSERT_TRUE(d1 - d0 <= ours_lost + (others > others_seen ? others - others_seen : 0) +
			       before_lost,
		    "no process is counted twice: dropped_procs is at most the test's untracked ones, the others not seen and those alive before that procs did not hold");
	status = -1;
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) == pid)
		pid = 0;
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit 0 on SIGTERM");
cleanup:
	if (watching) {
		w.stop = true;
		pthread_join(th, NULL);
	}
	child_kill(&probe);
	e2e_maps_close();
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (test__failures)
		fprintf(stderr, "  (energyd's log: %s)\n", log);
	free(st);
	free(w.seen.k);
}

/* Directories under @path, itself included: the cgroups the kernel has. */
static long cgroups_existing(const char *path)
{
	struct dirent *d;
	long n = 1;
	DIR *dir = opendir(path);

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dir))) {
		char sub[PATH_MAX];
		long m;

		if (d->d_type != DT_DIR || !strcmp(d->d_name, ".") ||
		    !strcmp(d->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name) >=
		    (int)sizeof(sub))
			continue;
		m = cgroups_existing(sub);
		if (m > 0)
			n += m;
	}
	closedir(dir);
	return n;
}

/* A cgroup made, a short process run in it from its start (clone3 into
 * the cgroup) and reaped, the cgroup removed: 0 or -errno. */
static int cgroup_once(struct e2e_cg *cg)
{
	struct clone_args ca = {
		.flags = CLONE_INTO_CGROUP | CLONE_VFORK,
		.exit_signal = SIGCHLD,
	};
	int fd, err = cg_create(cg);
	pid_t pid;

	if (err)
		return err;
	fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	ca.cgroup = fd;
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (!pid)
		_exit(0);
	if (pid < 0)
		err = -errno;
	else if (waitpid(pid, NULL, 0) != pid)
		err = -errno;
	close(fd);
out:
	cg_remove(cg);
	return err;
}

/* The time of the last window the daemon published (all.json's
 * window.time_ns), 0 before the first or when unreadable. */
static __u64 window_time_ns(void)
{
	char *text = e2e_read_file(E2E_MNT "/all.json", NULL);
	const char *p = text ? strstr(text, "\"window\":{\"time_ns\":") : NULL;
	__u64 t = 0;

	if (p && sscanf(p, "\"window\":{\"time_ns\":%llu", &t) != 1)
		t = 0;
	free(text);
	return t;
}

/* Waits for the daemon to publish @n more windows: false if one takes
 * longer than E2E_SETTLE_MS. */
static bool windows_pass(int n)
{
	__u64 t = window_time_ns(), prev, end;

	for (int i = 0; i < n; i++) {
		prev = t;
		end = now_ns() + E2E_SETTLE_MS * 1000000ULL;
		while ((t = window_time_ns()) <= prev) {
			if (now_ns() > end)
				return false;
			sleep_ms(20);
		}
	}
	return true;
}

/* How many of @ids (n) the cgroups map still holds. */
static long ids_in_map(const __u64 *ids, size_t n)
{
	struct energy_cgroup v;
	long left = 0;

	for (size_t i = 0; i < n; i++)
		left += !cgroups_lookup(ids[i], &v);
	return left;
}

static int spin_30ms(void *arg)
{
	__u64 ns = 0;

	(void)arg;
	while (!read_schedstat_ns(getpid(), &ns) && ns < 30000000ULL)
		;
	return 0;
}

/*
 * Cgroups created and removed (issue 15), each with a process that ran in
 * it: every removed one leaves the cgroups map once its process is folded,
 * the map never holds more cgroups than the kernel has, and a new cgroup
 * is still published afterwards, its cpu_ns as its cpu.stat says.
 */
void cgroup_churn(void)
{
	unsigned long n = env_count("E2E_CHURN_CGROUPS",
				    e2e_emulated() ? 500 : 5000);
	__u64 *ids = NULL, rss0 = 0, rss1 = 0, t0, t1, t2, usec = 0;
	long before, peak = 0, after = -1, existing = -1, left = -1, m;
	struct e2e_cg fresh = {}, cg;
	struct energy_cgroup tot = {};
	struct e2e_child c = {};
	int status = -1;

	if (!e2e_begin()) {
		if (e2e_kernel_only())
			TEST_SKIP("E2E_NO_DAEMON set");
		goto cleanup;
	}
	ids = calloc(n, sizeof(*ids));
	if (!ASSERT_TRUE(ids, "memory for the ids"))
		goto cleanup;
	before = cgroups_ids(NULL, 0);
	read_proc_field(e2e_daemon_pid(), "status", "VmRSS:", &rss0);
	t0 = now_ns();
	for (size_t i = 0; i < n; i++) {
		if (!ASSERT_EQ(cgroup_once(&cg), 0, "a cgroup made, run in and removed"))
			goto cleanup;
		ids[i] = cg.id;
		if (i % 500 == 0 && (m = cgroups_ids(NULL, 0)) > peak)
			peak = m;
	}
	t1 = now_ns();
	/*
	 * A cgroup not published yet is not in the map either: the last
	 * ones' processes are folded a window after they exit, and their
	 * cgroups published and pruned at the boundaries after that.
	 */
	ASSERT_TRUE(windows_pass(3), "the daemon publishes three more windows");
	existing = e2e_cgroup2_mount() ? cgroups_existing(e2e_cgroup2_mount()) : -ENOENT;
	ASSERT_TRUE(WAIT_UNTIL((left = ids_in_map(ids, n)) == 0 &&
			       (after = cgroups_ids(NULL, 0)) <= existing,
			       E2E_VANISH_MS),
		    "every removed cgroup leaves the cgroups map within 3 s");
	t2 = now_ns();
	read_proc_field(e2e_daemon_pid(), "status", "VmRSS:", &rss1);
	printf("  cgroup_churn: %lu cgroups in %.1f s (%.0f/s); map entries %ld before, at most %ld during, %ld after (%ld cgroups exist); %ld left %.0f ms after the last; energyd VmRSS %llu -> %llu kB\n",
	       n, (t1 - t0) / 1e9, n / ((t1 - t0) / 1e9), before, peak, after,
	       existing, left, (t2 - t1) / 1e6, rss0, rss1);
	ASSERT_TRUE(after >= 0 && existing > 0 && after <= existing,
		    "the cgroups map holds no more cgroups than the kernel has");

	/* Still publishing: a new cgroup's totals, as its cpu.stat says. */
	if (!ASSERT_EQ(cg_create(&fresh), 0, "a fresh cgroup"))
		goto cleanup;
	if (!ASSERT_EQ(child_spawn_into(&c, &fresh, spin_30ms, NULL), 0,
		       "fork a busy child into it"))
		goto cleanup;
	ASSERT_EQ(child_wait(&c, 0, E2E_WORKLOAD_MS, &status), 0, "it exits");
	ASSERT_TRUE(WAIT_UNTIL(!cgroups_lookup(fresh.id, &tot) &&
			       tot.procs_exited >= 1 && !tot.procs_alive,
			       E2E_SETTLE_MS),
		    "the fresh cgroup is published with its exited process");
	if (!ASSERT_EQ(cg_cpu_usage_usec(&fresh, &usec), 0, "read cpu.stat"))
		goto cleanup;
	printf("  cgroup_churn: fresh cgroup cpu.stat usage %llu us, energyd %llu ns\n",
	       usec, tot.c.cpu_ns);
	ASSERT_NEAR(tot.c.cpu_ns, usec * 1000.0, 0.05,
		    "its cpu_ns vs its cpu.stat usage_usec");
cleanup:
	child_kill(&c);
	cg_remove(&fresh);
	free(ids);
	e2e_end();
}
