// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers of the end-to-end tests, see harness.h.
 *
 * One energyd is started for the whole run, on first use, and stopped by
 * the daemon_stop test or, failing that, at exit.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/sched.h>

#include <bpf/bpf.h>

#include "harness.h"
#include "shared.h"
#include "threads.h"

#define E2E_LOG_PATH		"/tmp/energyd-e2e.log"
#define E2E_START_MS		20000
#define E2E_STOP_MS		10000
/* At most this much of the log is printed after a failure. */
#define E2E_LOG_TAIL		(32 * 1024)

static struct {
	pid_t pid;		/* 0 when not running */
	bool tried;		/* a start was attempted */
	bool up;		/* started and its maps opened */
	int procs_fd;
	__u32 procs_type;	/* BPF_MAP_TYPE_ARRAY of slots, or _HASH */
	__u32 procs_max;	/* max_entries */
	const struct energy_proc *slots;	/* the array mapped, or NULL */
	size_t slots_len;
	/* "threads" mapped (NULL: none), its entries, and per slot what
	 * they ran that the slots do not hold yet */
	const struct energy_thread *threads;
	const __u64 *thread_live;
	size_t threads_len, live_len, nr_threads;
	struct thread_gain *gain;
	int cgroups_fd;
	int http_port;		/* where it serves HTTP (its log says), 0: not */
	long log_mark;		/* log size when the current test began */
} energyd = { .procs_fd = -1, .cgroups_fd = -1 };

bool e2e_kernel_only(void)
{
	const char *v = getenv("E2E_NO_DAEMON");

	return v && *v && strcmp(v, "0");
}

bool e2e_sanitized(void)
{
	const char *v = getenv("E2E_SANITIZE");

	return v && *v;
}

bool e2e_emulated(void)
{
	const char *v = getenv("E2E_EMULATED");

	return v && *v && strcmp(v, "0");
}

static long log_size(void)
{
	struct stat st;

	return stat(E2E_LOG_PATH, &st) ? 0 : (long)st.st_size;
}

static void log_print_from(long from)
{
	char line[1024];
	long size = log_size();
	bool printed = false;
	FILE *f;

	if (size - from > E2E_LOG_TAIL)
		from = size - E2E_LOG_TAIL;
	f = fopen(E2E_LOG_PATH, "r");
	if (!f) {
		fprintf(stderr, "  energyd log %s: %s\n", E2E_LOG_PATH,
			strerror(errno));
		return;
	}
	fprintf(stderr, "  ---- energyd log (%s, from byte %ld) ----\n",
		E2E_LOG_PATH, from);
	if (from > 0) {
		fseek(f, from, SEEK_SET);
		/* Skip the partial line. */
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
	}
	while (fgets(line, sizeof(line), f)) {
		fprintf(stderr, "  energyd| %s%s", line,
			strchr(line, '\n') ? "" : "\n");
		printed = true;
	}
	fprintf(stderr, "  ---- end of energyd log%s ----\n",
		printed ? "" : " (nothing logged meanwhile)");
	fclose(f);
}

int e2e_daemon_log_count(const char *text)
{
	char line[1024];
	FILE *f = fopen(E2E_LOG_PATH, "r");
	int n = 0;

	if (!f)
		return 0;
	/* this test's lines only */
	if (energyd.log_mark > 0)
		fseek(f, energyd.log_mark, SEEK_SET);
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, text);
	fclose(f);
	return n;
}

void e2e_daemon_log_mark(void)
{
	energyd.log_mark = log_size();
}

bool e2e_daemon_logged(const char *text)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen(E2E_LOG_PATH, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, text);
	fclose(f);
	return found;
}

void e2e_dump_log(void)
{
	log_print_from(0);
}

static void daemon_close_maps(void)
{
	if (energyd.slots)
		munmap((void *)energyd.slots, energyd.slots_len);
	energyd.slots = NULL;
	if (energyd.threads)
		munmap((void *)energyd.threads, energyd.threads_len);
	energyd.threads = NULL;
	if (energyd.thread_live)
		munmap((void *)energyd.thread_live, energyd.live_len);
	energyd.thread_live = NULL;
	free(energyd.gain);
	energyd.gain = NULL;
	if (energyd.procs_fd >= 0)
		close(energyd.procs_fd);
	if (energyd.cgroups_fd >= 0)
		close(energyd.cgroups_fd);
	energyd.procs_fd = -1;
	energyd.cgroups_fd = -1;
	energyd.up = false;
}

/* Whether the daemon still runs; reports its death once. */
static bool daemon_alive(void)
{
	char buf[64];
	int status;

	if (!energyd.pid)
		return false;
	if (waitpid(energyd.pid, &status, WNOHANG) != energyd.pid)
		return true;
	fprintf(stderr, "  energyd (pid %d) %s unexpectedly\n", energyd.pid,
		status_str(status, buf, sizeof(buf)));
	energyd.pid = 0;
	daemon_close_maps();
	e2e_dump_log();
	return false;
}

/* Opens a pinned map and checks its key and value sizes against the ABI. */
static int map_open(const char *name, __u32 key_size, __u32 value_size,
		    struct bpf_map_info *out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", ENERGY_PIN_DIR, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "  %s: bpf_obj_get: %s\n", path,
			strerror(-err));
		return err;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		fprintf(stderr, "  %s: map info: %s\n", path, strerror(-err));
		close(fd);
		return err;
	}
	if (info.key_size != key_size || info.value_size != value_size) {
		fprintf(stderr,
			"  %s: key/value sizes %u/%u, energy_abi.h says %u/%u\n",
			path, info.key_size, info.value_size, key_size,
			value_size);
		close(fd);
		return -EPROTO;
	}
	if (out)
		*out = info;
	return fd;
}

/*
 * Opens "procs": an array of slots (energy_proc.key.tgid 0 when free),
 * memory-mapped when the map allows it, or a hash keyed by energy_key.
 */
static int procs_open(void)
{
	struct bpf_map_info info = {};
	long page = sysconf(_SC_PAGESIZE);
	void *m;
	int fd;

	fd = map_open("procs", sizeof(__u32), sizeof(struct energy_proc),
		      &info);
	if (fd == -EPROTO)
		fd = map_open("procs", sizeof(struct energy_key),
			      sizeof(struct energy_proc), &info);
	if (fd < 0)
		return fd;
	energyd.procs_fd = fd;
	energyd.procs_type = info.type;
	energyd.procs_max = info.max_entries;
	if (info.type == BPF_MAP_TYPE_ARRAY && (info.map_flags & BPF_F_MMAPABLE)) {
		energyd.slots_len = ((size_t)info.value_size * info.max_entries +
				     page - 1) / page * page;
		m = mmap(NULL, energyd.slots_len, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			fprintf(stderr, "  mmap procs: %s (reading it slot by slot)\n",
				strerror(errno));
		else
			energyd.slots = m;
	} else if (info.type != BPF_MAP_TYPE_ARRAY &&
		   info.type != BPF_MAP_TYPE_HASH) {
		fprintf(stderr, "  procs: map type %u, neither array nor hash\n",
			info.type);
		return -EPROTO;
	}
	return 0;
}

/* Maps the pinned array @name of @value_size values read-only: its
 * mapping, its length in *@len and its entries in *@n; NULL and errno set
 * on failure. */
static void *array_map(const char *name, __u32 value_size, size_t *len,
		       size_t *n)
{
	long page = sysconf(_SC_PAGESIZE);
	struct bpf_map_info info = {};
	void *m;
	int fd;

	fd = map_open(name, sizeof(__u32), value_size, &info);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	*len = ((size_t)info.value_size * info.max_entries + page - 1) /
	       page * page;
	*n = info.max_entries;
	m = mmap(NULL, *len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		fprintf(stderr, "  mmap %s: %s\n", name, strerror(errno));
		return NULL;
	}
	return m;
}

/*
 * Maps "threads" and "thread_live" where the procs array is mapped: a live
 * thread's CPU time and wakeups since its base are there, not in its
 * process's slot yet (struct energy_thread). Without them, the slots alone
 * are read.
 */
static int threads_open(void)
{
	size_t words;

	if (!energyd.slots)
		return 0;
	energyd.threads = array_map("threads", sizeof(struct energy_thread),
				    &energyd.threads_len, &energyd.nr_threads);
	if (!energyd.threads)
		return errno == ENOENT ? 0 : -errno;
	energyd.thread_live = array_map("thread_live", sizeof(__u64),
					&energyd.live_len, &words);
	if (!energyd.thread_live)
		return -errno;
	if (words * ENERGY_THREAD_LIVE_BITS != energyd.nr_threads) {
		fprintf(stderr, "  thread_live: %zu words for %zu threads\n",
			words, energyd.nr_threads);
		return -EPROTO;
	}
	energyd.gain = calloc(energyd.procs_max, sizeof(*energyd.gain));
	return energyd.gain ? 0 : -ENOMEM;
}

static void daemon_atexit(void)
{
	char buf[64];
	int status, err;

	if (!energyd.pid)
		return;
	err = e2e_daemon_stop(&status);
	if (!err && WIFEXITED(status) && !WEXITSTATUS(status))
		return;
	fprintf(stderr, "e2e: energyd did not stop cleanly at exit: %s\n",
		err ? strerror(-err) : status_str(status, buf, sizeof(buf)));
	e2e_dump_log();
	_exit(1);
}

int e2e_maps_open(void)
{
	int err;

	daemon_close_maps();
	energyd.cgroups_fd = map_open("cgroups", sizeof(__u64),
				      sizeof(struct energy_cgroup), NULL);
	err = procs_open();
	if (!err)
		err = threads_open();
	if (!err && energyd.cgroups_fd < 0)
		err = energyd.cgroups_fd;
	if (err)
		daemon_close_maps();
	return err;
}

void e2e_maps_close(void)
{
	daemon_close_maps();
}

static bool daemon_launch(void)
{
	const char *bin = getenv("ENERGYD");
	const char *extra = getenv("E2E_DAEMON_ARGS");
	char sample[32], window[32], extra_buf[256];
	char *argv[16], *tok, *save;
	ino_t stale = 0;
	struct stat st;
	__u64 end;
	int argc = 0, fd;
	pid_t pid;

	energyd.tried = true;
	if (!bin || !*bin)
		bin = "build/energyd";
	if (access(bin, X_OK)) {
		fprintf(stderr,
			"  energyd binary %s: %s (run make, or set ENERGYD; E2E_NO_DAEMON=1 runs the workloads alone)\n",
			bin, strerror(errno));
		return false;
	}
	/* A pinned map left by a crashed run: wait for a new one. */
	if (!stat(ENERGY_PIN_DIR "/cgroups", &st))
		stale = st.st_ino;

	snprintf(sample, sizeof(sample), "%llu", E2E_SAMPLE_NS);
	snprintf(window, sizeof(window), "%llu", E2E_WINDOW_NS);
	argv[argc++] = (char *)bin;
	argv[argc++] = "-f";
	argv[argc++] = "--sample-ns";
	argv[argc++] = sample;
	argv[argc++] = "--window-ns";
	argv[argc++] = window;
	/* Port 0: the kernel picks a free one, the daemon logs which. */
	argv[argc++] = "--listen";
	argv[argc++] = "127.0.0.1:0";
	if (getenv("E2E_DAEMON_VERBOSE"))
		argv[argc++] = "-v";
	/* E2E_DAEMON_ARGS: more options, e.g. --legacy-hooks. */
	snprintf(extra_buf, sizeof(extra_buf), "%s", extra ? extra : "");
	for (tok = strtok_r(extra_buf, " ", &save); tok && argc < 15;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "  fork for energyd: %s\n", strerror(errno));
		return false;
	}
	if (!pid) {
		fd = open(E2E_LOG_PATH, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execv(bin, argv);
		fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	energyd.pid = pid;
	atexit(daemon_atexit);

	end = now_ns() + E2E_START_MS * 1000000ULL;
	for (;;) {
		if (!daemon_alive())
			return false;
		if (!stat(ENERGY_PIN_DIR "/cgroups", &st) && st.st_ino != stale)
			break;
		if (now_ns() > end) {
			fprintf(stderr,
				"  energyd (pid %d) did not pin %s/cgroups within %d s\n",
				pid, ENERGY_PIN_DIR, E2E_START_MS / 1000);
			e2e_dump_log();
			return false;
		}
		sleep_ms(10);
	}

	if (e2e_maps_open())
		return false;
	energyd.http_port = e2e_http_port_logged(E2E_LOG_PATH);
	if (energyd.http_port <= 0)
		fprintf(stderr, "  energyd logged no HTTP port (--listen 127.0.0.1:0)\n");
	energyd.up = true;
	return true;
}

pid_t e2e_spawn_energyd(const char *log, const char *const *extra, uid_t uid)
{
	return e2e_spawn_energyd_with(log, extra, uid, NULL, NULL);
}

pid_t e2e_spawn_energyd_with(const char *log, const char *const *extra,
			     uid_t uid, void (*child)(void *), void *arg)
{
	const char *bin = getenv("ENERGYD");
	const char *argv[24] = { bin && *bin ? bin : "build/energyd", "-f",
				 "--sample-ns", "10000000" };
	int argc = 4;
	pid_t pid;

	for (; extra && *extra && argc < 23; extra++)
		argv[argc++] = *extra;
	argv[argc] = NULL;
	fflush(NULL);
	pid = fork();
	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		if (uid && (setgid(uid) || setuid(uid)))
			_exit(126);
		if (child)
			child(arg);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	return pid;
}

bool e2e_begin(void)
{
	if (e2e_kernel_only())
		return false;
	if (!energyd.tried)
		daemon_launch();
	energyd.log_mark = log_size();
	return ASSERT_TRUE(daemon_alive() && energyd.up,
			   "energyd is running with its maps open (see above)");
}

void e2e_end(void)
{
	if (e2e_kernel_only())
		return;
	if (energyd.up && !daemon_alive())
		ASSERT_TRUE(false, "energyd still running after the test");
	if (test__failures && energyd.tried)
		log_print_from(energyd.log_mark);
}

int e2e_daemon_stop(int *status)
{
	__u64 end;
	pid_t pid = energyd.pid;
	int err = 0;

	daemon_close_maps();
	if (!pid)
		return -ESRCH;
	kill(pid, SIGTERM);
	end = now_ns() + E2E_STOP_MS * 1000000ULL;
	while (waitpid(pid, status, WNOHANG) != pid) {
		if (now_ns() > end) {
			fprintf(stderr,
				"  energyd (pid %d) still running %d s after SIGTERM: killing it\n",
				pid, E2E_STOP_MS / 1000);
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			err = -ETIMEDOUT;
			break;
		}
		sleep_ms(5);
	}
	energyd.pid = 0;
	return err;
}

/* Reads a whole file in small reads into a NUL-terminated malloc'd buffer;
 * NULL with errno set on failure. */
char *e2e_read_file(const char *path, size_t *len)
{
	size_t n = 0, cap = 65536;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0 || !buf) {
		int e = fd < 0 ? errno : ENOMEM;

		free(buf);
		if (fd >= 0)
			close(fd);
		errno = e;
		return NULL;
	}
	for (;;) {
		if (n + 4096 > cap) {
			char *p = realloc(buf, cap * 2 + 1);

			if (!p) {
				r = -1;
				errno = ENOMEM;
				break;
			}
			buf = p;
			cap *= 2;
		}
		r = read(fd, buf + n, 4096);
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	if (r < 0) {
		int e = errno;

		free(buf);
		errno = e;
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* "key=value" on a line of its own in @text. */
static bool text_field(const char *text, const char *key, __u64 *v)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, kl) && l[kl] == '=')
			return sscanf(l + kl + 1, "%llu", v) == 1;
	return false;
}

bool e2e_sys_u64(const char *key, __u64 *v)
{
	char *t = e2e_read_file(E2E_MNT "/sys", NULL);
	bool ok = t && text_field(t, key, v);

	free(t);
	return ok;
}

int e2e_param_write(const char *name, const char *val, size_t len)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), E2E_MNT "/params/%s", name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != (ssize_t)len)
		err = -errno;
	/* The value is applied when the file is closed, which says so. */
	if (close(fd) && !err)
		err = -errno;
	return err;
}

__u64 e2e_param_read(const char *name)
{
	char path[128], *t;
	__u64 v = 0;

	snprintf(path, sizeof(path), E2E_MNT "/params/%s", name);
	t = e2e_read_file(path, NULL);
	if (!t || sscanf(t, "%llu", &v) != 1)
		v = ~0ULL;
	free(t);
	return v;
}

pid_t e2e_daemon_pid(void)
{
	return energyd.pid;
}

int e2e_count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

int e2e_settled_fds(pid_t pid)
{
	int least = -1;

	for (int i = 0; i < 10; i++) {
		int n = e2e_count_fds(pid);

		if (n >= 0 && (least < 0 || n < least))
			least = n;
		sleep_ms(10);
	}
	return least;
}

int e2e_http_port(void)
{
	return energyd.pid && energyd.http_port > 0 ? energyd.http_port : 0;
}

/* ---- the pinned maps ---- */

/* Reads slot @i of the procs array: false when it is free or changed
 * owner while being read. */
static bool slot_read(__u32 i, struct energy_proc *val)
{
	if (!energyd.slots) {
		return !bpf_map_lookup_elem(energyd.procs_fd, &i, val) &&
		       val->key.tgid;
	}
	/* The daemon clears a slot from its key on (lib/shared.h). */
	return slot_load(val, &energyd.slots[i]);
}

/* What the live threads of each process ran that its slot does not hold
 * yet, as the daemon reads it: after the slots (threads_gain()). */
static void gain_read(void)
{
	if (!energyd.threads)
		return;
	memset(energyd.gain, 0, energyd.procs_max * sizeof(*energyd.gain));
	threads_gain(energyd.threads, energyd.thread_live, energyd.nr_threads,
		     energyd.slots, energyd.procs_max, energyd.gain);
}

/* @val, read from slot @i before gain_read(), with its threads' gain. */
static void gain_add(__u32 i, struct energy_proc *val)
{
	if (!energyd.threads)
		return;
	val->c.cpu_ns += energyd.gain[i].cpu_ns;
	val->c.wakeups += energyd.gain[i].wakeups;
}

static int procs_foreach_hash(procs_cb cb, void *arg)
{
	struct energy_key key, next;
	struct energy_proc val;
	void *prev = NULL;
	long n = 0;
	int err;

	/* A key deleted under the walk restarts it from the first key: cap
	 * the walk rather than loop with a busy daemon. */
	while (!bpf_map_get_next_key(energyd.procs_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(energyd.procs_fd, &key, &val))
			continue;	/* deleted meanwhile */
		err = cb(&key, &val, arg);
		if (err)
			return err;
		if (++n > 1000000)
			return -ELOOP;
	}
	return errno == ENOENT ? 0 : -errno;
}

int procs_foreach(procs_cb cb, void *arg)
{
	struct energy_proc *all;
	struct energy_key key;
	int err = 0;

	if (energyd.procs_fd < 0)
		return -EBADF;
	if (energyd.procs_type == BPF_MAP_TYPE_HASH)
		return procs_foreach_hash(cb, arg);
	/* Every slot first, then the threads. */
	all = malloc(energyd.procs_max * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (__u32 i = 0; i < energyd.procs_max; i++)
		if (!slot_read(i, &all[i]))
			all[i].key.tgid = 0;
	gain_read();
	for (__u32 i = 0; i < energyd.procs_max && !err; i++) {
		if (!all[i].key.tgid)
			continue;
		gain_add(i, &all[i]);
		key = all[i].key;
		err = cb(&key, &all[i], arg);
	}
	free(all);
	return err;
}

/* Slots where keys were last found, tried before a walk. */
static struct {
	struct energy_key key;
	__u32 slot;
} slot_hint[32];
static unsigned int slot_hint_next;

static bool key_eq(const struct energy_key *a, const struct energy_key *b)
{
	return a->tgid == b->tgid && a->start_ns == b->start_ns;
}

int procs_lookup(const struct energy_key *key, struct energy_proc *val)
{
	unsigned int n = sizeof(slot_hint) / sizeof(slot_hint[0]);
	struct energy_key k = *key;

	if (energyd.procs_fd < 0)
		return -EBADF;
	if (energyd.procs_type == BPF_MAP_TYPE_HASH) {
		k.pad = 0;
		return bpf_map_lookup_elem(energyd.procs_fd, &k, val) ?
		       -errno : 0;
	}
	for (unsigned int h = 0; h < n; h++)
		if (key_eq(&slot_hint[h].key, key) &&
		    slot_read(slot_hint[h].slot, val) &&
		    key_eq(&val->key, key)) {
			gain_read();
			gain_add(slot_hint[h].slot, val);
			return 0;
		}
	for (__u32 i = 0; i < energyd.procs_max; i++) {
		if (slot_read(i, val) && key_eq(&val->key, key)) {
			slot_hint[slot_hint_next % n].key = *key;
			slot_hint[slot_hint_next % n].slot = i;
			slot_hint_next++;
			gain_read();
			gain_add(i, val);
			return 0;
		}
	}
	return -ENOENT;
}

struct find_arg {
	pid_t tgid;
	__u64 lo, hi;
	bool found;
	struct energy_key key;
	struct energy_proc val;
};

static int find_cb(const struct energy_key *key, const struct energy_proc *val,
		   void *arg)
{
	struct find_arg *f = arg;

	if (key->tgid != (__u32)f->tgid || key->start_ns < f->lo ||
	    key->start_ns > f->hi)
		return 0;
	if (!f->found || key->start_ns > f->key.start_ns) {
		f->found = true;
		f->key = *key;
		f->val = *val;
	}
	return 0;
}

int procs_find(pid_t tgid, __u64 lo, __u64 hi, struct energy_key *key,
	       struct energy_proc *val)
{
	struct find_arg f = { .tgid = tgid, .lo = lo, .hi = hi };
	int err;

	err = procs_foreach(find_cb, &f);
	if (err)
		return err;
	if (!f.found)
		return -ENOENT;
	if (key)
		*key = f.key;
	if (val)
		*val = f.val;
	return 0;
}

struct count_arg {
	__u64 cgid;
	int n;
};

static int count_cb(const struct energy_key *key, const struct energy_proc *val,
		    void *arg)
{
	struct count_arg *c = arg;

	(void)key;
	if (val->cgroup_id == c->cgid)
		c->n++;
	return 0;
}

int procs_count_cgroup(__u64 cgid)
{
	struct count_arg c = { .cgid = cgid };
	int err;

	err = procs_foreach(count_cb, &c);
	return err ? err : c.n;
}

int cgroups_lookup(__u64 cgid, struct energy_cgroup *val)
{
	if (energyd.cgroups_fd < 0)
		return -EBADF;
	return bpf_map_lookup_elem(energyd.cgroups_fd, &cgid, val) ? -errno : 0;
}

long cgroups_ids(__u64 *ids, size_t max)
{
	__u64 key, next;
	size_t n = 0;
	void *prev = NULL;

	if (energyd.cgroups_fd < 0)
		return -EBADF;
	while (!bpf_map_get_next_key(energyd.cgroups_fd, prev, &next)) {
		if (ids && n < max)
			ids[n] = next;
		n++;
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? (long)n : -errno;
}

/* ---- cgroups ---- */

static const char *cgroup2_mount(void)
{
	static char path[PATH_MAX];
	struct mntent *m;
	FILE *f;

	if (path[0])
		return path;
	f = setmntent("/proc/self/mounts", "r");
	if (!f)
		return NULL;
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(path, sizeof(path), "%s", m->mnt_dir);
			break;
		}
	}
	endmntent(f);
	return path[0] ? path : NULL;
}

const char *e2e_cgroup2_mount(void)
{
	return cgroup2_mount();
}

int cg_create(struct e2e_cg *cg)
{
	static int n;
	const char *mnt = cgroup2_mount();
	struct stat st;

	cg->path[0] = '\0';
	cg->id = 0;
	if (!mnt) {
		fprintf(stderr, "  no cgroup2 mount in /proc/self/mounts\n");
		return -ENOENT;
	}
	for (;;) {
		if (snprintf(cg->path, sizeof(cg->path), "%s/energyd-e2e-%d-%d",
			     mnt, getpid(), n++) >= (int)sizeof(cg->path)) {
			cg->path[0] = '\0';
			return -ENAMETOOLONG;
		}
		if (!mkdir(cg->path, 0755))
			break;
		if (errno != EEXIST) {
			int err = -errno;

			fprintf(stderr, "  mkdir %s: %s\n", cg->path,
				strerror(-err));
			cg->path[0] = '\0';
			return err;
		}
	}
	if (stat(cg->path, &st)) {
		int err = -errno;

		fprintf(stderr, "  stat %s: %s\n", cg->path, strerror(-err));
		cg_remove(cg);
		return err;
	}
	cg->id = st.st_ino;
	return 0;
}

int cg_enter(const struct e2e_cg *cg)
{
	return cg_move(cg, getpid());
}

int cg_move(const struct e2e_cg *cg, pid_t pid)
{
	char path[PATH_MAX + 16], buf[32];
	int fd, len, err = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d\n", pid);
	if (write(fd, buf, len) != len)
		err = -errno;
	close(fd);
	return err;
}

void cg_remove(struct e2e_cg *cg)
{
	__u64 end = now_ns() + 2000 * 1000000ULL;

	if (!cg->path[0])
		return;
	/* A reaped task can keep its cgroup busy for a moment. */
	while (rmdir(cg->path)) {
		if (errno != EBUSY || now_ns() > end) {
			fprintf(stderr, "  rmdir %s: %s\n", cg->path,
				strerror(errno));
			break;
		}
		sleep_ms(10);
	}
	cg->path[0] = '\0';
}

int cg_cpu_usage_usec(const struct e2e_cg *cg, __u64 *usec)
{
	char path[PATH_MAX + 16];
	unsigned long long v;
	char line[128];
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cpu.stat", cg->path);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "usage_usec %llu", &v) == 1) {
			*usec = v;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

/* ---- workload children ---- */

/*
 * Forks straight into @cg with clone3(CLONE_INTO_CGROUP), so the kernel
 * charges none of the child's time to the test's own cgroup. The child
 * starts as after a raw clone: no atfork handlers ran, so this is for a
 * test without threads of its own.
 */
int child_spawn_into(struct e2e_child *c, const struct e2e_cg *cg,
		     child_fn fn, void *arg)
{
	struct clone_args args = { .exit_signal = SIGCHLD };
	pid_t parent = getpid();
	int fd, err = 0;
	long pid;

	fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	args.flags = CLONE_INTO_CGROUP;
	args.cgroup = fd;
	fflush(NULL);
	c->start_lo = now_ns();
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		_exit(fn(arg));
	}
	c->start_hi = now_ns();
	if (pid < 0)
		err = -errno;
	else
		c->pid = pid;
	close(fd);
	return err;
}

int child_spawn(struct e2e_child *c, const struct e2e_cg *cg, child_fn fn,
		void *arg)
{
	pid_t parent = getpid();
	pid_t pid;

	fflush(NULL);
	c->start_lo = now_ns();
	pid = fork();
	c->start_hi = now_ns();
	if (pid < 0)
		return -errno;
	if (!pid) {
		/* Do not outlive a crashed test binary. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		if (cg && cg_enter(cg))
			_exit(E2E_CHILD_ECGROUP);
		_exit(fn(arg));
	}
	c->pid = pid;
	return 0;
}

int child_wait(struct e2e_child *c, int options, int timeout_ms, int *status)
{
	__u64 end = now_ns() + (__u64)timeout_ms * 1000000ULL;
	pid_t r;

	if (c->pid <= 0)
		return -ECHILD;
	for (;;) {
		r = waitpid(c->pid, status, options | WNOHANG);
		if (r < 0)
			return -errno;
		if (r == c->pid)
			break;
		if (now_ns() > end)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
	if (WIFEXITED(*status) || WIFSIGNALED(*status))
		c->pid = 0;
	return 0;
}

bool child_wait_stopped(struct e2e_child *c, const char *what)
{
	pid_t pid = c->pid;
	char buf[64];
	int status, err;

	err = child_wait(c, WUNTRACED, E2E_WORKLOAD_MS, &status);
	if (err) {
		fprintf(stderr, "  %s (pid %d) did not stop: %s\n", what, pid,
			strerror(-err));
		return false;
	}
	if (!WIFSTOPPED(status)) {
		fprintf(stderr, "  %s (pid %d) %s instead of stopping\n", what,
			pid, status_str(status, buf, sizeof(buf)));
		return false;
	}
	return true;
}

void child_kill(struct e2e_child *c)
{
	if (c->pid <= 0)
		return;
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	c->pid = 0;
}

const char *status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == E2E_CHILD_ECGROUP)
		snprintf(buf, len, "exited with %d (could not enter its cgroup)",
			 WEXITSTATUS(status));
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFSTOPPED(status))
		snprintf(buf, len, "was stopped by signal %d",
			 WSTOPSIG(status));
	else
		snprintf(buf, len, "changed state (0x%x)", status);
	return buf;
}

int child_find(const struct e2e_child *c, struct energy_key *key,
	       struct energy_proc *val)
{
	return procs_find(c->pid, c->start_lo, c->start_hi, key, val);
}

bool child__wait_procs(const struct e2e_child *c, struct energy_key *key,
		       struct energy_proc *val, const char *what,
		       const char *file, int line)
{
	return test__check(WAIT_UNTIL(!child_find(c, key, val), E2E_SETTLE_MS),
			   file, line, what, "not in procs in time");
}

/* ---- a workload in a cgroup of its own ---- */

/* An assertion of a helper, at the test's @file and @line, that @err is 0. */
static bool check_ok(int err, const char *file, int line, const char *what)
{
	char detail[96];

	snprintf(detail, sizeof(detail), "%d != 0 (%s)", err, strerror(-err));
	return test__check(!err, file, line, what, detail);
}

bool work__begin(struct e2e_work *w, bool need_daemon, const char *file,
		 int line)
{
	w->live = e2e_begin();
	if (test__failures || (need_daemon && !w->live))
		return false;
	return check_ok(cg_create(&w->cg), file, line, "create a cgroup");
}

int work_fork(struct e2e_work *w, struct e2e_child *c, child_fn fn, void *arg)
{
	int i;

	for (i = 0; i < w->kids && w->kid[i] != c; i++)
		;
	if (i == w->kids) {
		if (w->kids == E2E_WORK_KIDS)
			return -ENOSPC;
		w->kid[w->kids++] = c;
	}
	return child_spawn(c, &w->cg, fn, arg);
}

bool work__spawn_stopped(struct e2e_work *w, struct e2e_child *c, child_fn fn,
			 void *arg, const char *name, const char *what,
			 const char *file, int line)
{
	char fork_what[128];

	snprintf(fork_what, sizeof(fork_what), "fork the %s", name);
	return check_ok(work_fork(w, c, fn, arg), file, line, fork_what) &&
	       test__check(child_wait_stopped(c, name), file, line, what,
			   "it did not stop itself");
}

bool work_skip_kernel_only(const struct e2e_work *w)
{
	if (!w->live)
		TEST_SKIP("E2E_NO_DAEMON set: kernel figures only");
	return !w->live;
}

void work_end(struct e2e_work *w)
{
	for (int i = 0; i < w->kids; i++)
		child_kill(w->kid[i]);
	w->kids = 0;
	cg_remove(&w->cg);
	e2e_end();
}

/* ---- the kernel's accounting ---- */

int read_schedstat_ns(pid_t pid, __u64 *ns)
{
	unsigned long long v;
	char path[64];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fscanf(f, "%llu", &v);
	fclose(f);
	if (n != 1)
		return -EINVAL;
	*ns = v;
	return 0;
}

int read_proc_field(pid_t pid, const char *file, const char *field,
		    __u64 *val)
{
	size_t flen = strlen(field);
	char path[64], line[256];
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, flen)) {
			char *end;

			errno = 0;
			*val = strtoull(line + flen, &end, 10);
			err = end == line + flen || errno ? -EINVAL : 0;
			break;
		}
	}
	fclose(f);
	return err;
}

int read_self_comm(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/comm", "r");
	char *nl;

	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

/* ---- time ---- */

__u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void burn_cpu_ns(__u64 ns)
{
	struct timespec ts;
	__u64 used;

	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		used = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	} while (used < ns);
}

bool near(double got, double want, double tol)
{
	double e = got > want ? got - want : want - got;

	return want > 0 && e <= tol * want;
}

/* ---- a CPU to itself ---- */

int e2e_lone_cpu(void)
{
	cpu_set_t set;
	int last = -1, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set)) {
			last = cpu;
			n++;
		}
	return n > 1 ? last : -1;
}

int e2e_avoid_cpu(pid_t pid, int cpu)
{
	char path[64];
	struct dirent *d;
	cpu_set_t set;
	int err = 0;
	DIR *dir;

	CPU_ZERO(&set);
	for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN) && c < CPU_SETSIZE; c++)
		if (c != cpu)
			CPU_SET(c, &set);
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.' &&
		    sched_setaffinity(atoi(d->d_name), sizeof(set), &set))
			err = -errno;
	closedir(dir);
	return err;
}

int e2e_fifo_spin(void *arg)
{
	struct sched_param sp = { .sched_priority = 1 };
	const int *cpu = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(*cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return 10;
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		return 11;
	for (;;)
		burn_cpu_ns(~0ULL);
	return 0;
}

bool e2e_view_proc(const char *file, pid_t pid, __u64 *uj, __u64 *cpu)
{
	char path[64], pat[32], *t, *p;
	unsigned long long mj, frac;
	bool ok = false;

	snprintf(path, sizeof(path), E2E_MNT "/%s", file);
	t = e2e_read_file(path, NULL);
	if (!t)
		return false;
	snprintf(pat, sizeof(pat), "\npid=%d ", pid);
	p = strstr(t, pat);
	if (p && sscanf(p + strlen(pat), "energy=%llu.%llu", &mj, &frac) == 2) {
		*uj = mj * 1000 + frac;
		p = strstr(p, " cpu_ns=");
		ok = p && sscanf(p, " cpu_ns=%llu", cpu) == 1;
	}
	free(t);
	return ok;
}

bool e2e_all_proc(pid_t pid, __u64 *uj, __u64 *cpu)
{
	return e2e_view_proc("all", pid, uj, cpu);
}
