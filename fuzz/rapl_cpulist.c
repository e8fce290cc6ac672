// SPDX-License-Identifier: GPL-2.0-only
/*
 * A sysfs CPU list ("0-3,8") for rapl_parse_cpulist, with room for 1 to
 * 64 CPUs (byte 0): a count within the room, CPUs that are not negative,
 * and the same CPUs with more room; a list rejected as malformed is
 * rejected so with any room.
 */
#include <errno.h>

#include "fuzz.h"
#include "rapl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int few[64], many[RAPL_MAX_PKGS];
	int room, n, m;
	char *s;

	if (!size)
		return 0;
	room = data[0] % 64 + 1;
	s = fuzz_cstr(data + 1, size - 1);
	n = rapl_parse_cpulist(s, few, room);
	FUZZ_ASSERT(n == -EINVAL || n == -E2BIG || (n >= 1 && n <= room));
	m = rapl_parse_cpulist(s, many, RAPL_MAX_PKGS);
	if (n >= 1) {
		FUZZ_ASSERT(m == n && !memcmp(few, many, n * sizeof(int)));
		for (int i = 0; i < n; i++)
			FUZZ_ASSERT(few[i] >= 0);
	} else if (n == -EINVAL) {
		FUZZ_ASSERT(m == -EINVAL);
	} else {	/* too many for the room: more, or malformed later */
		FUZZ_ASSERT(m == -E2BIG || m == -EINVAL || m > room);
	}
	free(s);
	return 0;
}
