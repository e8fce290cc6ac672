/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF side seen from the daemon: probe, load, seed, attach and pin the
 * programs and maps; copy the memory-mapped process slots into the table
 * at each window boundary; clear the slots the table let go.
 */
#ifndef ENERGY_COLLECTOR_H
#define ENERGY_COLLECTOR_H

#include <stdbool.h>
#include <linux/types.h>

#include "energy_abi.h"
#include "mapops.h"
#include "pmu.h"
#include "table.h"

struct energy_bpf;
struct bpf_link;

struct coll_opts {
	__u32 max_procs;	/* slots; 0: derived from kernel.pid_max */
	bool legacy_hooks;	/* raw_tp programs and the oldest tracepoints */
};

/* Names of the BPF objects kept across a restart: COLL_KEEP_MAP followed
 * by a map's name, COLL_KEEP_LINK by a program's. */
#define COLL_KEEP_MAP		"bpf-map."
#define COLL_KEEP_LINK		"bpf-link."

/*
 * The BPF objects an earlier energyd left attached (its maps by name, the
 * links of its programs), and the tag of the object and options they came
 * from. Taken over whole by coll_init when the tag is its own, else left
 * alone. A taken fd is set to -1.
 */
struct coll_kept {
	__u64 tag;
	size_t n;
	const char **names;
	int *fds;
};

struct collector {
	struct energy_bpf *skel;
	struct pmu pmu;
	bool pmu_on;
	bool pinned;
	__u32 max_procs;
	struct energy_proc *slots;	/* the procs array, mmap()ed */
	const struct energy_pidns *pidns; /* procs_ns, parallel to slots */
	struct energy_pidx *pidx;	/* pidx, mmap()ed: nr_index entries */
	const struct energy_thread *threads; /* threads, mmap()ed */
	const __u64 *thread_live;	/* thread_live, mmap()ed */
	struct energy_slot_ring *rings;	/* slot_rings, mmap()ed: nr_cpus */
	struct ring_feed feed;		/* which ring a freed slot goes to */
	__u32 nr_index;			/* entries of pidx and threads */
	__u32 nr_cpus;			/* possible CPUs: of slot_rings */
	struct thread_gain *gain;	/* per slot, scratch for coll_read */
	const __u64 *next_slot;		/* slots [0, *next_slot) were used */
	int map_fd[CM_MAPS];
	struct map_ops ops;		/* libbpf's, on map_fd */
	bool fold_cpus;			/* the pass goes by the CPUs (6.2+) */
	struct bpf_link *fold_link;	/* the per-sample pass's iterator */
	struct slot_return ret;		/* cleared slots not handed back yet */
	__u64 tag;			/* of the object and the options */
	bool adopted;			/* runs on an earlier energyd's maps */
	int *kept_links;		/* ... and holds its links */
	char **kept_names;		/* ... stored under these names */
	size_t nkept_links;
};

/*
 * Load, seed, attach. With @kept of the same tag, load on its maps instead
 * and attach nothing but the sampler's iterator: the programs of @kept's
 * links go on counting, nothing is seeded again. Logs the cause and
 * returns -errno on failure, with everything undone.
 */
int coll_init(struct collector *c, const struct coll_opts *o,
	      struct coll_kept *kept);

/*
 * Call @fn for each BPF object a next energyd needs to take over: every
 * map (named COLL_KEEP_MAP + its name) and every attached program's link
 * (COLL_KEEP_LINK + the program's name). Stops at @fn's first nonzero
 * return, returned.
 */
int coll_for_each_kept(const struct collector *c,
		       int (*fn)(void *arg, const char *name, int fd),
		       void *arg);

/* Pin the maps under ENERGY_PIN_DIR, "cgroups" last (undone by
 * coll_fini). Logs the cause and returns -errno on failure. */
int coll_pin(struct collector *c);

/* Detach, unpin, free. */
void coll_fini(struct collector *c);

/* How many slots may be in use now. */
size_t coll_slots_used(const struct collector *c);

/* Start a new sample: processes that run from now on re-read their mem,
 * cgroup and comm. */
void coll_new_sample(struct collector *c);

/* Count the CPU time of the threads running now (the fold_cpus or the
 * fold_running iterator): 0 or -errno. */
int coll_fold_running(struct collector *c);

/* Copy every used slot into @t, and bring "slot_index" up to it
 * (slots_index()): 0, or -errno when an index entry could not be written
 * (tried again at the next call; the copy is whole all the same). */
int coll_read(struct collector *c, struct table *t);

/* Clear slots and hand them back to the BPF side for reuse
 * (slots_return()); one whose index delete or push fails is tried again at
 * the next call. New processes may then take slots again (the BPF side
 * stops trying once one allocation found none). 0, or the last -errno. */
int coll_free(struct collector *c, const struct table_freed *freed, size_t n);

/* Replace the per-cgroup totals (energy included) in the cgroups map,
 * every one that fits: 0, or the first -errno with the number that
 * failed in @failed. */
int coll_publish_cgroups(struct collector *c, const struct cgroup_total *ct,
			 long n, long *failed);

/* Delete the cgroups map's entries of the cgroups in @ids (removed ones):
 * 0, or the first -errno with the number that failed in @failed. */
int coll_unpublish_cgroups(struct collector *c, const __u64 *ids, size_t n,
			   long *failed);

/* Read the drop counters (enum energy_stat): all of them into @out, or
 * -errno and @out as it was. */
int coll_stats(struct collector *c, __u64 out[ENERGY_STAT_MAX]);

#endif /* ENERGY_COLLECTOR_H */
