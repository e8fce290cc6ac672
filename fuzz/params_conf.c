// SPDX-License-Identifier: GPL-2.0-only
/*
 * A weights or configuration file for params_parse_conf. Rejected: nothing
 * written, a "line N: " reason (or the sample_ns/window_ns clash). Accepted: every value set lies in its
 * range, the rest is untouched, and the values written out as a file parse
 * back to the same.
 */
#include "fuzz.h"
#include "params.h"

#define UNTOUCHED	0xa5a5a5a5a5a5a5a5ULL

/* What the daemon holds before it reads a file: the defaults for the two
 * times that are checked against each other, a mark for the rest. */
static void start(__u64 v[P_MAX])
{
	for (int i = 0; i < P_MAX; i++)
		v[i] = UNTOUCHED;
	v[P_SAMPLE_NS] = SAMPLE_NS_DEFAULT;
	v[P_WINDOW_NS] = WINDOW_NS_DEFAULT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u64 out[P_MAX], again[P_MAX];
	bool set[P_MAX] = {}, set2[P_MAX] = {};
	char why[256], text[P_MAX * 64] = "";
	char *s = fuzz_cstr(data, size);
	size_t off = 0;
	__u64 before[P_MAX];
	int rc;

	start(out);
	start(before);
	why[0] = '\0';
	rc = params_parse_conf(s, out, set, why, sizeof(why));
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	if (rc) {
		FUZZ_ASSERT(!strncmp(why, "line ", 5) ||
			    !strncmp(why, "sample_ns ", 10));
		for (int i = 0; i < P_MAX; i++)
			FUZZ_ASSERT(out[i] == before[i] && !set[i]);
		goto out;
	}
	for (int i = 0; i < P_MAX; i++) {
		if (!set[i]) {
			FUZZ_ASSERT(out[i] == before[i]);
			continue;
		}
		FUZZ_ASSERT(out[i] >= param_descs[i].min &&
			    out[i] <= param_descs[i].max);
		off += snprintf(text + off, sizeof(text) - off, "%s = %llu\n",
				param_descs[i].name, (unsigned long long)out[i]);
	}
	start(again);
	FUZZ_ASSERT(params_parse_conf(text, again, set2, why, sizeof(why)) == 0);
	for (int i = 0; i < P_MAX; i++)
		FUZZ_ASSERT(set2[i] == set[i] && again[i] == out[i]);
out:
	free(s);
	return 0;
}
