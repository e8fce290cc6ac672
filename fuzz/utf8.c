// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bytes for utf8_sanitize. The output is valid UTF-8 (checked here by a
 * decoder of its own), within UTF8_GROWTH times the input, NUL-terminated;
 * valid input comes out unchanged, and sanitizing the output changes
 * nothing.
 */
#include "fuzz.h"
#include "utf8.h"

/* Whether @s of @n bytes is well-formed UTF-8 (RFC 3629), by code point. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; ) {
		unsigned int c = s[i], need, cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			need = 1; cp = c & 0x1f; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2; cp = c & 0x0f; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3; cp = c & 0x07; min = 0x10000;
		} else {
			return false;
		}
		if (n - i <= need)
			return false;
		for (unsigned int k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = malloc(UTF8_GROWTH * size + 1);
	char *again = malloc(UTF8_GROWTH * UTF8_GROWTH * size + 1);
	size_t n, n2;

	FUZZ_ASSERT(out && again);
	n = utf8_sanitize(out, (const char *)data, size);
	FUZZ_ASSERT(n <= UTF8_GROWTH * size && out[n] == '\0');
	FUZZ_ASSERT(valid_utf8((const unsigned char *)out, n));
	if (valid_utf8(data, size))
		FUZZ_ASSERT(n == size && !memcmp(out, data, size));
	n2 = utf8_sanitize(again, out, n);
	FUZZ_ASSERT(n2 == n && !memcmp(again, out, n));
	free(again);
	free(out);
	return 0;
}
