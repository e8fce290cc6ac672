// SPDX-License-Identifier: GPL-2.0-only
/*
 * A --listen value for listen_parse. Rejected: a reason, the address
 * untouched. Accepted: an IPv4 or IPv6 address of the right length, whose
 * name (listen_name) parses back to the same address.
 */
#include <errno.h>
#include <netinet/in.h>

#include "fuzz.h"
#include "listen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct listen_addr a, b;
	char *s = fuzz_cstr(data, size);
	char why[200], name[LISTEN_NAME_MAX];
	int rc;

	memset(&a, 0x5a, sizeof(a));
	why[0] = '\0';
	rc = listen_parse(s, &a, why, sizeof(why));
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	if (rc) {
		struct listen_addr z;

		memset(&z, 0x5a, sizeof(z));
		FUZZ_ASSERT(why[0] && !memcmp(&a, &z, sizeof(a)));
		goto out;
	}
	if (a.ss.ss_family == AF_INET)
		FUZZ_ASSERT(a.len == sizeof(struct sockaddr_in));
	else
		FUZZ_ASSERT(a.ss.ss_family == AF_INET6 &&
			    a.len == sizeof(struct sockaddr_in6));
	listen_name((const struct sockaddr *)&a.ss, name, sizeof(name));
	FUZZ_ASSERT(listen_parse(name, &b, why, sizeof(why)) == 0);
	FUZZ_ASSERT(b.len == a.len && !memcmp(&b.ss, &a.ss, a.len));
out:
	free(s);
	return 0;
}
