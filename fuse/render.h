/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The text of the /run/energy files, rendered into a per-open buffer.
 * Pure: the caller passes the rows, the window snapshot and the state.
 */
#ifndef ENERGY_RENDER_H
#define ENERGY_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "energy_abi.h"
#include "rbuf.h"
#include "domain.h"
#include "view.h"

/* The header lines of all and sys. */
struct render_head {
	__u64 timestamp_ns;	/* CLOCK_MONOTONIC, as the original's ktime */
	__u64 iterations;	/* samples taken */
	__u64 sample_ns;
	__u64 window_ns;
	unsigned int rapl_domains;	/* bit per enum rapl_domain measured */
	__u64 rapl_uj[RAPL_DOMAINS];
};

/* Energy per slot, valid for the process named in key[i]. */
struct render_energy {
	const __u64 *uj;
	const __u64 *ng;	/* carbon per slot; NULL: none */
	const struct energy_key *key;
	const struct counted_cpu *counted; /* CPU time, wakeups; NULL: none */
	__u64 total_uj;		/* the machine's, for the *system* line */
	/* Measured energy only (else all 0, not shown): of total_uj, idle,
	 * the carry not handed out yet, and what exited processes folded
	 * away had; the process lines hold the rest. */
	bool measured;
	__u64 idle_uj, carry_uj, exited_uj;
};

/* The machine-wide totals into @sys: counters summed over @n slots (CPU
 * time and wakeups as @counted has them, per slot, where not NULL) plus
 * @exited (processes folded away), mem of the live ones; comm *system*. */
void render_system_sum(struct energy_proc *sys, const struct energy_proc *slots,
		       size_t n, const struct energy_counters *exited,
		       const struct counted_cpu *counted);

/* The machine-wide "*system*" line: pid=0, energy @en->total_uj, counters
 * summed over @n slots (render_system_sum(), with @en->counted) plus
 * @exited, mem of the live ones. */
void render_system_line(struct rbuf *b, const struct energy_proc *slots,
			size_t n, const struct energy_counters *exited,
			const struct render_energy *en);

/* The header lines: timestamp=, iterations=, sample_ns=, window_ns=, then
 * rapl_<domain>_sum_uj= for each domain measured. */
void render_head(struct rbuf *b, const struct render_head *h);

/* "all": header, with measured energy the split lines (idle_uj=,
 * carry_uj=, exited_uj=), the *system* line, one line per used slot. */
void render_all(struct rbuf *b, const struct render_head *h,
		const struct energy_proc *slots, size_t n,
		const struct energy_counters *exited,
		const struct render_energy *en);

/*
 * The pid a process has in the pid namespace with inode @ns_ino; 0 when it
 * is not a member of that namespace.
 */
__u32 render_pid_in_ns(const struct energy_pidns *ns, __u32 ns_ino);

/*
 * Which processes a reader of cgroup may see one by one: @may_see(@arg,
 * @e) true for those; the others are summed into one line. NULL: all.
 */
struct render_filter {
	bool (*may_see)(void *arg, const struct window_entry *e);
	void *arg;
};

/* The processes summed into the "*others*" line of a cgroup file. */
struct render_others {
	struct energy_proc rec;		/* counters summed, comm "*others*" */
	__u64 energy_uj, carbon_ng;
	size_t n;
};

/* Add @e to @o. */
void render_others_add(struct render_others *o, const struct window_entry *e);

/*
 * What a reader of cgroup @cgroup_id in pid namespace @ns_ino may see of
 * the window @w, in its order: @one(@arg, pid, e) for each process @f
 * lets it see (pid as that namespace has it), those @f hides summed into
 * @o; processes outside the namespace left out. @w may be NULL.
 */
void render_cgroup_walk(const struct window_snap *w, __u64 cgroup_id,
			__u32 ns_ino, const struct render_filter *f,
			struct render_others *o,
			void (*one)(void *arg, __u32 pid, const struct window_entry *e),
			void *arg);

/*
 * "cgroup": the processes of cgroup @cgroup_id in the window @w, with the
 * pids they have in the pid namespace @ns_ino; processes outside it are
 * left out. Each line carries window_time= before comm. The processes
 * @f leaves out are summed in a last line, pid=0 comm=*others*.
 */
void render_cgroup(struct rbuf *b, const struct window_snap *w,
		   __u64 cgroup_id, __u32 ns_ino, const struct render_filter *f);

#endif /* ENERGY_RENDER_H */
