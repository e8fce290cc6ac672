// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "params.h"

int param_parse_u64(const char *s, size_t len, __u64 min, __u64 max,
		    __u64 *out)
{
	__u64 v = 0;
	size_t i;

	if (len && s[len - 1] == '\n')
		len--;
	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = s[i] - '0';
		if (v > (~0ULL - d) / 10) {
			/* keep scanning: junk after an overflow is -EINVAL */
			for (; i < len; i++)
				if (s[i] < '0' || s[i] > '9')
					return -EINVAL;
			return -ERANGE;
		}
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}
