/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fitting the energy model to measured windows, with cross-validation.
 * Pure: takes arrays of windows, does no I/O.
 *
 * Each window i has its length t_i (ns), its measured energy E_i (µJ) and
 * the increase x_ij of every metric (memory in byte-seconds). The model is
 *
 *	E_i = idle x t_i + sum over j of w_j x x_ij,	idle >= 0, w_j >= 0
 *
 * in picojoules: idle in pJ/ns (= mW), w_j in pJ per unit, the units of
 * model/weights.conf. It is fitted by non-negative least squares (nnls.h).
 *
 * Columns are scaled to unit root mean square (over all windows) and the
 * energy likewise, so that a ridge strength L is unit-free: the fit on n
 * windows minimises
 *
 *	sum_i (E_i - Ê_i)^2 / s_E^2  +  L x n x sum_j (w_j s_j / s_E)^2
 *
 * with s the root mean square of each column; idle is not penalised.
 *
 * Cross-validation splits the windows, in their order, into K contiguous
 * blocks of time (folds). Which metrics take part and the ridge strength
 * are chosen by cross-validation on the training folds alone: forward
 * selection from constant power (idle only), adding at each step the
 * metric that lowers the held-out squared error most, as long as it
 * lowers it by FIT_GAIN at least, once for each ridge strength of the
 * grid (or for the one given); a strength replaces the one before it in
 * the grid only where its held-out error is lower by FIT_GAIN too. Each
 * fold is then predicted by the model so chosen and fitted on the other
 * folds, next to constant power (E = P x t, P fitted on the same folds);
 * the final model is chosen the same way on all folds and fitted on all
 * windows.
 */
#ifndef ENERGY_FIT_H
#define ENERGY_FIT_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

#define FIT_FOLDS_DEFAULT	5
#define FIT_FOLDS_MIN		3	/* the selection needs two training folds */
#define FIT_FOLDS_MAX		20
/* Windows needed per weight fitted (idle and each metric that moves). */
#define FIT_ROWS_PER_WEIGHT	10
/* A metric takes part when it lowers the held-out squared error by this
 * share at least. */
#define FIT_GAIN		0.005
/* The ridge strengths tried when none is given. */
#define FIT_RIDGE_GRID		{ 0, 1e-4, 1e-3, 1e-2, 1e-1 }

/* How well a model predicts held-out windows; NAN where undefined. */
struct fit_figures {
	double r2;		/* 1 - SS_res / SS_tot about the fold's mean */
	double rmse_j;		/* root mean squared error, joules */
	double mae_j;		/* mean absolute error, joules */
	double mape;		/* mean absolute percentage error, of windows with E > 0 */
	double mdape;		/* median of the same */
};

/* One fold of the cross-validation. */
struct fit_fold {
	size_t first, windows;	/* the windows held out */
	unsigned int metrics;	/* chosen on the other folds: bit per enum model_metric */
	double ridge;		/* chosen on the other folds */
	struct fit_figures model, constant;
};

struct fit_opts {
	unsigned int folds;	/* K */
	bool ridge_given;	/* else chosen from FIT_RIDGE_GRID */
	double ridge;
};

struct fit_result {
	double idle_mw;			/* pJ/ns */
	double w[M_METRICS];		/* pJ per unit */
	unsigned int moving;		/* metrics that move in the windows */
	unsigned int metrics;		/* metrics that take part */
	double ridge;			/* chosen (or given) */
	size_t windows, weights;	/* weights: idle and the moving metrics */
	double r2;			/* of the final fit, on all windows */
	unsigned int folds;
	struct fit_fold fold[FIT_FOLDS_MAX];
	struct fit_figures mean, mean_constant;	/* over the folds */
};

/*
 * Choose and fit the model on @n windows @r, in time order. Returns 0, or
 * -EINVAL with the reason in @why: folds out of range or more than the
 * windows, a ridge strength that is not a finite number >= 0, energy that
 * never moves, fewer windows than FIT_ROWS_PER_WEIGHT x weights, a result
 * that is not finite; -ENOMEM.
 */
int fit_train(const struct model_record *r, size_t n,
	      const struct fit_opts *o, struct fit_result *res, char *why,
	      size_t why_len);

/*
 * Cross-validate one fixed model over @folds (2 or more) contiguous folds:
 * the metrics in @metrics (bit per enum model_metric) with ridge @ridge,
 * and constant power, each fitted on the other folds. Fills @fold[0 ..
 * @folds - 1]. Returns 0, -EINVAL (sizes, energy that never moves),
 * -ENOMEM, or what nnls() returns.
 */
int fit_cv_fixed(const struct model_record *r, size_t n, unsigned int folds,
		 unsigned int metrics, double ridge, struct fit_fold *fold);

/* The mean of each figure over @n folds' @model (or constant) figures,
 * leaving out those that are NAN. */
void fit_figures_mean(const struct fit_fold *fold, size_t n, bool constant,
		      struct fit_figures *mean);

#endif /* ENERGY_FIT_H */
