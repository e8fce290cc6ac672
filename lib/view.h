/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon as the filesystem sees it: what the sampler publishes and the
 * filesystem's threads read, the one interface between them (implemented
 * by daemon/publish.c). The sampler never waits for a reader: process rows
 * are read live from the memory the BPF programs write, atomics hold the
 * parameters and counts, and the window snapshot is swapped and
 * reference-counted under a lock held only for a pointer exchange.
 */
#ifndef ENERGY_VIEW_H
#define ENERGY_VIEW_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "domain.h"
#include "energy_abi.h"
#include "model.h"
#include "params.h"
#include "threads.h"

/* The pids of the process of slot @rec in its pid namespaces: @recorded,
 * its procs_ns entry, where the BPF side recorded them there. */
static inline struct energy_pidns view_pidns(const struct energy_proc *rec,
					     const struct energy_pidns *recorded)
{
	struct energy_pidns n = { .level = 0 };

	if (rec->flags & ENERGY_F_PIDNS)
		return *recorded;
	n.nr[0] = rec->key.tgid;
	n.ns_ino[0] = ENERGY_PIDNS_INIT_INO;
	return n;
}

/* One process as a window showed it. */
struct window_entry {
	struct energy_proc rec;
	struct energy_pidns ns;
	__u64 energy_uj;
	__u64 carbon_ng;
};

/* One cgroup as a window showed it: its live processes plus those folded
 * away, cumulative. */
struct window_cgroup {
	__u64 id;			/* cgroup2 id */
	const char *path;		/* "/system.slice/...", NULL: unknown */
	struct energy_counters c;
	__u64 mem_bytes;		/* resident memory of its live processes */
	__u64 energy_uj;
	__u64 window_uj;		/* of which in this window */
	__u64 carbon_ng;		/* grams CO2e x 1e9 */
	__u64 procs_alive, procs_exited;
};

/* What the cgroup file serves between two window boundaries. */
struct window_snap {
	int refs;			/* guarded by the view's lock */
	__u64 time_ns;			/* CLOCK_MONOTONIC of the boundary */
	__u64 window_ns;		/* how long the window was */
	__u64 window_uj;		/* the energy in it (measured or model) */
	size_t ncg;
	struct window_cgroup *cg;	/* sorted by id; owned, with paths */
	size_t n;
	struct window_entry e[];
};

/* What the sampler published at the last sample and window boundary. */
struct view_totals {
	__u64 rapl_uj[RAPL_DOMAINS];	/* sums at the last sample */
	struct energy_counters exited;	/* processes folded away, all cgroups */
	__u64 exited_uj;		/* and their energy */
	__u64 exited_ng;		/* and their carbon, ng CO2e */
	struct attrib at;		/* attribution at the last sample */
	__u64 carbon_ng, idle_carbon_ng; /* the node's carbon, and idle's */
};

struct view {
	/* Set before the filesystem starts, constant after. */
	const struct energy_proc *rows;	/* live process slots (BPF writes) */
	const __u64 *rows_next;		/* slots [0, *rows_next) were used */
	__u64 capacity;			/* slots */
	const __u64 *energy_uj;		/* per slot, for the process in */
	const __u64 *carbon_ng;		/* per slot, likewise */
	const struct energy_key *energy_key; /* energy_key; read racily */
	const struct counted_cpu *counted; /* per slot, likewise */
	const char *source;		/* "msr", "powercap", "perf" or "model" */
	const char *basis;		/* what measured energy is: "psys"... */
	unsigned int rapl_domains;	/* bit per enum rapl_domain measured */
	bool pmu;			/* instructions are counted */
	unsigned int metrics_processes;	/* per-process series, 0: none */
	int wake_fd;			/* eventfd: sample_ns changed */

	/* __atomic access; written under params_lock */
	__u64 params[P_MAX];
	__u64 iterations;		/* samples taken */
	__u64 late_samples;		/* samples more than 3 periods late */
	__u64 stats[ENERGY_STAT_MAX];	/* drop counters at the last sample */
	__u64 rapl_rejected;		/* RAPL readings above the power ceiling */
	__u64 rapl_errors[RAPL_DOMAINS];	/* failed RAPL reads per domain */
	__u64 rapl_rebinds;		/* msr counters moved to another CPU */
	__u64 rapl_measuring;		/* domains all of whose counters read */
	__u64 sample_cost_ns;		/* how long the last sample took */
	/* Odd while the sampler changes the per-slot energy and the totals;
	 * moves on at every sample (a sequence lock for all's readers). */
	__u64 energy_seq;
	/* CLOCK_REALTIME ns, the files' times */
	__u64 start_time;		/* the daemon's start */
	__u64 sample_time;		/* the last sample */
	__u64 window_time;		/* the last window boundary */
	__u64 param_time[P_MAX];	/* each parameter's last change */

	pthread_mutex_t params_lock;	/* one parameter writer at a time */
	pthread_mutex_t lock;		/* guards what follows */
	struct window_snap *win;	/* the last window boundary */
	struct view_totals totals;
};

/* The cgroup @id in @w (bsearch), or NULL. */
const struct window_cgroup *window_cgroup_of(const struct window_snap *w,
					     __u64 id);

/* Each cgroup's window_uj in @w: its energy since @prev, the window before
 * (NULL: none); all of it for a cgroup @prev did not have. */
void window_cgroups_since(struct window_snap *w, const struct window_snap *prev);

/* Read a parameter. */
static inline __u64 view_param(struct view *v, enum param_id id)
{
	return __atomic_load_n(&v->params[id], __ATOMIC_RELAXED);
}

/* Read a counter the sampler keeps (iterations, late_samples, stats, the
 * times). */
static inline __u64 view_count(const __u64 *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* How many live rows may be in use now. */
static inline size_t view_rows_used(const struct view *v)
{
	__u64 used = __atomic_load_n(v->rows_next, __ATOMIC_ACQUIRE);

	return used < v->capacity ? used : v->capacity;
}

/*
 * Check @s (@len bytes written to a parameter file) with param_check and
 * store it, as one step against other writers, waking the sampler when
 * the sampling interval changed. Returns 0 with the value before and
 * after in @was and @now, or -EINVAL with the reason in @why.
 */
int view_param_commit(struct view *v, enum param_id id, const char *s,
		      size_t len, __u64 *was, __u64 *now, char *why,
		      size_t why_len);

/* All parameters as they are now. */
void view_params(struct view *v, __u64 out[P_MAX]);

/* Copy what the sampler published under the lock. */
void view_totals(struct view *v, struct view_totals *out);

/* Take a reference to the current window snapshot (NULL before the first
 * boundary). */
struct window_snap *view_window_get(struct view *v);

/* Drop a reference taken with view_window_get(). */
void view_window_put(struct view *v, struct window_snap *w);

#endif /* ENERGY_VIEW_H */
