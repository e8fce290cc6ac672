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
