// SPDX-License-Identifier: GPL-2.0-only
/*
 * Training input (model/input.h): energyd records and the original's
 * logger files, fed line by line with every byte (NULs included). The
 * records read format back to lines that parse to the same; the logger
 * blocks give at most one window fewer than blocks for every target.
 */
#include "fuzz.h"
#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct input in;
	int rc = 0;

	input_init(&in);
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', end - p);
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		rc = input_line(&in, p, len, nl != NULL);
		FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
		p += len + (nl != NULL);
	}
	if (!rc)
		rc = input_end(&in);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	if (rc) {
		FUZZ_ASSERT(!strncmp(in.why, "line ", 5) || in.why[0]);
		goto out;
	}
	if (in.kind == INPUT_RECORDS) {
		for (size_t i = 0; i < in.nrec; i++) {
			struct model_record r;
			char line[512];
			int n = model_record_format(line, sizeof(line), &in.rec[i]);

			FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(line));
			line[n - 1] = '\0';
			FUZZ_ASSERT(model_record_parse(line, &r) == 0 &&
				    !memcmp(&r, &in.rec[i], sizeof(r)));
		}
	} else if (in.kind == INPUT_LOG) {
		const struct input *all[1] = { &in };
		enum train_target t = log_target(all, 1);

		FUZZ_ASSERT(t >= TARGET_AUTO && t < TARGETS);
		for (t = TARGET_PSYS; t < TARGETS; t++) {
			struct model_record *rows = NULL;
			size_t n = 0, cap = 0;
			struct log_stats st = {};

			rc = log_windows(&in, t, &rows, &n, &cap, &st);
			FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
			if (!rc) {
				FUZZ_ASSERT(n == st.windows && n <= cap);
				FUZZ_ASSERT(!in.nblk || n < in.nblk);
			}
			free(rows);
		}
	}
out:
	input_free(&in);
	return 0;
}
