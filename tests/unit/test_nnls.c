// SPDX-License-Identifier: GPL-2.0-only
/* Lawson-Hanson NNLS against cases whose answer is known. */
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include <gsl/gsl_linalg.h>

#include "nnls.h"
#include "unit.h"

static uint64_t seed_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 11;
}

/* Uniform in [-1, 1). */
static double uniform(uint64_t *s)
{
	return (double)seed_next(s) / (double)(1ULL << 53) * 2 - 1;
}

static bool close_to(double a, double b, double tol)
{
	return fabs(a - b) <= tol * (fabs(b) > 1 ? fabs(b) : 1);
}

/*
 * A = [1 0; 0 1; 1 1], b = [2 -1 1]. Unconstrained, A^T A = [2 1; 1 2] and
 * A^T b = [3 0] give x = [2 -1]. With x2 >= 0 active, x1 minimises
 * (x1 - 2)^2 + 1 + (x1 - 1)^2: x1 = 1.5, and at x = [1.5 0] the residual
 * r = [0.5 -1 -0.5] gives A^T r = [0 -1.5]: no gain from raising x2.
 */
void test_nnls_known_active(void)
{
	const double a[] = { 1, 0, 0, 1, 1, 1 }, b[] = { 2, -1, 1 };
	const double neg[] = { -1, -2, -3 };
	double x[2] = { 7, 7 };

	ASSERT_TRUE(nnls(a, 3, 2, b, x) >= 0, "solves");
	ASSERT_TRUE(close_to(x[0], 1.5, 1e-12), "x1 = 1.5");
	ASSERT_TRUE(x[1] == 0, "x2 held at its bound, exactly 0");
	fprintf(stderr, "  x = [%.15g %.15g]\n", x[0], x[1]);

	/* Every column correlates negatively with b: x = 0. */
	ASSERT_TRUE(nnls(a, 3, 2, neg, x) >= 0, "solves");
	ASSERT_TRUE(x[0] == 0 && x[1] == 0, "all at the bound");
}

/* Two equal columns: the second adds nothing and stays 0. */
void test_nnls_dependent_column(void)
{
	const double a[] = { 1, 1, 2, 2, 3, 3, 4, 4 }, b[] = { 2, 4, 6, 8 };
	double x[2];

	ASSERT_TRUE(nnls(a, 4, 2, b, x) >= 0, "solves");
	ASSERT_TRUE(close_to(x[0] + x[1], 2, 1e-12), "the fit is exact");
	ASSERT_TRUE(x[0] == 0 || x[1] == 0, "one of the twins carries it");
}

void test_nnls_bad_input(void)
{
	const double a[] = { 1, NAN }, b[] = { 1 };
	double x[2];

	ASSERT_EQ(nnls(a, 1, 2, b, x), -EINVAL, "a value that is not finite");
	ASSERT_EQ(nnls(a, 0, 2, b, x), -EINVAL, "no rows");
	ASSERT_EQ(nnls(a, 1, 0, b, x), -EINVAL, "no columns");
	ASSERT_EQ(nnls(a, 1, NNLS_MAX_COLS + 1, b, x), -EINVAL, "too many columns");
}

/* Unconstrained least squares on the columns in @set; the residual's
 * squared norm, or INFINITY when a coefficient is negative. */
static double subset_ls(const double *a, size_t m, size_t n, const double *b,
			unsigned int set, double *x)
{
	size_t k = 0, idx[8];
	gsl_matrix *qr;
	gsl_vector *tau, *bv, *sol, *res;
	double rss = INFINITY;

	for (size_t j = 0; j < n; j++) {
		x[j] = 0;
		if (set & (1U << j))
			idx[k++] = j;
	}
	qr = gsl_matrix_alloc(m, k);
	tau = gsl_vector_alloc(k);
	bv = gsl_vector_alloc(m);
	sol = gsl_vector_alloc(k);
	res = gsl_vector_alloc(m);
	for (size_t i = 0; i < m; i++) {
		gsl_vector_set(bv, i, b[i]);
		for (size_t c = 0; c < k; c++)
			gsl_matrix_set(qr, i, c, a[i * n + idx[c]]);
	}
	gsl_linalg_QR_decomp(qr, tau);
	gsl_linalg_QR_lssolve(qr, tau, bv, sol, res);
	rss = 0;
	for (size_t c = 0; c < k; c++) {
		x[idx[c]] = gsl_vector_get(sol, c);
		if (x[idx[c]] < 0)
			rss = INFINITY;
	}
	for (size_t i = 0; i < m && isfinite(rss); i++)
		rss += gsl_vector_get(res, i) * gsl_vector_get(res, i);
	gsl_matrix_free(qr);
	gsl_vector_free(tau);
	gsl_vector_free(bv);
	gsl_vector_free(sol);
	gsl_vector_free(res);
	return rss;
}

/*
 * Random 12 x 5 problems: the non-negative optimum is the least-squares
 * solution on its support, with positive coefficients, so the best of all
 * 31 supports whose solution is non-negative is the answer (the empty
 * support, x = 0, included). NNLS must find it.
 */
void test_nnls_brute_force(void)
{
	enum { M = 12, N = 5, CASES = 200 };
	int bounded = 0, interior = 0;
	uint64_t s = 7;

	for (int c = 0; c < CASES; c++) {
		double a[M * N], b[M], x[N], best[N] = {}, t[N];
		double best_rss = 0, got_rss = 0, full;
		bool same = true;
		int zeros = 0;

		for (int i = 0; i < M * N; i++)
			a[i] = uniform(&s);
		for (int i = 0; i < M; i++) {
			b[i] = uniform(&s);
			best_rss += b[i] * b[i];
		}
		for (unsigned int set = 1; set < 1U << N; set++) {
			double rss = subset_ls(a, M, N, b, set, t);

			if (rss < best_rss) {
				best_rss = rss;
				memcpy(best, t, sizeof(t));
			}
		}
		full = subset_ls(a, M, N, b, (1U << N) - 1, t);
		if (!ASSERT_TRUE(nnls(a, M, N, b, x) >= 0, "solves"))
			return;
		for (int i = 0; i < M; i++) {
			double r = b[i];

			for (int j = 0; j < N; j++)
				r -= a[i * N + j] * x[j];
			got_rss += r * r;
		}
		for (int j = 0; j < N; j++) {
			same = same && close_to(x[j], best[j], 1e-9) && x[j] >= 0;
			zeros += x[j] == 0;
		}
		if (!ASSERT_TRUE(same, "the best non-negative support's solution") ||
		    !ASSERT_TRUE(close_to(got_rss, best_rss, 1e-9), "its residual"))
			return;
		if (!isfinite(full))
			bounded++;	/* the unconstrained solution had a negative */
		if (!zeros)
			interior++;
	}
	fprintf(stderr, "  %d cases, %d with a bound active, %d interior\n", CASES,
		bounded, interior);
	ASSERT_TRUE(bounded > CASES / 4 && interior > 0, "both kinds of case were met");
}
