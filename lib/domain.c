// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>

#include "domain.h"

#define BIT(d)		(1U << (d))

static const char *const domain_names[RAPL_DOMAINS] = {
	[RAPL_PKG] = "pkg",
	[RAPL_CORE] = "core",
	[RAPL_UNCORE] = "uncore",
	[RAPL_DRAM] = "dram",
	[RAPL_PSYS] = "psys",
};

const char *rapl_domain_name(enum rapl_domain d)
{
	if ((unsigned int)d >= RAPL_DOMAINS)
		return "?";
	return domain_names[d];
}

const char *domain_basis_name(unsigned int domains)
{
	if (domains & BIT(RAPL_PSYS))
		return "psys";
	if (domains & BIT(RAPL_DRAM))
		return "pkg+dram";
	return domains ? "pkg" : "none";
}

__u64 domain_basis_uj(unsigned int domains, const __u64 sum_uj[RAPL_DOMAINS])
{
	__u64 uj = 0;

	if (domains & BIT(RAPL_PSYS))
		return sum_uj[RAPL_PSYS];
	if (domains & BIT(RAPL_PKG))
		uj += sum_uj[RAPL_PKG];
	if (domains & BIT(RAPL_DRAM))
		uj += sum_uj[RAPL_DRAM];
	return uj;
}

void domain_list(unsigned int domains, char *buf, unsigned int len)
{
	unsigned int n = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (int d = 0; d < RAPL_DOMAINS; d++) {
		int k;

		if (!(domains & BIT(d)))
			continue;
		k = snprintf(buf + n, len - n, "%s%s", n ? " " : "",
			     domain_names[d]);
		if (k < 0 || (unsigned int)k >= len - n)
			return;
		n += k;
	}
	if (!n)
		snprintf(buf, len, "none");
}
