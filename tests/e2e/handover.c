// SPDX-License-Identifier: GPL-2.0-only
/*
 * A restart that readers never notice, with this test playing systemd's
 * part: the notification socket that takes READY=1 and the fds energyd
 * stores (FDSTORE=1, FDSTOREREMOVE=1), and the next energyd started with
 * them (LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID), as systemd does after a
 * kill -9 with Restart=on-failure.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/mount.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/magic.h>

#include "harness.h"

#define NOTIFY_PATH	"/run/energyd-e2e-notify.sock"
#define HANDOVER_LOG	"/tmp/energyd-e2e-handover.log"
#define STORE_MAX	96
#define READ_GAP_MS	20

/* What the test keeps of systemd's part. */
struct sysd {
	int sock;
	bool ready;
	int removed;			/* FDSTOREREMOVE=1 messages */
	struct {
		char name[64];
		int fd;
		bool watched;		/* stored without FDPOLL=0 */
	} store[STORE_MAX];
	int nstore;
	int unwatched;			/* stored with FDPOLL=0 */
	int dropped;			/* watched and dropped */
};

static int sysd_open(struct sysd *s)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	memset(s, 0, sizeof(*s));
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", NOTIFY_PATH);
	unlink(NOTIFY_PATH);
	s->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->sock < 0 || bind(s->sock, (struct sockaddr *)&a, sizeof(a)))
		return -errno;
	return 0;
}

static void sysd_close(struct sysd *s)
{
	for (int i = 0; i < s->nstore; i++)
		close(s->store[i].fd);
	s->nstore = 0;
	if (s->sock > 0)
		close(s->sock);
	unlink(NOTIFY_PATH);
}

/* The value of "key=" in a notification, into @out. */
static bool field(const char *msg, const char *key, char *out, size_t len)
{
	size_t k = strlen(key);

	for (const char *l = msg; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, k) && l[k] == '=') {
			snprintf(out, len, "%.*s", (int)strcspn(l + k + 1, "\n"),
				 l + k + 1);
			return true;
		}
	return false;
}

static void store_drop(struct sysd *s, const char *name)
{
	for (int i = 0; i < s->nstore; i++)
		if (!strcmp(s->store[i].name, name)) {
			close(s->store[i].fd);
			s->store[i] = s->store[--s->nstore];
			i--;
		}
}

/*
 * What systemd does to a watched stored fd: drop it at its first POLLERR or
 * POLLHUP (a BPF map's fd, not a ring buffer, shows POLLERR at once).
 */
static void store_watch(struct sysd *s)
{
	for (int i = 0; i < s->nstore; i++) {
		struct pollfd p = { s->store[i].fd, 0, 0 };

		if (!s->store[i].watched || poll(&p, 1, 0) != 1 ||
		    !(p.revents & (POLLERR | POLLHUP)))
			continue;
		close(s->store[i].fd);
		s->store[i] = s->store[--s->nstore];
		s->dropped++;
		i--;
	}
}

/* One notification, waiting up to @ms; false when none came. */
static bool sysd_pump(struct sysd *s, int ms)
{
	char msg[512], cbuf[CMSG_SPACE(sizeof(int) * 4)], name[64] = "";
	struct iovec iov = { msg, sizeof(msg) - 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct pollfd p = { s->sock, POLLIN, 0 };
	struct cmsghdr *c;
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return false;
	n = recvmsg(s->sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return false;
	msg[n] = '\0';
	field(msg, "FDNAME", name, sizeof(name));
	if (strstr(msg, "READY=1"))
		s->ready = true;
	if (strstr(msg, "FDSTOREREMOVE=1")) {
		store_drop(s, name);
		s->removed++;
	}
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		int *fds = (int *)CMSG_DATA(c);
		size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < nfds; i++) {
			if (!strstr(msg, "FDSTORE=1") || s->nstore == STORE_MAX) {
				close(fds[i]);
				continue;
			}
			snprintf(s->store[s->nstore].name,
				 sizeof(s->store[s->nstore].name), "%s", name);
			s->store[s->nstore].watched = !strstr(msg, "FDPOLL=0");
			s->unwatched += !s->store[s->nstore].watched;
			s->store[s->nstore++].fd = fds[i];
		}
	}
	store_watch(s);
	return true;
}

/* Notifications until READY=1, at most @ms. */
static bool sysd_wait_ready(struct sysd *s, int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	s->ready = false;
	do {
		sysd_pump(s, 100);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (!s->ready && (t.tv_sec - t0.tv_sec) * 1000 +
		 (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
	return s->ready;
}

static bool stored(const struct sysd *s, const char *name)
{
	for (int i = 0; i < s->nstore; i++)
		if (!strcmp(s->store[i].name, name))
			return true;
	return false;
}

/* In the next energyd: its notification socket and, when @arg is set, the
 * stored fds at 3, 4, ... as systemd passes them. */
static void as_systemd_child(void *arg)
{
	struct sysd *s = arg;
	char names[STORE_MAX * 64] = "", n[16];

	setenv("NOTIFY_SOCKET", NOTIFY_PATH, 1);
	if (!s || !s->nstore)
		return;
	/* Out of the way of 3, 4, ... first, then into place. */
	for (int i = 0; i < s->nstore; i++)
		s->store[i].fd = fcntl(s->store[i].fd, F_DUPFD, 64);
	for (int i = 0; i < s->nstore; i++) {
		dup2(s->store[i].fd, 3 + i);
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
			 "%s%s", i ? ":" : "", s->store[i].name);
	}
	snprintf(n, sizeof(n), "%d", s->nstore);
	setenv("LISTEN_FDS", n, 1);
	setenv("LISTEN_FDNAMES", names, 1);
	snprintf(n, sizeof(n), "%d", getpid());
	setenv("LISTEN_PID", n, 1);
}

/* sys opened before the kill and read once after the restart (when
 * @stop_fd closes): "1 0" to @out_fd when it reads. */
static void held_reader(int stop_fd, int out_fd)
{
	struct pollfd p = { stop_fd, POLLIN, 0 };
	int fd = open(E2E_MNT "/sys", O_RDONLY | O_CLOEXEC);
	char buf[64] = "", line[128];
	ssize_t n = -1;

	while (fd >= 0 && poll(&p, 1, -1) < 0)
		;
	if (fd >= 0)
		n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n > 10 && !strncmp(buf, "timestamp=", 10))
		snprintf(line, sizeof(line), "1 0");
	else
		snprintf(line, sizeof(line), "1 1 %s", fd < 0 ? "open failed" :
			 n < 0 ? strerror(errno) : "not sys");
	if (write(out_fd, line, strlen(line)) < 0)
		_exit(2);
	_exit(0);
}

/* A reader that reads @path every READ_GAP_MS until @stop_fd closes, then
 * writes "reads failures" to @out_fd: a failure is an error or an empty
 * file. */
static void reader(const char *path, int stop_fd, int out_fd)
{
	struct pollfd p = { stop_fd, POLLIN, 0 };
	unsigned long reads = 0, bad = 0;
	char line[64], first[160] = "";

	if (!path) {
		held_reader(stop_fd, out_fd);
		return;
	}
	while (poll(&p, 1, READ_GAP_MS) == 0) {
		size_t len = 0;
		char *t = e2e_read_file(path, &len);

		reads++;
		if (!t || !len) {
			if (!bad++)
				snprintf(first, sizeof(first), "read %lu: %s", reads,
					 t ? "empty" : strerror(errno));
		}
		free(t);
	}
	snprintf(line, sizeof(line), "%lu %lu ", reads, bad);
	if (write(out_fd, line, strlen(line)) < 0 ||
	    write(out_fd, first, strlen(first)) < 0)
		_exit(2);
	_exit(0);
}

/* A child that burns CPU until killed. */
static int spin(void *arg)
{
	(void)arg;
	for (;;)
		burn_cpu_ns(1000000000ULL);
	return 0;
}

/* What the counters said at one read: the spinner's line in all and in
 * cgroup (the test's own, published at window boundaries), its schedstat,
 * the node's energy in sys. */
struct counts {
	__u64 uj, cpu, cg_uj, cg_cpu, sched, node_uj;
	bool ok;
};

static struct counts counts_read(pid_t pid)
{
	struct counts c = {};

	c.ok = e2e_all_proc(pid, &c.uj, &c.cpu) &&
	       e2e_view_proc("cgroup", pid, &c.cg_uj, &c.cg_cpu) &&
	       !read_schedstat_ns(pid, &c.sched) &&
	       e2e_sys_u64("energy_uj", &c.node_uj);
	return c;
}

/* The counts @b after a restart go on from @a before it: none went back,
 * and the CPU the spinner used meanwhile, while no energyd ran, is in its
 * cpu_ns (@b read with the spinner stopped: its schedstat exactly). */
static void counts_go_on(const struct counts *a, const struct counts *b)
{
	printf("  fs_handover: spinner before the kill: cpu_ns %llu (schedstat %llu), energy %llu uJ, node %llu uJ\n",
	       (unsigned long long)a->cpu, (unsigned long long)a->sched,
	       (unsigned long long)a->uj, (unsigned long long)a->node_uj);
	printf("  fs_handover: after the restart: cpu_ns %llu (schedstat %llu, %+.1f ms), energy %llu uJ, node %llu uJ\n",
	       (unsigned long long)b->cpu, (unsigned long long)b->sched,
	       ((double)b->cpu - (double)b->sched) / 1e6,
	       (unsigned long long)b->uj, (unsigned long long)b->node_uj);
	printf("  fs_handover: in cgroup: cpu_ns %llu -> %llu, energy %llu -> %llu uJ\n",
	       (unsigned long long)a->cg_cpu, (unsigned long long)b->cg_cpu,
	       (unsigned long long)a->cg_uj, (unsigned long long)b->cg_uj);
	if (!ASSERT_TRUE(a->ok && b->ok,
			 "the spinner is in all and cgroup before and after, sys reads"))
		return;
	ASSERT_GE(b->cpu, a->cpu, "its cpu_ns did not go back");
	ASSERT_GE(b->uj, a->uj, "its energy did not go back");
	ASSERT_GE(b->cg_cpu, a->cg_cpu, "nor in cgroup");
	ASSERT_GE(b->cg_uj, a->cg_uj, "nor its energy in cgroup");
	ASSERT_GE(b->node_uj, a->node_uj, "the node's energy_uj did not go back");
	ASSERT_EQ(b->cpu, b->sched,
		  "its cpu_ns counts what it did while energyd was away: stopped, it is its schedstat");
}

static bool is_fuse(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == FUSE_SUPER_MAGIC;
}

/* Whether the kernel has FUSE_NOTIFY_RESEND (Linux 6.9 on). */
static bool resend_kernel(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	return !uname(&u) && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
	       (major > 6 || (major == 6 && minor >= 9));
}

static int reap(pid_t pid, int sig)
{
	int status = -1;

	if (sig)
		kill(pid, sig);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* reap(), reading notifications meanwhile as systemd does: a stopping
 * energyd takes its fds out of the store, one message each. */
static int reap_pumping(struct sysd *s, pid_t pid, int sig)
{
	int status = -1;
	pid_t r;

	if (sig)
		kill(pid, sig);
	while ((r = waitpid(pid, &status, WNOHANG)) == 0)
		sysd_pump(s, 20);
	return r == pid ? status : -1;
}

/*
 * energyd under a stand-in for systemd stores its FUSE connection; killed
 * with SIGKILL, the next one takes the connection over: a reader of
 * `cgroup` and `sys` in a loop sees no failed and no empty read, and a
 * file opened before the kill reads after it. It also takes over the BPF
 * maps and links that went on counting and the counts: a busy process's
 * cpu_ns and energy and the node's energy never go back, and its CPU while
 * no energyd ran is counted. A SIGTERM that no restart job follows
 * (nobody to ask here) unmounts and takes every fd back out of the store.
 */
void fs_handover(void)
{
	pid_t pid = 0, rd[3] = { 0, 0, 0 };
	struct e2e_child spinner = {};
	struct counts before = {}, after = {};
	int stop[2] = { -1, -1 }, res[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
	/* NULL: sys held open across the restart. No FUSE file is ever open
	 * in this process: the exec of the next energyd would close it, and
	 * that close waits for an energyd. */
	const char *paths[3] = { E2E_MNT "/cgroup", E2E_MNT "/sys", NULL };
	int status;
	struct sysd s;
	char buf[256];
	ssize_t n;

	if (!ASSERT_EQ(sysd_open(&s), 0, "bind the notification socket " NOTIFY_PATH))
		goto cleanup;
	pid = e2e_spawn_energyd_with(HANDOVER_LOG, NULL, 0, as_systemd_child, NULL);
	if (!ASSERT_TRUE(sysd_wait_ready(&s, 20000), "the first energyd says READY=1"))
		goto cleanup;
	if (!ASSERT_TRUE(stored(&s, "fuse") && stored(&s, "fuse-init"),
			 "it stored the fds 'fuse' and 'fuse-init'"))
		goto cleanup;
	/* Before the pipes, so that it holds none of their ends. */
	if (!ASSERT_EQ(child_spawn(&spinner, NULL, spin, NULL), 0, "fork the spinner"))
		goto cleanup;
	if (!ASSERT_EQ(pipe2(stop, O_CLOEXEC), 0, "pipe"))
		goto cleanup;
	for (int i = 0; i < 3; i++) {
		if (!ASSERT_EQ(pipe2(res[i], O_CLOEXEC), 0, "pipe"))
			goto cleanup;
		fflush(NULL);
		rd[i] = fork();
		if (!rd[i]) {
			close(stop[1]);
			reader(paths[i], stop[0], res[i][1]);
		}
		close(res[i][1]);
		res[i][1] = -1;
	}
	close(stop[0]);
	stop[0] = -1;
	usleep(500 * 1000);
	/* cgroup lists it from the first window boundary after its fork. */
	WAIT_UNTIL((before = counts_read(spinner.pid)).ok, E2E_SETTLE_MS);

	status = reap(pid, SIGKILL);
	pid = 0;
	ASSERT_TRUE(WIFSIGNALED(status), "the first energyd was killed");
	usleep(300 * 1000);	/* the readers wait meanwhile */
	pid = e2e_spawn_energyd_with(HANDOVER_LOG ".2", NULL, 0,
				     as_systemd_child, &s);
	if (!ASSERT_TRUE(sysd_wait_ready(&s, 20000), "the next energyd says READY=1"))
		goto cleanup;
	printf("  fs_handover: %d fds stored unwatched (FDPOLL=0), %d watched ones dropped at POLLERR/POLLHUP as systemd does\n",
	       s.unwatched, s.dropped);
	ASSERT_EQ(s.dropped, 0, "systemd keeps every stored fd: the BPF ones go unwatched");
	ASSERT_TRUE(is_fuse(E2E_MNT), E2E_MNT " is the same FUSE mount");
	/* Stopped, its runtime holds still: all catches up with it exactly. */
	kill(spinner.pid, SIGSTOP);
	if (ASSERT_TRUE(child_wait_stopped(&spinner, "the spinner"), "the spinner stops"))
		WAIT_UNTIL((after = counts_read(spinner.pid)).ok && after.cpu == after.sched,
			   E2E_SETTLE_MS);
	counts_go_on(&before, &after);
	ASSERT_TRUE(system("grep -q 'took over the BPF maps' " HANDOVER_LOG ".2") == 0 &&
		    system("grep -q 'took over the counts' " HANDOVER_LOG ".2") == 0,
		    "the next energyd took over the BPF maps and links, and the counts");
	usleep(800 * 1000);
	close(stop[1]);
	stop[1] = -1;
	for (int i = 0; i < 3; i++) {
		const char *what = paths[i] ? paths[i] : "sys opened before the kill";
		unsigned long reads = 0, bad = ~0UL;
		char first[160] = "";

		struct pollfd p = { res[i][0], POLLIN, 0 };

		if (poll(&p, 1, 10000) != 1 && !resend_kernel()) {
			/* A request the killed energyd had read: before 6.9
			 * nothing asks the kernel to send it again. */
			printf("  fs_handover: %s: the reader waits on a request the killed energyd read; Linux before 6.9 cannot send it again (README)\n",
			       what);
			continue;
		}
		n = read(res[i][0], buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		sscanf(buf, "%lu %lu %159[^\n]", &reads, &bad, first);
		reap(rd[i], 0);
		rd[i] = 0;
		printf("  fs_handover: %s: %lu reads across the kill, %lu failed%s%s\n",
		       what, reads, bad, *first ? "; first: " : "", first);
		ASSERT_GE(reads, paths[i] ? 20 : 1, "the reader read all along");
		ASSERT_EQ(bad, 0, "no read failed, none was empty");
	}
	ASSERT_TRUE(system("grep -q 'handed over' " HANDOVER_LOG ".2") == 0,
		    "the next energyd logged that it serves the connection handed over");

	s.removed = 0;
	status = reap_pumping(&s, pid, SIGTERM);
	pid = 0;
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit 0 on SIGTERM");
	while (sysd_pump(&s, 200))
		;
	ASSERT_TRUE(!is_fuse(E2E_MNT), "a stop with no restart after it unmounts");
	ASSERT_TRUE(!stored(&s, "fuse") && !stored(&s, "fuse-init") && s.removed >= 2,
		    "and takes its fds out of the store");
	ASSERT_EQ(s.nstore, 0, "every fd it stored, the BPF maps and links and the state too");
cleanup:
	child_kill(&spinner);
	if (stop[1] >= 0)
		close(stop[1]);
	if (stop[0] >= 0)
		close(stop[0]);
	sysd_close(&s);		/* no energyd: the connection ends */
	for (int i = 0; i < 3; i++) {
		if (rd[i] > 0)
			reap(rd[i], SIGKILL);
		if (res[i][0] >= 0)
			close(res[i][0]);
		if (res[i][1] >= 0)
			close(res[i][1]);
	}
	if (pid > 0)
		reap(pid, SIGKILL);
	if (is_fuse(E2E_MNT))
		umount2(E2E_MNT, MNT_DETACH);
	if (test__failures)
		system("sed 's/^/  energyd| /' " HANDOVER_LOG " " HANDOVER_LOG ".2 >&2");
}
