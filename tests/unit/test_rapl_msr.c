// SPDX-License-Identifier: GPL-2.0-only
/* RAPL's msr source (rapl/msr.c) on sparse files standing for
 * /dev/cpu/N/msr: Intel on two packages, AMD's overlapping registers. */
#include <limits.h>

#include "rapl.h"
#include "rapl_fixture.h"
#include "unit.h"

void test_rapl_msr_intel(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	__u64 sum[RAPL_DOMAINS], before;
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
	if (!ASSERT_EQ(rapl_source(r), RAPL_SRC_MSR, log))
		goto cleanup;
	ASSERT_EQ(rapl_packages(r), 2, "two packages");
	ASSERT_EQ(rapl_domains(r), D(RAPL_PKG) | D(RAPL_CORE) | D(RAPL_DRAM) |
		  D(RAPL_PSYS), "the domains written");
	ASSERT_TRUE(strstr(log, "rapl: energy from msr, 2 packages, domains pkg core dram psys"),
		    log);

	fx_reset_totals(&fx);
	ASSERT_EQ(t_read(r, sum, log), 0, "first read");
	for (int d = 0; d < RAPL_DOMAINS; d++)
		ASSERT_EQ(sum[d], 0, "nothing since rapl_open");

	/* package 0 wraps; the others move on */
	ASSERT_TRUE(fx_advance(&fx, 0, 0x300) && fx_advance(&fx, 1, 1000) &&
		    fx_advance(&fx, 2, 77) && fx_advance(&fx, 3, 5) &&
		    fx_advance(&fx, 4, 3000) && fx_advance(&fx, 5, 1) &&
		    fx_advance(&fx, 6, 0x80000001ULL), "advance");
	ASSERT_TRUE(fx.c[0].val < 0x300 && fx.c[6].val < 0x10, "wrapped");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	sums_match(&fx, sum);
	ASSERT_EQ(sum[RAPL_PKG], (0x300ULL * 1000000 >> 14) +
		  (3000ULL * 1000000 >> 14), "pkg: both packages");
	ASSERT_EQ(sum[RAPL_UNCORE], 0, "no uncore");

	/* one count at a time: the fractions add up */
	before = sum[RAPL_PKG];
	for (int i = 0; i < 100; i++) {
		ASSERT_TRUE(fx_advance(&fx, 4, 1), "advance");
		ASSERT_EQ(t_read(r, sum, log), 0, "read");
	}
	sums_match(&fx, sum);
	ASSERT_EQ(sum[RAPL_PKG] - before, 6103, "100 counts: 6103.5 uJ");
	ASSERT_EQ(t_read(r, sum, log), 0, "read, nothing moved");
	sums_match(&fx, sum);
	ASSERT_EQ(log[0], '\0', "reads log nothing");
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}

/*
 * AMD's registers are consecutive numbers, and a file's offsets are bytes:
 * 8 bytes read at 0xC001029A (core) overlap those at 0xC0010299 (unit) and
 * 0xC001029B (pkg). A sparse file behaves as a byte-addressed device, so
 * the fixture holds unit byte 0 (0x03), then the ESU byte (0x10) which is
 * also core's low byte, then pkg's 4 bytes, which are also core's bytes
 * 1-3: core = ESU byte | pkg << 8 and moves 256 counts per pkg count.
 */
static __u32 amd_core(__u32 pkg)
{
	return 0x10 | pkg << 8;
}

void test_rapl_msr_amd(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	__u64 sum[RAPL_DOMAINS], core_counts = 0;
	struct rapl_opts o;
	struct rapl *r = NULL;
	__u32 core_prev;
	struct fx fx;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	fx.esu = 16;
	/* a sparse file of 3 GiB: 0x606 reads zeros, as a hole */
	if (!ASSERT_TRUE(put_msr(fx.dir, 0, 0xC0010299, ESU16) &&
			 fx_add_msr(&fx, RAPL_PKG, 0, 0xC001029B, 0x00fffff0) >= 0,
			 "fixture"))
		goto cleanup;
	fx_opts(&fx, &o, RAPL_SRC_AUTO, perf, pc, msr);
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	if (!ASSERT_EQ(rapl_source(r), RAPL_SRC_MSR, log))
		goto cleanup;
	ASSERT_EQ(rapl_packages(r), 1, "one package");
	ASSERT_EQ(rapl_domains(r), D(RAPL_PKG) | D(RAPL_CORE), "pkg and core");
	ASSERT_TRUE(strstr(log, "rapl: energy from msr, 1 package, domains pkg core"),
		    log);
	fx_reset_totals(&fx);
	core_prev = amd_core(fx.c[0].val);

	/* 1 J on pkg; core wraps its 32 bits */
	ASSERT_TRUE(fx_advance(&fx, 0, 65536), "advance");
	core_counts += (__u32)(amd_core(fx.c[0].val) - core_prev);
	core_prev = amd_core(fx.c[0].val);
	ASSERT_TRUE(core_prev < 0x01000000, "core wrapped");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	ASSERT_EQ(sum[RAPL_PKG], 1000000, "65536 counts of 2^-16 J: 1 J");
	ASSERT_EQ(sum[RAPL_CORE], 256000000, "256 times as many counts");
	ASSERT_TRUE(fx_advance(&fx, 0, 3), "advance");
	core_counts += (__u32)(amd_core(fx.c[0].val) - core_prev);
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	ASSERT_EQ(sum[RAPL_PKG], 1000045, "65539 counts");
	ASSERT_EQ(sum[RAPL_CORE], core_counts * 1000000 / 65536, "core");
	ASSERT_EQ(sum[RAPL_CORE], 256011718, "core: 256.0117 J");
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}

/* A counter that goes back reads as a near-complete wrap: 262 kJ in one
 * sample. Above RAPL_MAX_WATTS it is refused, counted, and the counter
 * resyncs; real power, even high, is counted. */
void test_rapl_power_ceiling(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	__u64 sum[RAPL_DOMAINS], before;
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
	fx.tick_ns = 100000000;		/* a sample every 100 ms */
	ASSERT_EQ(t_read(r, sum, log), 0, "first read");
	before = sum[RAPL_PKG];

	/* 500 W on package 0 for 100 ms: 50 J, 819200 counts of 2^-14 J */
	ASSERT_TRUE(fx_advance(&fx, 0, 819200), "advance");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	ASSERT_EQ(sum[RAPL_PKG] - before, 50000000, "500 W counted");
	ASSERT_EQ(rapl_rejected(r), 0, "nothing refused");
	before = sum[RAPL_PKG];

	/* back by 1000 counts: 2^32 - 1000 counts, 262 kJ in 100 ms */
	ASSERT_TRUE(fx_advance(&fx, 0, 0x100000000ULL - 1000), "go back");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	ASSERT_EQ(sum[RAPL_PKG], before, "the sum is kept");
	ASSERT_EQ(rapl_rejected(r), 1, "counted once");
	ASSERT_TRUE(strstr(log, "rapl: msr: ") && strstr(log, "above 1000 W: not counted"),
		    log);

	/* from the new reading on, counted again */
	ASSERT_TRUE(fx_advance(&fx, 0, 16384), "advance 1 J");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	ASSERT_EQ(sum[RAPL_PKG] - before, 1000000, "1 J after the glitch");
	ASSERT_EQ(rapl_rejected(r), 1, "still one");
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}
