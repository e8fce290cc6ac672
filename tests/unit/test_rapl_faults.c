// SPDX-License-Identifier: GPL-2.0-only
/*
 * RAPL faults mid-run on the msr fixture: CPUs going offline (their file
 * truncated and removed, as a read of an offline CPU's msr fails), a move
 * to another CPU of the package, a stand-in whose unit register reads 0,
 * a counter going back, and nothing left that reads. Each is logged once,
 * counted per domain, and the counters that read keep counting.
 */
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "rapl.h"
#include "rapl_fixture.h"
#include "unit.h"

#define ONE_J		16384ULL	/* counts of 2^-14 J */

/* CPU @cpu of the fixture in package @pkg, with pkg and dram at @v. */
static bool fx_cpu(struct fx *fx, int cpu, int pkg, __u64 unit, __u64 v)
{
	char rel[64], id[16];

	snprintf(rel, sizeof(rel), "msr/%d/physical_package_id", cpu);
	snprintf(id, sizeof(id), "%d\n", pkg);
	return put_msr(fx->dir, cpu, 0x606, unit) &&
	       put_msr(fx->dir, cpu, 0x611, v) &&
	       put_msr(fx->dir, cpu, 0x619, v) && put_file(fx->dir, rel, id);
}

/* CPU @cpu goes offline: its file reads short, then is gone. */
static bool fx_offline(struct fx *fx, int cpu)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/msr/%d/msr", fx->dir, cpu);
	return !truncate(path, 0) && !unlink(path);
}

void test_rapl_msr_rebind(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	__u64 sum[RAPL_DOMAINS], pkg;
	struct rapl_health h;
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct fx fx;
	int c0, c2;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	fx.esu = 14;
	/* package 0: CPUs 0, 1 and 4 (whose unit reads 0); package 1: CPU 2 */
	if (!ASSERT_TRUE(fx_cpu(&fx, 0, 0, ESU14, 0) && fx_cpu(&fx, 1, 0, ESU14, 5000) &&
			 fx_cpu(&fx, 4, 0, 0, 9000) && fx_cpu(&fx, 2, 1, ESU14, 0),
			 "fixture"))
		goto cleanup;
	c0 = fx_add_msr(&fx, RAPL_PKG, 0, 0x611, 100);
	c2 = fx_add_msr(&fx, RAPL_PKG, 2, 0x611, 100);
	if (!ASSERT_TRUE(c0 >= 0 && c2 >= 0, "counters"))
		goto cleanup;
	fx_opts(&fx, &o, RAPL_SRC_MSR, perf, pc, msr);
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open") ||
	    !ASSERT_EQ(rapl_source(r), RAPL_SRC_MSR, log))
		goto cleanup;
	ASSERT_EQ(rapl_packages(r), 2, "CPUs 0 and 2: two packages");
	ASSERT_EQ(rapl_domains(r), D(RAPL_PKG), "pkg moved, dram did not");
	fx.tick_ns = 100000000;		/* a read every 100 ms */
	ASSERT_EQ(t_read(r, sum, log), 0, "first read");
	pkg = sum[RAPL_PKG];

	/* CPU 0 goes offline: package 0 is read on CPU 1 from its reading */
	ASSERT_TRUE(fx_offline(&fx, 0) && fx_advance(&fx, c2, ONE_J), "CPU 0 off");
	ASSERT_EQ(t_read(r, sum, log), 0, "read, moved");
	ASSERT_EQ(sum[RAPL_PKG] - pkg, 1000000, "package 1 counted, 0 restarts");
	ASSERT_TRUE(strstr(log, "/msr/0/msr pkg (0x611): short read"), log);
	ASSERT_TRUE(strstr(log, "rapl: msr: CPU 0 fails, its package is read on CPU 1 from now on"),
		    log);
	ASSERT_EQ(lines(log), 2, log);
	rapl_health(r, &h);
	ASSERT_EQ(h.rebinds, 1, "one move");
	ASSERT_EQ(h.errors[RAPL_PKG], 1, "one failed read");
	ASSERT_EQ(h.measuring, D(RAPL_PKG), "pkg measures");

	/* CPU 1 counts on from 5000 */
	pkg = sum[RAPL_PKG];
	ASSERT_TRUE(put_msr(fx.dir, 1, 0x611, 5000 + 2 * ONE_J), "CPU 1 on");
	ASSERT_EQ(t_read(r, sum, log), 0, "read on CPU 1");
	ASSERT_EQ(sum[RAPL_PKG] - pkg, 2000000, "2 J on CPU 1");
	ASSERT_EQ(log[0], '\0', log);

	/* CPU 1's counter goes back, twice: refused, logged once */
	pkg = sum[RAPL_PKG];
	ASSERT_TRUE(put_msr(fx.dir, 1, 0x611, 5000 + ONE_J), "back");
	ASSERT_EQ(t_read(r, sum, log), 0, "read back");
	ASSERT_TRUE(strstr(log, "above 1000 W: not counted"), log);
	ASSERT_EQ(lines(log), 1, log);
	ASSERT_TRUE(put_msr(fx.dir, 1, 0x611, 5000), "back again");
	ASSERT_EQ(t_read(r, sum, log), 0, "read back again");
	ASSERT_EQ(log[0], '\0', "not logged twice");
	ASSERT_EQ(sum[RAPL_PKG], pkg, "nothing counted");
	ASSERT_EQ(rapl_rejected(r), 2, "both refused");
	ASSERT_TRUE(put_msr(fx.dir, 1, 0x611, 5000 + ONE_J), "on");
	ASSERT_EQ(t_read(r, sum, log), 0, "read on");
	ASSERT_EQ(sum[RAPL_PKG] - pkg, 1000000, "counted from the new reading");

	/* CPU 1 offline too; CPU 4's unit reads 0: no move, package 1 counts */
	pkg = sum[RAPL_PKG];
	ASSERT_TRUE(fx_offline(&fx, 1) && fx_advance(&fx, c2, ONE_J), "CPU 1 off");
	ASSERT_EQ(t_read(r, sum, log), -ENODATA, "read, no move");
	ASSERT_EQ(sum[RAPL_PKG] - pkg, 1000000, "package 1 counts on");
	ASSERT_TRUE(strstr(log, "/msr/4/msr: unit register reads 0"), log);
	ASSERT_TRUE(strstr(log, "rapl: msr: CPU 1 fails and no other CPU of its package reads"),
		    log);
	ASSERT_EQ(lines(log), 3, log);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(t_read(r, sum, log), -ENODATA, "read");
		ASSERT_EQ(log[0], '\0', "not logged again");
	}
	rapl_health(r, &h);
	ASSERT_EQ(h.measuring, 0, "pkg is not whole");
	ASSERT_EQ(h.errors[RAPL_PKG], 5, "four failed reads since");

	/* package 1 goes too: nothing reads, said once */
	ASSERT_TRUE(fx_offline(&fx, 2), "CPU 2 off");
	ASSERT_EQ(t_read(r, sum, log), -ENODATA, "read nothing");
	ASSERT_TRUE(strstr(log, "rapl: msr: no counter reads: energy is not measured any more"),
		    log);
	ASSERT_TRUE(strstr(log, "CPU 2 fails and no other CPU of its package reads"), log);
	ASSERT_EQ(t_read(r, sum, log), -ENODATA, "read nothing again");
	ASSERT_EQ(log[0], '\0', "not logged again");
	rapl_health(r, &h);
	ASSERT_EQ(h.errors[RAPL_PKG], 9, "both packages' reads");
	ASSERT_EQ(h.rebinds, 1, "still one move");
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}

/* A counter that fails for a while counts its whole gap when it reads
 * again, judged against the power ceiling over the whole gap: 500 W for
 * 1 s is 500 J, not 500 J in one 100 ms sample. */
void test_rapl_gap_ceiling(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048], path[PATH_MAX];
	__u64 sum[RAPL_DOMAINS], pkg;
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct fx fx;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	if (!ASSERT_TRUE(fx_intel(&fx), "fixture"))
		goto cleanup;
	fx_opts(&fx, &o, RAPL_SRC_MSR, perf, pc, msr);
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	fx.tick_ns = 100000000;
	ASSERT_EQ(t_read(r, sum, log), 0, "first read");
	pkg = sum[RAPL_PKG];
	snprintf(path, sizeof(path), "%s/msr/0/msr", fx.dir);
	if (!ASSERT_EQ(truncate(path, 0x610), 0, "package 0 fails"))
		goto cleanup;
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(t_read(r, sum, log), -ENODATA, "failing");
	/* back, 500 J on: 8192000 counts of 2^-14 J */
	ASSERT_TRUE(fx_advance(&fx, 0, 8192000) && fx_advance(&fx, 1, 0) &&
		    fx_advance(&fx, 2, 0) && fx_advance(&fx, 3, 0), "back");
	ASSERT_EQ(t_read(r, sum, log), 0, "read again");
	ASSERT_EQ(sum[RAPL_PKG] - pkg, 500000000, "500 J over 1.1 s counted");
	ASSERT_EQ(rapl_rejected(r), 0, "not refused");
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}
