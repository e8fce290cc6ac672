// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "model.h"
#include "params.h"
#include "table.h"
#include "unit.h"

static const __u64 weights[M_METRICS] = {
	[M_CPU_NS] = 5000, [M_MEM_BYTES] = 44, [M_WAKEUPS] = 10000000,
	[M_DISK_READ_BYTES] = 2000, [M_DISK_WRITE_BYTES] = 3000,
	[M_NET_RX_PACKETS] = 5000000, [M_NET_TX_PACKETS] = 5000000,
};

void test_model_score(void)
{
	struct energy_counters d = { .cpu_ns = 1000000000, .wakeups = 10,
				     .disk_read_bytes = 1000, .tx_packets = 2 };

	/* 1 s of CPU at 5 W = 5 J = 5e12 pJ; 10 wakeups 100 µJ; 1000 B
	 * read 2 nJ each = 2 µJ; 2 packets 10 µJ; 1 MiB resident for 0.5 s
	 * at 44 pJ/(B s) = 23.068672 µJ. */
	ASSERT_EQ(model_score_pj(weights, &d, 1 << 20, 500000000),
		  5000000000000ULL + 100000000ULL + 2000000ULL + 10000000ULL +
		  23068672ULL, "score in pJ");
	d = (struct energy_counters){ .cpu_ns = ~0ULL };
	ASSERT_TRUE(model_score_pj(weights, &d, 0, 1) == ~0ULL, "saturates");
}

void test_attrib_conservation(void)
{
	__u64 scores[3] = { 3000, 1000, 0 }, e[3] = {}, carry[3] = {};
	struct attrib a = {};
	struct attrib_in in = { .measured = true, .window_ns = 1000000000,
				.idle_mw = 2000 };
	__u64 idle, sum_in = 0;

	/* 20 W for 1 s = 20 J; 2 W idle: 18 J over scores 3:1. */
	in.e_uj = 20000000;
	idle = attrib_window(&a, &in, scores, 3, e, carry);
	ASSERT_EQ(idle, 2000000, "idle = idle_mw x window");
	ASSERT_EQ(e[0], 13500000, "3/4 of the dynamic energy");
	ASSERT_EQ(e[1], 4500000, "1/4 of it");
	ASSERT_EQ(e[2], 0, "no score, no energy");
	/* Odd amounts: rounding is carried, never dropped. */
	for (int w = 0; w < 1000; w++) {
		in.e_uj = 1000003 + w % 7;
		sum_in += in.e_uj;
		scores[2] = w % 3;
		attrib_window(&a, &in, scores, 3, e, carry);
	}
	ASSERT_EQ(e[0] + e[1] + e[2] + a.idle_uj + a.carry_uj, 20000000 + sum_in,
		  "exact over the run, counting the carry");
	ASSERT_TRUE(a.carry_uj < 3, "carry below one µJ per process");
	ASSERT_EQ(a.total_uj, 20000000 + sum_in, "total measured");
	ASSERT_EQ(a.procs_uj, e[0] + e[1] + e[2], "handed out");
}

void test_attrib_zero_scores_and_idle(void)
{
	__u64 scores[2] = {}, e[2] = {}, carry[2] = {};
	struct attrib a = {};
	struct attrib_in in = { .measured = true, .window_ns = 1000000000,
				.e_uj = 5000000 };

	ASSERT_EQ(attrib_window(&a, &in, scores, 2, e, carry), 5000000,
		  "nobody did anything: all idle");
	ASSERT_EQ(e[0] + e[1], 0, "processes get nothing");
	/* idle above the measurement never makes energy negative */
	scores[0] = 1;
	in.idle_mw = 9000;
	ASSERT_EQ(attrib_window(&a, &in, scores, 2, e, carry), 5000000,
		  "idle capped at the measurement");
	ASSERT_EQ(e[0], 0, "nothing left, nothing negative");
	/* learned idle: the lowest power in a low-activity window */
	in.idle_mw = 0;
	in.low_activity = true;
	in.e_uj = 3000000;
	attrib_window(&a, &in, scores, 2, e, carry);
	ASSERT_EQ(attrib_idle_mw(&a, 0), 3000, "3 W learned");
	in.low_activity = false;
	in.e_uj = 10000000;
	ASSERT_EQ(attrib_window(&a, &in, scores, 2, e, carry), 3000000,
		  "learned idle applied");
	ASSERT_EQ(e[0], 7000000, "the rest to the only busy process");
	ASSERT_EQ(attrib_idle_mw(&a, 1500), 1500, "configured wins");
}

void test_attrib_model_mode(void)
{
	__u64 scores[2] = { 1500000, 999999 }, e[2] = {}, carry[2] = {};
	struct attrib a = {};
	struct attrib_in in = { .window_ns = 1000000000 };

	for (int i = 0; i < 4; i++)
		attrib_window(&a, &in, scores, 2, e, carry);
	ASSERT_EQ(e[0], 6, "1.5 µJ x 4");
	ASSERT_EQ(carry[0], 0, "no rest");
	ASSERT_EQ(e[1], 3, "0.999999 µJ x 4 = 3.999996");
	ASSERT_EQ(carry[1], 999996, "the rest carried per process");
	ASSERT_EQ(a.total_uj, 9, "model total");
	in.idle_mw = 1000;
	ASSERT_EQ(attrib_window(&a, &in, scores, 2, e, carry), 1000000,
		  "configured idle in model mode");
}

void test_table_energy_window(void)
{
	struct energy_proc live[4] = {};
	struct table_freed freed[4];
	struct cgroup_total *ct = NULL;
	struct attrib a = {};
	struct attrib_in in = { .measured = true, .window_ns = 1000000000,
				.idle_mw = 1000 };
	__u64 w[M_METRICS] = { [M_CPU_NS] = 1 };
	struct table t;

	if (!ASSERT_EQ(table_init(&t, 4), 0, "init"))
		return;
	/* Alive before the first window: its past is not counted. */
	live[0] = (struct energy_proc){ .key = { 10, 0, 1 }, .c.cpu_ns = 500, .cgroup_id = 1 };
	table_sample(&t, live, 2);
	in.e_uj = 0;
	table_energy_window(&t, &a, &in, w, 2);
	live[0].c.cpu_ns = 800;	/* +300 */
	live[1] = (struct energy_proc){ .key = { 11, 0, 2 }, .c.cpu_ns = 100, .cgroup_id = 1 };
	table_sample(&t, live, 2);
	in.e_uj = 5000000;	/* 5 J, 1 J idle, 4 J by 300:100 */
	table_energy_window(&t, &a, &in, w, 2);
	ASSERT_EQ(table_energy_of(&t, 0, &live[0].key), 3000000, "3:1");
	ASSERT_EQ(table_energy_of(&t, 1, &live[1].key), 1000000, "new process from zero");
	ASSERT_EQ(table_energy_of(&t, 1, &live[0].key), 0, "another key: nothing");
	/* Exit and removal fold its energy into the cgroup. */
	live[1].flags = ENERGY_F_EXITED;
	table_sample(&t, live, 2);
	in.e_uj = 1000000;
	table_energy_window(&t, &a, &in, w, 2);
	table_window(&t, freed, 4);
	table_window(&t, freed, 4);
	if (ASSERT_EQ(table_cgroup_totals(&t, &ct), 1, "one cgroup"))
		ASSERT_EQ(ct[0].energy_uj, 4000000, "energy folded with the counters");
	free(ct);
	table_fini(&t);
}

void test_params_conf(void)
{
	__u64 p[P_MAX] = { [P_SAMPLE_NS] = 100000000, [P_WINDOW_NS] = 1000000000,
			   [P_W_CPU_NS] = 1 };
	bool set[P_MAX] = {};
	char why[160];

	ASSERT_EQ(params_parse_conf("# model\n\nw_cpu_ns = 5000  # 5 W\n\tidle_mw=1500\n",
				    p, set, why, sizeof(why)), 0, "valid");
	ASSERT_EQ(p[P_W_CPU_NS], 5000, "weight");
	ASSERT_EQ(p[P_IDLE_MW], 1500, "idle");
	ASSERT_TRUE(set[P_W_CPU_NS] && set[P_IDLE_MW] && !set[P_W_WAKEUPS], "set marks");

	ASSERT_EQ(params_parse_conf("w_cpu_ns = 7\nw_bogus = 1\n", p, set, why, sizeof(why)),
		  -EINVAL, "unknown name");
	ASSERT_STREQ(why, "line 2: unknown parameter 'w_bogus'", "names line and name");
	ASSERT_EQ(p[P_W_CPU_NS], 5000, "nothing applied from a bad file");
	ASSERT_EQ(params_parse_conf("w_wakeups = -1\n", p, set, why, sizeof(why)),
		  -EINVAL, "negative");
	ASSERT_TRUE(strstr(why, "line 1: w_wakeups: '-1'"), why);
	ASSERT_EQ(params_parse_conf("w_cpu_ns 5000\n", p, set, why, sizeof(why)),
		  -EINVAL, "no '='");
	ASSERT_EQ(params_parse_conf("w_cpu_ns = 1\nw_cpu_ns = 2\n", p, set, why, sizeof(why)),
		  -EINVAL, "twice");
	ASSERT_EQ(params_parse_conf("w_cpu_ns = \n", p, set, why, sizeof(why)),
		  -EINVAL, "empty value");
	ASSERT_EQ(params_parse_conf("sample_ns = 2000000000\n", p, set, why, sizeof(why)),
		  -EINVAL, "sample above window");
	ASSERT_EQ(params_parse_conf("w_cpu_ns = 99999999999999999999\n", p, set, why, sizeof(why)),
		  -EINVAL, "overflow");
	ASSERT_EQ(p[P_W_CPU_NS], 5000, "still unchanged");
}

void test_model_record_roundtrip(void)
{
	struct model_record r = { .window_ns = 1000000000, .energy_uj = 20000000,
				  .x = { 1, 2, 3, 4, 5, 6, 7, 8 } }, back;
	char line[512];
	int n;

	n = model_record_format(line, sizeof(line), &r);
	ASSERT_STREQ(line, "window_ns=1000000000 energy_uj=20000000 cpu_ns=1 mem_byte_s=2 instructions=3 wakeups=4 diski=5 disko=6 rx=7 tx=8\n",
		     "record line");
	ASSERT_EQ(n, strlen(line), "length");
	line[n - 1] = '\0';
	ASSERT_EQ(model_record_parse(line, &back), 0, "parses back");
	ASSERT_TRUE(!memcmp(&r, &back, sizeof(r)), "same record");
	ASSERT_EQ(model_record_parse("window_ns=1000000000 energy_uj=2 cpu_ns=1 mem_byte_s=2 instructions=3 wakeups=4 diski=5 disko=6 rx=7 tx=",
				     &back), -EINVAL, "truncated value");
	ASSERT_EQ(model_record_parse("window_ns=1000000000 energy_uj=2 cpu_ns=1 mem_byte_s=2 instructions=3 wakeups=4",
				     &back), -EINVAL, "truncated line");
	ASSERT_EQ(model_record_parse("window_ns=1 energy_uj=2 cpu_ns=-1 mem_byte_s=2 instructions=3 wakeups=4 diski=5 disko=6 rx=7 tx=8",
				     &back), -EINVAL, "negative");
	ASSERT_EQ(model_record_parse("window_ns=1 energy_uj=2 cpu_ns=1 mem_byte_s=2 instructions=3 wakeups=4 diski=5 disko=6 rx=7 tx=8 x=1",
				     &back), -EINVAL, "junk after");
	ASSERT_EQ(model_record_parse("window_ns=0 energy_uj=2 cpu_ns=1 mem_byte_s=2 instructions=3 wakeups=4 diski=5 disko=6 rx=7 tx=8",
				     &back), -EINVAL, "empty window");
}

/* One window without energy, then normal ones: the learned idle power is
 * the normal one, and a lone low window is outvoted once it is old. */
void test_attrib_idle_recovers(void)
{
	__u64 scores[1] = { 1 }, e[1] = {}, carry[1] = {};
	struct attrib a = {};
	struct attrib_in in = { .measured = true, .window_ns = 1000000000,
				.low_activity = true };

	in.e_uj = 0;	/* every read failed */
	attrib_window(&a, &in, scores, 1, e, carry);
	ASSERT_EQ(attrib_idle_mw(&a, 0), 0, "nothing learned yet");
	in.e_uj = 4000000;
	for (int i = 0; i < 20; i++)
		attrib_window(&a, &in, scores, 1, e, carry);
	ASSERT_EQ(attrib_idle_mw(&a, 0), 4000, "4 W, the empty window ignored");
	/* a glitch of 0.5 W among them moves the tenth percentile not */
	in.e_uj = 500000;
	attrib_window(&a, &in, scores, 1, e, carry);
	ASSERT_EQ(attrib_idle_mw(&a, 0), 4000, "one low window is not idle");
	/* the machine idles higher from now: after a history it is learned */
	in.e_uj = 6000000;
	for (int i = 0; i < IDLE_HISTORY; i++)
		attrib_window(&a, &in, scores, 1, e, carry);
	ASSERT_EQ(attrib_idle_mw(&a, 0), 6000, "idle power rises again");
	/* busy windows count only until a low-activity one is seen */
	memset(&a, 0, sizeof(a));
	in.low_activity = false;
	in.e_uj = 9000000;
	attrib_window(&a, &in, scores, 1, e, carry);
	ASSERT_EQ(attrib_idle_mw(&a, 0), 9000, "from any window first");
	in.low_activity = true;
	in.e_uj = 5000000;
	attrib_window(&a, &in, scores, 1, e, carry);
	ASSERT_EQ(attrib_idle_mw(&a, 0), 5000, "then from low-activity ones");
}

/*
 * The model's error: 1 W idle configured, scores worth 2 J in 1 s windows.
 * Measured 4 J, then 2 J: the estimate of 3 J is 1 J off each time, 2 J
 * off of 6 J measured is 33.33 %. A window without energy is not judged;
 * after ERROR_HISTORY exact windows the old misses are forgotten.
 */
void test_attrib_model_error(void)
{
	__u64 scores[2] = { 1500000000000ULL, 500000000000ULL }, e[2] = {}, carry[2] = {};
	struct attrib a = {};
	struct attrib_in in = { .measured = true, .window_ns = 1000000000,
				.idle_mw = 1000 };
	unsigned int n = 99;

	ASSERT_EQ(attrib_model_error(&a, &n), -ENODATA, "nothing judged yet");
	ASSERT_EQ(n, 0, "no window");
	in.e_uj = 4000000;
	attrib_window(&a, &in, scores, 2, e, carry);
	in.e_uj = 2000000;
	attrib_window(&a, &in, scores, 2, e, carry);
	in.e_uj = 0;
	attrib_window(&a, &in, scores, 2, e, carry);
	ASSERT_EQ(attrib_model_error(&a, &n), 3333, "2 J off of 6 J: 33.33 %");
	ASSERT_EQ(n, 2, "the window without energy is not judged");
	in.e_uj = 3000000;
	for (int i = 0; i < ERROR_HISTORY; i++)
		attrib_window(&a, &in, scores, 2, e, carry);
	ASSERT_EQ(attrib_model_error(&a, &n), 0, "the estimate fits again");
	ASSERT_EQ(n, ERROR_HISTORY, "the last windows only");
	/* without a measurement there is nothing to judge against */
	memset(&a, 0, sizeof(a));
	in.measured = false;
	attrib_window(&a, &in, scores, 2, e, carry);
	ASSERT_EQ(attrib_model_error(&a, &n), -ENODATA, "modelled energy: no error");
}

/* Samples of a window (part) are split as they come and teach nothing;
 * the window as a whole teaches its power; the conservation holds at
 * every sample. */
void test_attrib_samples(void)
{
	__u64 scores[2] = { 1, 2 }, e[2] = {}, carry[2] = {};
	struct attrib a = {};
	struct attrib_in in = { .measured = true, .window_ns = 10000000,
				.idle_mw = 1000, .part = true };

	for (int i = 0; i < 10; i++) {
		in.e_uj = 50001;	/* 5 W over 10 ms */
		ASSERT_EQ(attrib_window(&a, &in, scores, 2, e, carry), 10000,
			  "1 W idle of each sample");
		ASSERT_EQ(e[0] + e[1] + a.idle_uj + a.carry_uj, a.total_uj,
			  "processes + idle + carry = measured, at every sample");
		ASSERT_EQ(a.total_uj, 50001ULL * (i + 1), "every sample's energy");
	}
	ASSERT_EQ(a.any.n, 0, "samples teach nothing");
	/* 1:2, give or take the µJ each sample rounds */
	ASSERT_TRUE(e[1] + 10 >= 2 * e[0] && e[1] <= 2 * e[0] + 10, "split 1:2");
	attrib_learn(&a, 500010, 100000000, true);
	ASSERT_EQ(attrib_idle_mw(&a, 0), 5000, "the window teaches 5 W");
	attrib_learn(&a, 0, 100000000, true);
	ASSERT_EQ(a.any.n, 1, "a window without energy teaches nothing");
}
