/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The types shared by the BPF programs and user space.
 *
 * Everything here is plain data: __u32/__u64 and fixed-size arrays, no
 * pointers, no padding that the compilers could disagree on. The BPF side
 * includes this after vmlinux.h, user space after <linux/types.h>.
 */
#ifndef ENERGY_ABI_H
#define ENERGY_ABI_H

#define ENERGY_COMM_LEN		16
/* Directory under bpffs where the maps are pinned. */
#define ENERGY_PIN_DIR		"/sys/fs/bpf/energy"

/* A process: its thread-group id and the start time of its group leader
 * (CLOCK_MONOTONIC ns, task->start_time). A new process that reuses a pid
 * has another start time and so another key. */
struct energy_key {
	__u32 tgid;
	__u32 pad;
	__u64 start_ns;
};

/* Cumulative per-process counters, all only ever growing. */
struct energy_counters {
	__u64 cpu_ns;
	__u64 instructions;
	__u64 wakeups;
	__u64 disk_read_bytes;
	__u64 disk_write_bytes;
	__u64 rx_packets;
	__u64 tx_packets;
	__u64 rx_bytes;
	__u64 tx_bytes;
};

enum energy_proc_flags {
	ENERGY_F_KTHREAD	= 1 << 0,	/* a kernel thread */
	ENERGY_F_EXITED		= 1 << 1,	/* the last thread has exited */
	ENERGY_F_PIDNS		= 1 << 2,	/* procs_ns holds its pids */
};

/*
 * Value of the "procs" array, one slot per process. A slot is in use while
 * key.tgid is not 0; the BPF side fills a free slot and sets key.tgid last,
 * the daemon clears a slot before it hands it back ("slot_rings", else
 * "free_slots").
 * 128 bytes: what the programs touch most (key, refresh_gen, cpu_ns,
 * instructions, wakeups) shares the first cache line. cpu_ns and wakeups
 * leave out what live threads ran since their bases (struct
 * energy_thread): the daemon adds it.
 */
struct energy_proc {
	struct energy_key key;
	__u32 refresh_gen;	/* sample generation of the last mem refresh */
	__u32 flags;		/* enum energy_proc_flags */
	struct energy_counters c;
	__u64 mem_bytes;	/* resident set (anon + file + shmem) */
	__u64 cgroup_id;	/* cgroup2 id, refreshed once per sample */
	char comm[ENERGY_COMM_LEN];
};

/* Value of the "slot_index" and "slot_spill" hashes, keyed by struct
 * energy_key: the slot in "procs" of a process. "slot_index" holds every
 * tracked process, so a dump of it lists them without the free slots of
 * the array. */
struct energy_slot_ref {
	__u32 slot;
};

/*
 * Value of the "pidx" array, indexed by tgid modulo its size: the slot of
 * process (tgid, start_ns). start_ns 0: free; ENERGY_PIDX_BUSY: being
 * claimed. The BPF side claims an entry for a new process (or one whose
 * tgid is the entry's: that process is gone), the daemon frees it when it
 * hands the process's slot back.
 */
#define ENERGY_PIDX_BUSY	(~0ULL)
#define ENERGY_PIDX_NONE	0xffffffffU	/* slot: the process got none */

struct energy_pidx {
	__u64 start_ns;
	__u32 tgid;
	__u32 slot;		/* slot + 1; 0: none yet */
};

/*
 * Value of the "threads" array, indexed by pid modulo its size: one
 * thread's state, named by the address of its kernel stack and its stack
 * canary (stack 0: free; ENERGY_THREAD_BUSY: being filled or emptied).
 * runtime and nvcsw are the thread's se.sum_exec_runtime and voluntary
 * switches as last seen (at its switch-outs, and the per-sample pass);
 * what they gained since base_runtime and base_nvcsw is not in its
 * process's slot yet: the daemon adds it to what it reads there, and the
 * thread's final switch moves it into the slot before the entry is freed.
 * slot: the process's slot plus one (0: not known yet,
 * ENERGY_THREAD_NO_SLOT: the process got none). 64 bytes: one cache line.
 */
#define ENERGY_THREAD_BUSY	1ULL	/* no stack is at address 1 */
/* "thread_live": a bitmap of the threads entries, bit i % 64 of word
 * i / 64 set while entry i is live (filled, not emptied yet), so that the
 * daemon reads only those. */
#define ENERGY_THREAD_LIVE_BITS	64
#define ENERGY_THREAD_NO_SLOT	0xffffffffU

struct energy_thread {
	__u64 stack;
	__u64 canary;
	__u64 runtime;
	__u64 nvcsw;
	__u64 base_runtime;
	__u64 base_nvcsw;
	__u32 slot;
	__u32 pid;
	__u32 tgid;
	__u32 gen;		/* refresh_gen when it last looked at its slot */
};

#define ENERGY_PIDNS_LEVELS	4

/*
 * Value of the "procs_ns" array, parallel to "procs": the process's pid in
 * each pid namespace it belongs to, outermost first, with that namespace's
 * inode number (as stat() of /proc/PID/ns/pid shows it). Recorded when the
 * slot is filled, so it outlives the process; only for a process in a
 * namespace below the initial one (ENERGY_F_PIDNS): any other has one
 * level, its tgid in the initial namespace, whose inode number the kernel
 * fixes (PROC_PID_INIT_INO).
 */
#define ENERGY_PIDNS_INIT_INO	0xeffffffcU

struct energy_pidns {
	__u32 level;			/* innermost level, 0: initial namespace */
	__u32 nr[ENERGY_PIDNS_LEVELS];
	__u32 ns_ino[ENERGY_PIDNS_LEVELS];
	__u32 pad;
};

/*
 * Value of the "slot_rings" array, one per CPU: free slots that the daemon
 * handed back, for the processes forked on that CPU to take without a
 * lock. The daemon, the only writer of head, stores slot[head % size]
 * before it moves head on; a taker (that CPU's programs, or another
 * CPU's once none is left anywhere else) reads slot[tail % size] and moves
 * tail on by compare-and-swap. head - tail: the slots in the ring.
 */
#define ENERGY_SLOT_RING	1024	/* a power of two */

struct energy_slot_ring {
	__u64 head;
	__u64 tail;		/* one cache line: a fork reads both */
	__u64 pad[6];
	__u32 slot[ENERGY_SLOT_RING];
};

/* Value of the "cgroups" map, written by the daemon once per window: every
 * process that ever ran in the cgroup, exited ones included. */
struct energy_cgroup {
	struct energy_counters c;
	__u64 energy_uj;	/* attributed energy, microjoules */
	__u64 procs_alive;
	__u64 procs_exited;
};

/* Indexes into the "stats" array: events the BPF side had to drop. */
enum energy_stat {
	ENERGY_STAT_PROCS_FULL,		/* process not tracked: no free slot */
	ENERGY_STAT_REQS_FULL,		/* block request not tracked */
	ENERGY_STAT_TASK_STORAGE,	/* per-thread slot unavailable */
	ENERGY_STAT_PMU_READ,		/* bpf_perf_event_read_value failed */
	ENERGY_STAT_MAX,
};

/* Value of the per-CPU "pmu_last" array: the last reading on this CPU. */
struct energy_pmu_last {
	__u64 counter;
	__u64 enabled;
	__u64 running;
};

/* Slots of the "reqs" array: a power of two. */
#define ENERGY_REQ_SLOTS	16384

/* Value of the "reqs" array, indexed by a request's queue and tag: who
 * submitted the request at address @rq (0: free). */
struct energy_req {
	__u64 rq;
	struct energy_key key;
	__u32 slot;
	__u32 pad;
};

#endif /* ENERGY_ABI_H */
