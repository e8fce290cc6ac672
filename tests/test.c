// SPDX-License-Identifier: GPL-2.0-only
/* The runner behind tests/test.h. */
#include <ftw.h>
#include <stdio.h>

#include "test.h"

int test__failures;
const char *test__skip;

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void test_rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static bool selected(const struct test_case *t, int argc, char **argv)
{
	if (argc < 2)
		return !t->manual;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], t->name))
			return true;
	return false;
}

int test_main(const struct test_case *tests, int n, int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < n; i++) {
		if (!selected(&tests[i], argc, argv))
			continue;
		test__failures = 0;
		test__skip = NULL;
		tests[i].fn();
		if (test__failures) {
			printf("FAIL %s\n", tests[i].name);
			failed++;
		} else if (test__skip) {
			printf("SKIP %s: %s\n", tests[i].name, test__skip);
			skipped++;
		} else {
			printf("ok   %s\n", tests[i].name);
			passed++;
		}
	}
	if (skipped)
		printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	else
		printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
