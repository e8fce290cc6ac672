// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "nnls.h"

/* A diagonal element of R this small next to its column's norm: the
 * column lies in the span of the columns before it. */
#define DEPENDENT	1e-10

struct work {
	double *qr;	/* m x k, the passive columns */
	double *rhs;	/* m */
	double *res;	/* m */
	double tau[NNLS_MAX_COLS], sol[NNLS_MAX_COLS];
};

/* Least squares on the passive columns: z_j for j passive, 0 elsewhere.
 * -EDOM when the passive columns are (numerically) dependent. */
static int solve_passive(const double *a, size_t m, size_t n, const double *b,
			 const bool *passive, double *z, struct work *w)
{
	size_t idx[NNLS_MAX_COLS], k = 0;
	gsl_matrix_view qr;
	gsl_vector_view tau, sol, rhs, res;

	for (size_t j = 0; j < n; j++) {
		z[j] = 0;
		if (passive[j])
			idx[k++] = j;
	}
	if (!k)
		return 0;
	if (k > m)
		return -EDOM;
	for (size_t i = 0; i < m; i++)
		for (size_t c = 0; c < k; c++)
			w->qr[i * k + c] = a[i * n + idx[c]];
	memcpy(w->rhs, b, m * sizeof(*b));
	qr = gsl_matrix_view_array(w->qr, m, k);
	tau = gsl_vector_view_array(w->tau, k);
	sol = gsl_vector_view_array(w->sol, k);
	rhs = gsl_vector_view_array(w->rhs, m);
	res = gsl_vector_view_array(w->res, m);
	/* Column norms before the decomposition overwrites them. */
	for (size_t c = 0; c < k; c++) {
		double s = 0;

		for (size_t i = 0; i < m; i++)
			s += a[i * n + idx[c]] * a[i * n + idx[c]];
		w->sol[c] = sqrt(s);
	}
	if (gsl_linalg_QR_decomp(&qr.matrix, &tau.vector))
		return -EDOM;
	for (size_t c = 0; c < k; c++)
		if (!(fabs(gsl_matrix_get(&qr.matrix, c, c)) > DEPENDENT * w->sol[c]))
			return -EDOM;
	if (gsl_linalg_QR_lssolve(&qr.matrix, &tau.vector, &rhs.vector,
				  &sol.vector, &res.vector))
		return -EDOM;
	for (size_t c = 0; c < k; c++) {
		if (!isfinite(w->sol[c]))
			return -EDOM;
		z[idx[c]] = w->sol[c];
	}
	return 0;
}

/* w = A^T (b - A x) */
static void gradient(const double *a, size_t m, size_t n, const double *b,
		     const double *x, double *g)
{
	for (size_t j = 0; j < n; j++)
		g[j] = 0;
	for (size_t i = 0; i < m; i++) {
		double r = b[i];

		for (size_t j = 0; j < n; j++)
			r -= a[i * n + j] * x[j];
		for (size_t j = 0; j < n; j++)
			g[j] += a[i * n + j] * r;
	}
}

static int lawson_hanson(const double *a, size_t m, size_t n, const double *b,
			 double *x, struct work *w)
{
	bool passive[NNLS_MAX_COLS] = {}, excluded[NNLS_MAX_COLS] = {};
	double g[NNLS_MAX_COLS], z[NNLS_MAX_COLS], norm1 = 0, bmax = 0, tol;
	int iter = 0, err;

	for (size_t j = 0; j < n; j++) {
		double s = 0;

		for (size_t i = 0; i < m; i++)
			s += fabs(a[i * n + j]);
		if (s > norm1)
			norm1 = s;
		x[j] = 0;
	}
	for (size_t i = 0; i < m; i++)
		if (fabs(b[i]) > bmax)
			bmax = fabs(b[i]);
	tol = 10 * DBL_EPSILON * (m > n ? m : n) * norm1 * bmax;

	for (;;) {
		size_t t = n;

		gradient(a, m, n, b, x, g);
		for (size_t j = 0; j < n; j++)
			if (!passive[j] && !excluded[j] && g[j] > tol &&
			    (t == n || g[j] > g[t]))
				t = j;
		if (t == n)
			return iter;	/* Kuhn-Tucker conditions hold */
		if (++iter > 3 * (int)n)
			return -EDOM;
		passive[t] = true;
		for (size_t inner = 0;; inner++) {
			double alpha = INFINITY;
			bool feasible = true;
			size_t first = n;

			if (inner > n + 1)
				return -EDOM;
			err = solve_passive(a, m, n, b, passive, z, w);
			if (err == -EDOM && passive[t]) {
				/* t depends on the others: it stays at 0 */
				passive[t] = false;
				excluded[t] = true;
				x[t] = 0;
				continue;
			}
			if (err)
				return err;
			if (!inner && z[t] <= 0) {
				/* Rounding: in exact arithmetic a column with a
				 * positive gradient enters with z_t > 0. */
				passive[t] = false;
				excluded[t] = true;
				continue;
			}
			for (size_t j = 0; j < n; j++)
				if (passive[j] && z[j] <= 0) {
					double d = x[j] - z[j];
					double s = d > 0 ? x[j] / d : 0;

					feasible = false;
					if (s < alpha) {
						alpha = s;
						first = j;
					}
				}
			if (feasible) {
				memcpy(x, z, n * sizeof(*x));
				break;
			}
			/* Step towards z until a variable reaches 0; it
			 * leaves the passive set. The one that set the step
			 * leaves it even where rounding kept it above 0, or
			 * the loop would not end. */
			for (size_t j = 0; j < n; j++) {
				x[j] += alpha * (z[j] - x[j]);
				if (passive[j] && (x[j] <= 0 || j == first)) {
					passive[j] = false;
					x[j] = 0;
				}
			}
		}
	}
}

int nnls(const double *a, size_t m, size_t n, const double *b, double *x)
{
	gsl_error_handler_t *old;
	struct work w = {};
	int ret;

	if (!m || !n || n > NNLS_MAX_COLS)
		return -EINVAL;
	for (size_t i = 0; i < m; i++) {
		if (!isfinite(b[i]))
			return -EINVAL;
		for (size_t j = 0; j < n; j++)
			if (!isfinite(a[i * n + j]))
				return -EINVAL;
	}
	w.qr = malloc(m * n * sizeof(*w.qr));
	w.rhs = malloc(m * sizeof(*w.rhs));
	w.res = malloc(m * sizeof(*w.res));
	if (!w.qr || !w.rhs || !w.res) {
		ret = -ENOMEM;
		goto cleanup;
	}
	/* GSL aborts on an error by default: report it as a return value. */
	old = gsl_set_error_handler_off();
	ret = lawson_hanson(a, m, n, b, x, &w);
	gsl_set_error_handler(old);
cleanup:
	free(w.qr);
	free(w.rhs);
	free(w.res);
	return ret;
}
