// SPDX-License-Identifier: GPL-2.0-only
/*
 * A record line (energyd --record) for model_record_parse. What it accepts
 * formats back to a line that parses to the same record, and that line is
 * no longer than the input (only leading zeros can be dropped).
 */
#include "fuzz.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_record r, r2;
	char *s = fuzz_cstr(data, size);
	char line[512];
	int n;

	if (model_record_parse(s, &r))
		goto out;
	n = model_record_format(line, sizeof(line), &r);
	FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(line) && line[n - 1] == '\n');
	line[n - 1] = '\0';
	FUZZ_ASSERT((size_t)n - 1 <= strlen(s));
	FUZZ_ASSERT(model_record_parse(line, &r2) == 0);
	FUZZ_ASSERT(!memcmp(&r, &r2, sizeof(r)));
out:
	free(s);
	return 0;
}
