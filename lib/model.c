// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "shared.h"

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

static void error_add(struct error_history *h, __u64 estimate_uj,
		      __u64 measured_uj)
{
	h->estimate_uj[h->next] = estimate_uj;
	h->measured_uj[h->next] = measured_uj;
	h->next = (h->next + 1) % ERROR_HISTORY;
	if (h->n < ERROR_HISTORY)
		h->n++;
}

long attrib_model_error(const struct attrib *a, unsigned int *windows)
{
	const struct error_history *h = &a->error;
	unsigned __int128 off = 0, sum = 0;

	*windows = h->n;
	for (unsigned int i = 0; i < h->n; i++) {
		__u64 e = h->estimate_uj[i], m = h->measured_uj[i];

		off += e > m ? e - m : m - e;
		sum += m;
	}
	if (!sum)
		return -ENODATA;
	off = off * 10000 / sum;
	return off > LONG_MAX ? LONG_MAX : (long)off;
}

void attrib_learn(struct attrib *a, __u64 e_uj, __u64 window_ns,
		  bool low_activity)
{
	__u64 power_mw;

	/* the model's estimate of the window against its measurement */
	if (e_uj)
		error_add(&a->error, a->window_estimate_uj, e_uj);
	a->window_estimate_uj = 0;
	if (!e_uj || !window_ns)
		return;
	/* µJ / ns -> mW: x 1e6 */
	power_mw = (unsigned __int128)e_uj * 1000000ULL / window_ns;
	history_add(&a->any, power_mw);
	if (low_activity)
		history_add(&a->low, power_mw);
}

static __u64 window_model(struct attrib *a, const struct attrib_in *in,
			  const __u64 *scores, size_t n, __u64 *energy_uj,
			  __u64 *carry_pj)
{
	__u64 idle = (unsigned __int128)in->idle_mw * in->window_ns / PJ_PER_UJ;

	for (size_t i = 0; i < n; i++) {
		__u64 t = sat_add(carry_pj[i], scores[i]);

		shared_store(&energy_uj[i], energy_uj[i] + t / PJ_PER_UJ);
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
	__u64 idle, dyn, given = 0;

	if (!in->measured)
		return window_model(a, in, scores, n, energy_uj, carry_pj);
	if (!in->window_ns)
		return 0;

	idle = (unsigned __int128)attrib_idle_mw(a, in->idle_mw) *
	       in->window_ns / PJ_PER_UJ;
	for (size_t i = 0; i < n; i++)
		sum += scores[i];
	a->window_estimate_uj = sat_add(a->window_estimate_uj,
					sat_add(idle, sum / PJ_PER_UJ > U64_MAX_ ?
						U64_MAX_ : (__u64)(sum / PJ_PER_UJ)));
	if (!in->part)
		attrib_learn(a, in->e_uj, in->window_ns, in->low_activity);
	if (idle > in->e_uj)
		idle = in->e_uj;
	if (!sum)
		idle = in->e_uj;	/* nobody did anything: all of it idle */

	dyn = in->e_uj - idle + a->carry_uj;
	for (size_t i = 0; sum && i < n; i++) {
		__u64 share = (unsigned __int128)dyn * scores[i] / sum;

		shared_store(&energy_uj[i], energy_uj[i] + share);
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
