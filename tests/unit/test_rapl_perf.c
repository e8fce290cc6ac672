// SPDX-License-Identifier: GPL-2.0-only
/* RAPL's perf source (rapl/perf.c): a fixture PMU directory, and the whole
 * path on the software cpu-clock where CPU-wide perf events are allowed. */
#include <errno.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>

#include "rapl.h"
#include "rapl_fixture.h"
#include "unit.h"

/* A perf PMU directory: @type, @cpumask, and energy-pkg, energy-cores,
 * energy-ram without a scale, energy-psys in Watts. */
static bool put_perf(const char *dir, const char *type, const char *cpumask,
		     const char *pkg_event, const char *pkg_scale,
		     const char *cores_event)
{
	return put_file(dir, "perf/type", type) &&
	       put_file(dir, "perf/cpumask", cpumask) &&
	       put_file(dir, "perf/events/energy-pkg", pkg_event) &&
	       put_file(dir, "perf/events/energy-pkg.scale", pkg_scale) &&
	       put_file(dir, "perf/events/energy-pkg.unit", "Joules\n") &&
	       put_file(dir, "perf/events/energy-cores", cores_event) &&
	       put_file(dir, "perf/events/energy-cores.scale", "2.3283064365386962890625e-10\n") &&
	       put_file(dir, "perf/events/energy-ram", "event=0x03\n") &&
	       put_file(dir, "perf/events/energy-psys", "event=0x05\n") &&
	       put_file(dir, "perf/events/energy-psys.scale", "2.3283064365386962890625e-10\n") &&
	       put_file(dir, "perf/events/energy-psys.unit", "Watts\n");
}

void test_rapl_perf_fixture(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	char path[PATH_MAX + 32];
	struct rapl_perf_info *info = calloc(1, sizeof(*info));
	__u64 sum[RAPL_DOMAINS] = { 1 }, rem = 0;
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct capture cap;
	struct fx fx;

	if (!ASSERT_TRUE(info, "calloc") || !ASSERT_TRUE(fx_init(&fx), "mkdtemp")) {
		free(info);
		return;
	}
	fx_opts(&fx, &o, RAPL_SRC_PERF, perf, pc, msr);
	if (!ASSERT_TRUE(put_perf(fx.dir, "4242\n", "0,8\n", "event=0x02\n",
				  "2.3283064365386962890625e-10\n",
				  "event=0x01\n"), "fixture"))
		goto cleanup;
	if (!ASSERT_EQ(rapl_perf_scan(perf, info), 0, "scan"))
		goto cleanup;
	ASSERT_EQ(info->type, 4242, "type");
	ASSERT_EQ(info->ncpus, 2, "two packages");
	ASSERT_TRUE(info->cpus[0] == 0 && info->cpus[1] == 8, "CPUs 0 and 8");
	ASSERT_EQ(info->domains, D(RAPL_PKG) | D(RAPL_CORE),
		  "no scale, not joules: not counted");
	ASSERT_EQ(info->config[RAPL_PKG], 2, "pkg event");
	ASSERT_EQ(info->config[RAPL_CORE], 1, "cores event");
	ASSERT_EQ(rapl_conv_uj(&info->conv[RAPL_PKG], 1ULL << 32, &rem),
		  1000000, "scale");

	/* no such PMU type: perf_event_open fails; asked for, an error */
	ASSERT_EQ(t_open(&r, &o, log), -ENODEV, "rapl_open, perf asked for");
	ASSERT_TRUE(!r, "nothing returned");
	ASSERT_TRUE(strstr(log, "rapl: perf: energy-pkg on CPU 0: "), log);
	ASSERT_EQ(lines(log), 2, log);	/* the cause, then the refusal */
	/* probed for, the source is absent */
	o.want = RAPL_SRC_AUTO;
	o.powercap_dir = o.msr_dir = "/nonexistent";
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	ASSERT_EQ(rapl_source(r), RAPL_SRC_NONE, log);
	ASSERT_EQ(rapl_domains(r), 0, "no domain");
	ASSERT_EQ(rapl_packages(r), 0, "no package");
	ASSERT_TRUE(strstr(log, "rapl: perf: energy-pkg on CPU 0: "), log);
	ASSERT_TRUE(strstr(log, "no energy source"), log);
	ASSERT_EQ(t_read(r, sum, log), 0, "read with no source");
	ASSERT_TRUE(!sum[0] && !sum[RAPL_PSYS], "zeros");
	rapl_close(r);
	r = NULL;

	/* malformed directories */
	if (!ASSERT_TRUE(capture_start(&cap), "capture"))
		goto cleanup;
	put_file(fx.dir, "perf/type", "power\n");
	ASSERT_EQ(rapl_perf_scan(perf, info), -EINVAL, "type not a number");
	put_file(fx.dir, "perf/type", "4242\n");
	put_file(fx.dir, "perf/cpumask", "\n");
	ASSERT_EQ(rapl_perf_scan(perf, info), -EINVAL, "empty cpumask");
	put_file(fx.dir, "perf/cpumask", "0\n");
	put_file(fx.dir, "perf/events/energy-pkg.scale", "-1\n");
	ASSERT_EQ(rapl_perf_scan(perf, info), -EINVAL, "negative scale");
	put_file(fx.dir, "perf/events/energy-pkg.scale", "2.3283064365386962890625e-10\n");
	put_file(fx.dir, "perf/events/energy-pkg", "event=0x02,umask=0x1\n");
	ASSERT_EQ(rapl_perf_scan(perf, info), -EINVAL, "unknown term");
	snprintf(path, sizeof(path), "%s/events/energy-pkg", perf);
	unlink(path);
	ASSERT_EQ(rapl_perf_scan(perf, info), -ENOENT, "no energy-pkg");
	snprintf(path, sizeof(path), "%s/type", perf);
	unlink(path);
	ASSERT_EQ(rapl_perf_scan(perf, info), -ENOENT, "no type");
	capture_end(&cap, log, sizeof(log));
	ASSERT_EQ(lines(log), 6, log);
	ASSERT_TRUE(strstr(log, "perf/type: No such file or directory"), log);
cleanup:
	rapl_close(r);
	free(info);
	test_rm_tree(fx.dir);
}

/* The whole perf path on a real counter: the software cpu-clock dressed as
 * energy-pkg, 1 ns counting 1 nJ. */
void test_rapl_perf_sw_clock(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
	};
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048], type[16];
	struct timespec ts = { 0, 50000000 };
	__u64 sum[RAPL_DOMAINS], before;
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct fx fx;
	int fd;

	fd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, 0);
	if (fd < 0) {
		TEST_SKIP("no CPU-wide perf events here");
		return;
	}
	close(fd);
	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	snprintf(type, sizeof(type), "%d\n", PERF_TYPE_SOFTWARE);
	if (!ASSERT_TRUE(put_perf(fx.dir, type, "0\n", "event=0x0\n", "1e-9\n",
				  "event=0x0\n"), "fixture"))
		goto cleanup;
	fx_opts(&fx, &o, RAPL_SRC_AUTO, perf, pc, msr);
	o.probe_wait = NULL;
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	if (!ASSERT_EQ(rapl_source(r), RAPL_SRC_PERF, log))
		goto cleanup;
	/* the cores event counts too (2^-32 J per ns), psys in Watts not */
	ASSERT_EQ(rapl_domains(r), D(RAPL_PKG) | D(RAPL_CORE), log);
	ASSERT_EQ(rapl_packages(r), 1, "one CPU in the mask");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	before = sum[RAPL_PKG];
	nanosleep(&ts, NULL);
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	ASSERT_NEAR(sum[RAPL_PKG] - before, 50000, 0.5, "50 ms: 50000 uJ");
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}
