/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text from the kernel (command names, cgroup paths) made valid UTF-8
 * before it goes into a format that requires it, such as JSON. Pure.
 */
#ifndef ENERGY_UTF8_H
#define ENERGY_UTF8_H

#include <stddef.h>

/* What one input byte can become at most: U+FFFD is three bytes. */
#define UTF8_GROWTH	3

/*
 * Copy the @len bytes at @s into @out (room for UTF8_GROWTH * @len + 1
 * bytes), NUL-terminated: well-formed UTF-8 sequences (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) are kept, each
 * byte that does not begin one becomes U+FFFD. Bytes are taken as they
 * are, NUL included. Returns the length written, without the NUL.
 */
size_t utf8_sanitize(char *out, const char *s, size_t len);

#endif /* ENERGY_UTF8_H */
