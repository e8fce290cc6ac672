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

/*
 * Two processes at 3:1 CPU on a 50 W measurement, 100 ms samples, 10 a
 * window: the table primed, then one sample at a time at g/kWh.
 */
struct carbon_run {
	struct energy_proc live[2];
	struct attrib a;
	struct attrib_in in;
	__u64 w[M_METRICS];
	struct table t;
	int smp;
};

static bool carbon_run_init(struct carbon_run *r, __u64 cg0, __u64 cg1)
{
	*r = (struct carbon_run){
		.live = { { .key = { 10, 0, 1 }, .cgroup_id = cg0 },
			  { .key = { 11, 0, 2 }, .cgroup_id = cg1 } },
		.in = { .measured = true, .window_ns = 100000000, .idle_mw = 10000 },
		.w = { [M_CPU_NS] = 1 },
	};
	if (!ASSERT_EQ(table_init(&r->t, 2), 0, "init"))
		return false;
	table_sample(&r->t, r->live, 2);
	table_energy_window(&r->t, &r->a, &r->in, r->w, 2);
	return true;
}

/* A sample: energy, its carbon at @g g/kWh, cgroup moves, a window. */
static void carbon_run_sample(struct carbon_run *r, __u64 g)
{
	__u64 total = r->a.total_uj, idle;

	r->live[0].c.cpu_ns += 30000000;
	r->live[1].c.cpu_ns += 10000000;
	table_sample(&r->t, r->live, 2);
	r->in.e_uj = 5000000;
	idle = table_energy_window(&r->t, &r->a, &r->in, r->w, 2);
	table_carbon_sample(&r->t, carbon_ug_per_kwh(g), r->a.total_uj - total, idle);
	table_follow_cgroups(&r->t);
	if (++r->smp % 10 == 0)
		table_window(&r->t, NULL, 0);
}

/*
 * Two processes at 3:1 CPU, 50 W measured, 10 samples of 100 ms a window,
 * 1000 samples at 400 g/kWh then 1000 at 100 g/kWh: each one's grams, the
 * node's and idle's are J / 3.6e6 x g/kWh within 0.1 %, the change splits
 * the integral at its sample, and the grams before it stay as they were.
 */
void test_carbon_known_power(void)
{
	__u64 at_change[2] = {}, node_at_change = 0, e_at_change[2] = {};
	struct cgroup_total *ct = NULL;
	struct energy_proc *live;
	struct carbon_run r;
	long n;

	if (!carbon_run_init(&r, 1, 2))
		return;
	live = r.live;
	for (int smp = 0; smp < 2000; smp++) {
		carbon_run_sample(&r, smp < 1000 ? 400 : 100);
		if (smp == 999) {
			for (int i = 0; i < 2; i++) {
				at_change[i] = table_carbon_of(&r.t, i, &live[i].key);
				e_at_change[i] = table_energy_of(&r.t, i, &live[i].key);
			}
			node_at_change = r.t.carbon.node_ng;
		}
	}
	/* 10 W idle of 50: 40 J a window split 3:1 */
	ASSERT_NEAR(node_at_change, expect_ng(100 * 50e6, 400), 0.001, "node, first half");
	ASSERT_NEAR(r.t.carbon.node_ng, expect_ng(100 * 50e6, 400) + expect_ng(100 * 50e6, 100),
		    0.001, "node, split at the change");
	ASSERT_NEAR(r.t.carbon.idle_ng, expect_ng(100 * 10e6, 400) + expect_ng(100 * 10e6, 100),
		    0.001, "idle");
	ASSERT_NEAR(at_change[0], expect_ng(e_at_change[0], 400), 0.001, "process a, first half");
	ASSERT_NEAR(table_carbon_of(&r.t, 0, &live[0].key),
		    expect_ng(e_at_change[0], 400) +
		    expect_ng(table_energy_of(&r.t, 0, &live[0].key) - e_at_change[0], 100),
		    0.001, "process a, split at the change");
	ASSERT_NEAR(table_carbon_of(&r.t, 1, &live[1].key),
		    expect_ng(100 * 10e6, 400) + expect_ng(100 * 10e6, 100),
		    0.001, "process b");
	ASSERT_NEAR(table_carbon_of(&r.t, 0, &live[0].key) + table_carbon_of(&r.t, 1, &live[1].key) +
		    r.t.carbon.idle_ng, r.t.carbon.node_ng, 0.000001, "processes and idle make the node");
	ASSERT_TRUE(table_carbon_of(&r.t, 0, &live[0].key) > at_change[0], "only added to");
	/* An exited process's carbon stays in its cgroup. */
	live[1].flags = ENERGY_F_EXITED;
	table_sample(&r.t, live, 2);
	{
		struct table_freed freed[2];

		table_window(&r.t, freed, 2);
		table_window(&r.t, freed, 2);
	}
	n = table_cgroup_totals(&r.t, &ct);
	ASSERT_EQ(n, 2, "two cgroups");
	for (long i = 0; i < n; i++)
		if (ct[i].id == 2)
			ASSERT_NEAR(ct[i].carbon_ng, expect_ng(100 * 10e6, 400) +
				    expect_ng(100 * 10e6, 100), 0.001,
				    "folded with the energy");
	free(ct);
	table_fini(&r.t);
}

/*
 * A process that moves from cgroup 1 to 2 in the middle of a window, at a
 * constant 400 g/kWh: each cgroup's grams are its joules at 400 g/kWh,
 * what the process used in 1 before the move included (1 ng of rounding).
 */
void test_carbon_cgroup_move(void)
{
	struct cgroup_total *ct = NULL;
	struct carbon_run r;
	long n;

	if (!carbon_run_init(&r, 1, 3))
		return;
	for (int smp = 0; smp < 40; smp++) {
		if (smp == 15)
			r.live[0].cgroup_id = 2;
		carbon_run_sample(&r, 400);
	}
	n = table_cgroup_totals(&r.t, &ct);
	ASSERT_EQ(n, 3, "three cgroups");
	for (long i = 0; i < n; i++) {
		ASSERT_TRUE(ct[i].energy_uj > 0, "each used energy");
		ASSERT_NEAR(ct[i].carbon_ng, expect_ng(ct[i].energy_uj, 400), 0.0001,
			    "a cgroup's grams are its joules at 400 g/kWh");
	}
	free(ct);
	table_fini(&r.t);
}
