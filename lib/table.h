/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's process table: a copy, taken at each window boundary, of
 * the slots of the "procs" array, plus per-cgroup totals of the processes
 * that have left.
 *
 * Life of an exited process: the samples after its exit show it with
 * ENERGY_F_EXITED; the next window boundary publishes it (still listed,
 * alive=0); the boundary after that folds its counters into its cgroup's
 * totals and hands its slot back to the caller, who clears it for reuse.
 * Pure bookkeeping: no I/O, no libbpf.
 */
#ifndef ENERGY_TABLE_H
#define ENERGY_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "energy_abi.h"
#include "model.h"
#include "threads.h"

struct cgroup_total {
	__u64 id;
	struct energy_counters c;
	__u64 mem_bytes;	/* resident memory of its live processes */
	__u64 energy_uj;
	__u64 carbon_ng;	/* grams CO2e x 1e9 */
	__u64 procs_alive;
	__u64 procs_exited;
};

/* A slot the table let go, with the process that held it. */
struct table_freed {
	__u32 slot;
	struct energy_key key;
};

/* Cgroups the table holds totals of at most (the "cgroups" map's size). */
#define TABLE_CGROUPS	65536

/*
 * Pointer-free but for the arrays, which lie in one block after one
 * another: a table and its block may be kept in memory that outlives the
 * daemon (daemon/keep.c) and be taken up again by table_init_at().
 */
struct table {
	struct energy_proc *snap;	/* slots as of the last sample */
	/* per slot: the process and its CPU time and wakeups as the last
	 * sample showed them (table_add_gain()), for readers (shared_store) */
	struct counted_cpu *counted;
	size_t len;			/* slots [0, len) may be in use */
	size_t cap;
	__u64 *dead_window;		/* per slot: window that showed it exited */
	struct energy_key *dead_key;	/* ... and which process that was */
	__u64 sample;			/* samples taken */
	__u64 window;			/* windows passed */
	/* energy, per slot, for the process named in ekey */
	struct energy_key *ekey;
	struct energy_counters *last;	/* counters at the last window */
	__u64 *energy_uj;		/* cumulative, microjoules */
	__u64 *carry_pj;		/* model mode: sub-microjoule rest */
	__u64 *carbon_uj;		/* energy_uj at the last carbon */
	__u64 *carbon_ng;		/* cumulative, ng CO2e */
	__u64 *carbon_rem;		/* what is below a ng (carbon_ng()) */
	struct table_carbon {
		__u64 node_ng, idle_ng;	/* the node's, and of which idle */
		__u64 node_rem, idle_rem;
	} carbon;
	__u64 *scores;			/* scratch, pJ */
	bool primed;			/* the first window has been seen */
	struct model_record last_window; /* machine-wide increase in the
					  * window so far, for --record */
	/* per slot: the cgroup the process is counted in, and its counters,
	 * energy and carbon when it joined it (for the process in cg_key) */
	struct energy_key *cg_key;
	__u64 *cg_id;
	struct energy_counters *cg_base;
	__u64 *cg_base_uj, *cg_base_ng;
	/* ... and as the last sample saw them */
	struct energy_counters *cg_prev;
	__u64 *cg_prev_uj, *cg_prev_ng;
	/* per cgroup: exited processes folded, and what processes that
	 * moved away did while they were in it */
	struct cgroup_total *folded;
	/* every exited process folded, whole, all cgroups */
	struct energy_counters exited_c;
	__u64 exited_uj, exited_ng;
	size_t folded_len, folded_cap;
	void *mem;			/* the block, when table_init made it */
};

/* Whether a slot holds a process. */
static inline bool proc_used(const struct energy_proc *p)
{
	return p->key.tgid != 0;
}

/* Set up an empty table of @cap slots. Returns 0 or -ENOMEM. */
int table_init(struct table *t, size_t cap);

/* The bytes of the block of a table of @cap slots. */
size_t table_bytes(size_t cap);

/*
 * Set up @t of @cap slots on @mem, table_bytes(@cap) zeroed bytes, or, when
 * @kept, take up the table that @t and @mem already hold, its arrays
 * pointed at @mem. Returns 0, or -EINVAL when a kept table is not one of
 * @cap slots (nothing changed).
 */
int table_init_at(struct table *t, size_t cap, void *mem, bool kept);

/* Free what table_init made; a table on memory of its caller's
 * (table_init_at) is left as it is. */
void table_fini(struct table *t);

/* Take a sample: copy slots [0, @n) of @live (n is capped to cap). */
void table_sample(struct table *t, const struct energy_proc *live, size_t n);

/*
 * Complete a sample: add to each process what its live threads ran that
 * its slot does not hold yet (@gain, per slot; NULL: nothing), and keep the
 * result in counted. A process's CPU time and wakeups never show less than
 * at the sample before: a thread that exits while a sample is taken is
 * missing from it for that sample (threads_gain()).
 */
void table_add_gain(struct table *t, const struct thread_gain *gain);

/*
 * A window boundary. A process that moved to another cgroup leaves what it
 * did so far in the old one's totals. Exited processes published at an
 * earlier boundary are folded into their cgroup's totals, dropped from the table and written to
 * @freed (up to @max; the rest wait for the next boundary); exited processes
 * not yet published are marked published. Returns the number written.
 */
size_t table_window(struct table *t, struct table_freed *freed, size_t max);

/* Call at every sample, after its energy: a process that moved to another
 * cgroup leaves what it did up to the last sample in the old one's totals
 * (what it did since, the move somewhere in it, goes to the new one);
 * table_window() does the same at its boundary. */
void table_follow_cgroups(struct table *t);

/* The energy of slot @i if it still belongs to @key, else 0. */
__u64 table_energy_of(const struct table *t, size_t i,
		      const struct energy_key *key);

/*
 * Attribute a window's energy, or a sample's (@in), over the processes of
 * the last sample, scored with @weights on what they did since the last
 * call; processes alive at the first call start from there. @ncpus sizes
 * the low-activity test (under 2 % of the CPUs busy). Adds to last_window
 * (the caller clears it at each window boundary). Returns the idle energy
 * in µJ.
 */
__u64 table_energy_window(struct table *t, struct attrib *a,
			  struct attrib_in *in, const __u64 weights[M_METRICS],
			  int ncpus);

/*
 * The carbon of a sample, after its energy: each process's energy since
 * the last call, the node's @node_uj and its @idle_uj, at the sample's
 * intensity @ug_per_kwh (µg/kWh). Per sample, as the energy, so that the
 * grams of what a process did before it changed cgroup stay with the
 * joules in the old cgroup's totals.
 */
void table_carbon_sample(struct table *t, __u64 ug_per_kwh, __u64 node_uj,
			 __u64 idle_uj);

/* The carbon of the process in slot @i if it is @key, else 0. */
__u64 table_carbon_of(const struct table *t, size_t i,
		      const struct energy_key *key);

/*
 * Totals per cgroup: every process listed plus everything folded. Writes a
 * newly allocated array to @out (caller frees) and returns its length, or
 * -ENOMEM.
 */
long table_cgroup_totals(const struct table *t, struct cgroup_total **out);

/*
 * Forget the cgroups that were removed: those no process in the table is
 * in or counted in any more, for which @gone(@ctx, id) says so. Their
 * totals leave the per-cgroup figures; the node's (exited_c, exited_uj,
 * exited_ng) keep what their processes did. Writes their ids to a newly
 * allocated array in @out (caller frees) and returns how many, or -ENOMEM
 * with nothing changed.
 */
long table_prune_cgroups(struct table *t, bool (*gone)(void *ctx, __u64 id),
			 void *ctx, __u64 **out);

/* Add @src to @dst, counter by counter. */
void counters_add(struct energy_counters *dst,
		  const struct energy_counters *src);

#endif /* ENERGY_TABLE_H */
