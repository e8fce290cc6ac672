// SPDX-License-Identifier: GPL-2.0-only
#include "domain.h"
#include "unit.h"

#define D(d)	(1U << (d))

void test_domain_basis(void)
{
	const __u64 sum[RAPL_DOMAINS] = {
		[RAPL_PKG] = 1000, [RAPL_CORE] = 400, [RAPL_UNCORE] = 50,
		[RAPL_DRAM] = 200, [RAPL_PSYS] = 1500,
	};
	const unsigned int all = D(RAPL_PKG) | D(RAPL_CORE) | D(RAPL_UNCORE) |
				 D(RAPL_DRAM) | D(RAPL_PSYS);

	ASSERT_STREQ(domain_basis_name(all), "psys", "psys wins");
	ASSERT_EQ(domain_basis_uj(all, sum), 1500, "psys alone, not summed");
	ASSERT_STREQ(domain_basis_name(D(RAPL_PKG) | D(RAPL_CORE) | D(RAPL_DRAM)),
		     "pkg+dram", "without psys");
	ASSERT_EQ(domain_basis_uj(D(RAPL_PKG) | D(RAPL_CORE) | D(RAPL_DRAM), sum),
		  1200, "package plus DRAM, cores not counted twice");
	ASSERT_STREQ(domain_basis_name(D(RAPL_PKG) | D(RAPL_CORE)), "pkg",
		     "package only");
	ASSERT_EQ(domain_basis_uj(D(RAPL_PKG) | D(RAPL_CORE), sum), 1000,
		  "package only: the DRAM slot is not read");
	ASSERT_STREQ(domain_basis_name(0), "none", "nothing measured");
}
