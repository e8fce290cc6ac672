// SPDX-License-Identifier: GPL-2.0-only
/*
 * Faults of the daemon's life. SIGTERM while readers hold the tree; the
 * daemon stopped (SIGSTOP) under a reader. Start-up refusals: a mount point that is a file or cannot be made, the
 * lock held by another, a weights file that cannot be read. Each is one
 * line naming the cause and an exit code, with nothing mounted and nothing
 * pinned left behind. And the lock file outlives every energyd: emptied at
 * exit, never unlinked, so two starting at once lock the same inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>

#include "energy_abi.h"
#include "harness.h"

#define LOCK_FILE	"/run/energyd.pid"

/* Whether process @pid's (0: this one's) mount table has a @type mount at
 * @dir. */
static bool mount_of(pid_t pid, const char *dir, const char *type)
{
	char path[64], pat[256], *t;
	bool found;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/mounts", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/mounts");
	snprintf(pat, sizeof(pat), " %s %s ", dir, type);
	t = e2e_read_file(path, NULL);
	found = t && strstr(t, pat);
	free(t);
	return found;
}

/* Whether @dir is a FUSE mount of energyd here. */
static bool mounted_at(const char *dir)
{
	return mount_of(0, dir, "fuse.energyd");
}

/* Lines of @log holding @text; the first into @first (of @len bytes)
 * when not NULL. */
static int lines_with(const char *log, const char *text, char *first,
		      size_t len)
{
	char *t = e2e_read_file(log, NULL), *p = t;
	int n = 0;

	while (p && (p = strstr(p, text))) {
		char *start = p, *end = strchr(p, '\n');

		while (start > t && start[-1] != '\n')
			start--;
		if (!n++ && first)
			snprintf(first, len, "%.*s", end ? (int)(end - start) :
				 (int)strlen(start), start);
		p = end;
	}
	free(t);
	return n;
}

struct refusal {
	const char *what;
	const char *opt, *arg;
	const char *reason;	/* the one line holds it */
	int code;
};

/* energyd with @r's option: its exit code, -1 when it did not exit. */
static int run_refused(const struct refusal *r, const char *log)
{
	const char *extra[] = { r->opt, r->arg, NULL };
	int status = -1;
	pid_t pid = e2e_spawn_energyd(log, extra, 0);

	if (pid <= 0)
		return -1;
	if (!WAIT_UNTIL(waitpid(pid, &status, WNOHANG) == pid, 10000)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void daemon_refusals(void)
{
	const char *log = "/tmp/energyd-e2e-refusals.log";
	char dir[] = "/tmp/energyd-e2e-refuse-XXXXXX", file[96], deep[96], nofile[96];
	struct refusal cases[] = {
		{ "a mount point that is a file", "--mountpoint", file, "not a directory", 1 },
		{ "a mount point that cannot be made", "--mountpoint", deep, deep, 1 },
		{ "a weights file that is missing", "--weights", nofile, nofile, 2 },
		{ "the lock held", "--window-ns", "200000000", "another energyd is running", 1 },
	};
	struct stat before, after;
	int fd = -1, code, status = -1, n;
	char pidtext[32], line[256];
	pid_t pid;

	if (!ASSERT_TRUE(mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(file, sizeof(file), "%s/file", dir);
	snprintf(deep, sizeof(deep), "%s/missing/mnt", dir);
	snprintf(nofile, sizeof(nofile), "%s/none.conf", dir);
	fd = open(file, O_WRONLY | O_CREAT, 0644);
	close(fd);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct refusal *r = &cases[i];
		bool lock = !strcmp(r->opt, "--window-ns");

		fd = -1;
		if (lock) {
			fd = open(LOCK_FILE, O_RDWR | O_CREAT, 0644);
			snprintf(pidtext, sizeof(pidtext), "%d\n", getpid());
			if (!ASSERT_TRUE(fd >= 0 && !flock(fd, LOCK_EX | LOCK_NB) &&
					 !ftruncate(fd, 0) &&
					 pwrite(fd, pidtext, strlen(pidtext), 0) > 0,
					 "hold the lock"))
				break;
		}
		code = run_refused(r, log);
		line[0] = '\0';
		n = lines_with(log, r->reason, line, sizeof(line));
		fprintf(stderr, "  %s: exit %d: %s\n", r->what, code, line);
		ASSERT_EQ(code, r->code, r->what);
		ASSERT_EQ(n, 1, "one line names the cause");
		ASSERT_TRUE(!mounted_at(E2E_MNT) && !mounted_at(r->arg), "nothing mounted");
		ASSERT_TRUE(access(ENERGY_PIN_DIR, F_OK) && errno == ENOENT, "nothing pinned");
		if (lock) {
			snprintf(pidtext, sizeof(pidtext), "(pid %d,", getpid());
			ASSERT_EQ(lines_with(log, pidtext, NULL, 0), 1,
				  "the holder's pid named");
			close(fd);
		}
	}
	ASSERT_TRUE(!access(file, F_OK), "the file is still there");

	/* a clean run and stop: the lock file stays, the same inode, empty */
	if (!ASSERT_EQ(stat(LOCK_FILE, &before), 0, "the lock file exists"))
		goto cleanup;
	pid = e2e_spawn_energyd(log, NULL, 0);
	if (ASSERT_TRUE(pid > 0 && WAIT_UNTIL(mounted_at(E2E_MNT), 10000), "energyd runs")) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status), "clean stop");
	}
	ASSERT_TRUE(!stat(LOCK_FILE, &after) && after.st_ino == before.st_ino &&
		    after.st_size == 0, "the lock file kept, emptied, not unlinked");
cleanup:
	test_rm_tree(dir);
}

/* ---- no bpffs ---- */

#define BPF_FS_MAGIC	0xcafe4a11

/* In energyd's child, before its exec: a mount namespace of its own with
 * no bpffs on /sys/fs/bpf (@arg NULL), or with no /sys/fs/bpf at all (a
 * tmpfs over /sys/fs). */
static void no_bpffs(void *arg)
{
	struct statfs st;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		_exit(90);
	if (arg) {
		if (mount("tmpfs", "/sys/fs", "tmpfs", MS_RDONLY, "mode=0755"))
			_exit(91);
		return;
	}
	while (!statfs("/sys/fs/bpf", &st) && st.f_type == BPF_FS_MAGIC)
		if (umount2("/sys/fs/bpf", MNT_DETACH))
			_exit(92);
}

/*
 * Started where /sys/fs/bpf holds no bpffs, energyd mounts one and pins
 * there (in its own mount namespace here, nothing of the host's touched);
 * where none can be mounted it stops with one line and exit 1.
 */
void daemon_no_bpffs(void)
{
	const char *log = "/tmp/energyd-e2e-bpffs.log";
	const char *extra[] = { "--window-ns", "200000000", NULL };
	char pins[64], line[256] = "";
	int status = -1;
	pid_t pid;

	pid = e2e_spawn_energyd_with(log, extra, 0, no_bpffs, NULL);
	snprintf(pins, sizeof(pins), "/proc/%d/root" ENERGY_PIN_DIR "/cgroups", pid);
	if (ASSERT_TRUE(pid > 0 && WAIT_UNTIL(!access(pins, F_OK), 10000),
			"energyd pins its maps on a bpffs of its own")) {
		ASSERT_TRUE(mount_of(pid, "/sys/fs/bpf", "bpf"), "a bpffs on /sys/fs/bpf in its namespace");
		ASSERT_TRUE(mount_of(pid, E2E_MNT, "fuse.energyd"), "and its files");
		ASSERT_EQ(lines_with(log, "no bpffs on /sys/fs/bpf: mounted one", line, sizeof(line)), 1,
			  "said once");
		fprintf(stderr, "  no bpffs: %s\n", line);
	}
	ASSERT_TRUE(access(ENERGY_PIN_DIR, F_OK) && errno == ENOENT && !mounted_at(E2E_MNT),
		    "nothing pinned or mounted in the host's namespace");
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status), "clean stop");
	}

	pid = e2e_spawn_energyd_with(log, extra, 0, no_bpffs, "no dir");
	status = -1;
	if (pid > 0)
		waitpid(pid, &status, 0);
	line[0] = '\0';
	ASSERT_EQ(lines_with(log, "cannot mount bpffs on /sys/fs/bpf", line, sizeof(line)), 1,
		  "one line names the cause");
	fprintf(stderr, "  no /sys/fs/bpf: exit %d: %s\n",
		WIFEXITED(status) ? WEXITSTATUS(status) : -1, line);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1, "exit 1");
}

/* ---- stopping with readers in the tree ---- */

/* Holds a cwd in params/ and an open cgroup, until killed. */
static int holder(void *p)
{
	int fd;

	(void)p;
	if (chdir(E2E_MNT "/params"))
		return 1;
	fd = open(E2E_MNT "/cgroup", O_RDONLY);
	if (fd < 0)
		return 2;
	for (;;)
		pause();
	return 0;
}

/* Reads cgroup over and over, until killed or the mount goes. */
static int rereader(void *p)
{
	(void)p;
	for (;;) {
		char *t = e2e_read_file(E2E_MNT "/cgroup", NULL);

		if (!t)
			return 0;
		free(t);
	}
}

/* The state letter of @pid in /proc (R, S, D...), '?' when gone. */
static char proc_state(pid_t pid)
{
	char path[64], *t, *p, st = '?';

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	t = e2e_read_file(path, NULL);
	p = t ? strrchr(t, ')') : NULL;
	if (p && p[1] == ' ')
		st = p[2];
	free(t);
	return st;
}

static __u64 mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * SIGTERM while one reader holds a cwd and an fd in the mount and another
 * reads in a loop: energyd exits 0 within 5 s (detach, then abort the
 * connection), nothing stays mounted, and the readers are not stuck.
 */
void daemon_stop_busy(void)
{
	const char *log = "/tmp/energyd-e2e-busy.log";
	struct e2e_child h = {}, r = {};
	int status = -1;
	__u64 t0, ms = 0;
	pid_t pid;

	pid = e2e_spawn_energyd(log, NULL, 0);
	if (!ASSERT_TRUE(pid > 0 && WAIT_UNTIL(mounted_at(E2E_MNT) &&
					       !access(E2E_MNT "/cgroup", R_OK), 10000),
			 "energyd serves"))
		goto cleanup;
	if (!ASSERT_EQ(child_spawn(&h, NULL, holder, NULL), 0, "holder") ||
	    !ASSERT_EQ(child_spawn(&r, NULL, rereader, NULL), 0, "reader"))
		goto cleanup;
	sleep_ms(300);
	ASSERT_TRUE(proc_state(h.pid) == 'S', "the holder holds");
	t0 = mono_ms();
	kill(pid, SIGTERM);
	if (ASSERT_TRUE(WAIT_UNTIL(waitpid(pid, &status, WNOHANG) == pid, 5000),
			"energyd exits within 5 s")) {
		ms = mono_ms() - t0;
		pid = 0;
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status), "exit 0");
	}
	fprintf(stderr, "  SIGTERM with a cwd, an fd and a reader in the mount: exit in %llu ms\n",
		ms);
	ASSERT_TRUE(!mounted_at(E2E_MNT), "nothing mounted");
	ASSERT_TRUE(WAIT_UNTIL(proc_state(r.pid) != 'D', 2000), "the reader is not stuck");
	ASSERT_TRUE(proc_state(h.pid) != 'D', "the holder is not stuck");
cleanup:
	child_kill(&h);
	child_kill(&r);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* Reads cgroup once: 0 when it holds a window's lines. */
static int read_cgroup(void *p)
{
	char *t = e2e_read_file(E2E_MNT "/cgroup", NULL);
	int ok = t && strstr(t, " window_time=");

	(void)p;
	free(t);
	return ok ? 0 : 1;
}

/*
 * energyd stopped (SIGSTOP) under a reader of cgroup: the reader waits,
 * asleep (S, never D), and after SIGCONT it gets the window, not an
 * error, after a stop of 10 s.
 */
void daemon_sigstop(void)
{
	const char *log = "/tmp/energyd-e2e-sigstop.log";
	const char *extra[] = { "--window-ns", "200000000", NULL };
	struct e2e_child c = {};
	int status = -1, looks = 0;
	char st = '?';
	pid_t pid;

	pid = e2e_spawn_energyd(log, extra, 0);
	if (!ASSERT_TRUE(pid > 0 && WAIT_UNTIL(!read_cgroup(NULL), 10000),
			 "energyd serves a window"))
		goto cleanup;
	kill(pid, SIGSTOP);
	if (!ASSERT_EQ(child_spawn(&c, NULL, read_cgroup, NULL), 0, "reader"))
		goto cont;
	/* 10 s, looked at every half second: asleep, never D. */
	for (int i = 0; i < 20; i++) {
		sleep_ms(500);
		st = proc_state(c.pid);
		looks++;
		if (st != 'S')
			break;
	}
	fprintf(stderr, "  reader over %.1f s of a stopped energyd: state %c at each of %d looks\n",
		looks / 2.0, st, looks);
	ASSERT_TRUE(st == 'S' && looks == 20, "the reader waits, interruptible, 10 s");
cont:
	kill(pid, SIGCONT);
	if (c.pid > 0 && ASSERT_EQ(child_wait(&c, 0, 5000, &status), 0, "the reader ends")) {
		c.pid = 0;
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status),
			    "after SIGCONT it gets the window");
	}
	ASSERT_EQ(read_cgroup(NULL), 0, "and so does the next reader");
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	pid = 0;
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status), "clean stop");
cleanup:
	child_kill(&c);
	if (pid > 0) {
		kill(pid, SIGCONT);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}
