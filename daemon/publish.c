// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
		free(w);
}

void view_totals(struct view *v, struct view_totals *out)
{
	pthread_mutex_lock(&v->lock);
	*out = v->totals;
	pthread_mutex_unlock(&v->lock);
}

void view_param_set(struct view *v, enum param_id id, __u64 value)
{
	__u64 one = 1;

	__atomic_store_n(&v->params[id], value, __ATOMIC_RELAXED);
	if (id == P_SAMPLE_NS && write(v->wake_fd, &one, sizeof(one)) < 0)
		log_warn("cannot wake the sampler: %s", strerror(errno));
}

void publish_sample(struct view *v, const __u64 rapl_uj[RAPL_DOMAINS],
		    const __u64 stats[ENERGY_STAT_MAX])
{
	for (int i = 0; i < ENERGY_STAT_MAX; i++)
		__atomic_store_n(&v->stats[i], stats[i], __ATOMIC_RELAXED);
	__atomic_add_fetch(&v->iterations, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&v->lock);
	memcpy(v->totals.rapl_uj, rapl_uj, sizeof(v->totals.rapl_uj));
	pthread_mutex_unlock(&v->lock);
}

void publish_window(struct view *v, struct window_snap *w,
		    const struct energy_counters *exited, __u64 exited_uj,
		    const struct attrib *at)
{
	struct window_snap *old;

	w->refs = 1;	/* the view's own reference */
	pthread_mutex_lock(&v->lock);
	old = v->win;
	v->win = w;
	v->totals.exited = *exited;
	v->totals.exited_uj = exited_uj;
	v->totals.at = *at;
	pthread_mutex_unlock(&v->lock);
	view_window_put(v, old);
}
