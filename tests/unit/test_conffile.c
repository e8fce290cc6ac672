// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "conffile.h"
#include "unit.h"

static void defaults(struct conffile *c)
{
	memset(c, 0, sizeof(*c));
	c->params[P_SAMPLE_NS] = SAMPLE_NS_DEFAULT;
	c->params[P_WINDOW_NS] = WINDOW_NS_DEFAULT;
	c->params[P_W_CPU_NS] = 77;
}

void test_conffile_valid(void)
{
	static const char text[] =
		"# energyd.conf\n"
		"\n"
		"mountpoint = /run/energy   # where\n"
		"energy_source=powercap\n"
		"\tweights = /etc/energyd/weights conf\r\n"
		"listen = [::1]:9101\n"
		"sample_ns = 50000000\n"
		"window_ns = 500000000\n"
		"carbon_g_per_kwh = 412\n"
		"idle_mw = 1500";
	struct conffile c;
	int line = -1;
	char why[256] = "";

	defaults(&c);
	if (!ASSERT_EQ(conffile_parse(text, &c, &line, why, sizeof(why)), 0, why))
		return;
	ASSERT_STREQ(c.value[CONF_MOUNTPOINT], "/run/energy", "mountpoint");
	ASSERT_EQ(c.line[CONF_MOUNTPOINT], 3, "its line");
	ASSERT_STREQ(c.value[CONF_ENERGY_SOURCE], "powercap", "source");
	ASSERT_STREQ(c.value[CONF_WEIGHTS], "/etc/energyd/weights conf",
		     "inner blank kept, CR stripped");
	ASSERT_STREQ(c.value[CONF_LISTEN], "[::1]:9101", "listen");
	ASSERT_EQ(c.line[CONF_LISTEN], 6, "listen's line");
	ASSERT_EQ(c.params[P_SAMPLE_NS], 50000000, "sample_ns");
	ASSERT_EQ(c.params[P_WINDOW_NS], 500000000, "window_ns");
	ASSERT_EQ(c.params[P_CARBON_G_PER_KWH], 412, "carbon");
	ASSERT_EQ(c.params[P_IDLE_MW], 1500, "last line without newline");
	ASSERT_EQ(c.param_line[P_IDLE_MW], 10, "its line");
	ASSERT_EQ(c.param_line[P_W_CPU_NS], 0, "not in the file");
	ASSERT_EQ(c.params[P_W_CPU_NS], 77, "the value before the file kept");

	/* Every parameter has its key. */
	for (int i = 0; i < P_MAX; i++) {
		char one[96];

		snprintf(one, sizeof(one), "%s = %llu\n", param_descs[i].name,
			 i == P_WINDOW_NS ? WINDOW_NS_DEFAULT : param_descs[i].min);
		defaults(&c);
		ASSERT_EQ(conffile_parse(one, &c, &line, why, sizeof(why)), 0, one);
		ASSERT_EQ(c.param_line[i], 1, param_descs[i].name);
	}
	defaults(&c);
	ASSERT_EQ(conffile_parse("mountpoint = none\n", &c, &line, why,
				 sizeof(why)), 0, "mountpoint none");
	ASSERT_EQ(conffile_parse("", &c, &line, why, sizeof(why)), 0, "empty");
	ASSERT_EQ(c.line[CONF_MOUNTPOINT], 0, "a new parse forgets the old lines");
}

void test_conffile_refused(void)
{
	static const struct { const char *text; int line; const char *why; } bad[] = {
		{ "mountpoint = /a\nbogus\n", 2, "expected 'name = value'" },
		{ "\n\n# x\nsamples_ns = 5\n", 4, "unknown setting 'samples_ns'" },
		{ "mountpoint = /a\nmountpoint = /b\n", 2, "mountpoint set twice (first on line 1)" },
		{ "idle_mw = 1\n\nidle_mw = 2\n", 3, "idle_mw set twice (first on line 1)" },
		{ "weights =   # none\n", 1, "weights: no value" },
		{ "sample_ns = 5ms\n", 1,
		  "sample_ns: '5ms' is not a number of nanoseconds in 1000000..60000000000" },
		{ "carbon_g_per_kwh = 100001\n", 1,
		  "carbon_g_per_kwh: '100001' is not a number of grams CO2e per kWh in 0..100000" },
		{ "w_wakeups = -1\n", 1,
		  "w_wakeups: '-1' is not a number of weight units in 0..1000000000000000" },
		{ "mountpoint = run/energy\n", 1,
		  "mountpoint: 'run/energy' is neither an absolute path nor none" },
		{ "weights = model/weights.conf\n", 1,
		  "weights: 'model/weights.conf' is not an absolute path" },
		{ "energy_source = rapl\n", 1,
		  "energy_source: 'rapl' is not one of auto, perf, powercap, msr, none" },
		{ "listen = 127.0.0.1: 9101\n", 1,
		  "listen: '127.0.0.1: 9101' holds a blank: expected [ADDR:]PORT" },
		{ "weights = /a\x01" "b\n", 1, "weights: '/a\\x01b' holds a control character" },
		{ "window_ns = 2000000\n", 1,
		  "sample_ns 100000000 is longer than window_ns 2000000" },
		{ "window_ns = 200000000\nsample_ns = 300000000\n", 2,
		  "sample_ns 300000000 is longer than window_ns 200000000" },
	};
	char longer[CONF_VALUE_MAX + 32] = "mountpoint = /";
	struct conffile c, before;
	char why[256];
	int line;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		defaults(&c);
		c.line[CONF_LISTEN] = 9;	/* from an earlier file */
		before = c;
		line = -1;
		ASSERT_EQ(conffile_parse(bad[i].text, &c, &line, why, sizeof(why)),
			  -EINVAL, bad[i].text);
		ASSERT_EQ(line, bad[i].line, bad[i].text);
		ASSERT_STREQ(why, bad[i].why, bad[i].text);
		ASSERT_TRUE(!memcmp(&c, &before, sizeof(c)), "nothing changed");
	}
	memset(longer + 14, 'a', CONF_VALUE_MAX);
	defaults(&c);
	ASSERT_EQ(conffile_parse(longer, &c, &line, why, sizeof(why)), -EINVAL,
		  "long value");
	ASSERT_STREQ(why + strlen(why) - 25, "is longer than 1023 bytes", why);
}

void test_conf_line_next(void)
{
	struct conf_line l = { .no = 0 };
	const char *p = "  # c\n a = b c \n\n=x\n";

	ASSERT_EQ(conf_line_next(&p, &l), 1, "first");
	ASSERT_EQ(l.no, 2, "comment and blank lines counted");
	ASSERT_TRUE(l.klen == 1 && l.key[0] == 'a', "key");
	ASSERT_TRUE(l.vlen == 3 && !memcmp(l.val, "b c", 3), "value");
	ASSERT_EQ(conf_line_next(&p, &l), 1, "empty key is a line");
	ASSERT_EQ(l.no, 4, "its number");
	ASSERT_EQ(l.klen, 0, "no key");
	ASSERT_EQ(conf_line_next(&p, &l), 0, "end");
}

/* The file make install puts in /etc/energyd parses, and sets nothing:
 * its lines are the defaults, commented out. */
void test_conffile_installed(void)
{
	static char text[16384];
	struct conffile c, before;
	FILE *f = fopen("daemon/energyd.conf", "r");
	size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	char why[256] = "";
	int line = 0;

	if (f)
		fclose(f);
	if (!ASSERT_TRUE(n > 0 && n < sizeof(text) - 1,
			 "daemon/energyd.conf read (run from the repository root)"))
		return;
	text[n] = '\0';
	defaults(&c);
	before = c;
	ASSERT_EQ(conffile_parse(text, &c, &line, why, sizeof(why)), 0, why);
	ASSERT_TRUE(!memcmp(&c, &before, sizeof(c)), "nothing set");
	/* Each commented key is a real one, and every parameter is there. */
	for (int i = 0; i < P_MAX; i++) {
		char key[64];

		snprintf(key, sizeof(key), "\n#%s =", param_descs[i].name);
		ASSERT_TRUE(strstr(text, key), key);
	}
	for (int i = 0; i < CONF_SETTINGS; i++) {
		char key[64];

		snprintf(key, sizeof(key), "\n#%s = ", conf_setting_names[i]);
		ASSERT_TRUE(strstr(text, key), key);
	}
}
