// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Prometheus exposition: checked by promtool, its figures compared
 * with the kernel's.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

/* Runs promtool check metrics on @text; true when it found no problem. */
static bool promtool_ok(const char *text, size_t len)
{
	FILE *p = popen("promtool check metrics", "w");
	int status;

	if (!p) {
		fprintf(stderr, "  promtool: %m\n");
		return false;
	}
	fwrite(text, 1, len, p);
	status = pclose(p);
	return status != -1 && WIFEXITED(status) && !WEXITSTATUS(status);
}

/* The value of the sample @series ("name{labels}") in @text, or -1. */
double metrics_value(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : l)
		if (!strncmp(l, series, n) && l[n] == ' ')
			return strtod(l + n + 1, NULL);
	return -1;
}

static int burn_then_stop(void *arg)
{
	burn_cpu_ns(*(__u64 *)arg);
	raise(SIGSTOP);
	return 0;
}

/* The cgroup series of a cgroup made by the tests. */
void metrics_cgroup_series(char *buf, size_t len, const char *family,
			   const struct e2e_cg *cg)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", cg->path);
	snprintf(buf, len, "%s{cgroup=\"/%s\"}", family, basename(path));
}

/*
 * A second of CPU in a test cgroup: the metrics file passes promtool, and
 * its cgroup CPU seconds agree with the cgroup's cpu.stat within 5 %.
 * nobody may not read it (checked in fs_nobody).
 */
void fs_metrics(void)
{
	struct e2e_work w = {};
	struct e2e_child c = {};
	__u64 burn = 1000000000ULL, usec = 0;
	char series[PATH_MAX + 64];
	char *text = NULL;
	size_t len = 0;
	double got = -1;

	if (!work_begin(&w, true))
		goto cleanup;
	if (!work_spawn_stopped(&w, &c, burn_then_stop, &burn, "burner",
				"the burner used its second and stopped"))
		goto cleanup;
	if (!ASSERT_EQ(cg_cpu_usage_usec(&w.cg, &usec), 0, "read cpu.stat"))
		goto cleanup;
	metrics_cgroup_series(series, sizeof(series),
			      "energyd_cgroup_cpu_seconds_total", &w.cg);
	WAIT_UNTIL((free(text), text = e2e_read_file(E2E_MNT "/metrics", &len),
		    got = text ? metrics_value(text, series) : -1,
		    near(got, usec / 1e6, 0.05)), E2E_SETTLE_MS);
	if (!ASSERT_TRUE(text, "metrics read"))
		goto cleanup;
	fprintf(stderr, "  metrics: %zu bytes, cpu.stat %.6f s, %s %.6f (%+.2f%%)\n",
		len, usec / 1e6, series, got,
		usec ? 100.0 * (got - usec / 1e6) / (usec / 1e6) : 0.0);
	/* The guest of make check-kernels carries no promtool; the format
	 * does not depend on the kernel. */
	if (e2e_emulated() && system("command -v promtool >/dev/null 2>&1"))
		fprintf(stderr, "  metrics: no promtool in the guest: checked on the host\n");
	else
		ASSERT_TRUE(promtool_ok(text, len), "promtool check metrics passes");
	ASSERT_NEAR(got, usec / 1e6, 0.05, "cgroup CPU seconds vs cpu.stat");
	ASSERT_TRUE(metrics_value(text, "energyd_samples_total") > 0, "samples");
	ASSERT_TRUE(strstr(text, "\nenergyd_node_energy_joules_total{domain=\""),
		    "node energy");
cleanup:
	free(text);
	work_end(&w);
}
