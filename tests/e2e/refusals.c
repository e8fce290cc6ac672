// SPDX-License-Identifier: GPL-2.0-only
/*
 * Start-up refusals: a mount point that is a file or cannot be made, the
 * lock held by another, a weights file that cannot be read. Each is one
 * line naming the cause and an exit code, with nothing mounted and nothing
 * pinned left behind. And the lock file outlives every energyd: emptied at
 * exit, never unlinked, so two starting at once lock the same inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "energy_abi.h"
#include "harness.h"

#define LOCK_FILE	"/run/energyd.pid"

/* Whether @dir is a FUSE mount of energyd (in /proc/self/mounts). */
static bool mounted_at(const char *dir)
{
	char *t = e2e_read_file("/proc/self/mounts", NULL), pat[256];
	bool found;

	snprintf(pat, sizeof(pat), " %s fuse.energyd ", dir);
	found = t && strstr(t, pat);
	free(t);
	return found;
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
