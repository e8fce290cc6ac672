// SPDX-License-Identifier: GPL-2.0-only
/* The fit, its cross-validation and its refusals, on synthetic windows. */
#include <errno.h>
#include <math.h>

#include "conf.h"
#include "fit.h"
#include "params.h"
#include "unit.h"

struct gen {
	__u64 s;
};

static double unit_rand(struct gen *g)
{
	g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
	return ((g->s >> 11) + 0.5) / (double)(1ULL << 53);	/* (0, 1) */
}

/* Standard normal (Box-Muller). */
static double normal(struct gen *g)
{
	double u = unit_rand(g), v = unit_rand(g);

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static bool exact(double got, double want)
{
	return fabs(got - want) <= 1e-9 * (fabs(want) > 1 ? fabs(want) : 1);
}

#define ASSERT_EXACT(got, want, what) ({				\
	double __g = (got), __w = (want);				\
	char __d[96];							\
	snprintf(__d, sizeof(__d), "%.15g != %.15g", __g, __w);	\
	test__check(exact(__g, __w), __FILE__, __LINE__, (what), __d);	\
})

/* Energy from @w (pJ per unit) and @idle_mw, with relative noise @noise. */
static void energy(struct model_record *r, const double *w, double idle_mw,
		   double noise, struct gen *g)
{
	double e = idle_mw * r->window_ns;

	for (int k = 0; k < M_METRICS; k++)
		e += w[k] * r->x[k];
	e *= 1 + noise * normal(g);
	r->energy_uj = llround(e / 1e6);
}

/*
 * 3000 windows of 0.5 to 1.5 s, every metric moving independently and
 * contributing a few joules, 0.5 % of noise on the energy: the weights and
 * idle power come back within 2 %, every metric is chosen, and the model
 * beats constant power on held-out folds.
 */
void test_fit_recovers_weights(void)
{
	static const double truth[M_METRICS] = {
		[M_CPU_NS] = 5000, [M_MEM_BYTES] = 1000, [M_INSTRUCTIONS] = 1000,
		[M_WAKEUPS] = 10000000, [M_DISK_READ_BYTES] = 2000,
		[M_DISK_WRITE_BYTES] = 3000, [M_NET_RX_PACKETS] = 5000000,
		[M_NET_TX_PACKETS] = 5000000,
	};
	static const double span[M_METRICS] = {
		1e9, 3e9, 3e9, 2e5, 1e9, 1e9, 4e5, 4e5,
	};
	enum { N = 3000 };
	struct model_record *r = calloc(N, sizeof(*r));
	struct fit_opts o = { .folds = FIT_FOLDS_DEFAULT };
	struct fit_result *res = calloc(1, sizeof(*res));
	struct gen g = { 1 };
	char why[256];

	if (!ASSERT_TRUE(r && res, "alloc"))
		goto out;
	for (int i = 0; i < N; i++) {
		r[i].window_ns = 500000000 + unit_rand(&g) * 1e9;
		for (int k = 0; k < M_METRICS; k++)
			r[i].x[k] = unit_rand(&g) * span[k];
		energy(&r[i], truth, 3000, 0.005, &g);
	}
	if (!ASSERT_EQ(fit_train(r, N, &o, res, why, sizeof(why)), 0, why))
		goto out;
	ASSERT_NEAR(res->idle_mw, 3000, 0.02, "idle power within 2 %");
	for (int k = 0; k < M_METRICS; k++) {
		ASSERT_NEAR(res->w[k], truth[k], 0.02, conf_metric_name(k));
		fprintf(stderr, "  w_%s %.1f (true %.0f)\n", conf_metric_name(k),
			res->w[k], truth[k]);
	}
	fprintf(stderr, "  idle %.1f mW (true 3000); CV mean R^2 %.4f RMSE %.4f J, constant %.4f J\n",
		res->idle_mw, res->mean.r2, res->mean.rmse_j, res->mean_constant.rmse_j);
	ASSERT_EQ(res->metrics, (1U << M_METRICS) - 1, "every metric takes part");
	ASSERT_EQ(res->weights, M_METRICS + 1, "idle and 8 weights");
	ASSERT_TRUE(res->mean.r2 > 0.99, "held-out R^2");
	ASSERT_TRUE(res->mean.rmse_j < res->mean_constant.rmse_j / 10,
		    "far better than constant power");
out:
	free(r);
	free(res);
}

/*
 * Instructions follow CPU time (3 per ns, 5 % of noise) but cost nothing
 * of their own: forward selection takes CPU time, after which
 * instructions lower no held-out error, and their weight is exactly 0.
 */
void test_fit_collinear_zero(void)
{
	static const double truth[M_METRICS] = {
		[M_CPU_NS] = 5000, [M_WAKEUPS] = 10000000,
	};
	enum { N = 2000 };
	struct model_record *r = calloc(N, sizeof(*r));
	struct fit_opts o = { .folds = FIT_FOLDS_DEFAULT };
	struct fit_result *res = calloc(1, sizeof(*res));
	struct gen g = { 2 };
	char why[256];

	if (!ASSERT_TRUE(r && res, "alloc"))
		goto out;
	for (int i = 0; i < N; i++) {
		r[i].window_ns = 500000000 + unit_rand(&g) * 1e9;
		r[i].x[M_CPU_NS] = unit_rand(&g) * 1e9;
		r[i].x[M_INSTRUCTIONS] = r[i].x[M_CPU_NS] * 3 * (1 + 0.05 * normal(&g));
		r[i].x[M_WAKEUPS] = unit_rand(&g) * 2e5;
		energy(&r[i], truth, 3000, 0.005, &g);
	}
	if (!ASSERT_EQ(fit_train(r, N, &o, res, why, sizeof(why)), 0, why))
		goto out;
	fprintf(stderr, "  w_cpu_ns %.1f w_instructions %.3f w_wakeups %.0f idle %.1f mW\n",
		res->w[M_CPU_NS], res->w[M_INSTRUCTIONS], res->w[M_WAKEUPS],
		res->idle_mw);
	ASSERT_TRUE(res->w[M_INSTRUCTIONS] == 0, "instructions: exactly 0");
	ASSERT_TRUE(!(res->metrics & (1U << M_INSTRUCTIONS)), "not chosen");
	ASSERT_NEAR(res->w[M_CPU_NS], 5000, 0.02, "w_cpu_ns");
	ASSERT_NEAR(res->w[M_WAKEUPS], 10000000, 0.02, "w_wakeups");
	ASSERT_NEAR(res->idle_mw, 3000, 0.02, "idle");
	for (unsigned int k = 0; k < res->folds; k++)
		ASSERT_TRUE(!(res->fold[k].metrics & (1U << M_INSTRUCTIONS)),
			    "no fold chooses instructions");
out:
	free(r);
	free(res);
}

/*
 * Windows like a short recording on a quiet machine: CPU time carries the
 * energy, wakeups and packets are small counts, tx equals rx or twice it,
 * memory barely moves. Such data once left a step of the non-negative
 * solver short of 0 by rounding, and the solver gave up with EDOM: every
 * one of 300 recordings must now train.
 */
void test_fit_small_counts(void)
{
	enum { SETS = 300, N_MAX = 270 };
	struct model_record *r = calloc(N_MAX, sizeof(*r));
	struct fit_opts o = { .folds = FIT_FOLDS_DEFAULT };
	struct fit_result *res = calloc(1, sizeof(*res));
	struct gen g = { 7 };
	int failed = 0;
	char why[256] = "";

	if (!ASSERT_TRUE(r && res, "alloc"))
		goto out;
	for (int set = 0; set < SETS; set++) {
		size_t n = 70 + unit_rand(&g) * (N_MAX - 70);
		int shape = set % 3;

		for (size_t i = 0; i < n; i++) {
			r[i].window_ns = 1000000000 + (__u64)(unit_rand(&g) * 5e6);
			r[i].x[M_CPU_NS] = unit_rand(&g) * 2e9;
			r[i].x[M_MEM_BYTES] = 20000000ULL * (1000 + (__u64)(unit_rand(&g) * 10));
			r[i].x[M_WAKEUPS] = unit_rand(&g) * (shape ? 500 : 3);
			r[i].x[M_NET_RX_PACKETS] = unit_rand(&g) * (shape == 1 ? 3 : 200);
			r[i].x[M_NET_TX_PACKETS] = r[i].x[M_NET_RX_PACKETS] * (shape == 2 ? 1 : 1 + (unit_rand(&g) < 0.5));
			r[i].x[M_DISK_READ_BYTES] = unit_rand(&g) * 1e5;
			r[i].energy_uj = 2 * r[i].window_ns / 1000 + 5000 * r[i].x[M_CPU_NS] / 1000000;
		}
		if (fit_train(r, n, &o, res, why, sizeof(why)) && !failed++)
			fprintf(stderr, "  set %d (%zu windows): %s\n", set, n, why);
	}
	ASSERT_EQ(failed, 0, "every recording trains");
out:
	free(r);
	free(res);
}

static void hand_row(struct model_record *r, double t_s, double cpu_s, double e_j)
{
	memset(r, 0, sizeof(*r));
	r->window_ns = t_s * 1e9;
	r->x[M_CPU_NS] = cpu_s * 1e9;
	r->energy_uj = e_j * 1e6;
}

/*
 * Two folds of three windows (t s, CPU s, E J), each fold fitted exactly
 * by idle P and CPU weight w:
 *
 *   fold A: (1, 0, 3) (1, 2, 7) (2, 1, 8)   P = 3 W, w = 2 J per CPU s
 *   fold B: (1, 1, 5) (2, 0, 8) (1, 4, 8)   P = 4 W, w = 1 J per CPU s
 *
 * A predicted by B's model: 4, 6, 9; errors +1, -1, +1.
 *   mean E 6, SS_tot 9 + 1 + 4 = 14, SS_res 3: R^2 = 11/14; RMSE 1; MAE 1;
 *   APE 1/3, 1/7, 1/8: MAPE 101/504, median 1/7.
 * B predicted by A's model: 5, 6, 11; errors 0, -2, +3.
 *   mean 7, SS_tot 6, SS_res 13: R^2 = -7/6; RMSE sqrt(13/3); MAE 5/3;
 *   APE 0, 1/4, 3/8: MAPE 5/24, median 1/4.
 * Constant power, P = sum E t / sum t^2 on the other fold:
 *   on B, P = (5 + 16 + 8) / 6 = 29/6; A predicted 29/6, 29/6, 29/3;
 *   errors 11/6, -13/6, 10/6: SS_res 390/36 = 65/6, R^2 = 1 - 65/84 = 19/84,
 *   RMSE sqrt(65/18), MAE 34/18 = 17/9, APE 11/18, 13/42, 5/24:
 *   MAPE (11/18 + 13/42 + 5/24) / 3, median 13/42.
 *   on A, P = (3 + 7 + 16) / 6 = 13/3; B predicted 13/3, 26/3, 13/3;
 *   errors -2/3, 2/3, -11/3: SS_res 129/9 = 43/3, R^2 = 1 - 43/18 = -25/18,
 *   RMSE sqrt(43/9), MAE 15/9 = 5/3, APE 2/15, 1/12, 11/24:
 *   MAPE (2/15 + 1/12 + 11/24) / 3, median 2/15.
 * Means over the folds: model R^2 (11/14 - 7/6) / 2 = -4/21, RMSE
 * (1 + sqrt(13/3)) / 2.
 */
void test_fit_cv_by_hand(void)
{
	struct model_record r[6];
	struct fit_fold f[2];
	struct fit_figures mean;

	hand_row(&r[0], 1, 0, 3);
	hand_row(&r[1], 1, 2, 7);
	hand_row(&r[2], 2, 1, 8);
	hand_row(&r[3], 1, 1, 5);
	hand_row(&r[4], 2, 0, 8);
	hand_row(&r[5], 1, 4, 8);
	if (!ASSERT_EQ(fit_cv_fixed(r, 6, 2, 1U << M_CPU_NS, 0, f), 0, "cross-validates"))
		return;
	ASSERT_TRUE(f[0].first == 0 && f[0].windows == 3 && f[1].first == 3 &&
		    f[1].windows == 3, "two contiguous folds of three");
	ASSERT_EXACT(f[0].model.r2, 11.0 / 14, "A: R^2");
	ASSERT_EXACT(f[0].model.rmse_j, 1, "A: RMSE");
	ASSERT_EXACT(f[0].model.mae_j, 1, "A: MAE");
	ASSERT_EXACT(f[0].model.mape, 101.0 / 504, "A: MAPE");
	ASSERT_EXACT(f[0].model.mdape, 1.0 / 7, "A: median APE");
	ASSERT_EXACT(f[1].model.r2, -7.0 / 6, "B: R^2");
	ASSERT_EXACT(f[1].model.rmse_j, sqrt(13.0 / 3), "B: RMSE");
	ASSERT_EXACT(f[1].model.mae_j, 5.0 / 3, "B: MAE");
	ASSERT_EXACT(f[1].model.mape, 5.0 / 24, "B: MAPE");
	ASSERT_EXACT(f[1].model.mdape, 1.0 / 4, "B: median APE");

	ASSERT_EXACT(f[0].constant.r2, 19.0 / 84, "A constant: R^2");
	ASSERT_EXACT(f[0].constant.rmse_j, sqrt(65.0 / 18), "A constant: RMSE");
	ASSERT_EXACT(f[0].constant.mae_j, 17.0 / 9, "A constant: MAE");
	ASSERT_EXACT(f[0].constant.mape, (11.0 / 18 + 13.0 / 42 + 5.0 / 24) / 3,
		     "A constant: MAPE");
	ASSERT_EXACT(f[0].constant.mdape, 13.0 / 42, "A constant: median APE");
	ASSERT_EXACT(f[1].constant.r2, -25.0 / 18, "B constant: R^2");
	ASSERT_EXACT(f[1].constant.rmse_j, sqrt(43.0 / 9), "B constant: RMSE");
	ASSERT_EXACT(f[1].constant.mae_j, 5.0 / 3, "B constant: MAE");
	ASSERT_EXACT(f[1].constant.mape, (2.0 / 15 + 1.0 / 12 + 11.0 / 24) / 3,
		     "B constant: MAPE");
	ASSERT_EXACT(f[1].constant.mdape, 2.0 / 15, "B constant: median APE");

	fit_figures_mean(f, 2, false, &mean);
	ASSERT_EXACT(mean.r2, -4.0 / 21, "mean R^2");
	ASSERT_EXACT(mean.rmse_j, (1 + sqrt(13.0 / 3)) / 2, "mean RMSE");
	fprintf(stderr, "  A: R^2 %.6f RMSE %.6f MAPE %.6f; B: R^2 %.6f RMSE %.6f MAPE %.6f\n",
		f[0].model.r2, f[0].model.rmse_j, f[0].model.mape, f[1].model.r2,
		f[1].model.rmse_j, f[1].model.mape);
}

/* Energy that is constant power whatever the metrics do: no metric takes
 * part, every weight is 0, idle carries it, and the texts say so. */
void test_fit_constant_power_wins(void)
{
	enum { N = 400 };
	struct model_record *r = calloc(N, sizeof(*r));
	struct fit_opts o = { .folds = FIT_FOLDS_DEFAULT };
	struct fit_result *res = calloc(1, sizeof(*res));
	struct rbuf conf = {}, report = {};
	__u64 p[P_MAX] = { [P_SAMPLE_NS] = SAMPLE_NS_DEFAULT,
			   [P_WINDOW_NS] = WINDOW_NS_DEFAULT };
	bool set[P_MAX] = {};
	const char *src = "test: 400 windows";
	struct gen g = { 3 };
	char why[256];

	if (!ASSERT_TRUE(r && res, "alloc"))
		goto out;
	for (int i = 0; i < N; i++) {
		r[i].window_ns = 500000000 + unit_rand(&g) * 1e9;
		r[i].x[M_CPU_NS] = unit_rand(&g) * 1e9;
		r[i].x[M_WAKEUPS] = unit_rand(&g) * 1e5;
		r[i].energy_uj = llround(20.0 * r[i].window_ns / 1e3 *
					 (1 + 0.01 * normal(&g)));	/* 20 W */
	}
	if (!ASSERT_EQ(fit_train(r, N, &o, res, why, sizeof(why)), 0, why))
		goto out;
	ASSERT_EQ(res->metrics, 0, "no metric takes part");
	for (int k = 0; k < M_METRICS; k++)
		ASSERT_TRUE(res->w[k] == 0, "weight 0");
	ASSERT_NEAR(res->idle_mw, 20000, 0.01, "idle carries the 20 W");
	conf_format(&conf, res, &src, 1, "pkg");
	conf_report(&report, res);
	if (!ASSERT_TRUE(!conf.oom && !report.oom, "texts"))
		goto out;
	ASSERT_TRUE(strstr(report.data, "no metric lowers the held-out error below constant power's"),
		    "the report says so");
	ASSERT_TRUE(strstr(conf.data, "# No metric lowers the held-out error"), "the file says so");
	ASSERT_EQ(params_parse_conf(conf.data, p, set, why, sizeof(why)), 0, why);
	ASSERT_EQ(p[P_W_CPU_NS], 0, "w_cpu_ns = 0 in the file");
	ASSERT_NEAR(p[P_IDLE_MW], 20000, 0.01, "idle_mw in the file");
out:
	rbuf_free(&conf);
	rbuf_free(&report);
	free(r);
	free(res);
}

/* Each refusal, with its reason. */
void test_fit_refusals(void)
{
	enum { N = 40 };
	struct model_record r[N] = {};
	struct fit_opts o = { .folds = 5 };
	struct fit_result *res = calloc(1, sizeof(*res));
	struct gen g = { 4 };
	char why[256];

	if (!ASSERT_TRUE(res, "alloc"))
		return;
	/* three metrics move: 4 weights, 40 windows needed */
	for (int i = 0; i < N; i++) {
		r[i].window_ns = 1000000000;
		r[i].x[M_CPU_NS] = unit_rand(&g) * 1e9;
		r[i].x[M_MEM_BYTES] = unit_rand(&g) * 1e9;
		r[i].x[M_WAKEUPS] = unit_rand(&g) * 1e4;
	}
	ASSERT_EQ(fit_train(r, N, &o, res, why, sizeof(why)), -EINVAL,
		  "energy that never moves");
	ASSERT_TRUE(strstr(why, "never moves"), why);
	for (int i = 0; i < N; i++)
		r[i].energy_uj = 3000000 + r[i].x[M_CPU_NS] / 1000;
	ASSERT_EQ(fit_train(r, N - 1, &o, res, why, sizeof(why)), -EINVAL,
		  "39 windows for 4 weights");
	ASSERT_TRUE(strstr(why, "39 windows for 4 weights") && strstr(why, "40"), why);
	ASSERT_EQ(fit_train(r, N, &o, res, why, sizeof(why)), 0, "40 windows will do");
	ASSERT_NEAR(res->w[M_CPU_NS], 1000, 0.01, "and fit");

	o.folds = 2;
	ASSERT_EQ(fit_train(r, N, &o, res, why, sizeof(why)), -EINVAL, "2 folds");
	ASSERT_TRUE(strstr(why, "2 folds"), why);
	o.folds = FIT_FOLDS_MAX + 1;
	ASSERT_EQ(fit_train(r, N, &o, res, why, sizeof(why)), -EINVAL, "21 folds");
	o.folds = 5;
	o.ridge_given = true;
	o.ridge = NAN;
	ASSERT_EQ(fit_train(r, N, &o, res, why, sizeof(why)), -EINVAL, "ridge NaN");
	ASSERT_TRUE(strstr(why, "not a finite number"), why);
	o.ridge = INFINITY;
	ASSERT_EQ(fit_train(r, N, &o, res, why, sizeof(why)), -EINVAL, "ridge inf");
	o.ridge = -1;
	ASSERT_EQ(fit_train(r, N, &o, res, why, sizeof(why)), -EINVAL, "ridge < 0");
	o.ridge = 0.01;
	ASSERT_EQ(fit_train(r, N, &o, res, why, sizeof(why)), 0, "ridge 0.01");
	ASSERT_TRUE(res->ridge == 0.01, "the ridge given is used");
	ASSERT_TRUE(res->w[M_CPU_NS] > 0 && res->w[M_CPU_NS] < 1000,
		    "ridge shrinks the weight");
	free(res);
}
