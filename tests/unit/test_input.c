// SPDX-License-Identifier: GPL-2.0-only
/* Training input: energyd's records and the original's logger blocks. */
#include <errno.h>

#include "input.h"
#include "unit.h"

#define REC "window_ns=1000000000 energy_uj=5000000 cpu_ns=1 mem_byte_s=2 instructions=3 wakeups=4 diski=5 disko=6 rx=7 tx=8\n"

void test_input_records(void)
{
	struct input in;

	input_init(&in);
	ASSERT_EQ(input_text(&in, "# energyd --record: one line per window\n" REC
			     "# energyd --record: one line per window\n" REC), 0, in.why);
	ASSERT_EQ(in.kind, INPUT_RECORDS, "records, by content");
	ASSERT_EQ(in.nrec, 2, "two records, '#' lines skipped");
	ASSERT_EQ(in.rec[1].x[M_NET_TX_PACKETS], 8, "fields");
	input_free(&in);

	input_init(&in);
	ASSERT_EQ(input_text(&in, REC "window_ns=1000000000 energy_uj=5\n" REC), -EINVAL,
		  "a malformed record");
	ASSERT_STREQ(in.why, "line 2: not a record of energyd --record", "named by line");
	input_free(&in);

	input_init(&in);
	ASSERT_EQ(input_text(&in, REC REC "window_ns=1000000000 energy_uj=50"), -EINVAL,
		  "a record cut short");
	ASSERT_STREQ(in.why, "line 3: truncated (no newline)", "named by line");
	input_free(&in);

	input_init(&in);
	ASSERT_EQ(input_line(&in, REC, strlen(REC) - 1, true), 0, in.why);
	ASSERT_EQ(input_line(&in, REC "\0x", strlen(REC) + 1, true), -EINVAL, "a NUL byte");
	ASSERT_STREQ(in.why, "line 2: a NUL byte", "named by line");
	input_free(&in);

	input_init(&in);
	ASSERT_EQ(input_text(&in, "# nothing\n\n"), -EINVAL, "nothing in it");
	ASSERT_TRUE(strstr(in.why, "empty"), in.why);
	input_free(&in);

	input_init(&in);
	ASSERT_EQ(input_text(&in, "hello\nworld\n"), -EINVAL, "neither kind");
	ASSERT_TRUE(strstr(in.why, "neither"), in.why);
	input_free(&in);
}

/* A block of the original's sys dump. */
static int block(char *buf, size_t size, __u64 ts, __u64 core, __u64 psys,
		 __u64 cpu, __u64 mem, __u64 wakeups)
{
	return snprintf(buf, size,
			"timestamp=%llu\niterations=1\nsample_ns=100000000\nwindow_ns=1000000000\n"
			"rapl_core_sum_uj=%llu\nrapl_psys_sum_uj=%llu\n"
			"pid=0 energy=1.000 alive=1 kernel=1 cpu_ns=%llu mem=%llu instructions=10 wakeups=%llu diski=0 disko=0 rx=1 tx=2 comm=*system*\n"
			"psu_energy_ac_mcp_machine=0\n-------\n",
			ts, core, psys, cpu, mem, wakeups);
}

/*
 * Torn blocks, each skipped and named by its line: a shell prompt left in
 * the log, a *system* line missing its end, two lines run together, a
 * block without a timestamp, a line given twice, and the last block cut
 * off without its newline. The good blocks between them are kept.
 */
void test_input_log_torn(void)
{
	static const char *const torn[] = {
		"timestamp=2000\nrapl_core_sum_uj=20\nrapl_psys_sum_uj=0\n"
		"pid=0 energy=1.000 alive=1 kernel=1 cpu_ns=20 mem=5 instructions=10 wak\n-------\n",
		"timestamp=3000\nrapl_core_sum_uj=30rapl_psys_sum_uj=0\n"
		"pid=0 energy=1.000 alive=1 kernel=1 cpu_ns=30 mem=5 instructions=10 wakeups=3 diski=0 disko=0 rx=1 tx=2 comm=*system*\n-------\n",
		"iterations=4\nrapl_core_sum_uj=40\n"
		"pid=0 energy=1.000 alive=1 kernel=1 cpu_ns=40 mem=5 instructions=10 wakeups=3 diski=0 disko=0 rx=1 tx=2 comm=*system*\n-------\n",
		"timestamp=5000\ntimestamp=5000\nrapl_core_sum_uj=50\n"
		"pid=0 energy=1.000 alive=1 kernel=1 cpu_ns=50 mem=5 instructions=10 wakeups=3 diski=0 disko=0 rx=1 tx=2 comm=*system*\n-------\n",
	};
	static const struct {
		size_t line;
		const char *why;
	} want[INPUT_BAD_SHOWN] = {
		{ 1, "'(venv) user@host:~$ cat /tmp/energy-x.lo...': not a name=value line" },
		{ 23, "not a complete *system* line" },
		{ 26, "'rapl_core_sum_uj=30rapl_psys_sum_uj=0': not a number of microjoules" },
		{ 29, "a block without timestamp=" },
		{ 34, "'timestamp=5000': a second timestamp" },
	};
	char text[8192];
	struct input in;
	size_t len = 0;

	/* lines 1-10: a prompt, then a block; 11-19: a block */
	len += snprintf(text, sizeof(text), "(venv) user@host:~$ cat /tmp/energy-x.log\n");
	len += block(text + len, sizeof(text) - len, 1000, 10, 0, 10, 5, 1);
	len += block(text + len, sizeof(text) - len, 1500, 15, 0, 15, 5, 1);
	/* lines 20-37 */
	for (size_t i = 0; i < 4; i++)
		len += snprintf(text + len, sizeof(text) - len, "%s", torn[i]);
	/* lines 38-46, 47-55 */
	len += block(text + len, sizeof(text) - len, 6000, 60, 0, 60, 5, 6);
	len += block(text + len, sizeof(text) - len, 7000, 70, 0, 70, 5, 7);
	/* lines 56-57: the logger killed in the middle of a line */
	snprintf(text + len, sizeof(text) - len, "timestamp=8000\nrapl_core_sum_uj=8");

	input_init(&in);
	if (!ASSERT_EQ(input_text(&in, text), 0, in.why))
		goto out;
	ASSERT_EQ(in.kind, INPUT_LOG, "a log, by content");
	ASSERT_EQ(in.malformed, 6, "six blocks skipped");
	if (!ASSERT_EQ(in.nblk, 3, "the good blocks kept"))
		goto out;
	ASSERT_TRUE(in.blk[0].ts_ns == 1500 && in.blk[1].ts_ns == 6000 &&
		    in.blk[2].ts_ns == 7000, "the right ones");
	ASSERT_EQ(in.blk[1].line, 38, "a block's first line");
	ASSERT_EQ(in.blk[2].sys[M_WAKEUPS], 7, "its *system* line");
	ASSERT_EQ(in.blk[2].rapl, 1U << RAPL_CORE | 1U << RAPL_PSYS, "its sums");
	for (int i = 0; i < INPUT_BAD_SHOWN; i++) {
		ASSERT_EQ(in.bad[i].line, want[i].line, want[i].why);
		ASSERT_TRUE(strstr(in.bad[i].why, want[i].why), in.bad[i].why);
		fprintf(stderr, "  line %zu: %s\n", in.bad[i].line, in.bad[i].why);
	}
	input_free(&in);

	input_init(&in);
	ASSERT_EQ(input_text(&in, "timestamp=8000\nrapl_core_sum_uj=8"), 0, in.why);
	ASSERT_TRUE(in.malformed == 1 && in.bad[0].line == 2 &&
		    strstr(in.bad[0].why, "cut short"), "the last line cut off");
	input_free(&in);

	/* a NUL byte in a log: that block is skipped */
	input_init(&in);
	ASSERT_EQ(input_line(&in, "timestamp=1", 11, true), 0, in.why);
	ASSERT_EQ(input_line(&in, "rapl_core_sum_uj=1\0", 19, true), 0, in.why);
	ASSERT_EQ(input_end(&in), 0, in.why);
	ASSERT_TRUE(in.malformed == 1 && in.bad[0].line == 2 &&
		    strstr(in.bad[0].why, "a NUL byte"), "a NUL byte");
	input_free(&in);

	/* only the separator cut short: the block before it is whole */
	block(text, sizeof(text), 9000, 90, 0, 90, 5, 9);
	strcpy(strstr(text, "-------"), "---");
	input_init(&in);
	ASSERT_EQ(input_text(&in, text), 0, in.why);
	ASSERT_TRUE(in.nblk == 1 && !in.malformed, "the last block kept");
out:
	input_free(&in);
}

/*
 * Windows between consecutive blocks: differences of time, energy and
 * counters, memory as the mean level x time; a block read twice makes no
 * window, a restart starts anew, a value cut short is skipped over.
 */
void test_input_log_windows(void)
{
	char text[4096];
	struct model_record *rows = NULL;
	struct log_stats st = {};
	const struct input *pin;
	size_t len = 0, n = 0, cap = 0;
	struct input in;

	len += block(text + len, sizeof(text) - len, 1000000000, 100, 0, 1000, 4000, 10);
	len += block(text + len, sizeof(text) - len, 1500000000, 2100, 0, 301000, 6000, 25);
	len += block(text + len, sizeof(text) - len, 1500000000, 2100, 0, 301000, 6000, 25);
	len += block(text + len, sizeof(text) - len, 2000000000, 3100, 0, 500000, 6000, 30);
	/* a restart: counters from 0 again */
	len += block(text + len, sizeof(text) - len, 2100000000, 50, 0, 100, 2000, 1);
	len += block(text + len, sizeof(text) - len, 3100000000, 1050, 0, 200100, 2000, 11);
	/* cpu_ns cut short by a torn read: the next block carries on */
	len += block(text + len, sizeof(text) - len, 3200000000, 1100, 0, 2001, 2000, 12);
	block(text + len, sizeof(text) - len, 3300000000, 1150, 0, 210100, 2000, 13);

	input_init(&in);
	if (!ASSERT_EQ(input_text(&in, text), 0, in.why))
		goto out;
	pin = &in;
	ASSERT_EQ(log_target(&pin, 1), TARGET_CORE, "auto: psys does not move, core does");
	if (!ASSERT_EQ(log_windows(&in, TARGET_CORE, &rows, &n, &cap, &st), 0, "windows"))
		goto out;
	ASSERT_EQ(n, 4, "four windows");
	ASSERT_EQ(st.repeated, 1, "one block read twice");
	ASSERT_EQ(st.went_back, 2, "a restart and a value cut short");
	ASSERT_EQ(st.back_line, 37, "named by its line");
	if (n != 4)
		goto out;
	ASSERT_EQ(rows[0].window_ns, 500000000, "dt");
	ASSERT_EQ(rows[0].energy_uj, 2000, "core energy difference");
	ASSERT_EQ(rows[0].x[M_CPU_NS], 300000, "cpu_ns increase");
	ASSERT_EQ(rows[0].x[M_WAKEUPS], 15, "wakeups increase");
	ASSERT_EQ(rows[0].x[M_MEM_BYTES], 2500, "(4000 + 6000) / 2 B x 0.5 s");
	ASSERT_EQ(rows[0].x[M_INSTRUCTIONS], 0, "instructions did not move");
	ASSERT_EQ(rows[1].window_ns, 500000000, "across the repeated block");
	ASSERT_EQ(rows[1].energy_uj, 1000, "energy");
	ASSERT_EQ(rows[2].window_ns, 1000000000, "after the restart");
	ASSERT_EQ(rows[2].x[M_CPU_NS], 200000, "counted from the restart");
	ASSERT_EQ(rows[2].x[M_MEM_BYTES], 2000, "2000 B x 1 s");
	ASSERT_EQ(rows[3].window_ns, 200000000, "across the torn block");
	ASSERT_EQ(rows[3].x[M_CPU_NS], 10000, "from the block before it");
	ASSERT_EQ(rows[3].energy_uj, 100, "energy too");

	/* --target psys: present but never moves; pkg: absent */
	n = 0;
	memset(&st, 0, sizeof(st));
	ASSERT_EQ(log_windows(&in, TARGET_PKG, &rows, &n, &cap, &st), 0, "pkg");
	ASSERT_TRUE(n == 0 && st.lacking == 8 && st.lacking_line == 1,
		    "every block lacks rapl_pkg_sum_uj");
out:
	free(rows);
	input_free(&in);
}

/* auto: psys where it moves, else pkg+dram, pkg, core. */
void test_input_target_auto(void)
{
	static const struct {
		const char *sums[2];
		enum train_target want;
	} cases[] = {
		{ { "rapl_psys_sum_uj=1\nrapl_core_sum_uj=1\n",
		    "rapl_psys_sum_uj=2\nrapl_core_sum_uj=2\n" }, TARGET_PSYS },
		{ { "rapl_pkg_sum_uj=1\nrapl_dram_sum_uj=1\nrapl_psys_sum_uj=0\n",
		    "rapl_pkg_sum_uj=2\nrapl_dram_sum_uj=1\nrapl_psys_sum_uj=0\n" }, TARGET_PKG_DRAM },
		{ { "rapl_pkg_sum_uj=1\nrapl_core_sum_uj=1\n",
		    "rapl_pkg_sum_uj=2\nrapl_core_sum_uj=2\n" }, TARGET_PKG },
		{ { "rapl_psys_sum_uj=5\n", "rapl_psys_sum_uj=5\n" }, TARGET_PSYS },
		/* energyd's own sys file, as a logger would read it */
		{ { "rapl_pkg_sum_uj=1\nenergy_source=msr\nenergy_basis=pkg\ncarbon_g=0.000000000\nversion=0.1\n",
		    "rapl_pkg_sum_uj=3\nenergy_source=msr\nenergy_basis=pkg\ncarbon_g=0.000000000\nversion=0.1\n" },
		  TARGET_PKG },
		{ { "", "" }, TARGET_AUTO },
	};
	static const char sys[] =
		"pid=0 energy=1.000 alive=1 kernel=1 cpu_ns=1 mem=1 instructions=1 wakeups=1 diski=0 disko=0 rx=1 tx=2 comm=*system*\n";
	enum train_target t;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct input *pin;
		struct input in;
		char text[1024];

		snprintf(text, sizeof(text), "timestamp=1\n%s%s-------\ntimestamp=2\n%s%s-------\n",
			 cases[c].sums[0], sys, cases[c].sums[1], sys);
		input_init(&in);
		if (ASSERT_EQ(input_text(&in, text), 0, in.why) &&
		    ASSERT_EQ(in.nblk, 2, text)) {
			pin = &in;
			ASSERT_EQ(log_target(&pin, 1), cases[c].want, text);
		}
		input_free(&in);
	}
	ASSERT_EQ(target_parse("pkg+dram", &t), 0, "parses");
	ASSERT_EQ(t, TARGET_PKG_DRAM, "pkg+dram");
	ASSERT_EQ(target_parse("dram", &t), -EINVAL, "not a target");
}
