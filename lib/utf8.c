// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "utf8.h"

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/*
 * The length of the well-formed sequence at @p (@left bytes there), 0
 * when the byte at @p does not begin one. The second byte's range depends
 * on the first (RFC 3629, section 4), which rules out overlong forms,
 * surrogates and code points above U+10FFFF.
 */
static size_t seq_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;	/* a continuation byte, 0xc0, 0xc1, 0xf5.. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

size_t utf8_sanitize(char *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;

	while (i < len) {
		size_t n = seq_len(p + i, len - i);

		if (n) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, replacement, UTF8_GROWTH);
			o += UTF8_GROWTH;
			i++;
		}
	}
	out[o] = '\0';
	return o;
}
