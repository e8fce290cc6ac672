// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "handover.h"
#include "log.h"
#include "publish.h"
#include "notify.h"
#include "sampler.h"
#include "shared.h"

#define SAMPLER_NICE	-10

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int timer_arm(int fd, __u64 ns)
{
	struct itimerspec its = {
		.it_interval = { ns / 1000000000ULL, ns % 1000000000ULL },
		.it_value = { ns / 1000000000ULL, ns % 1000000000ULL },
	};

	return timerfd_settime(fd, 0, &its, NULL) ? -errno : 0;
}

/* Start or end (energy_seq odd, then even) the sampler's changes to what
 * all shows: the per-process energy, the totals (lib/shared.h). */
static void energy_write(struct view *v)
{
	if (v->energy_seq & 1)
		shared_seq_end(&v->energy_seq);
	else
		shared_seq_begin(&v->energy_seq);
}

static int cg_by_id(const void *a, const void *b)
{
	const struct window_cgroup *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The cgroups of a window, with their paths, by id; false when out of
 * memory. */
static bool window_cgroups(struct sampler *s, struct window_snap *w,
			   const struct cgroup_total *ct, size_t nct)
{
	w->cg = calloc(nct ? nct : 1, sizeof(*w->cg));
	if (!w->cg)
		return false;
	for (size_t i = 0; i < nct; i++) {
		const char *path = cgpath_of(&s->cgpath, ct[i].id);
		struct window_cgroup *g = &w->cg[w->ncg++];

		*g = (struct window_cgroup){
			.id = ct[i].id,
			.path = path ? strdup(path) : NULL,
			.c = ct[i].c,
			.mem_bytes = ct[i].mem_bytes,
			.energy_uj = ct[i].energy_uj,
			.carbon_ng = ct[i].carbon_ng,
			.procs_alive = ct[i].procs_alive,
			.procs_exited = ct[i].procs_exited,
		};
		if (path && !g->path)
			return false;
	}
	qsort(w->cg, w->ncg, sizeof(*w->cg), cg_by_id);
	cgpath_prune(&s->cgpath);
	return true;
}

/* The window the cgroup file serves: every used slot as it is now, and
 * the totals of every cgroup; the window's length and energy. */
static struct window_snap *window_snapshot(struct sampler *s,
					   __u64 window_ns, __u64 window_uj,
					   const struct cgroup_total *ct,
					   size_t nct)
{
	const struct table *t = s->t;
	struct window_snap *w;
	size_t n = 0;

	w = malloc(sizeof(*w) + t->len * sizeof(w->e[0]));
	if (!w)
		return NULL;
	w->ncg = 0;
	w->cg = NULL;
	w->window_ns = window_ns;
	w->window_uj = window_uj;
	for (size_t i = 0; i < t->len; i++) {
		if (!proc_used(&t->snap[i]))
			continue;
		w->e[n].rec = t->snap[i];
		w->e[n].ns = view_pidns(&t->snap[i], &s->coll->pidns[i]);
		w->e[n].energy_uj = table_energy_of(t, i, &t->snap[i].key);
		w->e[n].carbon_ng = table_carbon_of(t, i, &t->snap[i].key);
		n++;
	}
	w->n = n;
	w->time_ns = now_ns();
	if (!window_cgroups(s, w, ct, nct)) {
		window_free(w);
		return NULL;
	}
	return w;
}

/* The sample's energy (measured since the last sample, or the model's),
 * split over the processes of this sample; @ns 0 only primes the table:
 * the energy measured so far goes to the first real sample. */
static void sample_energy(struct sampler *s, __u64 ns)
{
	struct view *v = s->v;
	struct attrib_in in = {
		.measured = s->rapl != NULL,
		.window_ns = ns,
		.idle_mw = view_param(v, P_IDLE_MW),
		.part = true,
	};
	__u64 now_uj = domain_basis_uj(v->rapl_domains, s->k->rapl_uj);
	__u64 total_uj = s->k->at.total_uj, idle_uj;
	__u64 p[P_MAX];

	/* One set of weights for the whole sample, read as a writer of
	 * params/ stores them (atomically, from another thread). */
	view_params(v, p);
	if (in.measured && ns) {
		in.e_uj = now_uj - s->k->window_basis_uj;
		s->k->window_basis_uj = now_uj;
	}
	idle_uj = table_energy_window(s->t, &s->k->at, &in, &p[P_WEIGHT0],
				      s->ncpus);
	table_carbon_sample(s->t, carbon_ug_per_kwh(p[P_CARBON_G_PER_KWH]),
			    s->k->at.total_uj - total_uj, idle_uj);
}

/* The end of a window: the idle power learned from it as a whole, its
 * record. */
static void window_energy(struct sampler *s, __u64 window_ns)
{
	struct model_record *rec = &s->t->last_window;

	/* The window that spans a restart measured only its end. */
	if (s->rapl && !s->resumed)
		attrib_learn(&s->k->at, rec->energy_uj, rec->window_ns,
			     rec->x[M_CPU_NS] * 50 < (__u64)s->ncpus * rec->window_ns);
	s->resumed = false;
	if (s->record_fd >= 0 && window_ns) {
		char line[512];
		int n = model_record_format(line, sizeof(line), rec);

		if (write(s->record_fd, line, n) != n)
			log_limited(&s->record_limit, LOG_LVL_WARN,
				    "--record: window not recorded: %s",
				    strerror(errno));
	}
	memset(rec, 0, sizeof(*rec));
}

/* The removed cgroups that no process is in any more: gone from the
 * totals and from the cgroups map (their processes stay in the node's
 * exited totals). */
static void prune_cgroups(struct sampler *s)
{
	long n, failed;
	__u64 *ids;
	int err;

	n = table_prune_cgroups(s->t, cgpath_gone, &s->cgpath, &ids);
	if (n < 0) {
		log_limited(&s->oom_limit, LOG_LVL_WARN,
			    "removed cgroups not pruned: %s", strerror(-n));
		return;
	}
	err = coll_unpublish_cgroups(s->coll, ids, n, &failed);
	if (err)
		log_limited(&s->cgmap_limit, LOG_LVL_WARN,
			    "map cgroups: %ld of %ld removed cgroups not deleted: %s",
			    failed, n, strerror(-err));
	free(ids);
}

/*
 * A window boundary (its samples' energy handed out already): what the
 * window teaches, then fold what was published a window ago (its energy
 * too) and free its slots, publish the window to the cgroup file and the
 * cgroup totals to their map.
 */
static void window(struct sampler *s, __u64 window_ns)
{
	struct table *t = s->t;
	struct view_totals tot = {};
	struct cgroup_total *ct;
	struct window_snap *w;
	__u64 window_uj;
	long nct, failed;
	size_t n;
	int err;

	window_uj = s->k->at.total_uj - s->k->window_start_uj;
	s->k->window_start_uj = s->k->at.total_uj;
	window_energy(s, window_ns);
	n = table_window(t, s->freed, t->cap);
	err = coll_free(s->coll, s->freed, n);
	if (err)
		log_limited(&s->free_limit, LOG_LVL_WARN,
			    "slots not handed back for reuse yet (tried again next window): %s",
			    strerror(-err));
	prune_cgroups(s);
	tot.exited = t->exited_c;
	tot.exited_uj = t->exited_uj;
	tot.exited_ng = t->exited_ng;
	tot.at = s->k->at;
	tot.carbon_ng = t->carbon.node_ng;
	tot.idle_carbon_ng = t->carbon.idle_ng;
	nct = table_cgroup_totals(t, &ct);
	if (nct < 0) {
		log_limited(&s->oom_limit, LOG_LVL_WARN, "cgroup totals: %s",
			    strerror(-nct));
		return;
	}
	w = window_snapshot(s, window_ns, window_uj, ct, nct);
	if (w) {
		struct window_snap *prev = view_window_get(s->v);

		window_cgroups_since(w, prev);
		view_window_put(s->v, prev);
		publish_window(s->v, w, &tot);
	}
	else
		log_limited(&s->oom_limit, LOG_LVL_WARN,
			    "window: out of memory; the cgroup file keeps the last window");
	err = coll_publish_cgroups(s->coll, ct, nct, &failed);
	if (err)
		log_limited(&s->cgmap_limit, LOG_LVL_WARN,
			    "map cgroups: %ld of %ld cgroups not written: %s",
			    failed, nct, strerror(-err));
	free(ct);
	notify_status(s->v);
	/* What a burst of readers freed goes back to the system, not kept
	 * in the arenas for good. */
	malloc_trim(0);
}

/* The RAPL counters, so that none wraps twice unseen. */
static void measure(struct sampler *s)
{
	if (s->rapl) {
		struct rapl_health h;
		__u64 sum_uj[RAPL_DOMAINS] = {};

		/* A counter that fails keeps its sum (rapl_read). */
		for (int d = 0; d < RAPL_DOMAINS; d++)
			sum_uj[d] = s->k->rapl_uj[d] - s->k->rapl_base_uj[d];
		rapl_read(s->rapl, sum_uj);
		for (int d = 0; d < RAPL_DOMAINS; d++)
			s->k->rapl_uj[d] = s->k->rapl_base_uj[d] + sum_uj[d];
		rapl_health(s->rapl, &h);
		publish_rapl_health(s->v, h.errors, h.rebinds, h.measuring);
	}
}

/* The sample's measurements, drop counters and energy, published. */
static void publish(struct sampler *s)
{
	int err = coll_stats(s->coll, s->stats);

	/* A failed read keeps the last counters, never zeros. */
	if (err)
		log_limited(&s->stats_limit, LOG_LVL_WARN,
			    "drop counters (map stats) not read: %s",
			    strerror(-err));
	publish_sample(s->v, s->k->rapl_uj, s->rapl ? rapl_rejected(s->rapl) : 0,
		       s->stats, &s->k->at);
}

/*
 * One sample: a new mem/cgroup/comm generation, the running threads' CPU
 * time and the measurements; a copy of the slots into the table and the
 * sample's energy split over them; at a window boundary, the window's
 * work. Readers of all see the energy and the totals of one sample: they
 * render again when energy_seq moved meanwhile (odd: being written).
 */
static void sample(struct sampler *s)
{
	struct view *v = s->v;
	__u64 start = now_ns(), now;
	int err;

	coll_new_sample(s->coll);
	err = coll_fold_running(s->coll);
	if (err)
		log_limited(&s->fold_limit, LOG_LVL_WARN,
			    "running tasks' CPU time not counted this sample: %s",
			    strerror(-err));
	measure(s);
	now = now_ns();
	energy_write(v);
	err = coll_read(s->coll, s->t);
	if (err)
		log_limited(&s->index_limit, LOG_LVL_WARN,
			    "map slot_index: new processes not listed yet (tried again next sample): %s",
			    strerror(-err));
	sample_energy(s, now - s->k->last_energy_ns);
	s->k->last_energy_ns = now;
	table_follow_cgroups(s->t);
	if (now - s->k->last_window_ns + view_param(v, P_SAMPLE_NS) / 2 >=
	    view_param(v, P_WINDOW_NS)) {
		window(s, now - s->k->last_window_ns);
		s->k->last_window_ns = now;
	}
	publish(s);
	energy_write(v);
	__atomic_store_n(&v->sample_cost_ns, now_ns() - start, __ATOMIC_RELAXED);
}

int sampler_init(struct sampler *s, struct view *v, struct collector *coll,
		 struct table *t, struct rapl *rapl, int record_fd,
		 struct sampler_keep *k, bool resume)
{
	__u64 now;
	int err;

	*s = (struct sampler){
		.v = v,
		.coll = coll,
		.t = t,
		.rapl = rapl,
		.record_fd = record_fd,
		.ncpus = sysconf(_SC_NPROCESSORS_ONLN),
		.sample_ns = view_param(v, P_SAMPLE_NS),
		.k = k,
		.resumed = resume,
	};
	/* Every slot may be let go at one boundary: none waits. */
	s->freed = calloc(t->cap ? t->cap : 1, sizeof(*s->freed));
	if (cgpath_init(&s->cgpath))
		log_warn("cgroup paths: out of memory; cgroups are named by id only");
	s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (!s->freed || s->timer_fd < 0) {
		int err = s->freed ? -errno : -ENOMEM;

		log_err("sampler set-up: %s", strerror(-err));
		sampler_fini(s);
		return err;
	}
	now = now_ns();
	if (!resume) {
		memset(s->k, 0, sizeof(*s->k));
		s->k->last_window_ns = now;
		s->k->last_energy_ns = now;
	} else {
		/* The new sums start at 0: on top of the old ones. */
		memcpy(s->k->rapl_base_uj, s->k->rapl_uj, sizeof(s->k->rapl_uj));
		log_info("going on from the last sample of the energyd before, %.3f s ago",
			 (now - s->k->last_energy_ns) / 1e9);
	}
	coll_new_sample(coll);
	if (resume && coll_fold_running(coll))
		log_warn("running tasks' CPU time not counted in the first sample");
	measure(s);
	energy_write(v);
	err = coll_read(coll, t);
	if (err)
		log_warn("map slot_index: new processes not listed yet (tried again next sample): %s",
			 strerror(-err));
	/* The first sample of a new table primes it; a kept one goes on,
	 * the time the daemon was away in its first sample and window. */
	sample_energy(s, resume ? now - s->k->last_energy_ns : 0);
	s->k->last_energy_ns = now;
	window(s, now - s->k->last_window_ns);
	s->k->last_window_ns = now;
	publish(s);
	energy_write(v);
	return 0;
}

int sampler_start(struct sampler *s)
{
	int err;

	/* Readers run in the filesystem's threads, at the default priority;
	 * the sampler comes first, so that no load of readers delays a
	 * sample. */
	if (setpriority(PRIO_PROCESS, gettid(), SAMPLER_NICE))
		log_warn("sampler priority: %s", strerror(errno));
	err = timer_arm(s->timer_fd, s->sample_ns);
	if (err) {
		log_err("cannot arm the sampling timer: %s", strerror(-err));
		return err;
	}
	log_info("sampling every %llu ns, window %llu ns", s->sample_ns,
		 view_param(s->v, P_WINDOW_NS));
	return 0;
}

/* Whether a stop signal was read from @fd; SIGHUP calls the reload. */
static bool stop_signal(struct sampler *s, int fd)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return false;
	if (si.ssi_signo == SIGHUP) {
		if (s->reload)
			s->reload(s->reload_arg);
		return false;
	}
	log_info("%s: stopping", strsignal(si.ssi_signo));
	notify_stopping(strsignal(si.ssi_signo));
	return true;
}

/* A new interval counts from now. */
static void sample_ns_changed(struct sampler *s)
{
	__u64 ticks, ns = view_param(s->v, P_SAMPLE_NS);

	if (read(s->v->wake_fd, &ticks, sizeof(ticks)) != sizeof(ticks) ||
	    ns == s->sample_ns)
		return;
	s->sample_ns = ns;
	if (timer_arm(s->timer_fd, ns))
		log_limited(&s->timer_limit, LOG_LVL_WARN,
			    "cannot re-arm the sampling timer: %s", strerror(errno));
}

int sampler_run(struct sampler *s, int signal_fd, struct efs *fs)
{
	int err;

	for (;;) {
		struct pollfd pfd[4] = {
			{ .fd = signal_fd, .events = POLLIN },
			{ .fd = s->timer_fd, .events = POLLIN },
			{ .fd = s->v->wake_fd, .events = POLLIN },
			{ .fd = efs_watch_fd(fs), .events = POLLPRI },
		};
		__u64 ticks;

		if (poll(pfd, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			return -errno;
		}
		if ((pfd[0].revents & POLLIN) && stop_signal(s, signal_fd))
			return 0;
		if (pfd[2].revents & POLLIN)
			sample_ns_changed(s);
		if (pfd[3].revents & (POLLPRI | POLLERR)) {
			err = efs_check(fs);
			if (err < 0)
				return err;
			if (err)	/* a new connection */
				handover_store_fuse(fs);
		}
		if (!(pfd[1].revents & POLLIN) ||
		    read(s->timer_fd, &ticks, sizeof(ticks)) != sizeof(ticks))
			continue;
		if (ticks > 3)
			__atomic_add_fetch(&s->v->late_samples, 1, __ATOMIC_RELAXED);
		if (ticks > 1)
			log_debug("sampling fell %llu samples behind", ticks - 1);
		sample(s);
	}
}

void sampler_fini(struct sampler *s)
{
	if (s->timer_fd >= 0)
		close(s->timer_fd);
	s->timer_fd = -1;
	free(s->freed);
	s->freed = NULL;
	cgpath_fini(&s->cgpath);
}
