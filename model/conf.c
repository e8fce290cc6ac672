// SPDX-License-Identifier: GPL-2.0-only
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "params.h"

const char *conf_metric_name(int k)
{
	return param_descs[P_WEIGHT0 + k].name + 2;
}

/* A figure, or "-" where it is undefined. */
static const char *fig(char *buf, size_t size, const char *fmt, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, fmt, v);
	return buf;
}

static void figures(struct rbuf *b, const struct fit_figures *f)
{
	char r2[24], rmse[24], mae[24], mape[24], mdape[24];

	rbuf_printf(b, "R^2 %s  RMSE %s J  MAE %s J  MAPE %s %%  MdAPE %s %%",
		    fig(r2, sizeof(r2), "%.4f", f->r2),
		    fig(rmse, sizeof(rmse), "%.4g", f->rmse_j),
		    fig(mae, sizeof(mae), "%.4g", f->mae_j),
		    fig(mape, sizeof(mape), "%.2f", f->mape * 100),
		    fig(mdape, sizeof(mdape), "%.2f", f->mdape * 100));
}

static void metric_list(struct rbuf *b, unsigned int metrics)
{
	bool any = false;

	for (int k = 0; k < M_METRICS; k++)
		if (metrics & (1U << k)) {
			rbuf_printf(b, "%s%s", any ? "," : "", conf_metric_name(k));
			any = true;
		}
	if (!any)
		rbuf_printf(b, "none");
}

/* Whether the chosen model adds nothing to constant power. */
static bool constant_only(const struct fit_result *res)
{
	return !res->metrics;
}

void conf_format(struct rbuf *b, const struct fit_result *res,
		 const char *const *sources, size_t nsources,
		 const char *target)
{
	rbuf_printf(b, "# Trained by energyctl train on %zu windows (energy: %s) of:\n",
		    res->windows, target);
	for (size_t i = 0; i < nsources; i++)
		rbuf_printf(b, "#   %s\n", sources[i]);
	rbuf_printf(b, "# %u-fold cross-validation over contiguous blocks of time, held-out means:\n#   model:          ",
		    res->folds);
	figures(b, &res->mean);
	rbuf_printf(b, "\n#   constant power: ");
	figures(b, &res->mean_constant);
	rbuf_printf(b, "\n# Metrics taking part (chosen by cross-validation): ");
	metric_list(b, res->metrics);
	rbuf_printf(b, "; ridge %g; R^2 on all windows %.4f.\n", res->ridge, res->r2);
	if (constant_only(res))
		rbuf_printf(b, "# No metric lowers the held-out error below constant power's: every weight is 0.\n");
	rbuf_printf(b, "# Weights in pJ per unit (memory: per byte-second), idle in mW.\n");
	for (int k = 0; k < M_METRICS; k++)
		rbuf_printf(b, "%s = %.0f\n", param_descs[P_WEIGHT0 + k].name,
			    res->w[k]);
	rbuf_printf(b, "idle_mw = %.0f\n", res->idle_mw);
}

void conf_report(struct rbuf *b, const struct fit_result *res)
{
	rbuf_printf(b, "%zu windows, up to %zu weights (idle and the metrics that move: ",
		    res->windows, res->weights);
	metric_list(b, res->moving);
	rbuf_printf(b, ")\n%u-fold cross-validation over contiguous blocks of time; each fold predicted by\n"
		    "the model chosen and fitted on the other folds, and by constant power (E = P x t):\n",
		    res->folds);
	for (unsigned int k = 0; k < res->folds; k++) {
		const struct fit_fold *f = &res->fold[k];

		rbuf_printf(b, "fold %u: windows %zu-%zu, metrics ", k + 1, f->first + 1,
			    f->first + f->windows);
		metric_list(b, f->metrics);
		rbuf_printf(b, ", ridge %g\n  model:          ", f->ridge);
		figures(b, &f->model);
		rbuf_printf(b, "\n  constant power: ");
		figures(b, &f->constant);
		rbuf_printf(b, "\n");
	}
	rbuf_printf(b, "mean\n  model:          ");
	figures(b, &res->mean);
	rbuf_printf(b, "\n  constant power: ");
	figures(b, &res->mean_constant);
	rbuf_printf(b, "\nfinal model, chosen on all folds and fitted on all windows: metrics ");
	metric_list(b, res->metrics);
	rbuf_printf(b, ", ridge %g, R^2 %.4f\n", res->ridge, res->r2);
	if (constant_only(res))
		rbuf_printf(b, "no metric lowers the held-out error below constant power's: every weight is 0, idle_mw carries all the power\n");
	else if (!(res->mean.rmse_j < res->mean_constant.rmse_j))
		rbuf_printf(b, "on held-out folds the model does not beat constant power (RMSE %.4g J against %.4g J)\n",
			    res->mean.rmse_j, res->mean_constant.rmse_j);
	for (int k = 0; k < M_METRICS; k++)
		if (res->metrics & (1U << k) && res->w[k] < 0.5)
			rbuf_printf(b, "w_%s: %.3g pJ per unit rounds to 0\n",
				    conf_metric_name(k), res->w[k]);
	rbuf_printf(b, "idle %.0f mW%s\n", res->idle_mw,
		    res->idle_mw < 0.5 ? " (idle_mw = 0: energyd learns idle power itself)" : "");
}
