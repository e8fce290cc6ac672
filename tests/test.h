/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal test runner in the manner of the kernel's selftests: ASSERT_*
 * macros print what differed and evaluate to false, so a test writes
 * "if (!ASSERT_EQ(a, b, "what")) goto cleanup;" and keeps one cleanup path.
 * Each test is a function returning void; a test fails when any assertion in
 * it failed. The runner ends with "N passed, N failed" (and N skipped when a
 * test skipped itself).
 */
#ifndef ENERGY_TEST_H
#define ENERGY_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
	bool manual;		/* run only when named (make soak) */
};

extern int test__failures;	/* assertions failed in the current test */
extern const char *test__skip;	/* set by TEST_SKIP */

#define TEST_SKIP(why) do { test__skip = (why); } while (0)

static inline bool test__check(bool ok, const char *file, int line,
			       const char *what, const char *detail)
{
	if (!ok) {
		test__failures++;
		fprintf(stderr, "  FAIL %s:%d: %s: %s\n", file, line, what, detail);
	}
	return ok;
}

#define ASSERT_TRUE(cond, what) \
	test__check(!!(cond), __FILE__, __LINE__, (what), #cond)

#define ASSERT_EQ(a, b, what) ({					\
	long long __a = (long long)(a), __b = (long long)(b);		\
	char __d[96];							\
	snprintf(__d, sizeof(__d), "%lld != %lld", __a, __b);		\
	test__check(__a == __b, __FILE__, __LINE__, (what), __d);	\
})

#define ASSERT_GE(a, b, what) ({					\
	long long __a = (long long)(a), __b = (long long)(b);		\
	char __d[96];							\
	snprintf(__d, sizeof(__d), "%lld < %lld", __a, __b);		\
	test__check(__a >= __b, __FILE__, __LINE__, (what), __d);	\
})

#define ASSERT_STREQ(a, b, what) ({					\
	const char *__a = (a), *__b = (b);				\
	char __d[1024];							\
	snprintf(__d, sizeof(__d), "'%.500s' != '%.500s'", __a ? __a : "(null)",\
		 __b ? __b : "(null)");					\
	test__check(__a && __b && !strcmp(__a, __b), __FILE__, __LINE__,\
		    (what), __d);					\
})

/* |got - want| <= tol * want, with tol a fraction (0.01 for 1 %). */
#define ASSERT_NEAR(got, want, tol, what) ({				\
	double __g = (double)(got), __w = (double)(want);		\
	double __e = __g > __w ? __g - __w : __w - __g;			\
	char __d[128];							\
	snprintf(__d, sizeof(__d), "%.0f vs %.0f: off by %.2f%% (limit %.2f%%)",\
		 __g, __w, __w ? 100.0 * __e / __w : 100.0, 100.0 * (tol));\
	test__check(__w > 0 && __e <= (tol) * __w, __FILE__, __LINE__,	\
		    (what), __d);					\
})

/* Removes the directory tree at @dir (fixtures), ignoring what is gone. */
void test_rm_tree(const char *dir);

/* Runs the tests named in argv (all when none), prints the closing line,
 * returns the exit code. */
int test_main(const struct test_case *tests, int n, int argc, char **argv);

#define TEST_MAIN(...)							\
	static const struct test_case test__all[] = { __VA_ARGS__ };	\
	int main(int argc, char **argv)					\
	{								\
		return test_main(test__all,				\
				 sizeof(test__all) / sizeof(test__all[0]),\
				 argc, argv);				\
	}

#define TEST(fn) { #fn, fn, false }
/* A test that runs only when named on the command line. */
#define TEST_MANUAL(fn) { #fn, fn, true }

#endif /* ENERGY_TEST_H */
