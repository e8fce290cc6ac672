// SPDX-License-Identifier: GPL-2.0-only
/*
 * A value written to a params file: byte 0 picks the parameter, the rest
 * is the value. What param_check accepts lies in the parameter's range and
 * prints back to the same value; param_check_partial agrees with it on a
 * complete value and accepts every prefix of an accepted short value.
 */
#include <inttypes.h>

#include "fuzz.h"
#include "params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u64 cur[P_MAX] = { [P_SAMPLE_NS] = SAMPLE_NS_DEFAULT,
			     [P_WINDOW_NS] = WINDOW_NS_DEFAULT };
	const struct param_desc *d;
	char why[200], back[32];
	enum param_id id;
	const char *s;
	size_t len;
	__u64 v = 0, v2 = 0;
	int rc, n;

	if (!size)
		return 0;
	id = data[0] % P_MAX;
	d = &param_descs[id];
	s = (const char *)data + 1;
	len = size - 1;

	why[0] = '\0';
	rc = param_check(id, s, len, cur, &v, why, sizeof(why));
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	if (rc) {
		FUZZ_ASSERT(why[0] != '\0');
	} else {
		FUZZ_ASSERT(v >= d->min && v <= d->max);
		n = snprintf(back, sizeof(back), "%llu\n", (unsigned long long)v);
		FUZZ_ASSERT(param_check(id, back, n, cur, &v2, why,
					sizeof(why)) == 0 && v2 == v);
	}

	if (len && s[len - 1] == '\n') {
		FUZZ_ASSERT(param_check_partial(id, s, len, cur, why,
						sizeof(why)) == rc);
		if (!rc && len <= PARAM_WRITE_MAX)
			for (size_t k = 0; k < len; k++)
				FUZZ_ASSERT(param_check_partial(id, s, k, cur, why,
								sizeof(why)) == 0);
	} else {
		rc = param_check_partial(id, s, len, cur, why, sizeof(why));
		FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	}
	return 0;
}
