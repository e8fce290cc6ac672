// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "publish.h"

struct window_snap *view_window_get(struct view *v)
{
	struct window_snap *w;

	pthread_mutex_lock(&v->lock);
	w = v->win;
	if (w)
		w->refs++;
	pthread_mutex_unlock(&v->lock);
	return w;
}

void view_window_put(struct view *v, struct window_snap *w)
{
	bool last;

	if (!w)
		return;
	pthread_mutex_lock(&v->lock);
	last = --w->refs == 0;
	pthread_mutex_unlock(&v->lock);
	if (last)
		window_free(w);
}

void window_free(struct window_snap *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->ncg; i++)
		free((char *)w->cg[i].path);
	free(w->cg);
	free(w);
}

void view_totals(struct view *v, struct view_totals *out)
{
	pthread_mutex_lock(&v->lock);
	*out = v->totals;
	pthread_mutex_unlock(&v->lock);
}

void view_params(struct view *v, __u64 out[P_MAX])
{
	for (int i = 0; i < P_MAX; i++)
		out[i] = view_param(v, i);
}

__u64 real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int view_param_commit(struct view *v, enum param_id id, const char *s,
		      size_t len, __u64 *was, __u64 *now, char *why,
		      size_t why_len)
{
	__u64 cur[P_MAX], one = 1;
	int err;

	pthread_mutex_lock(&v->params_lock);
	view_params(v, cur);
	err = param_check(id, s, len, cur, now, why, why_len);
	if (!err) {
		__atomic_store_n(&v->params[id], *now, __ATOMIC_RELAXED);
		__atomic_store_n(&v->param_time[id], real_ns(), __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&v->params_lock);
	*was = cur[id];
	if (err || id != P_SAMPLE_NS)
		return err;
	if (write(v->wake_fd, &one, sizeof(one)) < 0)
		log_warn("cannot wake the sampler: %s", strerror(errno));
	return 0;
}

void publish_sample(struct view *v, const __u64 rapl_uj[RAPL_DOMAINS],
		    __u64 rapl_rejected, const __u64 stats[ENERGY_STAT_MAX],
		    const struct attrib *at)
{
	__atomic_store_n(&v->rapl_rejected, rapl_rejected, __ATOMIC_RELAXED);
	for (int i = 0; i < ENERGY_STAT_MAX; i++)
		__atomic_store_n(&v->stats[i], stats[i], __ATOMIC_RELAXED);
	__atomic_add_fetch(&v->iterations, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&v->sample_time, real_ns(), __ATOMIC_RELAXED);
	pthread_mutex_lock(&v->lock);
	memcpy(v->totals.rapl_uj, rapl_uj, sizeof(v->totals.rapl_uj));
	v->totals.at = *at;
	pthread_mutex_unlock(&v->lock);
}

void publish_rapl_health(struct view *v, const __u64 errors[RAPL_DOMAINS],
			 __u64 rebinds, unsigned int measuring)
{
	for (int d = 0; d < RAPL_DOMAINS; d++)
		__atomic_store_n(&v->rapl_errors[d], errors[d], __ATOMIC_RELAXED);
	__atomic_store_n(&v->rapl_rebinds, rebinds, __ATOMIC_RELAXED);
	__atomic_store_n(&v->rapl_measuring, measuring, __ATOMIC_RELAXED);
}

void publish_window(struct view *v, struct window_snap *w,
		    const struct view_totals *tot)
{
	__u64 tot_rapl[RAPL_DOMAINS];
	struct window_snap *old;

	w->refs = 1;	/* the view's own reference */
	pthread_mutex_lock(&v->lock);
	old = v->win;
	v->win = w;
	memcpy(tot_rapl, v->totals.rapl_uj, sizeof(tot_rapl));
	v->totals = *tot;
	memcpy(v->totals.rapl_uj, tot_rapl, sizeof(tot_rapl));
	pthread_mutex_unlock(&v->lock);
	__atomic_store_n(&v->window_time, real_ns(), __ATOMIC_RELAXED);
	view_window_put(v, old);
}
