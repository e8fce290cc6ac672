// SPDX-License-Identifier: GPL-2.0-only
/*
 * Uses that try to break the daemon: values written in pieces or by racing
 * writers, hundreds of readers, readers killed mid-read, the mount taken
 * away from outside, files that are not what they seem. Each must leave
 * the daemon running with its data, and change only what was asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "harness.h"

/* Repeating warnings the daemon logs per minute (lib/log.h). */
#define LOG_BURST	10

/* ---- values written in pieces ---- */

static int open_param(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), E2E_MNT "/params/%s", name);
	return open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
}

static int sh(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * What an open parameter file receives is applied whole when it is
 * closed: never a part of it, and nothing when a piece was refused.
 */
void fs_params_in_pieces(void)
{
	__u64 cpu = 0, idle = 0, wake = 0;
	int fd = -1;

	if (!e2e_begin())
		goto cleanup;
	cpu = e2e_param_read("w_cpu_ns");
	idle = e2e_param_read("idle_mw");
	wake = e2e_param_read("w_wakeups");

	/* dd writes one byte at a time */
	ASSERT_EQ(sh("printf 2000000 | dd of=" E2E_MNT "/params/w_cpu_ns bs=1 2>/dev/null"),
		  0, "dd bs=1 succeeds");
	ASSERT_EQ(e2e_param_read("w_cpu_ns"), 2000000, "the whole value, not its first byte");

	/* two writes, applied at close only */
	fd = open_param("w_cpu_ns");
	if (ASSERT_TRUE(fd >= 0, "open w_cpu_ns")) {
		ASSERT_EQ(write(fd, "300", 3), 3, "first piece");
		ASSERT_EQ(write(fd, "0000\n", 5), 5, "second piece");
		ASSERT_EQ(e2e_param_read("w_cpu_ns"), 2000000, "nothing applied while open");
		ASSERT_EQ(close(fd), 0, "close applies it");
		ASSERT_EQ(e2e_param_read("w_cpu_ns"), 3000000, "the value of both pieces");
	}

	/* a valid value, then a stray newline: nothing is applied */
	ASSERT_TRUE(sh("printf '5000000\\n\\n' 2>/dev/null > " E2E_MNT "/params/idle_mw") != 0,
		    "the shell's printf fails");
	ASSERT_EQ(e2e_param_read("idle_mw"), idle, "idle_mw unchanged");
	fd = open_param("idle_mw");
	if (ASSERT_TRUE(fd >= 0, "open idle_mw")) {
		ASSERT_EQ(write(fd, "5000000\n", 8), 8, "a valid value");
		errno = 0;
		ASSERT_TRUE(write(fd, "\n", 1) < 0 && errno == EINVAL,
			    "a newline after it: EINVAL");
		errno = 0;
		ASSERT_TRUE(close(fd) < 0 && errno == EINVAL, "and the close says so");
		ASSERT_EQ(e2e_param_read("idle_mw"), idle, "idle_mw unchanged");
	}
	ASSERT_TRUE(e2e_daemon_logged("params/idle_mw: '5000000\\x0a' is not a number of milliwatts"),
		    "the refusal logged with all the file received");

	/* a piece out of order */
	fd = open_param("w_wakeups");
	if (ASSERT_TRUE(fd >= 0, "open w_wakeups")) {
		errno = 0;
		ASSERT_TRUE(pwrite(fd, "5\n", 2, 4) < 0 && errno == EINVAL,
			    "a write past the start: EINVAL");
		close(fd);
		ASSERT_EQ(e2e_param_read("w_wakeups"), wake, "w_wakeups unchanged");
	}

	/* tee: one write, applied at close */
	ASSERT_EQ(sh("echo 7 | tee " E2E_MNT "/params/w_wakeups >/dev/null"), 0, "tee");
	ASSERT_EQ(e2e_param_read("w_wakeups"), 7, "echo V | tee");
	ASSERT_TRUE(e2e_daemon_logged("params/w_cpu_ns: 3000000 (was 2000000)"),
		    "the log names the value applied");
cleanup:
	if (cpu) {
		char v[3][32];

		snprintf(v[0], sizeof(v[0]), "%llu\n", cpu);
		snprintf(v[1], sizeof(v[1]), "%llu\n", idle);
		snprintf(v[2], sizeof(v[2]), "%llu\n", wake);
		ASSERT_EQ(e2e_param_write("w_cpu_ns", v[0], strlen(v[0])), 0, "restore");
		ASSERT_EQ(e2e_param_write("idle_mw", v[1], strlen(v[1])), 0, "restore");
		ASSERT_EQ(e2e_param_write("w_wakeups", v[2], strlen(v[2])), 0, "restore");
	}
	e2e_end();
}

/* ---- racing writers ---- */

struct racer {
	pthread_barrier_t *go;
	const char *name, *val;
	int err;
};

static void *race_write(void *p)
{
	struct racer *r = p;

	pthread_barrier_wait(r->go);
	r->err = e2e_param_write(r->name, r->val, strlen(r->val));
	return NULL;
}

/*
 * sample_ns 150 ms (valid against window_ns 200 ms) and window_ns 20 ms
 * (valid against sample_ns 10 ms), written at once: at most one may win,
 * never leaving sample_ns above window_ns.
 */
void fs_params_race(void)
{
	/* An unlocked check let both through about once in 400 rounds. */
	const int rounds = e2e_emulated() ? 1000 : 5000;
	char sample[32], window[32];
	int both = 0, broken = 0, refused;
	pthread_barrier_t go;

	if (!e2e_begin())
		goto cleanup;
	snprintf(sample, sizeof(sample), "%llu\n", E2E_SAMPLE_NS);
	snprintf(window, sizeof(window), "%llu\n", E2E_WINDOW_NS);
	pthread_barrier_init(&go, NULL, 2);
	for (int i = 0; i < rounds; i++) {
		struct racer a = { &go, "sample_ns", "150000000\n", 0 };
		struct racer b = { &go, "window_ns", "20000000\n", 0 };
		pthread_t ta, tb;

		if (!ASSERT_EQ(e2e_param_write("window_ns", window, strlen(window)), 0, "reset window") ||
		    !ASSERT_EQ(e2e_param_write("sample_ns", sample, strlen(sample)), 0, "reset sample"))
			break;
		pthread_create(&ta, NULL, race_write, &a);
		pthread_create(&tb, NULL, race_write, &b);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		both += !a.err && !b.err;
		broken += e2e_param_read("sample_ns") > e2e_param_read("window_ns");
	}
	pthread_barrier_destroy(&go);
	fprintf(stderr, "  race: %d rounds, both writes taken %d times, sample_ns above window_ns %d times\n",
		rounds, both, broken);
	ASSERT_EQ(both, 0, "never both");
	ASSERT_EQ(broken, 0, "sample_ns never above window_ns");
	/* thousands of refusals, a handful of log lines */
	refused = e2e_daemon_log_count("; unchanged at ");
	fprintf(stderr, "  race: %d refusals logged\n", refused);
	ASSERT_TRUE(refused <= 2 * LOG_BURST, "refusals rate-limited in the log");
cleanup:
	/* sample first: window_ns may be 20 ms now */
	if (e2e_param_read("window_ns") < E2E_SAMPLE_NS * 2) {
		e2e_param_write("sample_ns", sample, strlen(sample));
		e2e_param_write("window_ns", window, strlen(window));
	} else {
		e2e_param_write("window_ns", window, strlen(window));
		e2e_param_write("sample_ns", sample, strlen(sample));
	}
	ASSERT_EQ(e2e_param_read("sample_ns"), E2E_SAMPLE_NS, "restored");
	ASSERT_EQ(e2e_param_read("window_ns"), E2E_WINDOW_NS, "restored");
	e2e_end();
}

/* ---- many readers ---- */

/* Whether the readers go on (atomic: the test's thread sets it). */
static bool readers_run;

static void *reader(void *p)
{
	const char *path = p;
	char buf[4096];

	while (__atomic_load_n(&readers_run, __ATOMIC_RELAXED)) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			continue;
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	return NULL;
}

static __u64 daemon_rss_kb(void)
{
	__u64 kb = 0;

	read_proc_field(e2e_daemon_pid(), "status", "VmRSS:", &kb);
	return kb;
}

/*
 * 200 readers of all and cgroup at once for 5 s, twice: the daemon's
 * resident memory stays within 32 MB of what it was throughout. Its heap in
 * use (sys heap_bytes, what it allocated and did not free) grows in the
 * first round by at most the FUSE threads' request buffers (16 threads,
 * about 1 MB each, kept while idle) and not again in the second: what the
 * readers cost is given back, not kept per open. (Resident memory alone
 * does not say so: thread stacks and the allocator's free lists stay.)
 */
static bool readers_round(int n, pthread_t *t, __u64 *peak)
{
	int started = 0;
	__u64 end;

	__atomic_store_n(&readers_run, true, __ATOMIC_RELAXED);
	for (; started < n; started++)
		if (pthread_create(&t[started], NULL, reader,
				   started % 2 ? E2E_MNT "/cgroup" : E2E_MNT "/all"))
			break;
	end = now_ns() + 5000000000ULL;
	while (now_ns() < end) {
		__u64 kb = daemon_rss_kb();

		if (kb > *peak)
			*peak = kb;
		sleep_ms(100);
	}
	__atomic_store_n(&readers_run, false, __ATOMIC_RELAXED);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	/* the releases reach the daemon, a window boundary trims */
	sleep_ms(1000);
	return started == n;
}

void fs_readers_memory(void)
{
	enum { READERS = 200 };
	static pthread_t t[READERS];
	__u64 base, peak = 0, heap0 = 0, heap[2] = {}, rss[2];

	if (!e2e_begin())
		goto cleanup;
	/* warm up: the first renders size the daemon's buffers */
	for (int i = 0; i < 20; i++) {
		free(e2e_read_file(E2E_MNT "/all", NULL));
		free(e2e_read_file(E2E_MNT "/cgroup", NULL));
	}
	sleep_ms(500);
	base = daemon_rss_kb();
	if (!ASSERT_TRUE(e2e_sys_u64("heap_bytes", &heap0), "sys has heap_bytes"))
		goto cleanup;
	for (int r = 0; r < 2; r++) {
		if (!ASSERT_TRUE(readers_round(READERS, t, &peak), "readers started"))
			goto cleanup;
		rss[r] = daemon_rss_kb();
		ASSERT_TRUE(e2e_sys_u64("heap_bytes", &heap[r]), "sys");
		if (rss[r] > peak)
			peak = rss[r];
	}
	fprintf(stderr, "  readers: VmRSS %llu kB before, %llu kB at most, %llu and %llu kB after each round of %d readers; heap %llu kB before, %llu and %llu kB after\n",
		base, peak, rss[0], rss[1], READERS, heap0 >> 10, heap[0] >> 10,
		heap[1] >> 10);
	ASSERT_TRUE(base > 0, "VmRSS read");
	/* Under a sanitizer its shadow of each reader's stack and buffers
	 * counts too; the heap's bounds below stay as strict. */
	ASSERT_TRUE(peak <= base + (e2e_sanitized() ? 128 : 32) * 1024,
		    "within 32 MB of the baseline (128 MB sanitized)");
	ASSERT_TRUE(heap[0] <= heap0 + (17 << 20),
		    "heap within the FUSE threads' buffers of the baseline");
	ASSERT_TRUE(heap[1] <= heap[0] + (1 << 20),
		    "a second round keeps nothing more on the heap");
	ASSERT_TRUE(e2e_sys_u64("iterations", &heap0), "still serving");
cleanup:
	__atomic_store_n(&readers_run, false, __ATOMIC_RELAXED);
	e2e_end();
}

/* A reader that keeps all open, read halfway, for 3 s: the samples go on
 * at their rate meanwhile. */
void fs_reader_holds_open(void)
{
	__u64 a = 0, b = 0;
	char c;
	int fd = -1;

	if (!e2e_begin())
		goto cleanup;
	fd = open(E2E_MNT "/all", O_RDONLY | O_CLOEXEC);
	if (!ASSERT_TRUE(fd >= 0 && read(fd, &c, 1) == 1, "all opened, one byte read"))
		goto cleanup;
	ASSERT_TRUE(e2e_sys_u64("iterations", &a), "sys");
	sleep_ms(3000);
	ASSERT_TRUE(e2e_sys_u64("iterations", &b), "sys");
	fprintf(stderr, "  held open: %llu samples in 3 s\n", b - a);
	ASSERT_TRUE(near(b - a, 3e9 / E2E_SAMPLE_NS, e2e_emulated() ? 0.5 : 0.2),
		    "samples at their rate while a reader holds all");
	ASSERT_TRUE(read(fd, &c, 1) == 1, "the rest still readable");
cleanup:
	if (fd >= 0)
		close(fd);
	e2e_end();
}

/* ---- readers killed mid-read ---- */

static int read_forever(void *p)
{
	(void)p;
	__atomic_store_n(&readers_run, true, __ATOMIC_RELAXED);
	reader(E2E_MNT "/all");
	return 0;
}

/*
 * 50 readers killed while they read, three times over: the daemon leaks
 * no descriptor, keeps serving, and no reply touches a released file
 * (under the sanitizer build, check.sh runs this test too).
 */
void fs_readers_killed(void)
{
	enum { READERS = 50 };
	static struct e2e_child c[READERS];
	int before, after = -1;

	if (!e2e_begin())
		goto cleanup;
	before = e2e_settled_fds(e2e_daemon_pid());
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < READERS; i++)
			ASSERT_EQ(child_spawn(&c[i], NULL, read_forever, NULL), 0, "fork a reader");
		sleep_ms(300 + round * 200);
		for (int i = 0; i < READERS; i++)
			child_kill(&c[i]);
	}
	/* what the kernel still has to release reaches the daemon soon */
	WAIT_UNTIL((after = e2e_settled_fds(e2e_daemon_pid())) <= before, E2E_SETTLE_MS);
	fprintf(stderr, "  killed readers: daemon fds %d before, %d after\n", before, after);
	ASSERT_TRUE(before > 0, "fds counted");
	ASSERT_EQ(after, before, "no descriptor leaked");
	ASSERT_TRUE(e2e_sys_u64("iterations", &(__u64){0}), "still serving");
cleanup:
	for (int i = 0; i < READERS; i++)
		child_kill(&c[i]);
	e2e_end();
}

/* ---- the mount taken away ---- */

/* umount -l from outside: noticed, said once, mounted again at once, with
 * the data of before. */
void fs_unmounted_outside(void)
{
	__u64 before = 0, after = 0;

	if (!e2e_begin())
		goto cleanup;
	ASSERT_TRUE(e2e_sys_u64("iterations", &before), "sys before");
	if (!ASSERT_EQ(umount2(E2E_MNT, MNT_DETACH), 0, "umount -l"))
		goto cleanup;
	ASSERT_TRUE(WAIT_UNTIL(e2e_sys_u64("iterations", &after), E2E_SETTLE_MS),
		    "mounted again within 2 s");
	ASSERT_TRUE(WAIT_UNTIL(e2e_sys_u64("iterations", &after) && after > before,
			       E2E_SETTLE_MS),
		    "the same daemon, its samples continued");
	ASSERT_TRUE(e2e_daemon_logged(E2E_MNT ": unmounted from outside energyd; mounting it again"),
		    "said in the log");
cleanup:
	e2e_end();
}

/* ---- files that are not what they seem ---- */

/* Runs energyd with @extra until it exits: its exit code, its output in
 * @log. */
static int energyd_exit(const char *log, const char *const *extra)
{
	pid_t pid = e2e_spawn_energyd(log, extra, 0);
	int status = 0;

	if (pid <= 0)
		return -1;
	if (!WAIT_UNTIL(waitpid(pid, &status, WNOHANG) == pid, 20000)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool log_has(const char *log, const char *text)
{
	char *t = e2e_read_file(log, NULL);
	bool found = t && strstr(t, text);

	free(t);
	return found;
}

static bool put(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");
	bool ok = f && fwrite(data, 1, len, f) == len;

	return f && !fclose(f) && ok;
}

/*
 * --weights: a directory and a file with a NUL byte are refused with the
 * reason; a file of exactly 1 MiB is read, one byte more is refused.
 */
void daemon_bad_weights(void)
{
	const char *log = "/tmp/energyd-e2e-weights.log";
	char dir[] = "/tmp/energyd-e2e-wdir-XXXXXX", file[PATH_MAX];
	char *big = malloc((1 << 20) + 1);
	const char *extra[] = { "--weights", file, "--dump", NULL };

	if (!ASSERT_TRUE(big && mkdtemp(dir), "set-up"))
		goto cleanup;
	snprintf(file, sizeof(file), "%s", dir);
	ASSERT_EQ(energyd_exit(log, extra), 2, "a directory: exit 2");
	ASSERT_TRUE(log_has(log, "is a directory, not a file of weights"), "a directory: why");

	snprintf(file, sizeof(file), "%s/nul.conf", dir);
	ASSERT_TRUE(put(file, "w_cpu_ns = 5\0w_mem_bytes = x\n", 29), "NUL file");
	ASSERT_EQ(energyd_exit(log, extra), 2, "a NUL byte: exit 2");
	ASSERT_TRUE(log_has(log, "holds a NUL byte at offset 12"), "a NUL byte: why");

	memset(big, '\n', (1 << 20) + 1);
	snprintf(file, sizeof(file), "%s/big.conf", dir);
	ASSERT_TRUE(put(file, big, 1 << 20), "1 MiB file");
	ASSERT_EQ(energyd_exit(log, extra), 0, "exactly 1 MiB is read (--dump runs)");
	ASSERT_TRUE(put(file, big, (1 << 20) + 1), "1 MiB + 1 file");
	ASSERT_EQ(energyd_exit(log, extra), 2, "one byte more: exit 2");
	ASSERT_TRUE(log_has(log, "is larger than 1 MiB"), "too large: why");
cleanup:
	free(big);
	test_rm_tree(dir);
}
