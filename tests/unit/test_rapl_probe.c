// SPDX-License-Identifier: GPL-2.0-only
/* RAPL's open, probe and read (rapl/rapl.c): the sources tried in turn,
 * counters that do not move, bad fixtures, failing reads, sources forced. */
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <sys/stat.h>

#include "rapl.h"
#include "rapl_fixture.h"
#include "unit.h"

void test_rapl_probe(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct fx fx, only;
	int msr_pkg = -1;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	fx.esu = 14;
	if (!ASSERT_TRUE(fx_add_zone(&fx, RAPL_PKG, "intel-rapl:0", "package-0", 5) >= 0 &&
			 put_msr(fx.dir, 0, 0x606, ESU14) &&
			 (msr_pkg = fx_add_msr(&fx, RAPL_PKG, 0, 0x611, 1)) >= 0 &&
			 fx_add_msr(&fx, RAPL_DRAM, 0, 0x619, 1) >= 0,
			 "fixture"))
		goto cleanup;

	/* nothing moves over a real (short) wait: nothing is found */
	fx_opts(&fx, &o, RAPL_SRC_AUTO, perf, pc, msr);
	o.probe_wait = NULL;
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	ASSERT_EQ(rapl_source(r), RAPL_SRC_NONE, log);
	ASSERT_TRUE(strstr(log, "rapl: perf: "), log);
	ASSERT_TRUE(strstr(log, "rapl: powercap: no counter moved in 1 ms"), log);
	ASSERT_TRUE(strstr(log, "rapl: msr: no counter moved in 1 ms"), log);
	ASSERT_TRUE(strstr(log, "rapl: no energy source (auto)"), log);
	ASSERT_EQ(lines(log), 4, log);
	rapl_close(r);
	r = NULL;

	/* powercap still, the msr package moving: auto falls through to
	 * msr and keeps only the domain that moved */
	only = fx;
	only.n = 1;
	only.c[0] = fx.c[msr_pkg];
	only.probe_by = 3;
	o.probe_wait = fx_probe_hook;
	o.probe_arg = &only;
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	ASSERT_EQ(rapl_source(r), RAPL_SRC_MSR, log);
	ASSERT_EQ(rapl_domains(r), D(RAPL_PKG), "dram did not move");
	ASSERT_TRUE(strstr(log, "rapl: powercap: no counter moved"), log);
	rapl_close(r);
	r = NULL;

	/* only dram moves: no package counter, no source */
	only.c[0] = fx.c[msr_pkg + 1];
	fx_opts(&fx, &o, RAPL_SRC_MSR, perf, pc, msr);
	o.probe_arg = &only;
	ASSERT_EQ(t_open(&r, &o, log), -ENODEV, "rapl_open");
	ASSERT_TRUE(!r, "nothing returned");
	ASSERT_TRUE(strstr(log, "rapl: msr: the package counter did not move"),
		    log);
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}

/* rapl_open on the fixture at @fx finds nothing, logging @cause. */
static void expect_none(struct fx *fx, enum rapl_source want,
			const char *cause, const char *what)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048], w[128];
	__u64 sum[RAPL_DOMAINS] = { 9, 9, 9, 9, 9 };
	struct rapl_opts o;
	struct rapl *r = NULL;

	/* Asked for by name: an error, with the cause. */
	fx_opts(fx, &o, want, perf, pc, msr);
	fx->probe_by = 100;
	snprintf(w, sizeof(w), "%s: rapl_open, source asked for", what);
	ASSERT_EQ(t_open(&r, &o, log), -ENODEV, w);
	ASSERT_TRUE(!r, w);
	ASSERT_TRUE(strstr(log, cause), log);
	ASSERT_TRUE(strstr(log, "was asked for (--energy-source) and cannot be used"),
		    log);
	ASSERT_EQ(lines(log), 2, log);	/* the cause, then the refusal */
	rapl_close(r);
	r = NULL;

	/* Found by probing: source none, with the cause. */
	fx_opts(fx, &o, RAPL_SRC_AUTO, perf, pc, msr);
	fx->probe_by = 100;
	snprintf(w, sizeof(w), "%s: rapl_open, auto", what);
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, w))
		return;
	snprintf(w, sizeof(w), "%s: source none", what);
	ASSERT_EQ(rapl_source(r), RAPL_SRC_NONE, w);
	ASSERT_EQ(rapl_domains(r), 0, w);
	ASSERT_EQ(rapl_packages(r), 0, w);
	ASSERT_EQ(rapl_read(r, sum), 0, w);
	for (int d = 0; d < RAPL_DOMAINS; d++)
		ASSERT_EQ(sum[d], 0, w);
	ASSERT_TRUE(strstr(log, cause), log);
	ASSERT_TRUE(strstr(log, "no energy source"), log);
	rapl_close(r);
}

void test_rapl_bad_fixtures(void)
{
	char path[PATH_MAX], cause[PATH_MAX + 256];
	struct fx fx;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;

	/* a file ending before the package register */
	if (!ASSERT_TRUE(put_msr(fx.dir, 0, 0x606, ESU14), "fixture"))
		goto cleanup;
	snprintf(cause, sizeof(cause),
		 "rapl: msr: %s/msr/0/msr: package energy (0x611): short read",
		 fx.dir);
	expect_none(&fx, RAPL_SRC_MSR, cause, "truncated");

	/* zero unit */
	if (!ASSERT_TRUE(put_msr(fx.dir, 0, 0x606, 0) &&
			 fx_add_msr(&fx, RAPL_PKG, 0, 0x611, 1) >= 0, "fixture"))
		goto cleanup;
	snprintf(cause, sizeof(cause),
		 "rapl: msr: %s/msr/0/msr: unit register reads 0", fx.dir);
	expect_none(&fx, RAPL_SRC_MSR, cause, "zero unit");

	/* a second package whose file cannot be read */
	if (!ASSERT_TRUE(put_msr(fx.dir, 0, 0x606, ESU14), "fixture"))
		goto cleanup;
	snprintf(path, sizeof(path), "%s/msr/1/msr", fx.dir);
	if (geteuid()) {
		if (!ASSERT_TRUE(put_msr(fx.dir, 1, 0x611, 1) &&
				 !chmod(path, 0), "chmod"))
			goto cleanup;
		snprintf(cause, sizeof(cause), "rapl: msr: %s: Permission denied",
			 path);
	} else {
		/* root reads anything: a directory fails at pread */
		if (!ASSERT_TRUE(mk_dirs(fx.dir, "msr/1/msr", true), "mkdir"))
			goto cleanup;
		snprintf(cause, sizeof(cause),
			 "rapl: msr: %s: no RAPL unit register (0x606: Is a directory, 0xc0010299: Is a directory)",
			 path);
	}
	expect_none(&fx, RAPL_SRC_MSR, cause, "unreadable");
	test_rm_tree(fx.dir);

	/* powercap: a zone without max_energy_range_uj drops the source */
	if (!ASSERT_TRUE(!mkdir(fx.dir, 0700), "mkdir"))
		return;
	fx.n = 0;
	if (!ASSERT_TRUE(fx_add_zone(&fx, RAPL_PKG, "intel-rapl:0", "package-0", 1) >= 0 &&
			 fx_add_zone(&fx, RAPL_DRAM, "intel-rapl:0:0", "dram", 1) >= 0,
			 "fixture"))
		goto cleanup;
	snprintf(path, sizeof(path), "%s/pc/intel-rapl:0:0/max_energy_range_uj",
		 fx.dir);
	unlink(path);
	expect_none(&fx, RAPL_SRC_POWERCAP,
		    "rapl: powercap: intel-rapl:0:0: no max_energy_range_uj (No such file or directory)",
		    "no max range");
	put_file(fx.dir, "pc/intel-rapl:0:0/max_energy_range_uj", "0\n");
	expect_none(&fx, RAPL_SRC_POWERCAP,
		    "rapl: powercap: intel-rapl:0:0: max_energy_range_uj '0' is not a range",
		    "zero max range");
	put_file(fx.dir, "pc/intel-rapl:0:0/max_energy_range_uj", "1000\n");
	put_file(fx.dir, "pc/intel-rapl:0/energy_uj", "12ab\n");
	snprintf(cause, sizeof(cause),
		 "rapl: powercap: %s/pc/intel-rapl:0/energy_uj: not a number",
		 fx.dir);
	expect_none(&fx, RAPL_SRC_POWERCAP, cause, "not a number");
	snprintf(path, sizeof(path), "%s/pc/intel-rapl:0/energy_uj", fx.dir);
	unlink(path);
	mk_dirs(fx.dir, "pc/intel-rapl:0/energy_uj", true);
	snprintf(cause, sizeof(cause), "rapl: powercap: %s: Is a directory",
		 path);
	expect_none(&fx, RAPL_SRC_POWERCAP, cause, "energy_uj unreadable");
	test_rm_tree(path);
	put_file(fx.dir, "pc/intel-rapl:0/energy_uj", "");
	snprintf(cause, sizeof(cause), "rapl: powercap: %s: short read", path);
	expect_none(&fx, RAPL_SRC_POWERCAP, cause, "empty energy_uj");
cleanup:
	test_rm_tree(fx.dir);
}

void test_rapl_read_error(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048], path[PATH_MAX];
	__u64 sum[RAPL_DOMAINS], kept[RAPL_DOMAINS];
	struct rapl_health h;
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct fx fx;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	if (!ASSERT_TRUE(fx_intel(&fx), "fixture"))
		goto cleanup;
	fx_opts(&fx, &o, RAPL_SRC_MSR, perf, pc, msr);
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open") ||
	    !ASSERT_EQ(rapl_source(r), RAPL_SRC_MSR, log))
		goto cleanup;
	fx_reset_totals(&fx);
	for (int i = 0; i < fx.n; i++)
		ASSERT_TRUE(fx_advance(&fx, i, 1000 + i), "advance");
	ASSERT_EQ(t_read(r, kept, log), 0, "read");
	sums_match(&fx, kept);

	/* package 0's file loses its registers; package 1 moves on and is
	 * counted, package 0's counters count nothing and are counted as
	 * errors; there is no other CPU of package 0 to move to */
	snprintf(path, sizeof(path), "%s/msr/0/msr", fx.dir);
	if (!ASSERT_EQ(truncate(path, 0x610), 0, "truncate"))
		goto cleanup;
	ASSERT_TRUE(fx_advance(&fx, 4, 500), "advance");
	memset(sum, 0xff, sizeof(sum));
	ASSERT_EQ(t_read(r, sum, log), -ENODATA, "short read");
	ASSERT_EQ(sum[RAPL_PKG], kept[RAPL_PKG] + (500ULL * 1000000 >> 14),
		  "package 1's pkg counted");
	sums_match(&fx, sum);
	ASSERT_TRUE(strstr(log, "/msr/0/msr pkg (0x611): short read"), log);
	ASSERT_TRUE(strstr(log, "rapl: msr: CPU 0 fails and no other CPU of its package reads"),
		    log);
	/* pkg, core, dram, psys of package 0, and the move that failed */
	ASSERT_EQ(lines(log), 5, log);
	rapl_health(r, &h);
	ASSERT_EQ(h.measuring, 0, "no domain has all its counters");
	for (int d = 0; d < RAPL_DOMAINS; d++)
		ASSERT_EQ(h.errors[d], d == RAPL_UNCORE ? 0 : 1, rapl_domain_name(d));
	ASSERT_EQ(t_read(r, sum, log), -ENODATA, "still short");
	ASSERT_EQ(log[0], '\0', "logged once");
	sums_match(&fx, sum);
	rapl_health(r, &h);
	ASSERT_EQ(h.errors[RAPL_PKG], 2, "counted per read");

	/* the file comes back, moved on: the gap is counted, nothing lost */
	for (int i = 0; i < fx.n; i++)
		ASSERT_TRUE(fx_advance(&fx, i, 7), "restore");
	ASSERT_EQ(t_read(r, sum, log), 0, "read again");
	sums_match(&fx, sum);
	ASSERT_TRUE(strstr(log, "readable again"), log);
	rapl_health(r, &h);
	ASSERT_EQ(h.measuring, rapl_domains(r), "all measure again");
	for (int i = 0; i < fx.n; i++)
		ASSERT_TRUE(fx_advance(&fx, i, 1), "advance");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	sums_match(&fx, sum);
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}

void test_rapl_forced_absent(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct fx fx;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	if (!ASSERT_TRUE(mk_dirs(fx.dir, "msr", true), "empty msr dir"))
		goto cleanup;
	expect_none(&fx, RAPL_SRC_MSR, "/msr: no CPU with an msr device",
		    "empty msr dir");
	expect_none(&fx, RAPL_SRC_POWERCAP, "/pc: No such file or directory",
		    "no powercap dir");
	expect_none(&fx, RAPL_SRC_PERF, "/perf/type: No such file or directory",
		    "no perf dir");

	/* a good msr fixture, but not the source asked for */
	if (!ASSERT_TRUE(put_msr(fx.dir, 0, 0x606, ESU14) &&
			 fx_add_msr(&fx, RAPL_PKG, 0, 0x611, 1) >= 0, "fixture"))
		goto cleanup;
	fx_opts(&fx, &o, RAPL_SRC_POWERCAP, perf, pc, msr);
	ASSERT_EQ(t_open(&r, &o, log), -ENODEV, "powercap asked");
	ASSERT_TRUE(!r, "nothing returned");
	ASSERT_TRUE(strstr(log, "/pc: No such file or directory"), log);
	ASSERT_TRUE(strstr(log, "rapl: powercap was asked for (--energy-source) and cannot be used"),
		    log);
	fx_opts(&fx, &o, RAPL_SRC_NONE, perf, pc, msr);
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "none asked"))
		goto cleanup;
	ASSERT_EQ(rapl_source(r), RAPL_SRC_NONE, log);
	ASSERT_TRUE(strstr(log, "energy source none, as asked"), log);
	rapl_close(r);
	r = NULL;
	fx_opts(&fx, &o, RAPL_SRC_MSR, perf, pc, msr);
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "msr asked"))
		goto cleanup;
	ASSERT_EQ(rapl_source(r), RAPL_SRC_MSR, log);
	rapl_close(r);
	r = NULL;
	o.want = 42;
	ASSERT_EQ(rapl_open(&r, &o), -EINVAL, "bad want");
	ASSERT_TRUE(!r, "nothing returned");
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}
