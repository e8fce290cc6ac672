// SPDX-License-Identifier: GPL-2.0-only
/*
 * A label value (a command name, a cgroup path) for metrics_label: the
 * output holds no raw newline, double quote or control byte, and undoing
 * its escapes gives the input with control bytes as '?'.
 */
#include "fuzz.h"
#include "metrics.h"
#include "rbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rbuf b = {};
	char *s = fuzz_cstr(data, size);
	size_t i = 0, j = 0, slen = strlen(s);

	metrics_label(&b, s);
	FUZZ_ASSERT(!b.oom);
	FUZZ_ASSERT(b.len == 0 || (b.data && b.data[b.len] == '\0'));
	for (i = 0; i < b.len; i++, j++) {
		unsigned char c = b.data[i], want;

		FUZZ_ASSERT(c >= 0x20 && c != 0x7f && c != '"');
		if (c == '\\') {
			FUZZ_ASSERT(i + 1 < b.len);
			c = b.data[++i];
			FUZZ_ASSERT(c == '\\' || c == '"' || c == 'n');
			c = c == 'n' ? '\n' : c;
		}
		FUZZ_ASSERT(j < slen);
		want = s[j];
		if (want < 0x20 && want != '\n')
			want = '?';
		if (want == 0x7f)
			want = '?';
		FUZZ_ASSERT(c == want);
	}
	FUZZ_ASSERT(j == slen);
	rbuf_free(&b);
	free(s);
	return 0;
}
