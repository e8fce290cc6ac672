// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyd.conf: read at start under the options, refused with FILE:LINE
 * when bad, read again on SIGHUP outside systemd (a bad file refused whole,
 * the running values kept).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define CONF	"/tmp/energyd-e2e.conf"
#define LOG	"/tmp/energyd-e2e-config.log"

static bool put_conf(const char *text)
{
	FILE *f = fopen(CONF ".new", "w");
	bool ok = f && fputs(text, f) >= 0;

	ok = f && !fclose(f) && ok;
	/* Whole or not at all, as an editor saves it. */
	return ok && !rename(CONF ".new", CONF);
}

static bool log_holds(const char *text)
{
	char *t = e2e_read_file(LOG, NULL);
	bool ok = t && strstr(t, text);

	free(t);
	return ok;
}

#define NOTIFY	"/tmp/energyd-e2e-notify.sock"

/* systemd's side of sd_notify: a datagram socket at NOTIFY. */
static int notify_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = NOTIFY };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	unlink(NOTIFY);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The next message on @fd, NUL-terminated in @msg, within what is left of
 * 10 s (@waited, in ms): its length, 0 at the time-out, -1 on error. */
static ssize_t next_msg(int fd, char *msg, size_t len, int *waited)
{
	while (*waited < 10000) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0) {
			*waited += 100;
			continue;
		}
		n = recv(fd, msg, len - 1, 0);
		if (n <= 0)
			return -1;
		msg[n] = '\0';
		return n;
	}
	return 0;
}

/* Waits up to 10 s for a message holding the line @want (and @also,
 * when not NULL); messages before it are passed over. */
static bool notified(int fd, const char *want, const char *also)
{
	char msg[4096];
	int waited = 0;

	while (next_msg(fd, msg, sizeof(msg), &waited) > 0)
		if (strstr(msg, want) && (!also || strstr(msg, also)))
			return true;
	return false;
}

/*
 * Whether both @a and @b come within 10 s, in messages of their own or in
 * one, in either order: the sampler's first STATUS= may come before
 * READY=1.
 */
static bool notified_both(int fd, const char *a, const char *b)
{
	char msg[4096];
	bool seen_a = false, seen_b = false;
	int waited = 0;

	while (!(seen_a && seen_b) &&
	       next_msg(fd, msg, sizeof(msg), &waited) > 0) {
		seen_a = seen_a || strstr(msg, a);
		seen_b = seen_b || strstr(msg, b);
	}
	return seen_a && seen_b;
}

/*
 * Wait for @pid to exit while reading @fd, as systemd does: on its way out
 * energyd removes what it stored (FDSTOREREMOVE=1, one message a name), and
 * a socket nobody reads would block it once its queue is full.
 */
static bool exited_draining(int fd, pid_t pid, int *status)
{
	char msg[4096];

	for (int waited = 0; waited < 10000; waited += 10) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		if (poll(&p, 1, 10) > 0 && recv(fd, msg, sizeof(msg), 0) < 0)
			return false;
	}
	return false;
}

static int exit_of(const char *const *extra)
{
	pid_t pid = e2e_spawn_energyd(LOG, extra, 0);
	int status;

	if (pid <= 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Bad lines stop the start with the file and line; the options win over
 * the file; SIGHUP applies a good file and refuses a bad one whole. */
void daemon_config(void)
{
	const char *extra[] = { "--config", CONF, "--window-ns", "400000000", NULL };
	int status, nfd = -1;
	bool gone;
	pid_t pid = 0;

	/* The shared daemon holds the lock and the mount. */
	e2e_daemon_stop(&status);
	ASSERT_TRUE(put_conf("# test\nwindow_ns = 300000000\nsample_ns = 5 ms\n"), "bad file");
	ASSERT_EQ(exit_of(extra), 2, "a bad line stops the start: exit 2");
	ASSERT_TRUE(log_holds(CONF ":3: sample_ns: '5 ms' is not a number of nanoseconds"),
		    "FILE:LINE: reason");
	ASSERT_TRUE(put_conf("energy_source = rapl\n"), "bad source");
	ASSERT_EQ(exit_of(extra), 2, "an unknown source: exit 2");
	ASSERT_TRUE(log_holds(CONF ":1: energy_source: 'rapl' is not one of"), "its line");
	ASSERT_TRUE(access(ENERGY_PIN_DIR, F_OK) && errno == ENOENT, "nothing pinned");

	ASSERT_TRUE(put_conf("mountpoint = " E2E_MNT "\n"
			     "window_ns = 800000000   # the option wins\n"
			     "carbon_g_per_kwh = 300\n"
			     "idle_mw = 1234\n"
			     "w_wakeups = 17\n"), "good file");
	nfd = notify_open();
	ASSERT_TRUE(nfd >= 0, "notification socket");
	setenv("NOTIFY_SOCKET", NOTIFY, 1);
	pid = e2e_spawn_energyd(LOG, extra, 0);
	unsetenv("NOTIFY_SOCKET");
	ASSERT_TRUE(notified_both(nfd, "READY=1", "processes tracked"),
		    "READY=1, and STATUS= with the processes tracked");
	if (!ASSERT_TRUE(WAIT_UNTIL(e2e_param_read("idle_mw") == 1234,
				    E2E_SETTLE_MS * 5), "the file's idle_mw in force"))
		goto cleanup;
	ASSERT_EQ(e2e_param_read("carbon_g_per_kwh"), 300, "the file's carbon intensity");
	ASSERT_EQ(e2e_param_read("w_wakeups"), 17, "the file's weight");
	ASSERT_EQ(e2e_param_read("window_ns"), 400000000, "--window-ns wins over the file");
	ASSERT_EQ(e2e_param_read("sample_ns"), 10000000, "--sample-ns wins");

	ASSERT_TRUE(put_conf("carbon_g_per_kwh = 250\nwindow_ns = 900000000\n"
			     "sample_ns = 20000000\n"), "new file");
	kill(pid, SIGHUP);
	ASSERT_TRUE(notified(nfd, "RELOADING=1", "MONOTONIC_USEC="),
		    "RELOADING=1 with MONOTONIC_USEC=");
	ASSERT_TRUE(notified(nfd, "READY=1", NULL), "READY=1 after the reload");
	ASSERT_TRUE(WAIT_UNTIL(e2e_param_read("carbon_g_per_kwh") == 250, E2E_SETTLE_MS),
		    "SIGHUP: the new carbon intensity");
	ASSERT_TRUE(WAIT_UNTIL(log_holds(CONF ": reloaded, "), E2E_SETTLE_MS), "reload logged");
	ASSERT_EQ(e2e_param_read("idle_mw"), 0, "idle_mw left the file: back to the default");
	ASSERT_EQ(e2e_param_read("window_ns"), 400000000, "the option still wins");
	ASSERT_EQ(e2e_param_read("sample_ns"), 10000000, "the option still wins");

	ASSERT_TRUE(put_conf("carbon_g_per_kwh = 100\n\nidle_mw = lots\n"), "bad file");
	kill(pid, SIGHUP);
	ASSERT_TRUE(WAIT_UNTIL(log_holds(CONF ":3: idle_mw: 'lots' is not a number of milliwatts"),
			       E2E_SETTLE_MS), "the bad file named with its line");
	ASSERT_TRUE(log_holds("the running one kept"), "and refused");
	ASSERT_EQ(e2e_param_read("carbon_g_per_kwh"), 250,
		  "nothing of the bad file applied (its good first line neither)");
	ASSERT_EQ(e2e_param_read("idle_mw"), 0, "idle_mw as it was");
	ASSERT_TRUE(kill(pid, 0) == 0, "still running");
	ASSERT_TRUE(notified(nfd, "READY=1", NULL), "READY=1 after the refused reload too");

	kill(pid, SIGTERM);
	ASSERT_TRUE(notified(nfd, "STOPPING=1", NULL), "STOPPING=1 on SIGTERM");
	gone = exited_draining(nfd, pid, &status);
	ASSERT_TRUE(gone && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "exit 0 on SIGTERM");
	if (gone)
		pid = 0;
cleanup:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (test__failures)
		system("sed 's/^/  energyd| /' " LOG " >&2");
	if (nfd >= 0)
		close(nfd);
	unlink(NOTIFY);
	unlink(CONF);
}
