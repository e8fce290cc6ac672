// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>

#include "carbon.h"
#include "table.h"
#include "unit.h"

/* grams = J / 3.6e6 x g/kWh, in ng */
static double expect_ng(double uj, double g_per_kwh)
{
	return uj / 1e6 / 3.6e6 * g_per_kwh * 1e9;
}

void test_carbon_ng_carries(void)
{
	__u64 rem = 0, sum = 0;

	/* 1 µJ at 1 g/kWh is 1/3600 ng: 3600 of them make one. */
	for (int i = 0; i < 3600; i++)
		sum += carbon_ng(1, 1000000, &rem);
	ASSERT_EQ(sum, 1, "the rests add up");
	ASSERT_EQ(rem, 0, "nothing left over");
	rem = 0;
	ASSERT_EQ(carbon_ng(3600000000000ULL, 1000000000ULL, &rem), 1000000000000ULL,
		  "1 kWh at 1000 g/kWh is 1 kg");
	rem = 0;
	ASSERT_EQ(carbon_ng(1000000000000000ULL, CARBON_G_PER_KWH_MAX * 1000000ULL, &rem),
		  27777777777777777ULL, "1 GJ at the highest intensity, exact");
	ASSERT_EQ(rem, 2800000000ULL, "its rest");
}

void test_carbon_window_intensity(void)
{
	struct carbon_window w = {};

	/* Measured: weighted by energy. 1 J at 400, 3 J at 100: 175. */
	carbon_sample(&w, 1000000, 10000000, 400);
	carbon_sample(&w, 3000000, 10000000, 100);
	ASSERT_EQ(carbon_window_end(&w), 175000000, "energy-weighted µg/kWh");
	/* Model: no energy per sample, weighted by length. */
	carbon_sample(&w, 0, 30000000, 400);
	carbon_sample(&w, 0, 10000000, 0);
	ASSERT_EQ(carbon_window_end(&w), 300000000, "length-weighted");
	/* An empty window keeps the last intensity. */
	ASSERT_EQ(carbon_window_end(&w), 0, "the last sample's, 0");
	carbon_sample(&w, 0, 0, 250);
	ASSERT_EQ(carbon_window_end(&w), 250000000, "the last sample's");
}

/*
 * Two processes at 3:1 CPU, 50 W measured, 10 samples a window, 100
 * windows at 400 g/kWh then 100 at 100 g/kWh: each one's grams, the
 * node's and idle's are J / 3.6e6 x g/kWh within 0.1 %, the change splits
 * the integral at its sample, and the grams before it stay as they were.
 */
void test_carbon_known_power(void)
{
	struct energy_proc live[2] = {
		{ .key = { 10, 0, 1 }, .cgroup_id = 1 },
		{ .key = { 11, 0, 2 }, .cgroup_id = 2 },
	};
	struct attrib a = {};
	struct attrib_in in = { .measured = true, .window_ns = 1000000000,
				.idle_mw = 10000 };
	__u64 w[M_METRICS] = { [M_CPU_NS] = 1 };
	struct carbon_window cw = {};
	struct cgroup_total *ct = NULL;
	__u64 at_change[2] = {}, node_at_change = 0, e_at_change[2] = {};
	struct table t;
	long n;

	if (!ASSERT_EQ(table_init(&t, 2), 0, "init"))
		return;
	table_sample(&t, live, 2);
	in.e_uj = 0;
	table_energy_window(&t, &a, &in, w, 2);
	for (int win = 0; win < 200; win++) {
		__u64 total = a.total_uj, idle, g = win < 100 ? 400 : 100;

		for (int smp = 0; smp < 10; smp++)
			carbon_sample(&cw, 5000000, 100000000, g);
		live[0].c.cpu_ns += 300000000;
		live[1].c.cpu_ns += 100000000;
		table_sample(&t, live, 2);
		in.e_uj = 50000000;
		idle = table_energy_window(&t, &a, &in, w, 2);
		table_carbon_window(&t, carbon_window_end(&cw),
				    a.total_uj - total, idle);
		if (win == 99) {
			for (int i = 0; i < 2; i++) {
				at_change[i] = table_carbon_of(&t, i, &live[i].key);
				e_at_change[i] = table_energy_of(&t, i, &live[i].key);
			}
			node_at_change = t.carbon.node_ng;
		}
	}
	/* 10 W idle of 50: 40 J a window split 3:1 */
	ASSERT_NEAR(node_at_change, expect_ng(100 * 50e6, 400), 0.001, "node, first half");
	ASSERT_NEAR(t.carbon.node_ng, expect_ng(100 * 50e6, 400) + expect_ng(100 * 50e6, 100),
		    0.001, "node, split at the change");
	ASSERT_NEAR(t.carbon.idle_ng, expect_ng(100 * 10e6, 400) + expect_ng(100 * 10e6, 100),
		    0.001, "idle");
	ASSERT_NEAR(at_change[0], expect_ng(e_at_change[0], 400), 0.001, "process a, first half");
	ASSERT_NEAR(table_carbon_of(&t, 0, &live[0].key),
		    expect_ng(e_at_change[0], 400) +
		    expect_ng(table_energy_of(&t, 0, &live[0].key) - e_at_change[0], 100),
		    0.001, "process a, split at the change");
	ASSERT_NEAR(table_carbon_of(&t, 1, &live[1].key),
		    expect_ng(100 * 10e6, 400) + expect_ng(100 * 10e6, 100),
		    0.001, "process b");
	ASSERT_NEAR(table_carbon_of(&t, 0, &live[0].key) + table_carbon_of(&t, 1, &live[1].key) +
		    t.carbon.idle_ng, t.carbon.node_ng, 0.000001, "processes and idle make the node");
	ASSERT_TRUE(table_carbon_of(&t, 0, &live[0].key) > at_change[0], "only added to");
	/* An exited process's carbon stays in its cgroup. */
	live[1].flags = ENERGY_F_EXITED;
	table_sample(&t, live, 2);
	{
		struct table_freed freed[2];

		table_window(&t, freed, 2);
		table_window(&t, freed, 2);
	}
	n = table_cgroup_totals(&t, &ct);
	ASSERT_EQ(n, 2, "two cgroups");
	for (long i = 0; i < n; i++)
		if (ct[i].id == 2)
			ASSERT_NEAR(ct[i].carbon_ng, expect_ng(100 * 10e6, 400) +
				    expect_ng(100 * 10e6, 100), 0.001,
				    "folded with the energy");
	free(ct);
	table_fini(&t);
}
