/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The programs' shared state: settings the daemon sets before load, the
 * globals it reads and advances, and every map. Included once, by
 * energy.bpf.c.
 */
#ifndef ENERGY_MAPS_BPF_H
#define ENERGY_MAPS_BPF_H

/* Set by the daemon before load. */
const volatile bool pmu_enabled = false;
const volatile __u64 page_size = 4096;
const volatile __u32 max_slots = 1;
/* Whether sched_switch records each CPU's current thread (cpu_curr), for
 * the per-sample pass over the CPUs; how many CPUs it covers. */
const volatile bool track_curr = false;
const volatile __u32 nr_cpus = 1;
/* "threads" has thread_mask + 1 entries, "pidx" pidx_mask + 1. */
const volatile __u32 thread_mask = 0;
const volatile __u32 pidx_mask = 0;

/* Advanced by the daemon at every sample: a process whose refresh_gen
 * differs gets its mem, cgroup and comm re-read when it next runs. */
__u32 refresh_gen = 1;
/* Slots above this were never used; the daemon reads [0, next_slot). */
__u64 next_slot;
/* Set when an allocation found no free slot, cleared by the daemon once a
 * window, after it handed slots back: while set, a process without a slot
 * gets none at once. */
__u32 slots_exhausted;
/* About how many slots "free_slots" holds: raised by whoever pushes one,
 * after the push; lowered by whoever pops one. */
__s64 free_queued;
/* Set by the daemon just before the seed: tasks started later are new, and
 * all of their runtime is theirs to count. */
__u64 seed_ns;

/*
 * One slot per process, memory-mapped by the daemon. Sized before load
 * (bpf_map__set_max_entries, with max_slots). An array lookup is inlined
 * by the verifier, which keeps sched_switch close to an empty program.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct energy_proc);
} procs SEC(".maps");

/* Parallel to procs: the process's pids in its pid namespaces. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct energy_pidns);
} procs_ns SEC(".maps");

/*
 * Where a process's slot is found by its key (tgid, start): "pidx",
 * indexed by tgid modulo its size, an array (its lookup is inlined, where
 * a hash map's insert was a quarter of a fork, make bench); "slot_spill",
 * a hash, for a process whose pidx entry another process holds (only
 * where kernel.pid_max exceeds pidx's size). Mapped by the daemon, which
 * clears a process's entry when it hands its slot back.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct energy_pidx);
} pidx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* seldom used: no memory */
	__uint(max_entries, 1);
	__type(key, struct energy_key);
	__type(value, struct energy_slot_ref);
} slot_spill SEC(".maps");

/* Process key -> slot of every tracked process, written by the daemon once
 * per sample, never here: the index a person reads procs through
 * (bpftool), pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct energy_key);
	__type(value, struct energy_slot_ref);
} slot_index SEC(".maps");

/*
 * Slots the daemon has cleared for reuse: in the ring of a CPU (struct
 * energy_slot_ring, one per CPU, mapped by the daemon; taken without a
 * lock), else, where the rings are full, in the queue, which takes a lock
 * at every try, found empty or not: free_queued counts what it holds,
 * about, so that a fork does not try it for nothing.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct energy_slot_ring);
} slot_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 1);
	__type(value, __u32);
} free_slots SEC(".maps");

/*
 * Per thread: its state (struct energy_thread). In "threads", an array
 * indexed by pid (new threads' pids follow one another, so a fork finds
 * its entry in warm memory), mapped by the daemon, which adds what each
 * live entry's thread ran since its base to its process: a switch-out
 * then only stores the thread's runtime and voluntary switches in its own
 * entry, no locked instruction (make bench). An entry names its thread by
 * the address of its kernel stack and its stack canary (random, set once
 * at fork), with the pid it was filled for: no two live tasks share a
 * stack, and a task that gets a dead one's stack has another canary. An
 * exec by a non-leader thread gives it its leader's pid: its state moves
 * to that entry at the exec tracepoint (task_state_moved). A thread whose
 * entry a live thread of another pid holds (kernel.pid_max above the
 * array's size) has its state in task storage ("task_states"), whose
 * creation (two allocations from the BPF memory allocator) was most of a
 * fork's cost; there, the daemon cannot see it, and what it runs goes
 * into its process's slot at once (runtime and nvcsw: what was counted).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct energy_thread);
} threads SEC(".maps");

/* Which threads entries are live (ENERGY_THREAD_LIVE_BITS per word). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} thread_live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct energy_thread);
} task_states SEC(".maps");

/* Per CPU: the thread sched_switch last switched in (0: the idle task, or
 * none seen yet), so that the per-sample pass visits only the threads on a
 * CPU, not every thread on the machine. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);	/* 64 bits: compare-and-swap needs them */
} cpu_curr SEC(".maps");

/* Written by the daemon only, pinned so bpftool shows the totals. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct energy_cgroup);
} cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ENERGY_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Block requests in flight: who submitted each, in the slot its queue and
 * tag pick (block.bpf.h; an array lookup is inlined, a hash map's update
 * is what made block_io_start dear). Two requests in flight at once share
 * a slot only when two hardware queues' ranges overlap; the first is then
 * counted as not tracked. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ENERGY_REQ_SLOTS);
	__type(key, __u32);
	__type(value, struct energy_req);
} reqs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__type(key, int);
	__type(value, int);
} pmu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct energy_pmu_last);
} pmu_last SEC(".maps");

/* Per socket: the process it sends for, set where its packets are queued
 * in process context, read where they are queued in softirq. */
struct sock_owner {
	__u32 slot;
	__u32 tgid;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_owner);
} sock_owners SEC(".maps");

/* Per CPU: 1 while it serves softirqs (between softirq_entry and _exit). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} softirq_cpu SEC(".maps");

static __always_inline void stat_inc(enum energy_stat s)
{
	__u32 k = s;
	__u64 *v = bpf_map_lookup_elem(&stats, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
}

#endif /* ENERGY_MAPS_BPF_H */
