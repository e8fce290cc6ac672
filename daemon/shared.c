// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>

#include "shared.h"

struct window_snap *shared_window_get(struct shared *sh)
{
	struct window_snap *w;

	pthread_mutex_lock(&sh->lock);
	w = sh->win;
	if (w)
		w->refs++;
	pthread_mutex_unlock(&sh->lock);
	return w;
}

void shared_window_put(struct shared *sh, struct window_snap *w)
{
	bool last;

	if (!w)
		return;
	pthread_mutex_lock(&sh->lock);
	last = --w->refs == 0;
	pthread_mutex_unlock(&sh->lock);
	if (last)
		free(w);
}

void shared_window_publish(struct shared *sh, struct window_snap *w,
			   const struct energy_counters *gone, __u64 gone_uj,
			   const struct attrib *at)
{
	struct window_snap *old;

	w->refs = 1;	/* the shared pointer's own reference */
	pthread_mutex_lock(&sh->lock);
	old = sh->win;
	sh->win = w;
	sh->gone = *gone;
	sh->gone_uj = gone_uj;
	sh->at = *at;
	pthread_mutex_unlock(&sh->lock);
	shared_window_put(sh, old);
}
