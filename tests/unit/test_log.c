// SPDX-License-Identifier: GPL-2.0-only
#include "log.h"
#include "unit.h"

void test_log_limit(void)
{
	struct log_limit l = {};
	__u64 t = 5, held = 99;
	int passed = 0;

	for (int i = 0; i < 1000; i++)
		passed += log_limit_pass(&l, t + i * 1000000ULL, &held);
	ASSERT_EQ(passed, LOG_LIMIT_BURST, "a burst, then nothing for the period");
	ASSERT_EQ(held, 0, "nothing held back before the burst's messages");
	ASSERT_TRUE(!log_limit_pass(&l, t + LOG_LIMIT_NS - 1, &held),
		    "still held back just before the period ends");
	ASSERT_TRUE(log_limit_pass(&l, t + LOG_LIMIT_NS, &held),
		    "a new period lets one through");
	ASSERT_EQ(held, 1000 - LOG_LIMIT_BURST + 1, "and says how many were held back");
	ASSERT_TRUE(log_limit_pass(&l, t + LOG_LIMIT_NS + 1, &held), "the next too");
	ASSERT_EQ(held, 0, "counted from the last one through");
	l = (struct log_limit){};
	ASSERT_TRUE(log_limit_pass(&l, 0, &held), "a clock at 0 passes the first");
}
