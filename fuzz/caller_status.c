// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/PID/status text for caller_parse_cap_eff and caller_parse_nspid.
 * NSpid: a count within the room given, positive pids, the same pids with
 * more room, -E2BIG whenever well-formed pids do not fit.
 */
#include <errno.h>

#include "caller.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pid_t pids[CALLER_NSPID_MAX], few[4];
	char *s;
	__u64 caps;
	int n, m, room;

	if (!size)
		return 0;
	room = data[0] % 4 + 1;
	s = fuzz_cstr(data + 1, size - 1);

	n = caller_parse_cap_eff(s, &caps);
	FUZZ_ASSERT(n == 0 || n == -ENOENT || n == -EINVAL);

	n = caller_parse_nspid(s, pids, CALLER_NSPID_MAX);
	FUZZ_ASSERT(n == -ENOENT || n == -EINVAL || n == -E2BIG ||
		    (n >= 1 && n <= CALLER_NSPID_MAX));
	for (int i = 0; i < n; i++)
		FUZZ_ASSERT(pids[i] > 0);
	m = caller_parse_nspid(s, few, room);
	if (n > room)
		FUZZ_ASSERT(m == -E2BIG);
	else if (n >= 1)
		FUZZ_ASSERT(m == n && !memcmp(few, pids, n * sizeof(pid_t)));
	else if (n == -ENOENT)
		FUZZ_ASSERT(m == n);
	else	/* malformed or too many: which it sees first */
		FUZZ_ASSERT(m == -EINVAL || m == -E2BIG);
	free(s);
	return 0;
}
