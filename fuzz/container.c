// SPDX-License-Identifier: GPL-2.0-only
/*
 * A cgroup2 path for container_from_cgroup. Nothing found: all zero.
 * Found: a known runtime, an id of 64 lower-case hex digits or none, a pod
 * UID of the dashed 8-4-4-4-12 form or a 32-hex config hash or none, and
 * at least one of them.
 */
#include <ctype.h>

#include "container.h"
#include "fuzz.h"

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

static bool pod_uid_ok(const char *u)
{
	size_t n = strlen(u);

	if (n == 32)
		return all_hex(u, 32);
	if (n != 36 || u[8] != '-' || u[13] != '-' || u[18] != '-' || u[23] != '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (i != 8 && i != 13 && i != 18 && i != 23 && !isxdigit((unsigned char)u[i]))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const runtimes[] = { "", "docker", "containerd",
						"crio", "podman" };
	static const struct container_ident zero;
	struct container_ident c;
	char *s = fuzz_cstr(data, size);
	bool known = false;

	memset(&c, 0x5a, sizeof(c));
	if (!container_from_cgroup(s, &c)) {
		FUZZ_ASSERT(!memcmp(&c, &zero, sizeof(c)));
		goto out;
	}
	FUZZ_ASSERT(memchr(c.runtime, '\0', sizeof(c.runtime)) &&
		    memchr(c.id, '\0', sizeof(c.id)) &&
		    memchr(c.pod_uid, '\0', sizeof(c.pod_uid)));
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
		known |= !strcmp(c.runtime, runtimes[i]);
	FUZZ_ASSERT(known);
	FUZZ_ASSERT(!c.id[0] || (strlen(c.id) == 64 && all_hex(c.id, 64)));
	FUZZ_ASSERT(!c.runtime[0] || c.id[0]);
	FUZZ_ASSERT(!c.pod_uid[0] || pod_uid_ok(c.pod_uid));
	FUZZ_ASSERT(c.id[0] || c.pod_uid[0]);
	FUZZ_ASSERT(!c.id[0] || strstr(s, c.id));
out:
	free(s);
	return 0;
}
