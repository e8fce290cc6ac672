// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyd.conf for conffile_parse. Rejected: nothing changed, a reason,
 * a line within the text. Accepted: values in range, settings valid and
 * NUL-terminated, lines within the text; written back out as a file it
 * parses to the same.
 */
#include "conffile.h"
#include "fuzz.h"

static void start(struct conffile *c)
{
	memset(c, 0x5a, sizeof(*c));
	c->params[P_SAMPLE_NS] = SAMPLE_NS_DEFAULT;
	c->params[P_WINDOW_NS] = WINDOW_NS_DEFAULT;
}

static int lines(const char *s)
{
	int n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conffile c, before, again;
	static char text[CONF_SETTINGS * (CONF_VALUE_MAX + 32) + P_MAX * 64];
	char *s = fuzz_cstr(data, size);
	char why[256] = "";
	size_t off = 0;
	int rc, line = -1, n = lines(s);

	start(&c);
	before = c;
	rc = conffile_parse(s, &c, &line, why, sizeof(why));
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	if (rc) {
		FUZZ_ASSERT(why[0] && line >= 0 && line <= n);
		FUZZ_ASSERT(!memcmp(&c, &before, sizeof(c)));
		goto out;
	}
	for (int i = 0; i < P_MAX; i++) {
		FUZZ_ASSERT(c.param_line[i] >= 0 && c.param_line[i] <= n);
		if (!c.param_line[i]) {
			FUZZ_ASSERT(c.params[i] == before.params[i]);
			continue;
		}
		FUZZ_ASSERT(c.params[i] >= param_descs[i].min &&
			    c.params[i] <= param_descs[i].max);
		off += snprintf(text + off, sizeof(text) - off, "%s = %llu\n",
				param_descs[i].name, (unsigned long long)c.params[i]);
	}
	for (int i = 0; i < CONF_SETTINGS; i++) {
		FUZZ_ASSERT(c.line[i] >= 0 && c.line[i] <= n);
		if (!c.line[i])
			continue;
		FUZZ_ASSERT(memchr(c.value[i], '\0', CONF_VALUE_MAX));
		FUZZ_ASSERT(c.value[i][0] && !strchr(c.value[i], '#') &&
			    !strchr(c.value[i], '\n'));
		off += snprintf(text + off, sizeof(text) - off, "%s = %s\n",
				conf_setting_names[i], c.value[i]);
	}
	text[off] = '\0';
	start(&again);
	FUZZ_ASSERT(conffile_parse(text, &again, &line, why, sizeof(why)) == 0);
	for (int i = 0; i < P_MAX; i++)
		FUZZ_ASSERT(!c.param_line[i] == !again.param_line[i] &&
			    again.params[i] == c.params[i]);
	for (int i = 0; i < CONF_SETTINGS; i++)
		FUZZ_ASSERT(!c.line[i] == !again.line[i] &&
			    (!c.line[i] || !strcmp(again.value[i], c.value[i])));
out:
	free(s);
	return 0;
}
