// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyd's per-process counters.
 *
 * Every event has one static inline body; each tracepoint has a tp_btf
 * program and a raw_tp twin, and the daemon loads the one the running kernel
 * supports (bpf_program__set_autoload). Counters live in the "procs"
 * array, one slot per process (tgid, group leader start time), and only
 * ever grow; each thread finds its slot through its state (slots.bpf.h).
 * The daemon maps the array, copies it once per sample, and clears a slot
 * only a window after its process exited and was published.
 *
 * This file holds the scheduler's programs (CPU time, instructions,
 * wakeups, the process lifecycle) and the seed iterator; maps.bpf.h the
 * state, slots.bpf.h how a task finds its slot, block.bpf.h and
 * net.bpf.h the I/O programs. One object, one skeleton.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "energy_abi.h"
#include "core_fixes.bpf.h"
#include "kconst.bpf.h"
#include "maps.bpf.h"
#include "slots.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Instructions retired on this CPU since its previous switch, scaled for
 * multiplexing. */
static __always_inline __u64 pmu_delta(void)
{
	struct bpf_perf_event_value v;
	struct energy_pmu_last *last;
	__u32 zero = 0;
	__u64 dc, de, dr, first;

	last = bpf_map_lookup_elem(&pmu_last, &zero);
	if (!last)
		return 0;
	if (bpf_perf_event_read_value(&pmu, BPF_F_CURRENT_CPU, &v, sizeof(v))) {
		stat_inc(ENERGY_STAT_PMU_READ);
		return 0;
	}
	first = !last->enabled;
	dc = v.counter - last->counter;
	de = v.enabled - last->enabled;
	dr = v.running - last->running;
	last->counter = v.counter;
	last->enabled = v.enabled;
	last->running = v.running;
	if (first || !dr)
		return 0;
	if (de != dr)
		dc = dc * de / dr;
	return dc;
}

/*
 * Moves the runtime in state @ts forward to @runtime, once whoever moves
 * it: a switch-out on the thread's own CPU and the per-sample pass
 * (fold_running) on another may race, so it only moves forward, by
 * compare-and-swap. Returns the gain (for a state in task storage, what
 * goes into the slot). A switch-out of a thread whose state is its
 * threads entry stores its runtime plainly instead: the newest there is,
 * which the per-sample pass, by this, never takes back.
 */
static __always_inline __u64 runtime_take(struct energy_thread *ts,
					  __u64 runtime)
{
	__u64 old = ts->runtime;

	for (int i = 0; i < 4; i++) {
		__u64 seen;

		if (runtime <= old)
			return 0;
		seen = __sync_val_compare_and_swap(&ts->runtime, old, runtime);
		if (seen == old)
			return runtime - old;
		old = seen;
	}
	return 0;	/* others moved it on meanwhile: theirs to count */
}

/*
 * Records the CPU time of thread @t (a trusted pointer), se.sum_exec_runtime
 * (the runtime schedstat shows); at most once per sample, its process's
 * mem, cgroup and comm. The kernel's own prev_sum_exec_runtime is no
 * substitute: it is reset without a switch (autogroup moves at exit,
 * renice, cgroup moves).
 *
 * @switch_out: @t is leaving its CPU (sched_switch): its voluntary switches
 * (nvcsw, which the kernel has counted before the tracepoint) are recorded
 * too, as the process's wakeups, as getrusage() counts them: each is a
 * sleep that a wakeup ends, so no wakeup program has to run. A thread
 * other than the leader is folded into its process's count (signal->nvcsw)
 * when it is released, before its last switch: the kernel counts none of
 * its switches after that, nor does this.
 *
 * With its state in its threads entry, that is all a switch-out does, in
 * plain stores: only the thread's own switch-outs, one CPU at a time,
 * store there, and the daemon adds the gain to the process. In task
 * storage, the gain goes into the process's slot, by locked adds. Returns
 * the state.
 */
static __always_inline struct energy_thread *
count_runtime(struct task_struct *t, __u32 tgid, __u64 runtime,
	      bool switch_out)
{
	bool own_nv = switch_out && !(t->exit_state && t->pid != tgid);
	struct energy_thread *ts;
	struct energy_proc *e;
	__u32 gen = refresh_gen;
	__u64 delta, nv;

	ts = task_state_of(t);
	if (!ts)
		return NULL;
	if (thread_in_array(ts)) {
		if (switch_out)
			ts->runtime = runtime;
		else
			runtime_take(ts, runtime);
		if (own_nv)
			ts->nvcsw = t->nvcsw;
		if (ts->gen == gen && ts->slot)
			return ts;
		e = proc_of(t, tgid, ts);
		if (e && e->refresh_gen != gen)
			proc_refresh(e, t, gen, true);
		if (ts->slot)
			ts->gen = gen;
		return ts;
	}
	/* No process, no runtime taken: what a process without a slot for
	 * now ran is counted once it has one. */
	e = proc_of(t, tgid, ts);
	if (!e)
		return ts;
	delta = runtime_take(ts, runtime);
	if (delta)
		__sync_fetch_and_add(&e->c.cpu_ns, delta);
	nv = t->nvcsw;
	if (own_nv && nv != ts->nvcsw) {
		__sync_fetch_and_add(&e->c.wakeups, nv - ts->nvcsw);
		ts->nvcsw = nv;
	}
	if (e->refresh_gen != gen)
		proc_refresh(e, t, gen, true);
	return ts;
}

/* @prev is the outgoing task and still current; the kernel has updated its
 * runtime before this tracepoint. */
static __always_inline int on_switch(struct task_struct *prev, __u32 tgid,
				     __u64 runtime)
{
	struct energy_thread *ts = count_runtime(prev, tgid, runtime, true);
	struct energy_proc *e;
	__u64 insns;

	if (!pmu_enabled)
		return 0;
	insns = pmu_delta();
	if (!insns || !ts)
		return 0;
	e = proc_of(prev, tgid, ts);
	if (e)
		__sync_fetch_and_add(&e->c.instructions, insns);
	return 0;
}

/* The thread now switched in on this CPU (@tid, 0: idle), where the
 * per-sample pass goes by the CPUs (track_curr). */
static __always_inline void record_curr(__u32 tid)
{
	__u32 zero = 0;
	__u64 *c;

	if (!track_curr)
		return;
	c = bpf_map_lookup_elem(&cpu_curr, &zero);
	if (c)
		*c = tid;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	record_curr(next->pid);
	if (!prev->pid)
		return 0;	/* the idle task is not a process */
	on_switch(prev, prev->tgid, prev->se.sum_exec_runtime);
	if (prev->__state & ENERGY_TASK_DEAD)
		task_state_free(prev);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	struct task_struct *t = bpf_get_current_task_btf();

	if (track_curr)
		record_curr(BPF_CORE_READ(next, pid));
	if (!t->pid)
		return 0;
	on_switch(t, t->tgid, t->se.sum_exec_runtime);
	if (t->__state & ENERGY_TASK_DEAD)
		task_state_free(t);
	return 0;
}

/* A new process gets its slot at fork, so none of its CPU time or wakeups
 * is missed; a new thread gets its process's slot cached. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork_btf, struct task_struct *parent,
	     struct task_struct *child)
{
	proc_of_forked(parent, child);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(sched_process_fork_raw, struct task_struct *parent,
	     struct task_struct *child)
{
	proc_of_forked_untrusted(child);
	return 0;
}

/* exec and exit run in the task itself: current is trusted. @old_pid: the
 * pid before the exec (another, the leader's, for a non-leader thread). */
static __always_inline int on_exec(__u32 old_pid)
{
	struct task_struct *p = bpf_get_current_task_btf();
	struct energy_proc *e;

	task_state_moved(p, old_pid);
	e = proc_of_task(p);
	if (e)
		bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), p->comm);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec_btf, struct task_struct *p, pid_t old_pid)
{
	return on_exec(old_pid);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(sched_process_exec_raw, struct task_struct *p, pid_t old_pid)
{
	return on_exec(old_pid);
}

/* do_exit() has decremented signal->live before this tracepoint: zero
 * means the last thread of the process is leaving. */
static __always_inline int on_exit(void)
{
	struct task_struct *p = bpf_get_current_task_btf();
	struct energy_proc *e;

	if (p->signal->live.counter)
		return 0;
	e = proc_of_task(p);
	if (!e)
		return 0;
	e->flags |= ENERGY_F_EXITED;	/* the only writer after creation */
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit_btf)
{
	return on_exit();
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(sched_process_exit_raw)
{
	return on_exit();
}

/*
 * A move to another cgroup (cgroup.procs or cgroup.threads, a runtime
 * placing a container's first process): the process's slot follows at
 * once, running or asleep, so the next window shows it in its new group.
 * The tracepoint fires after the move, once per move; @task is the leader
 * for a whole process, else the one thread moved. Where it is missing, the
 * refresh when a process runs (proc_refresh) is all there is.
 */
static __always_inline void cgroup_moved(struct energy_proc *e,
					 struct task_struct *t)
{
	if (e)
		e->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(cgroup_attach_task_btf, struct cgroup *dst, const char *path,
	     struct task_struct *task)
{
	cgroup_moved(proc_of_task(task), task);
	return 0;
}

SEC("raw_tp/cgroup_attach_task")
int BPF_PROG(cgroup_attach_task_raw, struct cgroup *dst, const char *path,
	     struct task_struct *task)
{
	cgroup_moved(proc_of_untrusted(task), task);
	return 0;
}

#include "block.bpf.h"
#include "net.bpf.h"

/*
 * Run once by the daemon before the tracepoints are attached: an entry for
 * every process alive, with the CPU time and the voluntary switches of its
 * threads so far (live threads plus the ones that already exited), so that
 * cpu_ns and wakeups match the kernel's accounting for processes older
 * than the daemon too.
 */
SEC("iter/task")
int seed_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct energy_thread *ts;
	struct energy_proc *e;
	__u64 ns, nv;

	if (!t || !t->pid)
		return 0;
	/* The thread's state starts where this adds up to, its base (zero
	 * for a thread younger than the seed): what it runs on is its
	 * gain. A thread without state (ENERGY_STAT_TASK_STORAGE) is not
	 * counted at all. */
	ts = task_state_of(t);
	if (!ts)
		return 0;
	e = proc_of(t, t->tgid, ts);
	if (!e)
		return 0;
	ns = ts->base_runtime;
	nv = ts->base_nvcsw;
	if (t->pid == t->tgid) {
		ns += t->signal->sum_sched_runtime;
		nv += t->signal->nvcsw;
	}
	__sync_fetch_and_add(&e->c.cpu_ns, ns);
	__sync_fetch_and_add(&e->c.wakeups, nv);
	return 0;
}

/*
 * The per-sample pass, run by the daemon at every sample: every thread on a
 * CPU now has its runtime so far counted (as of the kernel's last update of
 * it, at most a tick old), so a thread that never switches out (alone on
 * its CPU, SCHED_FIFO, nohz_full) earns its CPU time in the sample it burns
 * it. Two ways of finding them follow.
 */
static __always_inline void fold_one(struct task_struct *t)
{
	/* An exiting thread is left to its final switch-out, which frees
	 * its state: nothing here may hold that state meanwhile. */
	if (t->flags & ENERGY_PF_EXITING)
		return;
	count_runtime(t, t->tgid, t->se.sum_exec_runtime, false);
}

/*
 * The pass over every thread, a task iterator program: run every sample
 * where the kernel cannot look a thread up by its pid from BPF (before
 * 6.2), else once, after the programs are attached, to record each CPU's
 * thread where no switch has recorded one yet (a thread on its CPU since
 * before then). Only a CPU's first record is taken from here: any switch
 * recorded since is newer than what this pass saw.
 */
SEC("iter/task")
int fold_running(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	__u32 zero = 0;
	__u64 *c;

	if (!t || !t->pid || !t->on_cpu)
		return 0;
	fold_one(t);
	if (!track_curr)
		return 0;
	c = bpf_map_lookup_percpu_elem(&cpu_curr, &zero, t->thread_info.cpu);
	if (c)
		__sync_val_compare_and_swap(c, 0, (__u64)t->pid);
	return 0;
}

extern struct task_struct *bpf_task_from_pid(s32 pid) __weak __ksym;
extern void bpf_task_release(struct task_struct *p) __weak __ksym;

/* fold_cpus' step: the thread CPU @cpu switched in last, if still on a CPU. */
static long fold_cpu(__u32 cpu, void *ctx)
{
	struct task_struct *t;
	__u32 zero = 0;
	__u64 *c;

	c = bpf_map_lookup_percpu_elem(&cpu_curr, &zero, cpu);
	if (!c || !*c)
		return 0;
	t = bpf_task_from_pid((s32)*c);
	if (!t)
		return 0;
	if (t->on_cpu)
		fold_one(t);
	bpf_task_release(t);
	return 0;
}

/*
 * The pass over the CPUs (Linux 6.2 and later): the thread each CPU
 * switched in last, looked up by its pid. A task iterator over one task
 * (the daemon's own), so that it runs once per read: each sample costs a
 * visit per CPU, not one per thread on the machine (the walk over every
 * thread cold in cache was most of the daemon's CPU, make bench).
 */
SEC("iter/task")
int fold_cpus(struct bpf_iter__task *ctx)
{
	if (ctx->task)
		bpf_loop(nr_cpus, fold_cpu, NULL, 0);
	return 0;
}
