/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What energyctl reads from the mount, parsed: the "key=value" lines of sys
 * and the JSON of all.json and cgroup.json as one snapshot, and the power
 * between two snapshots. Pure: the text comes in, no I/O.
 */
#ifndef ENERGY_CTL_SNAP_H
#define ENERGY_CTL_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* The value of line "@key=..." of @text, up to its newline, copied into
 * @buf. 0, or -ENOENT when there is none, -ENOSPC when it does not fit. */
int snap_kv(const char *text, const char *key, char *buf, size_t len);

/* As snap_kv, a decimal unsigned number. 0, -ENOENT or -EINVAL. */
int snap_kv_u64(const char *text, const char *key, __u64 *v);

/* The counters of a process, a cgroup or the machine. */
struct snap_counters {
	__u64 energy_uj, cpu_ns, mem_bytes, instructions, wakeups;
	__u64 disk_read_bytes, disk_write_bytes, net_rx_packets, net_tx_packets;
};

struct snap_proc {
	int pid;
	__u64 start_ns;
	char comm[64];		/* UTF-8, as the JSON has it */
	bool alive, kernel;
	__u64 cgroup_id;
	struct snap_counters c;
};

struct snap_cgroup {
	__u64 id;
	char path[256];		/* "" when unknown */
	char container[80];	/* "runtime:id12", "pod:uid", or "" */
	__u64 procs_alive, procs_exited;
	__u64 window_uj;	/* its energy in the last window */
	struct snap_counters c;
};

struct snap {
	bool host;		/* from all.json; else from cgroup.json */
	__u64 timestamp_ns;	/* all.json's; cgroup.json: the window's time */
	__u64 iterations, sample_ns, window_ns;
	/* all.json's energy object */
	char source[16], basis[16];
	bool measured;
	__u64 idle_mw, total_uj, idle_uj, processes_uj, exited_uj;
	__u64 rapl_uj[5];	/* pkg, core, uncore, dram, psys */
	bool rapl_has[5];
	struct snap_counters system;
	/* the last window boundary; win_uj: the machine's energy in it, in
	 * cgroup.json the reader's cgroup's */
	bool have_window;
	__u64 win_time_ns, win_len_ns, win_uj;
	/* cgroup.json: the reader's cgroup (have_own false before a window) */
	bool have_own;
	struct snap_cgroup own;
	/* cgroup.json: the processes of other users, summed (others: 0 none) */
	__u64 others;
	struct snap_counters others_c;
	struct snap_proc *procs;
	size_t nprocs;
	struct snap_cgroup *cgroups;
	size_t ncgroups;
};

/* The RAPL domain names, in snap.rapl_uj order. */
extern const char *const snap_rapl_names[5];

/*
 * Parse all.json (@host true) or cgroup.json text into @s (to be freed
 * with snap_free). 0, or -EINVAL with the reason in @why (not JSON, a
 * member missing or of the wrong type, a schema other than all.json's 1
 * or cgroup.json's 2).
 */
int snap_parse(const char *text, bool host, struct snap *s, char *why,
	       size_t why_len);

/* Free what @s holds and zero it. */
void snap_free(struct snap *s);

/* The measured energy counter of @s in µJ (RAPL of its basis: psys,
 * pkg+dram or pkg), for the energy between two reads. false when energy
 * is not measured there. */
bool snap_measured_uj(const struct snap *s, __u64 *uj);

struct model_record;

/*
 * The record energyd --record writes, between two all.json snapshots: the
 * time between their renders, the measured energy (snap_measured_uj) and
 * the machine's metric increases, memory as the later resident set times
 * that time. 0, or -EINVAL when either is unmeasured or @cur is not
 * later, -ERANGE when a counter went back (a daemon restart).
 */
int snap_record(const struct snap *prev, const struct snap *cur,
		struct model_record *r);

/* Power in mW of energy @uj over @ns, 0 when @ns is 0. */
__u64 snap_mw(__u64 uj, __u64 ns);

#endif /* ENERGY_CTL_SNAP_H */
