// SPDX-License-Identifier: GPL-2.0-only
/* The UTF-8 sanitizer on well-formed text and on every kind of
 * ill-formed sequence. */
#include "utf8.h"
#include "unit.h"

#define FFFD	"\xef\xbf\xbd"

struct utf8_case {
	const char *in;
	size_t len;
	const char *want;
	const char *what;
};

#define CASE(in, want, what) { in, sizeof(in) - 1, want, what }

static const struct utf8_case cases[] = {
	CASE("", "", "empty"),
	CASE("plain ascii", "plain ascii", "ASCII kept"),
	CASE("\"\\\n\t\x01\x1b\x7f", "\"\\\n\t\x01\x1b\x7f",
	     "quotes, backslash and control bytes are valid UTF-8: kept"),
	CASE("caf\xc3\xa9", "caf\xc3\xa9", "2-byte sequence kept"),
	CASE("\xe2\x82\xac", "\xe2\x82\xac", "3-byte sequence kept"),
	CASE("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", "4-byte sequence kept"),
	CASE("\xed\x9f\xbf\xee\x80\x80", "\xed\x9f\xbf\xee\x80\x80",
	     "U+D7FF and U+E000, around the surrogates, kept"),
	CASE("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", "U+10FFFF kept"),
	CASE("\x80", FFFD, "lone continuation byte"),
	CASE("a\xbf" "b", "a" FFFD "b", "continuation byte between letters"),
	CASE("\xe2\x82", FFFD FFFD, "sequence truncated at the end"),
	CASE("\xe2\x82x", FFFD FFFD "x", "sequence cut short by an ASCII byte"),
	CASE("\xc3\xc3\xa9", FFFD "\xc3\xa9",
	     "a lead byte followed by a valid sequence: only the lead replaced"),
	CASE("\xc0\xaf", FFFD FFFD, "overlong 2-byte '/'"),
	CASE("\xc1\xbf", FFFD FFFD, "overlong 2-byte (0xc1)"),
	CASE("\xe0\x80\xaf", FFFD FFFD FFFD, "overlong 3-byte"),
	CASE("\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD, "overlong 4-byte"),
	CASE("\xed\xa0\x80", FFFD FFFD FFFD, "UTF-16 surrogate U+D800"),
	CASE("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD, "above U+10FFFF"),
	CASE("\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD, "lead byte 0xf5"),
	CASE("\xff", FFFD, "0xff"),
	CASE("\xfe\xff", FFFD FFFD, "0xfe 0xff"),
};

void test_utf8_sanitize(void)
{
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct utf8_case *c = &cases[i];
		size_t n = utf8_sanitize(out, c->in, c->len);

		ASSERT_STREQ(out, c->want, c->what);
		ASSERT_EQ(n, strlen(c->want), c->what);
	}
}

/* A NUL inside the length is a byte like another; the worst case, every
 * byte replaced, fits UTF8_GROWTH per byte exactly. */
void test_utf8_sanitize_bounds(void)
{
	char all_bad[16], out[16 * UTF8_GROWTH + 1 + 8];
	size_t n;

	n = utf8_sanitize(out, "a\0b", 3);
	ASSERT_EQ(n, 3, "NUL kept");
	ASSERT_TRUE(!memcmp(out, "a\0b", 4), "bytes around it kept, NUL-terminated");

	memset(all_bad, 0xff, sizeof(all_bad));
	memset(out, 'X', sizeof(out));
	n = utf8_sanitize(out, all_bad, sizeof(all_bad));
	ASSERT_EQ(n, 16 * UTF8_GROWTH, "every byte replaced");
	ASSERT_EQ(out[n], '\0', "terminated");
	ASSERT_EQ(out[n + 1], 'X', "nothing written past 3 bytes per byte + NUL");
	for (size_t i = 0; i < 16; i++)
		if (!ASSERT_TRUE(!memcmp(out + i * 3, FFFD, 3), "U+FFFD each"))
			break;
}
