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
#include <signal.h>
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
	pid_t pid = 0;
	int status;

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
	pid = e2e_spawn_energyd(LOG, extra, 0);
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

	kill(pid, SIGTERM);
	ASSERT_TRUE(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0, "exit 0 on SIGTERM");
	pid = 0;
cleanup:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (test__failures)
		system("sed 's/^/  energyd| /' " LOG " >&2");
	unlink(CONF);
}
