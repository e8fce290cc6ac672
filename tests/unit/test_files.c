// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>

#include "files.h"
#include "unit.h"

static struct open_file *new_file(const char *text)
{
	struct open_file *of = calloc(1, sizeof(*of));

	if (of)
		rbuf_printf(&of->text, "%s", text);
	return of;
}

void test_files_handles(void)
{
	struct open_file *a = new_file("a\n"), *b, *got;
	struct file_table ft;
	__u64 fa, fb;

	files_init(&ft);
	ASSERT_TRUE(a != NULL, "allocated");
	fa = files_add(&ft, a);
	ASSERT_TRUE(fa != 0, "a handle, never 0");
	got = files_get(&ft, fa);
	ASSERT_TRUE(got == a, "found by its handle");
	/* Released while a reply holds it: the text stays until the reply's
	 * reference goes. */
	ASSERT_TRUE(files_remove(&ft, fa) == a, "removed");
	files_put(&ft, a);
	ASSERT_EQ(a->refs, 1, "the reply's reference is left");
	ASSERT_STREQ(a->text.data, "a\n", "text alive under the reply");
	ASSERT_TRUE(files_get(&ft, fa) == NULL, "a released handle finds nothing");
	files_put(&ft, got);

	/* The slot is reused with a new generation: the old handle stays
	 * dead. */
	b = new_file("b\n");
	fb = files_add(&ft, b);
	ASSERT_EQ(fb & 0xffffffffU, fa & 0xffffffffU, "same slot reused");
	ASSERT_TRUE(fb != fa, "another generation");
	ASSERT_TRUE(files_get(&ft, fa) == NULL, "the stale handle still finds nothing");
	ASSERT_TRUE(files_remove(&ft, fa) == NULL, "nor removes the new file");
	got = files_get(&ft, fb);
	ASSERT_TRUE(got == b, "the new handle finds the new file");
	files_put(&ft, got);
	ASSERT_TRUE(files_get(&ft, 12345ULL << 32 | 999) == NULL, "out of range");
	files_fini(&ft);	/* frees b, still registered */
}

void test_files_many(void)
{
	enum { N = 300 };
	static __u64 fh[N];
	struct file_table ft;
	bool ok = true;

	files_init(&ft);
	for (int i = 0; i < N; i++) {
		struct open_file *of = new_file("x");

		fh[i] = of ? files_add(&ft, of) : 0;
		ok &= fh[i] != 0;
	}
	ASSERT_TRUE(ok, "300 files open at once (the table grows)");
	for (int i = 0; i < N; i += 2)
		files_put(&ft, files_remove(&ft, fh[i]));
	for (int i = 0; i < N; i++) {
		struct open_file *of = files_get(&ft, fh[i]);

		ok &= (of != NULL) == (i % 2 == 1);
		if (of)
			files_put(&ft, of);
	}
	ASSERT_TRUE(ok, "the released ones gone, the others found");
	files_fini(&ft);
}

/* A table with another tag (the energyd before a restart) hands out
 * handles this one tells apart, even at the same slot and generation. */
void test_files_foreign(void)
{
	struct open_file *a = new_file("a\n"), *b = new_file("b\n");
	struct file_table old, cur;
	__u64 fa, fb;

	files_init(&old);
	files_init(&cur);
	old.tag = 0x1234;
	cur.tag = 0x4321;
	fa = files_add(&old, a);
	fb = files_add(&cur, b);
	ASSERT_EQ(fa & 0xffffffffffffULL, fb & 0xffffffffffffULL,
		  "same slot and generation in both");
	ASSERT_TRUE(files_foreign(&cur, fa), "the old table's handle is foreign");
	ASSERT_TRUE(!files_foreign(&cur, fb), "its own is not");
	ASSERT_TRUE(files_get(&cur, fa) == NULL, "a foreign handle finds nothing");
	ASSERT_TRUE(files_remove(&cur, fa) == NULL, "nor removes its file");
	ASSERT_TRUE(files_get(&cur, fb) == b, "its own handle finds its file");
	files_put(&cur, b);
	files_fini(&old);
	files_fini(&cur);
}
