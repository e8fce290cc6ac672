// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define PJ_PER_UJ	1000000ULL
#define U64_MAX_	(~0ULL)

static __u64 sat_add(__u64 a, __u64 b)
{
	return a + b < a ? U64_MAX_ : a + b;
}

static __u64 sat_mul(__u64 a, __u64 b)
{
	unsigned __int128 p = (unsigned __int128)a * b;

	return p > U64_MAX_ ? U64_MAX_ : (__u64)p;
}

__u64 model_score_pj(const __u64 w[M_METRICS],
		     const struct energy_counters *d, __u64 mem_bytes,
		     __u64 window_ns)
{
	unsigned __int128 mem;
	__u64 s = 0;

	s = sat_add(s, sat_mul(w[M_CPU_NS], d->cpu_ns));
	s = sat_add(s, sat_mul(w[M_INSTRUCTIONS], d->instructions));
	s = sat_add(s, sat_mul(w[M_WAKEUPS], d->wakeups));
	s = sat_add(s, sat_mul(w[M_DISK_READ_BYTES], d->disk_read_bytes));
	s = sat_add(s, sat_mul(w[M_DISK_WRITE_BYTES], d->disk_write_bytes));
	s = sat_add(s, sat_mul(w[M_NET_RX_PACKETS], d->rx_packets));
	s = sat_add(s, sat_mul(w[M_NET_TX_PACKETS], d->tx_packets));
	/* pJ/(B*s) x B x ns / 1e9 */
	mem = (unsigned __int128)w[M_MEM_BYTES] * mem_bytes * window_ns /
	      1000000000ULL;
	return sat_add(s, mem > U64_MAX_ ? U64_MAX_ : (__u64)mem);
}

static void history_add(struct idle_history *h, __u64 mw)
{
	h->mw[h->next] = mw;
	h->next = (h->next + 1) % IDLE_HISTORY;
	if (h->n < IDLE_HISTORY)
		h->n++;
}

/* The tenth percentile of @h (at least one window). */
static __u64 history_low(const struct idle_history *h)
{
	__u64 v[IDLE_HISTORY];

	memcpy(v, h->mw, h->n * sizeof(v[0]));
	for (unsigned int i = 1; i < h->n; i++) {
		__u64 x = v[i];
		unsigned int j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[h->n / 10];
}

__u64 attrib_idle_mw(const struct attrib *a, __u64 configured_mw)
{
	if (configured_mw)
		return configured_mw;
	if (a->low.n)
		return history_low(&a->low);
	return a->any.n ? history_low(&a->any) : 0;
}

static __u64 window_model(struct attrib *a, const struct attrib_in *in,
			  const __u64 *scores, size_t n, __u64 *energy_uj,
			  __u64 *carry_pj)
{
	__u64 idle = (unsigned __int128)in->idle_mw * in->window_ns / PJ_PER_UJ;

	for (size_t i = 0; i < n; i++) {
		__u64 t = sat_add(carry_pj[i], scores[i]);

		energy_uj[i] += t / PJ_PER_UJ;
		a->procs_uj += t / PJ_PER_UJ;
		carry_pj[i] = t % PJ_PER_UJ;
	}
	a->idle_uj += idle;
	a->total_uj = a->procs_uj + a->idle_uj;
	return idle;
}

__u64 attrib_window(struct attrib *a, const struct attrib_in *in,
		    const __u64 *scores, size_t n, __u64 *energy_uj,
		    __u64 *carry_pj)
{
	unsigned __int128 sum = 0;
	__u64 power_mw, idle, dyn, given = 0;

	if (!in->measured)
		return window_model(a, in, scores, n, energy_uj, carry_pj);
	if (!in->window_ns)
		return 0;

	/* µJ / ns -> mW: x 1e6 */
	power_mw = (unsigned __int128)in->e_uj * 1000000ULL / in->window_ns;
	if (in->e_uj) {
		history_add(&a->any, power_mw);
		if (in->low_activity)
			history_add(&a->low, power_mw);
	}

	idle = (unsigned __int128)attrib_idle_mw(a, in->idle_mw) *
	       in->window_ns / PJ_PER_UJ;
	if (idle > in->e_uj)
		idle = in->e_uj;
	for (size_t i = 0; i < n; i++)
		sum += scores[i];
	if (!sum)
		idle = in->e_uj;	/* nobody did anything: all of it idle */

	dyn = in->e_uj - idle + a->carry_uj;
	for (size_t i = 0; sum && i < n; i++) {
		__u64 share = (unsigned __int128)dyn * scores[i] / sum;

		energy_uj[i] += share;
		given += share;
	}
	a->carry_uj = dyn - given;
	a->procs_uj += given;
	a->idle_uj += idle;
	a->total_uj += in->e_uj;
	return idle;
}

/* Record fields after window_ns and energy_uj, in enum model_metric order. */
static const char *const record_names[M_METRICS] = {
	"cpu_ns", "mem_byte_s", "instructions", "wakeups", "diski", "disko",
	"rx", "tx",
};

int model_record_format(char *buf, size_t size, const struct model_record *r)
{
	int n = snprintf(buf, size, "window_ns=%llu energy_uj=%llu", r->window_ns,
			 r->energy_uj);

	for (int k = 0; k < M_METRICS && n > 0 && (size_t)n < size; k++)
		n += snprintf(buf + n, size - n, " %s=%llu", record_names[k], r->x[k]);
	if (n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - n, "\n");
	return n;
}

/* "name=<digits>" at *p, then a space or the end. */
static int field(const char **p, const char *name, __u64 *v)
{
	size_t len = strlen(name);
	__u64 x = 0;
	const char *s;

	if (strncmp(*p, name, len) || (*p)[len] != '=')
		return -EINVAL;
	s = *p + len + 1;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (~0ULL - (*s - '0')) / 10)
			return -EINVAL;
		x = x * 10 + (*s - '0');
	}
	if (*s && *s != ' ')
		return -EINVAL;
	*p = *s ? s + 1 : s;
	*v = x;
	return 0;
}

int model_record_parse(const char *line, struct model_record *r)
{
	struct model_record t;
	const char *p = line;

	if (field(&p, "window_ns", &t.window_ns) ||
	    field(&p, "energy_uj", &t.energy_uj))
		return -EINVAL;
	for (int k = 0; k < M_METRICS; k++)
		if (field(&p, record_names[k], &t.x[k]))
			return -EINVAL;
	if (*p || !t.window_ns)
		return -EINVAL;
	*r = t;
	return 0;
}

/* Solve the k x k system M z = v (row-major, overwritten) by Gaussian
 * elimination with partial pivoting; -EDOM when singular. */
static int solve(double *m, double *v, double *z, int k)
{
	for (int c = 0; c < k; c++) {
		int piv = c;
		double t;

		for (int r = c + 1; r < k; r++)
			if (fabs(m[r * k + c]) > fabs(m[piv * k + c]))
				piv = r;
		if (fabs(m[piv * k + c]) < 1e-12)
			return -EDOM;
		if (piv != c) {
			for (int j = 0; j < k; j++) {
				t = m[c * k + j];
				m[c * k + j] = m[piv * k + j];
				m[piv * k + j] = t;
			}
			t = v[c];
			v[c] = v[piv];
			v[piv] = t;
		}
		for (int r = c + 1; r < k; r++) {
			double f = m[r * k + c] / m[c * k + c];

			for (int j = c; j < k; j++)
				m[r * k + j] -= f * m[c * k + j];
			v[r] -= f * v[c];
		}
	}
	for (int r = k - 1; r >= 0; r--) {
		double s = v[r];

		for (int j = r + 1; j < k; j++)
			s -= m[r * k + j] * z[j];
		z[r] = s / m[r * k + r];
	}
	return 0;
}

#define NV	(M_METRICS + 1)		/* unknowns: idle, then the weights */

/* Least squares on the passive set @p of the normal equations G z = h. */
static int passive_solve(const double *g, const double *h, const bool *p,
			 double *z)
{
	double m[NV * NV], v[NV], y[NV];
	int idx[NV], k = 0, err;

	for (int j = 0; j < NV; j++) {
		z[j] = 0;
		if (p[j])
			idx[k++] = j;
	}
	for (int a = 0; a < k; a++) {
		v[a] = h[idx[a]];
		for (int b = 0; b < k; b++)
			m[a * k + b] = g[idx[a] * NV + idx[b]];
	}
	err = solve(m, v, y, k);
	if (err)
		return err;
	for (int a = 0; a < k; a++)
		z[idx[a]] = y[a];
	return 0;
}

/*
 * Lawson and Hanson's active-set method on the normal equations: with nine
 * unknowns the normal equations are small, and columns are scaled to 1
 * first so that nanoseconds and bytes do not swamp packets.
 */
static int nnls(const double *g, const double *h, double *x)
{
	bool p[NV] = {};
	double w[NV], z[NV];

	for (int j = 0; j < NV; j++)
		x[j] = 0;
	for (int iter = 0; iter < 100; iter++) {
		int t = -1;

		for (int j = 0; j < NV; j++) {
			w[j] = h[j];
			for (int k = 0; k < NV; k++)
				w[j] -= g[j * NV + k] * x[k];
			if (!p[j] && w[j] > 1e-10 && (t < 0 || w[j] > w[t]))
				t = j;
		}
		if (t < 0)
			return 0;
		p[t] = true;
		for (int inner = 0; inner < 100; inner++) {
			double alpha = 2;
			bool ok = true;

			if (passive_solve(g, h, p, z)) {
				p[t] = false;	/* dependent column: leave it out */
				return 0;
			}
			for (int j = 0; j < NV; j++)
				if (p[j] && z[j] <= 0) {
					ok = false;
					if (x[j] / (x[j] - z[j]) < alpha)
						alpha = x[j] / (x[j] - z[j]);
				}
			if (ok) {
				memcpy(x, z, sizeof(z));
				break;
			}
			for (int j = 0; j < NV; j++) {
				x[j] += alpha * (z[j] - x[j]);
				if (p[j] && x[j] <= 1e-12) {
					p[j] = false;
					x[j] = 0;
				}
			}
		}
	}
	return 0;
}

int model_train(const struct model_record *r, size_t n, struct model_fit *fit)
{
	double g[NV * NV] = {}, h[NV] = {}, scale[NV] = {}, x[NV];
	double mean = 0, ss_tot = 0, ss_res = 0;

	if (n < NV)
		return -EINVAL;
	/* column j of row i: window_ns, then the metrics */
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < NV; j++) {
			double a = j ? (double)r[i].x[j - 1] : (double)r[i].window_ns;

			if (a > scale[j])
				scale[j] = a;
		}
	for (size_t i = 0; i < n; i++) {
		double a[NV], b = (double)r[i].energy_uj * 1e6;	/* pJ */

		for (int j = 0; j < NV; j++) {
			a[j] = j ? (double)r[i].x[j - 1] : (double)r[i].window_ns;
			a[j] = scale[j] ? a[j] / scale[j] : 0;
		}
		for (int j = 0; j < NV; j++) {
			h[j] += a[j] * b;
			for (int k = 0; k < NV; k++)
				g[j * NV + k] += a[j] * a[k];
		}
		mean += b / n;
	}
	nnls(g, h, x);
	for (int j = 0; j < NV; j++)
		x[j] = scale[j] ? x[j] / scale[j] : 0;
	for (size_t i = 0; i < n; i++) {
		double b = (double)r[i].energy_uj * 1e6, e = x[0] * r[i].window_ns;

		for (int k = 0; k < M_METRICS; k++)
			e += x[k + 1] * r[i].x[k];
		ss_res += (b - e) * (b - e);
		ss_tot += (b - mean) * (b - mean);
	}
	fit->idle_mw = x[0];	/* pJ per ns = mW */
	for (int k = 0; k < M_METRICS; k++)
		fit->w[k] = x[k + 1];
	fit->r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1;
	fit->windows = n;
	return 0;
}
