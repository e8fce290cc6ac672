/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the end-to-end tests: the energyd instance shared by the whole
 * run, the pinned maps it exports, cgroup2 children for workloads, workload
 * processes forked from the test binary, and the kernel's own accounting
 * read back from /proc and cgroupfs.
 *
 * Functions return 0 or -errno unless said otherwise.
 */
#ifndef ENERGY_E2E_HARNESS_H
#define ENERGY_E2E_HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#include "energy_abi.h"
#include "test.h"

/* Where the daemon serves its files. */
#define E2E_MNT			"/run/energy"

/* Settings the daemon runs with: 10 ms samples, 200 ms windows. */
#define E2E_SAMPLE_NS		10000000ULL
#define E2E_WINDOW_NS		200000000ULL
/* Bound on the time an exited process stays in procs (2 windows + 1
 * sample by contract, with a wide margin). */
#define E2E_VANISH_MS		3000
/* Bound on the time for something the daemon or BPF should show at once
 * or at the next sample or window. */
#define E2E_SETTLE_MS		2000
/* Bound on a workload's run. */
#define E2E_WORKLOAD_MS		120000

/* Exit codes of a workload child that failed before its own work. */
#define E2E_CHILD_ECGROUP	125	/* could not enter its cgroup */

/* ---- the daemon ---- */

/*
 * Call first in every test: starts energyd on the first call (stderr to
 * the log, waits for the pinned "cgroups"), and checks that it still runs.
 * Returns true when the maps can be read. In kernel-only mode (environment
 * E2E_NO_DAEMON=1) returns false without failing the test; otherwise a
 * daemon that is not up fails the test.
 */
bool e2e_begin(void);

/* Call in every test's cleanup: prints the daemon's log written during the
 * test when the test failed. */
void e2e_end(void);

/* Whether the run is in kernel-only mode (E2E_NO_DAEMON=1). */
bool e2e_kernel_only(void);

/* Whether the run is under CPU emulation (E2E_EMULATED=1, as in make
 * check-kernels): timing checks use a wider grid there. */
bool e2e_emulated(void);

/* Whether energyd and the tests run under a sanitizer (E2E_SANITIZE, set
 * by make check SANITIZE=...): its shadow memory counts in their RSS. */
bool e2e_sanitized(void);

/*
 * Stops the daemon with SIGTERM and waits for it (10 s, then SIGKILL).
 * Stores its wait status in @status. Returns -ESRCH when it was not
 * running, -ETIMEDOUT when it had to be killed.
 */
int e2e_daemon_stop(int *status);

/* Prints the whole daemon log to stderr. */
void e2e_dump_log(void);

/* How many lines of the shared daemon's log written during this test hold
 * @text. */
int e2e_daemon_log_count(const char *text);

/* Count the log's lines from here on (e2e_begin() counts from there). */
void e2e_daemon_log_mark(void);

/* Whether the shared daemon's log holds @text (which hooks it chose). */
bool e2e_daemon_logged(const char *text);

/*
 * Starts an energyd of the test's own (not the shared one: stop that
 * first) with "-f --sample-ns 10000000" and the NULL-terminated @extra
 * options, as @uid when not 0, its output to @log. Returns its pid.
 */
pid_t e2e_spawn_energyd(const char *log, const char *const *extra, uid_t uid);

/* The same, with @child(@arg) called in the child just before the exec
 * (its environment, its fds). */
pid_t e2e_spawn_energyd_with(const char *log, const char *const *extra,
			     uid_t uid, void (*child)(void *), void *arg);

/* ---- the files ---- */

/* A whole file read in small reads, NUL-terminated, to be freed; NULL with
 * errno set on failure. The length in @len when not NULL. */
char *e2e_read_file(const char *path, size_t *len);

/* The value of a "key=value" line of /run/energy/sys. */
bool e2e_sys_u64(const char *key, __u64 *v);

/* Writes @val (@len bytes, one write) to params/@name and closes it:
 * 0, or the -errno of the write or of the close (where values apply). */
int e2e_param_write(const char *name, const char *val, size_t len);

/* The value of params/@name, ~0 when it cannot be read. */
__u64 e2e_param_read(const char *name);

/* The shared daemon's pid, 0 when it is not running. */
pid_t e2e_daemon_pid(void);

/* The descriptors process @pid holds, -1 when they cannot be counted. */
int e2e_count_fds(pid_t pid);

/* The same less those held for a moment (a /proc or sysfs file the
 * sampler reads): the fewest of 10 counts 10 ms apart. */
int e2e_settled_fds(pid_t pid);

/* ---- HTTP (the daemon's Prometheus listener, Prometheus itself) ----
 *
 * The shared daemon runs with --listen 127.0.0.1:0; the port the kernel
 * gave it is read from its log line "... metrics at http://ADDR:PORT/...".
 */

/* The port the shared daemon serves HTTP on, 0 when none. */
int e2e_http_port(void);

/* The port in the first "metrics at http://ADDR:PORT/" line of the log
 * @path, or -1. */
int e2e_http_port_logged(const char *path);

/* A reply as read off the connection. */
struct e2e_http_reply {
	int status;		/* 0: no status line came */
	char *head;		/* status line and headers, NUL-terminated */
	char *body;		/* NUL-terminated, chunked encoding undone */
	size_t body_len;
};

/* A TCP connection to @host (numeric IPv4 or IPv6) port @port, connected
 * within @timeout_ms: a blocking socket, or -errno. */
int e2e_tcp_connect(const char *host, int port, int timeout_ms);

/*
 * Sends @req (@len bytes, as they are) on a new connection to @host:@port
 * and reads the reply until the server closes, within @timeout_ms. 0 with
 * the reply in @r (to be freed), or -errno: -ETIMEDOUT when the connection
 * was still open then (what came is in @r all the same).
 */
int e2e_http_raw(const char *host, int port, const char *req, size_t len,
		 int timeout_ms, struct e2e_http_reply *r);

/* "@method @target HTTP/1.1" with Host and "Connection: close" to
 * 127.0.0.1:@port, within 10 s. */
int e2e_http(int port, const char *method, const char *target,
	     struct e2e_http_reply *r);

/* The value of header @name (case-insensitive) in @r, in @buf; NULL when
 * absent. */
const char *e2e_http_header(const struct e2e_http_reply *r, const char *name,
			    char *buf, size_t len);

/* Frees what @r holds and zeroes it. */
void e2e_http_free(struct e2e_http_reply *r);

/* A TCP port of 127.0.0.1 free now (bound to port 0, then closed), or
 * -errno. */
int e2e_free_port(void);

/* ---- the pinned maps ----
 *
 * procs is an array of slots, each a struct energy_proc that names its
 * process in .key (tgid 0: free), read through a read-only mapping when
 * the map is mmapable; a hash keyed by struct energy_key works too. Where
 * "threads" is pinned, what each process's live threads ran since their
 * bases is added to its cpu_ns and wakeups, read after the slots, as the
 * daemon does (lib/threads.h).
 */

/* Called for each entry of procs; a non-zero return stops the walk and is
 * returned by procs_foreach. */
typedef int (*procs_cb)(const struct energy_key *key,
			const struct energy_proc *val, void *arg);

/* Opens the maps pinned now (by a test's own energyd, the shared one
 * stopped) for the functions below, in place of those open. */
int e2e_maps_open(void);

/* Closes what e2e_maps_open() opened. */
void e2e_maps_close(void);

/* Walks the procs map. */
int procs_foreach(procs_cb cb, void *arg);

/* Reads the procs entry of @key (its tgid and start_ns): -ENOENT when
 * absent. */
int procs_lookup(const struct energy_key *key, struct energy_proc *val);

/*
 * Finds the entry of process @tgid whose start_ns lies in [@lo, @hi]; when
 * several do, the one with the largest start_ns. -ENOENT when none.
 */
int procs_find(pid_t tgid, __u64 lo, __u64 hi, struct energy_key *key,
	       struct energy_proc *val);

/* Number of procs entries with cgroup_id @cgid, or -errno. */
int procs_count_cgroup(__u64 cgid);

/* Reads the cgroups entry of @cgid: -ENOENT when absent. */
int cgroups_lookup(__u64 cgid, struct energy_cgroup *val);

/* The number of entries in the cgroups map, their ids (the first @max)
 * in @ids when not NULL; -errno on failure. */
long cgroups_ids(__u64 *ids, size_t max);

/* ---- cgroups ---- */

/* A fresh cgroup2 child of the cgroup2 mount. */
struct e2e_cg {
	char path[PATH_MAX];
	__u64 id;		/* st_ino of its directory: the cgroup2 id */
};

/* Where cgroup2 is mounted, NULL when it is not. */
const char *e2e_cgroup2_mount(void);

/* Creates <cgroup2 mount>/energyd-e2e-<pid>-<n>. */
int cg_create(struct e2e_cg *cg);

/* Moves the calling process into @cg. */
int cg_enter(const struct e2e_cg *cg);

/* Moves process @pid (all its threads) into @cg. */
int cg_move(const struct e2e_cg *cg, pid_t pid);

/* Removes @cg (retrying while it is busy); a no-op when never created. */
void cg_remove(struct e2e_cg *cg);

/* usage_usec of @cg's cpu.stat. */
int cg_cpu_usage_usec(const struct e2e_cg *cg, __u64 *usec);

/* ---- workload children ---- */

/* A child forked by the test: pid 0 once reaped or never started. Its
 * group leader's start_ns lies in [start_lo, start_hi]. */
struct e2e_child {
	pid_t pid;
	__u64 start_lo, start_hi;
};

/* The body of a child; its return value is the child's exit code. */
typedef int (*child_fn)(void *arg);

/*
 * Forks a child that enters @cg (when not NULL; it exits with
 * E2E_CHILD_ECGROUP if it cannot), then runs @fn(@arg) and exits with its
 * return value.
 */
int child_spawn(struct e2e_child *c, const struct e2e_cg *cg, child_fn fn,
		void *arg);

/* child_spawn() with the child born in @cg (clone3 CLONE_INTO_CGROUP):
 * none of its time is charged elsewhere. For a test without threads. */
int child_spawn_into(struct e2e_child *c, const struct e2e_cg *cg,
		     child_fn fn, void *arg);

/*
 * Waits up to @timeout_ms for a state change of @c: @options is 0 to wait
 * for its exit, WUNTRACED for its exit or stop. Stores the wait status in
 * @status. Reaps it (pid set to 0) when it exited. -ETIMEDOUT when nothing
 * happened.
 */
int child_wait(struct e2e_child *c, int options, int timeout_ms, int *status);

/* Waits until @c stops itself (raise(SIGSTOP)): true when it did; prints
 * why not (named @what) otherwise. */
bool child_wait_stopped(struct e2e_child *c, const char *what);

/* Kills (SIGKILL) and reaps @c if it is still there. */
void child_kill(struct e2e_child *c);

/* Describes a wait status: "exited with 0", "killed by signal 9"... */
const char *status_str(int status, char *buf, size_t len);

/* procs_find() of @c's group leader: its pid, started when it was forked. */
int child_find(const struct e2e_child *c, struct energy_key *key,
	       struct energy_proc *val);

/* Waits up to E2E_SETTLE_MS until @c is in procs, asserted as @what; its
 * entry in @key and @val. True when it is. */
#define child_wait_procs(c, key, val, what) \
	child__wait_procs((c), (key), (val), (what), __FILE__, __LINE__)
bool child__wait_procs(const struct e2e_child *c, struct energy_key *key,
		       struct energy_proc *val, const char *what,
		       const char *file, int line);

/* ---- a workload in a cgroup of its own ----
 *
 * The sequence most tests share: e2e_begin(), a fresh cgroup, children
 * forked into it that stop themselves once their work is done, their /proc
 * figures read while they are stopped, their procs entries found; at the
 * end the children killed, the cgroup removed and e2e_end(). The helpers
 * that assert report the line of the test that called them.
 */

/* Children one workload can hold. */
#define E2E_WORK_KIDS		8

/* A test's workload: its cgroup and the children forked into it. */
struct e2e_work {
	bool live;			/* the daemon's maps can be read */
	struct e2e_cg cg;		/* where the children run */
	struct e2e_child *kid[E2E_WORK_KIDS];	/* killed by work_end() */
	int kids;
};

/*
 * Call first, instead of e2e_begin(), in a test on a workload: e2e_begin(),
 * then @w's cgroup, asserted as "create a cgroup". False when the test
 * cannot go on: e2e_begin() failed it, the cgroup could not be made, or
 * @need_daemon and there is no daemon (kernel-only mode: no cgroup then).
 */
#define work_begin(w, need_daemon) \
	work__begin((w), (need_daemon), __FILE__, __LINE__)
bool work__begin(struct e2e_work *w, bool need_daemon, const char *file,
		 int line);

/* child_spawn() of @c into @w's cgroup; work_end() kills it. -ENOSPC when
 * @w holds E2E_WORK_KIDS others already. */
int work_fork(struct e2e_work *w, struct e2e_child *c, child_fn fn,
	      void *arg);

/*
 * Forks @c, named @name, into @w's cgroup, asserted as "fork the @name",
 * and waits until it stops itself, asserted as @what. True when it did.
 */
#define work_spawn_stopped(w, c, fn, arg, name, what) \
	work__spawn_stopped((w), (c), (fn), (arg), (name), (what), \
			    __FILE__, __LINE__)
bool work__spawn_stopped(struct e2e_work *w, struct e2e_child *c, child_fn fn,
			 void *arg, const char *name, const char *what,
			 const char *file, int line);

/* In kernel-only mode, marks the test skipped ("kernel figures only") and
 * returns true: the daemon's figures are not there to compare. */
bool work_skip_kernel_only(const struct e2e_work *w);

/* Call in the cleanup of every test that called work_begin(), whatever it
 * returned: kills @w's children, removes its cgroup, then e2e_end(). */
void work_end(struct e2e_work *w);

/* ---- a CPU to itself ---- */

/* The last CPU the caller may run on, or -1 when it may run on one only. */
int e2e_lone_cpu(void);

/* Lets every thread of @pid run on every online CPU but @cpu (-1: on
 * all). 0 or -errno. */
int e2e_avoid_cpu(pid_t pid, int cpu);

/* A child body: pinned to CPU *(int *)arg, SCHED_FIFO, spins until killed
 * without ever giving its CPU up. */
int e2e_fifo_spin(void *arg);

/* energy (µJ) and cpu_ns of @pid's line in the mount's @file. */
bool e2e_view_proc(const char *file, pid_t pid, __u64 *uj, __u64 *cpu);

/* ... in all. */
bool e2e_all_proc(pid_t pid, __u64 *uj, __u64 *cpu);

/* ---- the kernel's accounting ---- */

/* First field of /proc/PID/schedstat: se.sum_exec_runtime in ns. */
int read_schedstat_ns(pid_t pid, __u64 *ns);

/*
 * The number after "@field" (for instance "write_bytes:" or "VmRSS:") in
 * /proc/@pid/@file.
 */
int read_proc_field(pid_t pid, const char *file, const char *field,
		    __u64 *val);

/* /proc/self/comm without its newline. */
int read_self_comm(char *buf, size_t len);

/* ---- time ---- */

/* CLOCK_MONOTONIC in ns. */
__u64 now_ns(void);

/* Sleeps @ms milliseconds. */
void sleep_ms(unsigned int ms);

/* Runs on the CPU until the calling thread has used @ns of CPU time. */
void burn_cpu_ns(__u64 ns);

/* |got - want| <= tol * want */
bool near(double got, double want, double tol);

/*
 * Evaluates @cond every millisecond until it holds or @timeout_ms passed;
 * true when it held.
 */
#define WAIT_UNTIL(cond, timeout_ms) ({					\
	__u64 __end = now_ns() + (__u64)(timeout_ms) * 1000000ULL;	\
	bool __ok;							\
	while (!(__ok = !!(cond)) && now_ns() < __end)			\
		sleep_ms(1);						\
	__ok;								\
})

/* ---- the Prometheus exposition ---- */

/* The value of the sample @series ("name{labels}") in @text, or -1. */
double metrics_value(const char *text, const char *series);

/* In @buf, the series of @family for the test cgroup @cg. */
void metrics_cgroup_series(char *buf, size_t len, const char *family,
			   const struct e2e_cg *cg);

/* ---- the tests (one file per subject) ---- */

void daemon_start(void);
void daemon_stop(void);
void cpu_vs_schedstat(void);
void cpu_across_renice(void);
void cpu_exec_from_thread(void);
void cpu_never_switches(void);
void cpu_running_before_start(void);
void short_lived_vs_cpu_stat(void);
void mem_vs_vmrss(void);
void cgroup_churn(void);
void daemon_map_churn(void);
void disk_direct_io(void);
void disk_buffered_write(void);
void udp_loopback(void);
void tcp_loopback(void);
void net_ns_tx(void);
void pipe_wakeups(void);
void thread_wakeups(void);
void lifecycle(void);
void pid_reuse_early(void);
void bpftool_dump(void);
void fs_all_format(void);
void fs_metrics(void);
void fs_file_times(void);
void fs_all_json(void);
void fs_cgroup_json(void);
void fs_json_nobody(void);
void fs_cgroup_json_totals(void);
void fs_json_hostile_comm(void);
void fs_nobody(void);
void fs_cgroup_privacy(void);
void fs_sibling_cgroups(void);
void cgroup_move_asleep(void);
void cgroup_move_busy(void);
void fs_container(void);
void fs_params(void);
void fs_window_boundaries(void);
void fs_concurrent_readers(void);
void fs_after_stop(void);
void fs_kill_restart(void);
void daemon_not_root(void);
void fs_handover(void);
void daemon_map_full(void);
void fs_nonempty_mountpoint(void);
void energy_model_estimate(void);
void energy_measured_split(void);
void energy_every_sample(void);
void energy_carbon(void);
void energy_model_error(void);
void energy_bad_fixtures(void);
void energy_rapl_faults(void);
void fs_hostile_ops(void);
void fs_params_malformed(void);
void daemon_refusals(void);
void daemon_no_bpffs(void);
void daemon_stop_busy(void);
void daemon_sigstop(void);
void energy_record_unwritable(void);
void fs_params_in_pieces(void);
void fs_params_race(void);
void fs_readers_memory(void);
void fs_reader_holds_open(void);
void fs_readers_killed(void);
void fs_unmounted_outside(void);
void daemon_bad_weights(void);
void http_metrics(void);
void http_promtool(void);
void http_bad_clients(void);
void prometheus_scrape(void);
void daemon_listen(void);
void daemon_config(void);
void soak_churn(void);
void energy_ctl_record(void);
void ctl_get_set(void);
void ctl_apply(void);
void ctl_status(void);
void ctl_container(void);
void ctl_top_text(void);
void ctl_top_tmux(void);
void ctl_record_refused(void);

#endif /* ENERGY_E2E_HARNESS_H */
