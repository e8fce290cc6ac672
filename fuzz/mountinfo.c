// SPDX-License-Identifier: GPL-2.0-only
/*
 * A /proc/PID/mountinfo line for caller_parse_mountinfo_line, looking for
 * cgroup2 or fuse.energyd (byte 0): a mount point found fits its buffer,
 * NUL-terminated, and is absolute.
 */
#include <errno.h>

#include "caller.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char mnt[257];
	size_t room;
	bool is_root = false;
	char *s;
	int rc;

	if (!size)
		return 0;
	room = data[0] % 2 ? 256 : 32;
	s = fuzz_cstr(data + 1, size - 1);
	memset(mnt, 0x5a, sizeof(mnt));
	rc = caller_parse_mountinfo_line(s, data[0] & 2 ? "fuse.energyd" :
					 "cgroup2", mnt, room, &is_root);
	FUZZ_ASSERT(rc == 0 || rc == 1 || rc == -EINVAL || rc == -ENAMETOOLONG);
	FUZZ_ASSERT(mnt[room] == 0x5a);
	if (rc == 1)
		FUZZ_ASSERT(strlen(mnt) < room);
	free(s);
	return 0;
}
