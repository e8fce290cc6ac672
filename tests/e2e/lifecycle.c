// SPDX-License-Identifier: GPL-2.0-only
/*
 * The life of a procs entry: exit, publication and removal, exec, a pid
 * reused after and before the old entry left; and the map as bpftool shows
 * it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define OLD_BUSY_NS		200000000ULL	/* 200 ms */
#define PID_TRIES		20

static int busy_stop_exit(void *arg)
{
	(void)arg;
	burn_cpu_ns(OLD_BUSY_NS);
	raise(SIGSTOP);
	return 0;
}

static int busy_exit(void *arg)
{
	(void)arg;
	burn_cpu_ns(OLD_BUSY_NS);
	return 0;
}

static int stop_at_once(void *arg)
{
	(void)arg;
	raise(SIGSTOP);
	return 0;
}

static int wait_then_exec(void *arg)
{
	int *go = arg;
	char b;

	close(go[1]);
	if (read(go[0], &b, 1) != 1)
		return 2;
	execl("/bin/sleep", "sleep", "30", (char *)NULL);
	return 127;
}

static int set_last_pid(pid_t pid)
{
	char buf[32];
	int fd, len, err = 0;

	fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d", pid);
	if (write(fd, buf, len) != len)
		err = -errno;
	close(fd);
	return err;
}

/* Forks @fn into @w with pid @want, through ns_last_pid; retries when
 * another process took the pid first. */
static int spawn_with_pid(struct e2e_work *w, struct e2e_child *c, pid_t want,
			  child_fn fn, void *arg)
{
	int err;

	for (int i = 0; i < PID_TRIES; i++) {
		err = set_last_pid(want - 1);
		if (err) {
			fprintf(stderr, "  write ns_last_pid: %s\n",
				strerror(-err));
			return err;
		}
		err = work_fork(w, c, fn, arg);
		if (err)
			return err;
		if (c->pid == want)
			return 0;
		child_kill(c);
	}
	fprintf(stderr, "  pid %d taken by others %d times in a row\n", want,
		PID_TRIES);
	return -EAGAIN;
}

/* Forks a process into @w with pid @want (asserted as @what) that stops at
 * once, and finds its entry: true when it is in procs. */
static bool new_process_stopped(struct e2e_work *w, struct e2e_child *n,
				pid_t want, const char *what,
				struct energy_key *key, struct energy_proc *val)
{
	return ASSERT_EQ(spawn_with_pid(w, n, want, stop_at_once, NULL), 0,
			 what) &&
	       ASSERT_TRUE(child_wait_stopped(n, "new process"),
			   "the new process stops itself") &&
	       child_wait_procs(n, key, val,
				"the new process is in procs under its own start time");
}

struct reuse_check {
	pid_t tgid;
	__u64 old_start;	/* the old process's start_ns */
	__u64 new_lo, new_hi;	/* range of the new process's start_ns */
	__u64 limit;		/* cpu_ns a new entry must stay under */
	int bad_new;		/* new entries with too much CPU */
	int old_seen;		/* entries with the old key */
	struct energy_proc old;
};

static int reuse_cb(const struct energy_key *key, const struct energy_proc *val,
		    void *arg)
{
	struct reuse_check *r = arg;

	if (key->tgid != (__u32)r->tgid)
		return 0;
	if (key->start_ns == r->old_start) {
		r->old_seen++;
		r->old = *val;
	} else if (key->start_ns >= r->new_lo && key->start_ns <= r->new_hi &&
		   val->c.cpu_ns >= r->limit) {
		fprintf(stderr,
			"  entry {tgid %u, start_ns %llu} of the new process has cpu_ns %llu\n",
			key->tgid, (unsigned long long)key->start_ns,
			(unsigned long long)val->c.cpu_ns);
		r->bad_new++;
	}
	return 0;
}

/* Entries of one process: its tgid, alive or started when it did (an
 * exited process that had the pid before is another process). */
struct tgid_count {
	pid_t tgid;
	__u64 start_lo, start_hi;
	int n;
};

static int tgid_cb(const struct energy_key *key, const struct energy_proc *val,
		   void *arg)
{
	struct tgid_count *t = arg;

	if (key->tgid == (__u32)t->tgid &&
	    (!(val->flags & ENERGY_F_EXITED) ||
	     (key->start_ns >= t->start_lo && key->start_ns <= t->start_hi)))
		t->n++;
	return 0;
}

/*
 * (a) A process that exits is flagged EXITED while its entry is still there, then leaves procs within 3 s and its cgroup's
 *     totals count it as exited.
 * (c) A new process given the same pid has another key and counters that
 *     start from zero.
 * (b) A process that execs takes the new program's comm, under the same key.
 */
void lifecycle(void)
{
	struct e2e_child a = {}, n = {}, b = {};
	struct energy_key ka, kn, kb;
	struct energy_proc pa, pn, pb;
	struct energy_cgroup tot = {};
	struct reuse_check r = {};
	struct tgid_count tc = {};
	char comm[32], kcomm[32], got[ENERGY_COMM_LEN + 1];
	__u64 t_cont, t_seen, old_cpu, usec = 0;
	int go[2] = { -1, -1 };
	int status, err = 0;
	struct e2e_work w = {};
	char buf[64];
	pid_t pid_a;
	FILE *f;

	if (!work_begin(&w, true)) {
		if (e2e_kernel_only())
			TEST_SKIP("E2E_NO_DAEMON set: nothing to check without the daemon");
		goto cleanup;
	}

	/* (a) exit */
	if (!ASSERT_EQ(work_fork(&w, &a, busy_stop_exit, NULL), 0,
		       "fork child a") ||
	    !ASSERT_TRUE(child_wait_stopped(&a, "child a"),
			 "child a burns 200 ms and stops itself"))
		goto cleanup;
	pid_a = a.pid;
	if (!child_wait_procs(&a, &ka, &pa, "child a is in procs"))
		goto cleanup;
	ASSERT_TRUE(!(pa.flags & ENERGY_F_EXITED),
		    "stopped child a is not EXITED");
	t_cont = now_ns();
	kill(a.pid, SIGCONT);
	/* Its entry may leave at the second window boundary after the exit:
	 * look often. */
	for (;;) {
		err = procs_lookup(&ka, &pa);
		if (err || (pa.flags & ENERGY_F_EXITED) ||
		    now_ns() > t_cont + E2E_VANISH_MS * 1000000ULL)
			break;
		usleep(100);
	}
	t_seen = now_ns();
	if (!ASSERT_EQ(err, 0, "child a still in procs when it is flagged EXITED") ||
	    !ASSERT_TRUE(pa.flags & ENERGY_F_EXITED,
			 "child a flagged EXITED after its exit"))
		goto cleanup;
	old_cpu = pa.c.cpu_ns;
	ASSERT_GE(old_cpu, OLD_BUSY_NS, "child a's cpu_ns holds its 200 ms");
	if (!ASSERT_EQ(child_wait(&a, 0, E2E_SETTLE_MS, &status), 0,
		       "reap child a") ||
	    !ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status),
			 "child a exits 0"))
		goto cleanup;
	if (!ASSERT_TRUE(WAIT_UNTIL(procs_lookup(&ka, &pa) == -ENOENT,
				    E2E_VANISH_MS),
			 "exited child a leaves procs within 3 s"))
		goto cleanup;
	WAIT_UNTIL(!cgroups_lookup(w.cg.id, &tot) && tot.procs_exited >= 1 &&
		   !tot.procs_alive, E2E_SETTLE_MS);
	ASSERT_EQ(tot.procs_exited, 1, "cgroups: child a counted as exited");
	ASSERT_EQ(tot.procs_alive, 0, "cgroups: nothing alive in the cgroup");
	/* What it ran between its fork and entering the cgroup stays with
	 * its parent's cgroup: the cgroup's own cpu.stat is the truth. */
	if (ASSERT_EQ(cg_cpu_usage_usec(&w.cg, &usec), 0, "cpu.stat")) {
		fprintf(stderr, "  lifecycle: cgroup cpu_ns %llu, cpu.stat %llu us, child a %llu ns\n",
			tot.c.cpu_ns, usec, old_cpu);
		ASSERT_TRUE(near(tot.c.cpu_ns, usec * 1000.0, 0.02),
			    "cgroups: child a's cpu_ns folded into its cgroup, as its cpu.stat");
	}
	printf("  lifecycle: child a %d: cpu_ns %llu, exit seen %.1f ms after SIGCONT\n",
	       pid_a, (unsigned long long)old_cpu, (t_seen - t_cont) / 1e6);

	/* (c) pid reuse once the old entry is gone */
	if (!new_process_stopped(&w, &n, pid_a,
				 "fork a new process with child a's pid",
				 &kn, &pn))
		goto cleanup;
	ASSERT_TRUE(kn.start_ns != ka.start_ns,
		    "the new process has another start_ns than child a");
	r.tgid = pid_a;
	r.old_start = ka.start_ns;
	r.new_lo = n.start_lo;
	r.new_hi = n.start_hi;
	r.limit = old_cpu / 10;
	ASSERT_EQ(procs_foreach(reuse_cb, &r), 0, "walk procs");
	printf("  lifecycle: new process %d: cpu_ns %llu\n", n.pid,
	       (unsigned long long)pn.c.cpu_ns);
	ASSERT_EQ(r.bad_new, 0,
		  "no entry of the new process carries child a's counters");
	ASSERT_EQ(r.old_seen, 0, "child a's key does not come back");
	ASSERT_TRUE(pn.c.cpu_ns < old_cpu / 10,
		    "the new process's cpu_ns starts from zero (< old / 10)");
	ASSERT_TRUE(!(pn.flags & ENERGY_F_EXITED), "the new process is alive");
	child_kill(&n);

	/* (b) exec */
	if (!ASSERT_EQ(read_self_comm(comm, sizeof(comm)), 0,
		       "read own comm") ||
	    !ASSERT_EQ(pipe2(go, O_CLOEXEC), 0, "create a pipe") ||
	    !ASSERT_EQ(work_fork(&w, &b, wait_then_exec, go), 0,
		       "fork child b"))
		goto cleanup;
	close(go[0]);
	go[0] = -1;
	if (!child_wait_procs(&b, &kb, &pb, "child b is in procs"))
		goto cleanup;
	memcpy(got, pb.comm, ENERGY_COMM_LEN);
	got[ENERGY_COMM_LEN] = '\0';
	ASSERT_STREQ(got, comm, "child b's comm before exec is the test's");
	if (!ASSERT_EQ(write(go[1], "g", 1), 1, "let child b exec /bin/sleep"))
		goto cleanup;
	WAIT_UNTIL(!procs_lookup(&kb, &pb) && !strncmp(pb.comm, "sleep", 6),
		   E2E_SETTLE_MS);
	memcpy(got, pb.comm, ENERGY_COMM_LEN);
	got[ENERGY_COMM_LEN] = '\0';
	snprintf(buf, sizeof(buf), "/proc/%d/comm", b.pid);
	f = fopen(buf, "r");
	if (!f || !fgets(kcomm, sizeof(kcomm), f))
		snprintf(kcomm, sizeof(kcomm), "(unreadable)");
	if (f)
		fclose(f);
	kcomm[strcspn(kcomm, "\n")] = '\0';
	ASSERT_STREQ(kcomm, "sleep", "the kernel's comm of child b after exec");
	ASSERT_STREQ(got, kcomm, "procs comm of child b after exec, same key");
	tc.tgid = b.pid;
	tc.start_lo = b.start_lo;
	tc.start_hi = b.start_hi;
	ASSERT_EQ(procs_foreach(tgid_cb, &tc), 0, "walk procs");
	ASSERT_EQ(tc.n, 1, "exec keeps child b under one key");
cleanup:
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
	work_end(&w);
}

/*
 * A pid reused at once, while the old process's entry may still wait for
 * publication: the new process gets its own entry with counters from zero,
 * and the old entry, while there, keeps its own counters, flagged EXITED.
 */
void pid_reuse_early(void)
{
	struct e2e_child a = {}, n = {};
	struct energy_proc pn;
	struct energy_key kn;
	struct reuse_check r = {};
	struct e2e_work w = {};
	char buf[64];
	int status;
	pid_t pid_a;

	if (!work_begin(&w, true)) {
		if (e2e_kernel_only())
			TEST_SKIP("E2E_NO_DAEMON set: nothing to check without the daemon");
		goto cleanup;
	}
	if (!ASSERT_EQ(work_fork(&w, &a, busy_exit, NULL), 0, "fork child a"))
		goto cleanup;
	pid_a = a.pid;
	if (!ASSERT_EQ(child_wait(&a, 0, E2E_WORKLOAD_MS, &status), 0,
		       "reap child a"))
		goto cleanup;
	if (!ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status),
			 "child a burns 200 ms and exits 0")) {
		fprintf(stderr, "  child a %s\n",
			status_str(status, buf, sizeof(buf)));
		goto cleanup;
	}
	if (!new_process_stopped(&w, &n, pid_a,
				 "fork a new process with child a's pid at once",
				 &kn, &pn))
		goto cleanup;
	r.tgid = pid_a;
	r.old_start = ~0ULL;	/* unknown: any key in a's range */
	r.new_lo = n.start_lo;
	r.new_hi = n.start_hi;
	r.limit = OLD_BUSY_NS / 10;
	ASSERT_EQ(procs_foreach(reuse_cb, &r), 0, "walk procs");
	printf("  pid_reuse_early: pid %d: new process cpu_ns %llu\n", n.pid,
	       (unsigned long long)pn.c.cpu_ns);
	ASSERT_EQ(r.bad_new, 0,
		  "no entry of the new process carries child a's counters");
	ASSERT_TRUE(pn.c.cpu_ns < OLD_BUSY_NS / 10,
		    "the new process's cpu_ns starts from zero (< 20 ms)");
	ASSERT_TRUE(!(pn.flags & ENERGY_F_EXITED), "the new process is alive");
	/* The old entry, if the daemon has not removed it yet. */
	if (!procs_find(pid_a, a.start_lo, a.start_hi, NULL, &pn)) {
		printf("  pid_reuse_early: old entry still there: cpu_ns %llu, flags 0x%x\n",
		       (unsigned long long)pn.c.cpu_ns, pn.flags);
		ASSERT_TRUE(pn.flags & ENERGY_F_EXITED,
			    "the old entry is flagged EXITED");
		ASSERT_GE(pn.c.cpu_ns, OLD_BUSY_NS,
			  "the old entry keeps child a's 200 ms");
	}
cleanup:
	work_end(&w);
}

/* What a bpftool command printed: its lines, counted, and what they name. */
struct dump {
	int lines, status;
	int entries;		/* lines naming "tgid" */
	int zero_tgid;		/* of them, with tgid 0 */
	long self_slot;		/* slot_index: the slot of @self, else -1 */
	bool names_cpu, names_comm, names_start, names_slot;
	__u32 tgid;		/* the last tgid named */
	char head[4096];
};

/* Runs @cmd and reads its output; in a slot_index dump, a "slot" after the
 * key naming tgid @self is @self's slot. */
static bool dump_run(const char *cmd, pid_t self, struct dump *d)
{
	bool mine = false;
	char line[512];
	FILE *p;

	memset(d, 0, sizeof(*d));
	d->self_slot = -1;
	p = popen(cmd, "r");
	if (!p)
		return false;
	while (fgets(line, sizeof(line), p)) {
		unsigned long v;

		if (d->lines++ < 40)
			strncat(d->head, line, sizeof(d->head) - strlen(d->head) - 1);
		if (sscanf(line, " \"tgid\": %lu", &v) == 1) {
			d->entries++;
			d->zero_tgid += !v;
			d->tgid = v;
			mine = v == (unsigned long)self;
		}
		if (sscanf(line, " \"slot\": %lu", &v) == 1 && mine)
			d->self_slot = v;
		d->names_cpu = d->names_cpu || strstr(line, "\"cpu_ns\"");
		d->names_comm = d->names_comm || strstr(line, "\"comm\"");
		d->names_start = d->names_start || strstr(line, "\"start_ns\"");
		d->names_slot = d->names_slot || strstr(line, "\"slot\"");
	}
	d->status = pclose(p);
	return WIFEXITED(d->status) && !WEXITSTATUS(d->status);
}

/*
 * bpftool shows the maps with their field names (they carry BTF): a dump of
 * slot_index lists the tracked processes only, each with its slot, and a
 * lookup of that slot in procs shows one process, both a few lines each.
 */
void bpftool_dump(void)
{
	pid_t self = getpid();
	__u64 procs, cap = 0;
	struct dump d;
	char cmd[256];
	__u32 s;

	if (!e2e_begin()) {
		if (e2e_kernel_only())
			TEST_SKIP("E2E_NO_DAEMON set: nothing to dump");
		goto cleanup;
	}
	ASSERT_TRUE(e2e_sys_u64("capacity", &cap), "sys's capacity");
	snprintf(cmd, sizeof(cmd), "capacity: %llu processes", (unsigned long long)cap);
	ASSERT_TRUE(e2e_daemon_logged(cmd), "the capacity is logged at start");
	ASSERT_TRUE(e2e_daemon_logged("MiB of locked memory"),
		    "the maps' memory is logged at start");
	if (!ASSERT_TRUE(dump_run("bpftool map dump pinned " ENERGY_PIN_DIR
				  "/slot_index 2>&1", self, &d),
			 "bpftool map dump slot_index exits 0"))
		goto fail;
	ASSERT_TRUE(e2e_sys_u64("processes", &procs), "sys's processes");
	printf("  bpftool_dump: slot_index: %d lines, %d processes (sys: %llu tracked)\n",
	       d.lines, d.entries, (unsigned long long)procs);
	ASSERT_GE(d.entries, 10, "slot_index lists the processes");
	ASSERT_EQ(d.zero_tgid, 0, "no empty slot in the slot_index dump");
	ASSERT_TRUE(d.lines <= 40 * d.entries, "at most 40 lines a process");
	ASSERT_TRUE(d.names_start && d.names_slot,
		    "slot_index names tgid, start_ns and slot");
	if (!ASSERT_TRUE(d.self_slot >= 0, "the test's own process is listed"))
		goto fail;
	/* procs's key is a __u32, given to bpftool as 4 bytes, little end
	 * first (x86). */
	s = d.self_slot;
	snprintf(cmd, sizeof(cmd),
		 "bpftool map lookup pinned " ENERGY_PIN_DIR "/procs key %u %u %u %u 2>&1",
		 s & 0xff, s >> 8 & 0xff, s >> 16 & 0xff, s >> 24);
	if (!ASSERT_TRUE(dump_run(cmd, self, &d), "bpftool map lookup procs exits 0"))
		goto fail;
	printf("  bpftool_dump: procs slot %u: %d lines\n", s, d.lines);
	ASSERT_EQ(d.tgid, (__u32)self, "the slot holds the test's own process");
	ASSERT_TRUE(d.lines <= 40, "one process in at most 40 lines");
	ASSERT_TRUE(d.names_cpu && d.names_comm && d.names_start,
		    "procs names cpu_ns, comm, start_ns and tgid");
	if (!ASSERT_TRUE(dump_run("bpftool map dump pinned " ENERGY_PIN_DIR
				  "/cgroups 2>&1", self, &d),
			 "bpftool map dump cgroups exits 0"))
		goto fail;
	printf("  bpftool_dump: cgroups: %d lines\n", d.lines);
	ASSERT_TRUE(d.names_cpu && strstr(d.head, "\"energy_uj\""),
		    "cgroups names cpu_ns and energy_uj");
fail:
	if (test__failures)
		fprintf(stderr, "  ---- bpftool output (head) ----\n%s", d.head);
cleanup:
	e2e_end();
}
