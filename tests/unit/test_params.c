// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "params.h"
#include "unit.h"

static int parse(const char *s, __u64 *v)
{
	return param_parse_u64(s, strlen(s), SAMPLE_NS_MIN, SAMPLE_NS_MAX, v);
}

void test_params_parse(void)
{
	static const struct { const char *in; int err; } bad[] = {
		{ "", -EINVAL }, { "\n", -EINVAL }, { "abc", -EINVAL },
		{ "-5000000", -EINVAL }, { "+5000000", -EINVAL },
		{ "5000000x", -EINVAL }, { " 5000000", -EINVAL },
		{ "5000000\n\n", -EINVAL }, { "0", -ERANGE },
		{ "999999", -ERANGE }, { "60000000001", -ERANGE },
		{ "18446744073709551616", -ERANGE },
		{ "99999999999999999999999", -ERANGE },
		{ "99999999999999999999999z", -EINVAL },
	};
	__u64 v = 42;

	ASSERT_EQ(parse("5000000", &v), 0, "plain");
	ASSERT_EQ(v, 5000000, "value");
	ASSERT_EQ(parse("1000000\n", &v), 0, "echo's newline");
	ASSERT_EQ(v, 1000000, "value");
	ASSERT_EQ(parse("60000000000", &v), 0, "upper bound");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		ASSERT_EQ(parse(bad[i].in, &v), bad[i].err, bad[i].in);
		ASSERT_EQ(v, 42, "unchanged on error");
	}
	/* Not NUL-terminated: only len bytes count. */
	ASSERT_EQ(param_parse_u64("20000009", 7, 0, ~0ULL, &v), 0, "length");
	ASSERT_EQ(v, 2000000, "length-limited value");
	ASSERT_EQ(param_parse_u64("18446744073709551615", 20, 0, ~0ULL, &v), 0,
		  "u64 max");
	ASSERT_TRUE(v == ~0ULL, "u64 max value");
}

void test_params_check_partial(void)
{
	__u64 cur[P_MAX] = { [P_SAMPLE_NS] = 100000000, [P_WINDOW_NS] = 1000000000 };
	char why[96];

	ASSERT_EQ(param_check_partial(P_SAMPLE_NS, "", 0, cur, why, sizeof(why)),
		  0, "nothing yet");
	ASSERT_EQ(param_check_partial(P_SAMPLE_NS, "20", 2, cur, why, sizeof(why)),
		  0, "digits so far: may become valid");
	ASSERT_EQ(param_check_partial(P_SAMPLE_NS, "2000000\n", 8, cur, why,
				      sizeof(why)), 0, "complete and valid");
	ASSERT_EQ(param_check_partial(P_SAMPLE_NS, "2000000\n\n", 9, cur, why,
				      sizeof(why)), -EINVAL, "more after the newline");
	ASSERT_STREQ(why, "is not a number of nanoseconds", "why");
	ASSERT_EQ(param_check_partial(P_SAMPLE_NS, "20x", 3, cur, why, sizeof(why)),
		  -EINVAL, "not a digit");
	ASSERT_STREQ(why, "is not a number of nanoseconds", "why");
	ASSERT_EQ(param_check_partial(P_SAMPLE_NS, "600000000000", 12, cur, why,
				      sizeof(why)), -EINVAL,
		  "above the maximum already: more digits cannot help");
	ASSERT_STREQ(why, "is out of range (1000000..60000000000)", "why");
	ASSERT_EQ(param_check_partial(P_SAMPLE_NS, "60000000000", 11, cur, why,
				      sizeof(why)), 0, "the maximum itself, unfinished");
	ASSERT_EQ(param_check_partial(P_SAMPLE_NS, "5\n", 2, cur, why, sizeof(why)),
		  -EINVAL, "complete and below the minimum");
	ASSERT_EQ(param_check_partial(P_SAMPLE_NS, "2000000000\n", 11, cur, why,
				      sizeof(why)), -EINVAL, "complete and above window_ns");
}
