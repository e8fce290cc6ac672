// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "fit.h"
#include "nnls.h"

#define NV	(M_METRICS + 1)		/* unknowns: idle (time), then the metrics */
#define NC	(NV + 1)		/* and the energy */
#define COL_E	NV
#define ALL_COLS	((1U << NV) - 1)

/*
 * The windows, scaled, and each fold compressed to at most NC rows: for a
 * fold's scaled matrix M = [A b] = Q R, ||A x - b||^2 = ||R [x; -1]||^2, so
 * R stands for the fold in every fit and every held-out error, exactly,
 * and a fit on some folds is a least-squares problem on their stacked Rs.
 */
struct data {
	const struct model_record *r;
	size_t n;
	unsigned int folds;
	size_t start[FIT_FOLDS_MAX + 1];
	double scale[NC];		/* root mean square; 0: never moves */
	double *z[FIT_FOLDS_MAX];	/* zn[k] x NC */
	size_t zn[FIT_FOLDS_MAX];
};

/* Column j of window i: time (ns), a metric, or the energy (pJ). */
static double col(const struct model_record *r, int j)
{
	if (!j)
		return (double)r->window_ns;
	if (j == COL_E)
		return (double)r->energy_uj * 1e6;
	return (double)r->x[j - 1];
}

static int compress(struct data *d, unsigned int k)
{
	size_t m = d->start[k + 1] - d->start[k];
	gsl_error_handler_t *old;
	gsl_matrix *a;
	gsl_vector *tau;
	int err = 0;

	d->zn[k] = m < NC ? m : NC;
	d->z[k] = calloc(d->zn[k] ? d->zn[k] * NC : 1, sizeof(double));
	if (!d->z[k])
		return -ENOMEM;
	if (m <= NC) {
		for (size_t i = 0; i < m; i++)
			for (int j = 0; j < NC; j++)
				d->z[k][i * NC + j] = d->scale[j] ?
					col(&d->r[d->start[k] + i], j) / d->scale[j] : 0;
		return 0;
	}
	a = gsl_matrix_alloc(m, NC);
	tau = gsl_vector_alloc(NC);
	if (!a || !tau) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < m; i++)
		for (int j = 0; j < NC; j++)
			gsl_matrix_set(a, i, j, d->scale[j] ?
				       col(&d->r[d->start[k] + i], j) / d->scale[j] : 0);
	old = gsl_set_error_handler_off();
	if (gsl_linalg_QR_decomp(a, tau))
		err = -EDOM;
	gsl_set_error_handler(old);
	for (int i = 0; !err && i < NC; i++)
		for (int j = i; j < NC; j++)
			d->z[k][i * NC + j] = gsl_matrix_get(a, i, j);
cleanup:
	gsl_matrix_free(a);
	gsl_vector_free(tau);
	return err;
}

static void data_free(struct data *d)
{
	for (unsigned int k = 0; k < d->folds; k++)
		free(d->z[k]);
}

static int data_init(struct data *d, const struct model_record *r, size_t n,
		     unsigned int folds)
{
	double ss[NC] = {};
	int err;

	memset(d, 0, sizeof(*d));
	d->r = r;
	d->n = n;
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < NC; j++)
			ss[j] += col(&r[i], j) * col(&r[i], j);
	for (int j = 0; j < NC; j++)
		d->scale[j] = sqrt(ss[j] / n);
	for (unsigned int k = 0; k <= folds; k++)
		d->start[k] = n * k / folds;
	for (unsigned int k = 0; k < folds; k++) {
		d->folds = k + 1;
		err = compress(d, k);
		if (err) {
			data_free(d);
			return err;
		}
	}
	return 0;
}

/* Metrics (bit per enum model_metric) to columns (bit 0: time) and back. */
static unsigned int cols_of(unsigned int metrics)
{
	return 1U | (metrics << 1);
}

static unsigned int metrics_of(unsigned int cols)
{
	return cols >> 1;
}

/*
 * Fit the columns @cols on the folds in @train (bit per fold), ridge
 * @ridge; @x gets the scaled coefficients, 0 outside @cols.
 */
static int train(const struct data *d, unsigned int train, unsigned int cols,
		 double ridge, double *x)
{
	size_t rows = 0, windows = 0, i = 0;
	int idx[NV], kc = 0, err;
	double *a, *b, sol[NV];

	for (int j = 0; j < NV; j++) {
		x[j] = 0;
		if (cols & (1U << j) && d->scale[j])
			idx[kc++] = j;
	}
	for (unsigned int k = 0; k < d->folds; k++)
		if (train & (1U << k)) {
			rows += d->zn[k];
			windows += d->start[k + 1] - d->start[k];
		}
	if (ridge > 0)
		rows += kc;
	if (!rows || !kc)
		return -EINVAL;
	a = calloc(rows * kc, sizeof(*a));
	b = calloc(rows, sizeof(*b));
	if (!a || !b) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (unsigned int k = 0; k < d->folds; k++) {
		if (!(train & (1U << k)))
			continue;
		for (size_t r = 0; r < d->zn[k]; r++, i++) {
			for (int c = 0; c < kc; c++)
				a[i * kc + c] = d->z[k][r * NC + idx[c]];
			b[i] = d->z[k][r * NC + COL_E];
		}
	}
	/* sqrt(L n) on the diagonal of each metric: L n w^2 added */
	for (int c = 0; ridge > 0 && c < kc; c++, i++)
		a[i * kc + c] = idx[c] ? sqrt(ridge * windows) : 0;
	err = nnls(a, i, kc, b, sol);
	if (err >= 0) {
		err = 0;
		for (int c = 0; c < kc; c++)
			x[idx[c]] = sol[c];
	}
cleanup:
	free(a);
	free(b);
	return err;
}

/* Squared error of fold @k's windows under scaled coefficients @x. */
static double fold_sse(const struct data *d, unsigned int k, const double *x)
{
	double s = 0;

	for (size_t r = 0; r < d->zn[k]; r++) {
		const double *z = &d->z[k][r * NC];
		double e = -z[COL_E];

		for (int j = 0; j < NV; j++)
			e += z[j] * x[j];
		s += e * e;
	}
	return s;
}

/* Held-out squared error over the folds in @set, each predicted by a fit
 * on the others of @set. */
static int cv_sse(const struct data *d, unsigned int set, unsigned int cols,
		  double ridge, double *sse)
{
	double x[NV];
	int err;

	*sse = 0;
	for (unsigned int k = 0; k < d->folds; k++) {
		if (!(set & (1U << k)))
			continue;
		err = train(d, set & ~(1U << k), cols, ridge, x);
		if (err)
			return err;
		*sse += fold_sse(d, k, x);
	}
	return 0;
}

/* Forward selection on the folds in @set, at ridge @ridge. */
static int forward(const struct data *d, unsigned int set, double ridge,
		   unsigned int *cols, double *sse)
{
	unsigned int have = 1;
	double best;
	int err;

	err = cv_sse(d, set, have, ridge, &best);
	if (err)
		return err;
	for (;;) {
		unsigned int pick = 0;
		double e, pick_e = best;

		for (int j = 1; j < NV; j++) {
			if (have & (1U << j) || !d->scale[j])
				continue;
			err = cv_sse(d, set, have | (1U << j), ridge, &e);
			if (err)
				return err;
			if (e < pick_e) {
				pick_e = e;
				pick = 1U << j;
			}
		}
		if (!pick || !(pick_e < best * (1 - FIT_GAIN)))
			break;
		have |= pick;
		best = pick_e;
	}
	*cols = have;
	*sse = best;
	return 0;
}

/* The metrics and ridge that predict the folds of @set best. */
static int choose(const struct data *d, unsigned int set, const double *grid,
		  size_t ngrid, unsigned int *cols, double *ridge)
{
	double best = INFINITY;
	int err;

	for (size_t g = 0; g < ngrid; g++) {
		unsigned int c;
		double e;

		err = forward(d, set, grid[g], &c, &e);
		if (err)
			return err;
		/* A ridge must earn its place as a metric does. */
		if (g ? e < best * (1 - FIT_GAIN) : e < best) {
			best = e;
			*cols = c;
			*ridge = grid[g];
		}
	}
	return isfinite(best) ? 0 : -EDOM;
}

/* Scaled coefficients to pJ per unit. */
static void unscale(const struct data *d, const double *x, double *coef)
{
	for (int j = 0; j < NV; j++)
		coef[j] = d->scale[j] ? x[j] * d->scale[COL_E] / d->scale[j] : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Figures of fold @k's windows predicted by @coef (pJ per unit). */
static int figures(const struct data *d, unsigned int k, const double *coef,
		   struct fit_figures *f)
{
	size_t first = d->start[k], m = d->start[k + 1] - first, np = 0;
	double mean = 0, ss_res = 0, ss_tot = 0, sae = 0, sape = 0, *ape;

	ape = malloc((m ? m : 1) * sizeof(*ape));
	if (!ape)
		return -ENOMEM;
	for (size_t i = 0; i < m; i++)
		mean += col(&d->r[first + i], COL_E) / 1e12 / m;
	for (size_t i = 0; i < m; i++) {
		const struct model_record *r = &d->r[first + i];
		double y = col(r, COL_E) / 1e12, p = 0, e;

		for (int j = 0; j < NV; j++)
			p += coef[j] * col(r, j);
		e = p / 1e12 - y;
		ss_res += e * e;
		ss_tot += (y - mean) * (y - mean);
		sae += fabs(e);
		if (y > 0) {
			ape[np] = fabs(e) / y;
			sape += ape[np++];
		}
	}
	f->r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : NAN;
	f->rmse_j = m ? sqrt(ss_res / m) : NAN;
	f->mae_j = m ? sae / m : NAN;
	f->mape = np ? sape / np : NAN;
	if (np) {
		qsort(ape, np, sizeof(*ape), cmp_double);
		f->mdape = np % 2 ? ape[np / 2] : (ape[np / 2 - 1] + ape[np / 2]) / 2;
	} else {
		f->mdape = NAN;
	}
	free(ape);
	return 0;
}

/* Fold @k predicted by @cols at @ridge fitted on the other folds, and by
 * constant power. */
static int fold_figures(const struct data *d, unsigned int k,
			unsigned int cols, double ridge, struct fit_fold *f)
{
	unsigned int others = ((1U << d->folds) - 1) & ~(1U << k);
	double x[NV], coef[NV];
	int err;

	f->first = d->start[k];
	f->windows = d->start[k + 1] - d->start[k];
	f->metrics = metrics_of(cols);
	f->ridge = ridge;
	err = train(d, others, cols, ridge, x);
	if (!err) {
		unscale(d, x, coef);
		err = figures(d, k, coef, &f->model);
	}
	if (!err)
		err = train(d, others, 1, 0, x);
	if (!err) {
		unscale(d, x, coef);
		err = figures(d, k, coef, &f->constant);
	}
	return err;
}

static bool moves(const struct model_record *r, size_t n, int j)
{
	for (size_t i = 0; i < n; i++)
		if (col(&r[i], j) != 0)
			return true;
	return false;
}

int fit_cv_fixed(const struct model_record *r, size_t n, unsigned int folds,
		 unsigned int metrics, double ridge, struct fit_fold *fold)
{
	struct data d;
	int err;

	if (folds < 2 || folds > FIT_FOLDS_MAX || n < folds ||
	    !moves(r, n, COL_E) || !(ridge >= 0) || !isfinite(ridge))
		return -EINVAL;
	err = data_init(&d, r, n, folds);
	if (err)
		return err;
	for (unsigned int k = 0; !err && k < folds; k++)
		err = fold_figures(&d, k, cols_of(metrics) & ALL_COLS, ridge,
				   &fold[k]);
	data_free(&d);
	return err;
}

static void mean_add(double *sum, int *n, double v)
{
	if (!isnan(v)) {
		*sum += v;
		(*n)++;
	}
}

void fit_figures_mean(const struct fit_fold *fold, size_t n, bool constant,
		      struct fit_figures *mean)
{
	double s[5] = {};
	int c[5] = {};

	for (size_t k = 0; k < n; k++) {
		const struct fit_figures *f = constant ? &fold[k].constant :
							 &fold[k].model;

		mean_add(&s[0], &c[0], f->r2);
		mean_add(&s[1], &c[1], f->rmse_j);
		mean_add(&s[2], &c[2], f->mae_j);
		mean_add(&s[3], &c[3], f->mape);
		mean_add(&s[4], &c[4], f->mdape);
	}
	mean->r2 = c[0] ? s[0] / c[0] : NAN;
	mean->rmse_j = c[1] ? s[1] / c[1] : NAN;
	mean->mae_j = c[2] ? s[2] / c[2] : NAN;
	mean->mape = c[3] ? s[3] / c[3] : NAN;
	mean->mdape = c[4] ? s[4] / c[4] : NAN;
}

/* In-sample R^2 of @coef over all windows. */
static double r2_all(const struct data *d, const double *coef)
{
	double mean = 0, ss_res = 0, ss_tot = 0;

	for (size_t i = 0; i < d->n; i++)
		mean += col(&d->r[i], COL_E) / d->n;
	for (size_t i = 0; i < d->n; i++) {
		double y = col(&d->r[i], COL_E), p = 0;

		for (int j = 0; j < NV; j++)
			p += coef[j] * col(&d->r[i], j);
		ss_res += (y - p) * (y - p);
		ss_tot += (y - mean) * (y - mean);
	}
	return ss_tot > 0 ? 1 - ss_res / ss_tot : NAN;
}

int fit_train(const struct model_record *r, size_t n,
	      const struct fit_opts *o, struct fit_result *res, char *why,
	      size_t why_len)
{
	static const double grid_default[] = FIT_RIDGE_GRID;
	const double *grid = grid_default;
	size_t ngrid = sizeof(grid_default) / sizeof(grid_default[0]);
	unsigned int all, cols;
	double x[NV], coef[NV];
	struct data d;
	int err;

	memset(res, 0, sizeof(*res));
	if (o->folds < FIT_FOLDS_MIN || o->folds > FIT_FOLDS_MAX) {
		snprintf(why, why_len, "%u folds: the cross-validation takes %d to %d",
			 o->folds, FIT_FOLDS_MIN, FIT_FOLDS_MAX);
		return -EINVAL;
	}
	if (o->ridge_given) {
		if (!isfinite(o->ridge) || !(o->ridge >= 0)) {
			snprintf(why, why_len, "ridge %g is not a finite number >= 0",
				 o->ridge);
			return -EINVAL;
		}
		grid = &o->ridge;
		ngrid = 1;
	}
	if (!n || !moves(r, n, COL_E)) {
		snprintf(why, why_len, "the measured energy never moves in %zu windows: nothing to fit",
			 n);
		return -EINVAL;
	}
	res->windows = n;
	res->weights = 1;
	for (int k = 0; k < M_METRICS; k++)
		if (moves(r, n, k + 1)) {
			res->moving |= 1U << k;
			res->weights++;
		}
	if (n < FIT_ROWS_PER_WEIGHT * res->weights) {
		snprintf(why, why_len, "%zu windows for %zu weights (idle and %zu metrics that move): need at least %d per weight, %zu",
			 n, res->weights, res->weights - 1, FIT_ROWS_PER_WEIGHT,
			 FIT_ROWS_PER_WEIGHT * res->weights);
		return -EINVAL;
	}
	if (n < o->folds) {
		snprintf(why, why_len, "%zu windows for %u folds", n, o->folds);
		return -EINVAL;
	}
	err = data_init(&d, r, n, o->folds);
	if (err)
		goto fail;
	res->folds = o->folds;
	all = (1U << o->folds) - 1;
	/* Each fold: the model chosen on the others predicts it. */
	for (unsigned int k = 0; k < o->folds; k++) {
		double ridge = 0;

		err = choose(&d, all & ~(1U << k), grid, ngrid, &cols, &ridge);
		if (!err)
			err = fold_figures(&d, k, cols, ridge, &res->fold[k]);
		if (err)
			goto fail_data;
	}
	fit_figures_mean(res->fold, o->folds, false, &res->mean);
	fit_figures_mean(res->fold, o->folds, true, &res->mean_constant);
	/* The final model: chosen on all folds, fitted on all windows. */
	err = choose(&d, all, grid, ngrid, &cols, &res->ridge);
	if (!err)
		err = train(&d, all, cols, res->ridge, x);
	if (err)
		goto fail_data;
	unscale(&d, x, coef);
	res->metrics = metrics_of(cols);
	res->idle_mw = coef[0];
	for (int k = 0; k < M_METRICS; k++)
		res->w[k] = coef[k + 1];
	res->r2 = r2_all(&d, coef);
	data_free(&d);
	for (int j = 0; j < NV; j++)
		if (!isfinite(coef[j])) {
			snprintf(why, why_len, "the fit is not finite (a value too large?)");
			return -EINVAL;
		}
	return 0;
fail_data:
	data_free(&d);
fail:
	snprintf(why, why_len, "the fit failed: %s", strerror(-err));
	return err == -ENOMEM ? err : -EINVAL;
}
