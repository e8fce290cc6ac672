/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Non-negative least squares: Lawson and Hanson's active-set method
 * ("Solving Least Squares Problems", 1974, chapter 23), with each
 * passive-set subproblem solved by GSL's Householder QR. Pure: no I/O.
 */
#ifndef ENERGY_NNLS_H
#define ENERGY_NNLS_H

#include <stddef.h>

/* Most unknowns nnls() takes. */
#define NNLS_MAX_COLS	16

/*
 * Minimise ||A x - b|| subject to x >= 0, for @a an @m x @n matrix stored
 * row by row and @b of @m values; the solution goes to @x (@n values). A
 * column that depends on those already in the solution stays at 0.
 * Returns the number of outer iterations (>= 0), -EINVAL for sizes out of
 * range (@n of 0 or over NNLS_MAX_COLS, @m of 0) or a value that is not
 * finite, -ENOMEM, or -EDOM when it does not converge in 3 x @n iterations.
 */
int nnls(const double *a, size_t m, size_t n, const double *b, double *x);

#endif /* ENERGY_NNLS_H */
