// SPDX-License-Identifier: GPL-2.0-only
/*
 * The other sysfs and MSR values rapl/ parses, byte 0 choosing which: a
 * perf event file ("event=0x02") and a whole decimal file, both formatted
 * back to the same value; a perf event scale (a conversion that counts);
 * a --rapl source name; a unit register (8 bytes).
 */
#include <errno.h>

#include "driver.h"
#include "fuzz.h"
#include "rapl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rapl_conv conv;
	enum rapl_source src;
	char back[64];
	__u64 v, v2;
	char *s;
	int rc;

	if (!size)
		return 0;
	s = fuzz_cstr(data + 1, size - 1);
	switch (data[0] % 5) {
	case 0:
		if (rapl_parse_perf_event(s, &v))
			break;
		snprintf(back, sizeof(back), "event=0x%llx\n", (unsigned long long)v);
		FUZZ_ASSERT(!rapl_parse_perf_event(back, &v2) && v2 == v);
		break;
	case 1:
		if (rapl_parse_u64(s, &v))
			break;
		snprintf(back, sizeof(back), "%llu", (unsigned long long)v);
		FUZZ_ASSERT(!rapl_parse_u64(back, &v2) && v2 == v);
		break;
	case 2:
		rc = rapl_parse_scale(s, &conv);
		FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ERANGE);
		if (!rc)
			FUZZ_ASSERT(conv.mul >= 1 && conv.shift <= 64);
		break;
	case 3:
		if (!rapl_parse_source(s, &src))
			FUZZ_ASSERT(!strcmp(rapl_source_name(src), s));
		break;
	case 4:
		if (size < 9)
			break;
		memcpy(&v, data + 1, 8);
		rc = rapl_msr_unit(v, &conv);
		FUZZ_ASSERT(rc == (v ? 0 : -EINVAL));
		if (!rc)
			FUZZ_ASSERT(conv.mul == 1000000 && conv.shift < 32);
		break;
	}
	free(s);
	return 0;
}
