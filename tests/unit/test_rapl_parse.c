// SPDX-License-Identifier: GPL-2.0-only
/* RAPL's pure helpers (rapl/parse.c): source and domain names, unit and
 * scale conversions, wrap-safe deltas, the sysfs parsers. */
#include <errno.h>

#include "rapl.h"
#include "rapl_fixture.h"
#include "unit.h"

void test_rapl_names(void)
{
	static const char *const names[] = {
		"none", "perf", "powercap", "msr", "auto",
	};
	enum rapl_source s = RAPL_SRC_NONE;

	for (int i = 0; i <= RAPL_SRC_AUTO; i++) {
		ASSERT_STREQ(rapl_source_name(i), names[i], "source name");
		ASSERT_EQ(rapl_parse_source(names[i], &s), 0, names[i]);
		ASSERT_EQ(s, i, "parsed back");
	}
	s = RAPL_SRC_MSR;
	ASSERT_EQ(rapl_parse_source("rapl", &s), -EINVAL, "unknown");
	ASSERT_EQ(rapl_parse_source("", &s), -EINVAL, "empty");
	ASSERT_EQ(rapl_parse_source("msr\n", &s), -EINVAL, "newline");
	ASSERT_EQ(rapl_parse_source("MSR", &s), -EINVAL, "case");
	ASSERT_EQ(s, RAPL_SRC_MSR, "untouched on error");
	ASSERT_STREQ(rapl_source_name(7), "?", "out of range");
	ASSERT_STREQ(rapl_domain_name(RAPL_PKG), "pkg", "pkg");
	ASSERT_STREQ(rapl_domain_name(RAPL_CORE), "core", "core");
	ASSERT_STREQ(rapl_domain_name(RAPL_UNCORE), "uncore", "uncore");
	ASSERT_STREQ(rapl_domain_name(RAPL_DRAM), "dram", "dram");
	ASSERT_STREQ(rapl_domain_name(RAPL_PSYS), "psys", "psys");
	ASSERT_STREQ(rapl_domain_name(RAPL_DOMAINS), "?", "out of range");
}

/* The unit in microjoules, as a double, from a decoded unit. */
static double unit_uj(const struct rapl_conv *c)
{
	return (double)c->mul / (double)(1ULL << c->shift);
}

static bool near(double a, double b, double tol)
{
	return a - b <= tol && b - a <= tol;
}

void test_rapl_msr_unit(void)
{
	struct rapl_conv c = { 7, 7 };
	__u64 rem = 0, uj = 0;

	ASSERT_EQ(rapl_msr_unit(ESU14, &c), 0, "ESU 14");
	ASSERT_TRUE(near(unit_uj(&c), 61.035, 0.001), "61.035 uJ");
	ASSERT_EQ(rapl_msr_unit(ESU16, &c), 0, "ESU 16");
	ASSERT_TRUE(near(unit_uj(&c), 15.259, 0.001), "15.259 uJ");
	ASSERT_EQ(rapl_msr_unit(0x1f00, &c), 0, "ESU 31");
	ASSERT_TRUE(near(unit_uj(&c), 0.000466, 0.000001), "ESU 31");
	ASSERT_EQ(rapl_msr_unit(0xA0003, &c), 0, "ESU 0 is valid");
	ASSERT_TRUE(near(unit_uj(&c), 1000000, 0.001), "1 J");
	ASSERT_EQ(rapl_msr_unit(0xffffffffffffe0ffULL, &c), 0, "other bits");
	ASSERT_EQ(c.shift, 0, "only bits 12:8");
	c.shift = 9;
	ASSERT_EQ(rapl_msr_unit(0, &c), -EINVAL, "all zero is bad");
	ASSERT_EQ(c.shift, 9, "untouched on error");

	/* 1 count of 61.035 uJ at a time: the fraction is carried */
	rapl_msr_unit(ESU14, &c);
	for (int i = 0; i < 16384; i++)
		uj += rapl_conv_uj(&c, 1, &rem);
	ASSERT_EQ(uj, 1000000, "16384 counts of 2^-14 J");
	ASSERT_EQ(rem, 0, "nothing left over");
	ASSERT_EQ(rapl_conv_uj(&c, 0xffffffffULL, &rem), 262143999938ULL,
		  "a whole 32-bit counter");
}

void test_rapl_wrap(void)
{
	ASSERT_EQ(rapl_delta32(0xFFFFFF00, 0x100), 0x200, "32-bit wrap");
	ASSERT_EQ(rapl_delta32(0x100, 0x300), 0x200, "no wrap");
	ASSERT_EQ(rapl_delta32(5, 5), 0, "still");
	ASSERT_EQ(rapl_delta32(0xabcd00000010ULL, 0x1234ffffffffULL),
		  0xffffffef, "high bits ignored");
	ASSERT_EQ(rapl_delta32(0xffffffff, 0), 1, "one count over the top");

	ASSERT_EQ(rapl_delta_range(1000, 3000, MAX_RANGE), 2000, "no wrap");
	ASSERT_EQ(rapl_delta_range(MAX_RANGE - 500, 1000, MAX_RANGE), 1501,
		  "wrap: max - prev + 1 + now");
	ASSERT_EQ(rapl_delta_range(MAX_RANGE, 0, MAX_RANGE), 1,
		  "from the top to 0");
	ASSERT_EQ(rapl_delta_range(42, 42, MAX_RANGE), 0, "still");
	ASSERT_EQ(rapl_delta_range(MAX_RANGE + 10, 5, MAX_RANGE), 6,
		  "prev beyond the range");
}

void test_rapl_parse_cpulist(void)
{
	static const char *const bad[] = {
		"", "\n", "a", "-1", "0,", ",0", "0-", "3-1", "0 1", "0,,1",
		"1-2-3", "0\n\n", " 0", "+1", "99999999999",
	};
	int cpus[8] = {}, tiny[2];

	ASSERT_EQ(rapl_parse_cpulist("0", cpus, 8), 1, "one");
	ASSERT_EQ(cpus[0], 0, "cpu 0");
	ASSERT_EQ(rapl_parse_cpulist("0,8\n", cpus, 8), 2, "two");
	ASSERT_TRUE(cpus[0] == 0 && cpus[1] == 8, "0 and 8");
	ASSERT_EQ(rapl_parse_cpulist("0-3,8", cpus, 8), 5, "range");
	ASSERT_TRUE(cpus[0] == 0 && cpus[1] == 1 && cpus[2] == 2 &&
		    cpus[3] == 3 && cpus[4] == 8, "0 1 2 3 8");
	ASSERT_EQ(rapl_parse_cpulist("56-56", cpus, 8), 1, "range of one");
	ASSERT_EQ(cpus[0], 56, "56");
	ASSERT_EQ(rapl_parse_cpulist("0-2", tiny, 2), -E2BIG, "too many");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ(rapl_parse_cpulist(bad[i], cpus, 8), -EINVAL, bad[i]);
}

void test_rapl_parse_perf(void)
{
	static const char *const bad_scale[] = {
		"", "abc", "-2.3e-10", "0", "0.0", "inf", "nan", "1e-10x",
		" 1e-10", "2.3e-10\n\n",
	};
	static const char *const bad_event[] = {
		"", "event=", "event=0x", "config=0x02", "event=0x02,umask=1",
		"event=-1", "Event=0x02", "event=0x02\n\n",
	};
	struct rapl_conv c;
	__u64 config = 0, rem = 0, uj = 0;

	ASSERT_EQ(rapl_parse_perf_event("event=0x02\n", &config), 0, "hex");
	ASSERT_EQ(config, 2, "0x02");
	ASSERT_EQ(rapl_parse_perf_event("event=0x05", &config), 0, "psys");
	ASSERT_EQ(config, 5, "0x05");
	ASSERT_EQ(rapl_parse_perf_event("event=3", &config), 0, "decimal");
	ASSERT_EQ(config, 3, "3");
	for (size_t i = 0; i < sizeof(bad_event) / sizeof(bad_event[0]); i++)
		ASSERT_EQ(rapl_parse_perf_event(bad_event[i], &config), -EINVAL,
			  bad_event[i]);
	ASSERT_EQ(config, 3, "untouched on error");

	ASSERT_EQ(rapl_parse_scale("2.3283064365386962890625e-10\n", &c), 0,
		  "the kernel's 2^-32 J");
	ASSERT_EQ(rapl_conv_uj(&c, 1ULL << 32, &rem), 1000000, "2^32 counts");
	ASSERT_EQ(rem, 0, "exactly 1 J");
	ASSERT_EQ(rapl_conv_uj(&c, 1ULL << 52, &rem), 1000000ULL << 20,
		  "2^52 counts, 2^20 J");
	/* 1000 counts (0.233 uJ) at a time: nothing lost */
	for (int i = 0; i < 100000; i++)
		uj += rapl_conv_uj(&c, 1000, &rem);
	ASSERT_EQ(uj, 23283, "1e8 counts of 2^-32 J");
	ASSERT_EQ(rapl_parse_scale("1e-6", &c), 0, "1 uJ");
	ASSERT_TRUE(near(unit_uj(&c), 1, 1e-12), "1 uJ per count");
	ASSERT_EQ(rapl_parse_scale("0.5", &c), 0, "half a joule");
	rem = 0;
	ASSERT_EQ(rapl_conv_uj(&c, 3, &rem), 1500000, "3 counts");
	for (size_t i = 0; i < sizeof(bad_scale) / sizeof(bad_scale[0]); i++)
		ASSERT_EQ(rapl_parse_scale(bad_scale[i], &c), -EINVAL,
			  bad_scale[i]);
	ASSERT_EQ(rapl_parse_scale("1e30", &c), -ERANGE, "too large");
	ASSERT_EQ(rapl_parse_scale("1e-40", &c), -ERANGE, "too small");
}
