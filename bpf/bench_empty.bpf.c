// SPDX-License-Identifier: GPL-2.0-only
/*
 * Programs `make bench` loads next to energyd's: an empty sched_switch
 * program (the floor), and the two ways of keeping a shared counter that
 * the design chose between: an atomic add into a shared array slot, and a
 * plain add into a per-CPU array slot; and the two ways energyd finds a
 * thread's state, each with a plain add to it: its entry in an array
 * indexed by pid, checked to be its own (what energyd's switch does), and
 * its task storage (the fallback, and what the switch did before).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define SLOTS	4096

struct counter {
	__u64 v[16];	/* 128 bytes, as a process slot */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLOTS);
	__type(key, __u32);
	__type(value, struct counter);
} shared SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLOTS);
	__type(key, __u32);
	__type(value, struct counter);
} percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct counter);
} per_pid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct counter);
} per_task SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_empty, bool preempt, struct task_struct *prev)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_atomic, bool preempt, struct task_struct *prev)
{
	__u32 k = (__u32)prev->tgid & (SLOTS - 1);
	struct counter *c = bpf_map_lookup_elem(&shared, &k);

	if (c)
		__sync_fetch_and_add(&c->v[2], prev->se.sum_exec_runtime);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_percpu, bool preempt, struct task_struct *prev)
{
	__u32 k = (__u32)prev->tgid & (SLOTS - 1);
	struct counter *c = bpf_map_lookup_elem(&percpu, &k);

	if (c)
		c->v[2] += prev->se.sum_exec_runtime;
	return 0;
}

/* Task storage, as energyd finds a thread's state: the lookup alone, and
 * a plain add to what it finds. */
SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_storage, bool preempt, struct task_struct *prev)
{
	struct counter *c = bpf_task_storage_get(&per_task, prev, 0,
						 BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (c)
		c->v[2] += prev->se.sum_exec_runtime;
	return 0;
}

/* An array entry by pid, named by the task's stack and canary (as
 * energyd's "threads"), and a plain add to it. */
SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_array, bool preempt, struct task_struct *prev)
{
	__u32 k = (__u32)prev->pid & 65535;
	struct counter *c = bpf_map_lookup_elem(&per_pid, &k);

	if (!c)
		return 0;
	if (c->v[0] != (__u64)prev->stack || c->v[1] != prev->stack_canary) {
		c->v[0] = (__u64)prev->stack;
		c->v[1] = prev->stack_canary;
	}
	c->v[2] += prev->se.sum_exec_runtime;
	return 0;
}
