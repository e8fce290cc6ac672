// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/PID/cgroup text for caller_parse_cgroup2_path, with a buffer of a
 * size byte 0 chooses: what it returns fits, NUL-terminated, and a larger
 * buffer gives the same path.
 */
#include <errno.h>

#include "caller.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char small[257], big[4096];
	size_t room;
	char *s;
	int rc, rc2;

	if (!size)
		return 0;
	room = data[0] + 1;
	s = fuzz_cstr(data + 1, size - 1);
	memset(small, 0x5a, sizeof(small));
	rc = caller_parse_cgroup2_path(s, small, room);
	FUZZ_ASSERT(rc == 0 || rc == -ENOENT || rc == -EINVAL ||
		    rc == -ENAMETOOLONG);
	FUZZ_ASSERT(small[room] == 0x5a);
	rc2 = caller_parse_cgroup2_path(s, big, sizeof(big));
	if (!rc) {
		FUZZ_ASSERT(strlen(small) < room);
		FUZZ_ASSERT(rc2 == 0 && !strcmp(small, big));
	} else if (rc != -ENAMETOOLONG) {
		FUZZ_ASSERT(rc2 == rc);
	}
	free(s);
	return 0;
}
