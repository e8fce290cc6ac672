/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The energy domains RAPL measures and which of them is the machine's
 * measured energy. Pure: shared by the energy sources, the sampler and the
 * filesystem's text.
 */
#ifndef ENERGY_DOMAIN_H
#define ENERGY_DOMAIN_H

#include <linux/types.h>

enum rapl_domain {
	RAPL_PKG,	/* the whole package */
	RAPL_CORE,	/* Intel PP0, AMD core (see rapl/msr.c about AMD) */
	RAPL_UNCORE,	/* Intel PP1 (graphics) */
	RAPL_DRAM,
	RAPL_PSYS,	/* the platform, counted once */
	RAPL_DOMAINS,
};

/* "pkg", "core", "uncore", "dram", "psys"; "?" for other values. */
const char *rapl_domain_name(enum rapl_domain d);

/* What the machine's measured energy is, given the domains measured (bit
 * per enum rapl_domain): "psys", "pkg+dram", "pkg" or "none". */
const char *domain_basis_name(unsigned int domains);

/* The measured energy in @sum_uj: psys where it is measured, else package
 * plus DRAM, of the @domains measured. */
__u64 domain_basis_uj(unsigned int domains, const __u64 sum_uj[RAPL_DOMAINS]);

/* The names of @domains (bit per enum rapl_domain) separated by spaces,
 * "none" for none, into @buf of @len bytes (48 hold them all). */
void domain_list(unsigned int domains, char *buf, unsigned int len);

#endif /* ENERGY_DOMAIN_H */
