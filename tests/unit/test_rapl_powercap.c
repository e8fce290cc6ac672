// SPDX-License-Identifier: GPL-2.0-only
/* RAPL's powercap source (rapl/powercap.c) on a fixture tree: the zones,
 * the wrap at max_energy_range_uj, intel-rapl-mmio in place of intel-rapl. */
#include <limits.h>

#include "rapl.h"
#include "rapl_fixture.h"
#include "unit.h"

void test_rapl_powercap(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	__u64 sum[RAPL_DOMAINS];
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct fx fx;
	int pkg;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	pkg = fx_add_zone(&fx, RAPL_PKG, "intel-rapl:0", "package-0",
			  MAX_RANGE - 1500);
	if (!ASSERT_TRUE(pkg >= 0 &&
			 fx_add_zone(&fx, RAPL_CORE, "intel-rapl:0:0", "core", 10) >= 0 &&
			 fx_add_zone(&fx, RAPL_DRAM, "intel-rapl:0:1", "dram", 20) >= 0 &&
			 fx_add_zone(&fx, RAPL_PSYS, "intel-rapl:1", "psys", 30) >= 0 &&
			 /* the same counter again: never to be added */
			 fx_add_zone(&fx, RAPL_DOMAINS, "intel-rapl-mmio:0", "package-0", 0) >= 0 &&
			 mk_dirs(fx.dir, "pc/intel-rapl", true) &&
			 mk_dirs(fx.dir, "pc/intel-rapl:0:9", true) &&
			 put_file(fx.dir, "pc/intel-rapl:0:9/name", "mystery\n"),
			 "fixture"))
		goto cleanup;
	fx_opts(&fx, &o, RAPL_SRC_AUTO, perf, pc, msr);
	fx.probe_by = 1000;
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	if (!ASSERT_EQ(rapl_source(r), RAPL_SRC_POWERCAP, log))
		goto cleanup;
	ASSERT_EQ(rapl_packages(r), 1, "one package");
	ASSERT_EQ(rapl_domains(r), D(RAPL_PKG) | D(RAPL_CORE) | D(RAPL_DRAM) |
		  D(RAPL_PSYS), "pkg core dram psys");
	fx_reset_totals(&fx);
	/* the package wraps at max_energy_range_uj */
	for (int i = 0; i < fx.n; i++)
		ASSERT_TRUE(fx_advance(&fx, i, 2000 + i), "advance");
	ASSERT_TRUE(fx.c[pkg].val < 2000, "wrapped");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	ASSERT_EQ(sum[RAPL_PKG], 2000, "across the wrap");
	ASSERT_EQ(sum[RAPL_CORE], 2001, "core");
	ASSERT_EQ(sum[RAPL_DRAM], 2002, "dram");
	ASSERT_EQ(sum[RAPL_PSYS], 2003, "psys");
	ASSERT_TRUE(fx_advance(&fx, pkg, MAX_RANGE - 10), "most of a range");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	ASSERT_EQ(sum[RAPL_PKG], MAX_RANGE + 1990, "pkg");
	rapl_close(r);
	r = NULL;

	/* no intel-rapl package zone: the mmio one counts */
	test_rm_tree(pc);
	fx.n = 0;
	if (!ASSERT_TRUE(fx_add_zone(&fx, RAPL_PKG, "intel-rapl-mmio:0",
				     "package-0", 5) >= 0, "mmio fixture"))
		goto cleanup;
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	ASSERT_EQ(rapl_source(r), RAPL_SRC_POWERCAP, log);
	ASSERT_EQ(rapl_domains(r), D(RAPL_PKG), "pkg");
	ASSERT_TRUE(strstr(log, "using intel-rapl-mmio"), log);
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}
