// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every operation a reader can issue on the mount beyond reading, as root
 * and as nobody: access(2), odd offsets, mmap, opens for writing,
 * truncate, changes of the tree, of modes, owners and times, extended
 * attributes. Each gets its errno and changes nothing. Then every kind of
 * malformed value written to every parameter: refused, unchanged, one log
 * line per refusal until the log's rate limit.
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
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "harness.h"
#include "params.h"

#define NOBODY		65534
#define LOG_BURST	10	/* lib/log.h: repeating warnings per minute */
#define M(f)		E2E_MNT "/" f

/* One call's result against the errno it should fail with (0: success). */
static int expect(const char *what, int rc, int want)
{
	int got = rc < 0 ? errno : 0;

	if (got == want)
		return 0;
	fprintf(stderr, "  %s: %s, not %s\n", what, got ? strerror(got) : "succeeded",
		want ? strerror(want) : "success");
	return 1;
}

#define EXPECT(call, want)	(errno = 0, bad += expect(#call, (call), (want)))

/* What anyone gets: the tree, modes, owners, times and xattrs stay. */
static int common_ops(bool root)
{
	int change = root ? EPERM : EACCES, bad = 0;
	char buf[16];

	EXPECT(access(M("cgroup"), W_OK), EACCES);
	EXPECT(access(M("cgroup"), X_OK), EACCES);
	EXPECT(access(M("cgroup"), R_OK), 0);
	EXPECT(access(M("params"), R_OK | X_OK), 0);
	EXPECT(access(E2E_MNT, W_OK), EACCES);
	EXPECT(access(M("params/sample_ns"), R_OK), 0);
	EXPECT(open(M("cgroup"), O_WRONLY), EACCES);
	EXPECT(open(M("cgroup"), O_RDWR), EACCES);
	EXPECT(open(M("cgroup"), O_RDONLY | O_TRUNC), EACCES);
	EXPECT(open(M("cgroup.json"), O_WRONLY | O_APPEND), EACCES);
	EXPECT(truncate(M("cgroup"), 0), EACCES);
	EXPECT(open(M("new"), O_WRONLY | O_CREAT, 0644), change);
	EXPECT(open(M("params/new"), O_RDWR | O_CREAT | O_EXCL, 0644), change);
	EXPECT(mkdir(M("dir"), 0755), change);
	EXPECT(mkdir(M("params/dir"), 0755), change);
	EXPECT(rmdir(M("params")), change);
	EXPECT(unlink(M("cgroup")), change);
	EXPECT(unlink(M("params/sample_ns")), change);
	EXPECT(rename(M("cgroup"), M("cgroup2")), change);
	EXPECT(rename(M("params/sample_ns"), M("params/x")), change);
	EXPECT(link(M("cgroup"), M("link")), change);
	EXPECT(symlink("cgroup", M("sym")), change);
	EXPECT(mknod(M("node"), S_IFREG | 0644, 0), change);
	EXPECT(chmod(M("cgroup"), 0666), EPERM);
	EXPECT(chmod(M("params/sample_ns"), 0666), EPERM);
	EXPECT(chown(M("cgroup"), 1, 1), EPERM);
	EXPECT(utimensat(AT_FDCWD, M("cgroup"), NULL, 0), EPERM);
	EXPECT(setxattr(M("cgroup"), "user.x", "1", 1, 0), EOPNOTSUPP);
	EXPECT(removexattr(M("cgroup"), "user.x"), EOPNOTSUPP);
	EXPECT((int)getxattr(M("cgroup"), "user.x", buf, sizeof(buf)), EOPNOTSUPP);
	EXPECT((int)listxattr(M("cgroup"), buf, sizeof(buf)), EOPNOTSUPP);
	EXPECT(readlink(M("cgroup"), buf, sizeof(buf)), EINVAL);
	return bad;
}

static int nobody_ops(void *p)
{
	int bad = 0;

	(void)p;
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return 100;
	bad += common_ops(false);
	EXPECT(access(M("params/sample_ns"), W_OK), EACCES);
	EXPECT(access(M("params/sample_ns"), R_OK | W_OK), EACCES);
	EXPECT(access(M("sys"), R_OK), EACCES);
	EXPECT(access(M("all"), F_OK), 0);
	EXPECT(truncate(M("params/sample_ns"), 0), EACCES);
	EXPECT(open(M("params/sample_ns"), O_WRONLY), EACCES);
	return bad;
}

/* Reads of one open at odd offsets come from its one snapshot. */
static int odd_offsets(void)
{
	static char whole[1 << 16], part[64];
	int fd = open(M("sys"), O_RDONLY), bad = 0;
	ssize_t n;

	if (fd < 0)
		return 1;
	n = pread(fd, whole, sizeof(whole), 0);
	if (n < 20) {
		close(fd);
		return 1;
	}
	bad += pread(fd, part, 5, 7) != 5 || memcmp(part, whole + 7, 5);
	bad += pread(fd, part, sizeof(part), n - 3) != 3 ||
	       memcmp(part, whole + n - 3, 3);
	bad += pread(fd, part, 1, n - 1) != 1 || part[0] != whole[n - 1];
	EXPECT(pread(fd, part, 1, -1), EINVAL);
	bad += pread(fd, part, sizeof(part), 1LL << 40) != 0;
	close(fd);
	return bad;
}

/* mmap of a size-less direct-I/O file: shared is refused; a private map
 * has no page to show (SIGBUS on touch, in a child). */
static int maps(void)
{
	int fd = open(M("cgroup"), O_RDONLY), bad = 0, status = 0;
	void *p;
	pid_t pid;

	if (fd < 0)
		return 1;
	errno = 0;
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	bad += expect("mmap MAP_SHARED", p == MAP_FAILED ? -1 : 0, ENODEV);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	errno = 0;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	bad += expect("mmap MAP_SHARED writable", p == MAP_FAILED ? -1 : 0, EACCES);
	pid = fork();
	if (pid == 0) {
		volatile char *q;

		/* the kernel's SIGBUS, not a sanitizer's report of it */
		signal(SIGBUS, SIG_DFL);
		q = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);

		_exit(q == MAP_FAILED ? 2 : q[0] == 0x7f ? 3 : 4);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return bad + 1;
	fprintf(stderr, "  mmap MAP_PRIVATE of cgroup, touched: %s\n",
		WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "no signal");
	bad += !(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS);
	close(fd);
	return bad;
}

void fs_hostile_ops(void)
{
	__u64 sample = 0, after = 0;
	struct e2e_child c = {};
	int status = -1, bad = 0;
	char *before = NULL, *now = NULL;

	if (!e2e_begin())
		goto cleanup;
	sample = e2e_param_read("sample_ns");
	before = e2e_read_file(M("params/window_ns"), NULL);
	ASSERT_EQ(common_ops(true), 0, "root: each refused with its errno");
	EXPECT(access(M("params/sample_ns"), W_OK), 0);
	EXPECT(access(M("sys"), R_OK), 0);
	EXPECT(truncate(M("params/sample_ns"), 5), EINVAL);
	EXPECT(truncate(M("params/sample_ns"), 0), 0);
	ASSERT_EQ(bad, 0, "root: params writable, truncated to 0 only");
	ASSERT_EQ(odd_offsets(), 0, "reads at odd offsets: the same snapshot");
	ASSERT_EQ(maps(), 0, "mmap");
	if (ASSERT_EQ(child_spawn(&c, NULL, nobody_ops, NULL), 0, "nobody")) {
		ASSERT_EQ(child_wait(&c, 0, 10000, &status), 0, "nobody done");
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			    "nobody: each refused with its errno");
	}
	after = e2e_param_read("sample_ns");
	ASSERT_EQ(after, sample, "sample_ns unchanged");
	now = e2e_read_file(M("params/window_ns"), NULL);
	ASSERT_TRUE(before && now && !strcmp(before, now), "window_ns unchanged");
	ASSERT_TRUE(access(M("new"), F_OK) && access(M("dir"), F_OK) &&
		    !access(M("cgroup"), F_OK), "the tree unchanged");
cleanup:
	free(before);
	free(now);
	e2e_end();
}

/* ---- malformed values, on an energyd of the test's own (fresh log
 * limits) ---- */

/* params/@name opened as `echo v >` does. */
static int param_open(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), M("params/%s"), name);
	return open(path, O_WRONLY | O_TRUNC);
}

/* One write of @len bytes of @s at @off, then close: the write's errno or
 * the close's. */
static int write_once(const char *name, const char *s, size_t len, off_t off)
{
	int fd = param_open(name), err = 0;

	if (fd < 0)
		return errno;
	if (pwrite(fd, s, len, off) != (ssize_t)len)
		err = errno;
	if (close(fd) && !err)
		err = errno;
	return err;
}

/* A valid value, then garbage after it, in two writes. */
static int write_partial(const char *name, const char *v)
{
	int fd = param_open(name), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, v, strlen(v)) != (ssize_t)strlen(v))
		err = -1;	/* the valid piece must be taken */
	else if (write(fd, "x\n", 2) >= 0)
		err = -2;
	else
		err = errno;
	close(fd);
	return err;
}

static bool served(void)
{
	char *t = e2e_read_file(M("sys"), NULL);

	free(t);
	return t != NULL;
}

void fs_params_malformed(void)
{
	const char *log = "/tmp/energyd-e2e-malformed.log";
	const char *extra[] = { "--energy-source", "none", NULL };
	static char mb[1 << 20];
	int status = -1, refused = 0;
	char *text = NULL;
	pid_t pid;

	memset(mb, '1', sizeof(mb));
	pid = e2e_spawn_energyd(log, extra, 0);
	if (!ASSERT_TRUE(WAIT_UNTIL(served(), 10000), "energyd serves"))
		goto cleanup;
	for (int id = 0; id < P_MAX; id++) {
		const char *name = param_descs[id].name;
		__u64 cur = e2e_param_read(name), v;
		char vs[32], c[10][64], pat[64];
		int n, errs[12], k = 0, bad = 0;

		if (!ASSERT_TRUE(cur != ~0ULL, name))
			continue;
		v = cur < param_descs[id].max ? cur + 1 : cur - 1;
		snprintf(vs, sizeof(vs), "%llu", v);
		snprintf(c[0], sizeof(c[0]), "+%s\n", vs);
		snprintf(c[1], sizeof(c[1]), "-%s\n", vs);
		snprintf(c[2], sizeof(c[2]), "0x%llx\n", v);
		snprintf(c[3], sizeof(c[3]), " %s\n", vs);
		snprintf(c[4], sizeof(c[4]), "%s \n", vs);
		snprintf(c[5], sizeof(c[5]), "%s9999999999999999999999\n", vs);
		errs[k++] = write_partial(name, vs);
		errs[k++] = write_once(name, vs, strlen(vs), 3);	/* at an offset */
		errs[k++] = write_once(name, mb, sizeof(mb), 0);	/* 1 MB */
		snprintf(c[6], sizeof(c[6]), "%s", vs);
		n = strlen(c[6]);
		memcpy(c[6] + n, "\0\n", 2);				/* a NUL */
		errs[k++] = write_once(name, c[6], n + 2, 0);
		for (int i = 0; i < 6; i++)
			errs[k++] = write_once(name, c[i], strlen(c[i]), 0);
		for (int i = 0; i < k; i++)
			if (errs[i] != EINVAL && bad++ < 3)
				fprintf(stderr, "  params/%s: case %d: %s\n", name, i,
					errs[i] > 0 ? strerror(errs[i]) : "taken");
		ASSERT_EQ(bad, 0, name);
		ASSERT_EQ(e2e_param_read(name), cur, "unchanged");
		snprintf(pat, sizeof(pat), "params/%s: '", name);
		free(text);
		text = e2e_read_file(log, NULL);
		n = 0;
		for (char *p = text; p && (p = strstr(p, pat)); p += strlen(pat))
			n++;
		if (!ASSERT_EQ(n, k, "one log line per refusal"))
			fprintf(stderr, "  params/%s: %d refusals, %d lines\n", name, k, n);
		refused += k;
	}
	/* a loop of bad writes: the limit holds the log back */
	for (int i = 0; i < 200; i++)
		write_once("w_cpu_ns", "x\n", 2, 0);
	free(text);
	text = e2e_read_file(log, NULL);
	{
		int n = 0;

		for (char *p = text; p && (p = strstr(p, "params/w_cpu_ns: '")); p++)
			n++;
		fprintf(stderr, "  %d refusals over %d parameters logged one line each; 200 more on w_cpu_ns: %d lines in all\n",
			refused, P_MAX, n);
		ASSERT_EQ(n, LOG_BURST, "rate-limited: the burst, no more");
	}
cleanup:
	free(text);
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status), "clean stop");
	}
}
