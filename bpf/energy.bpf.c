// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyd's per-process counters.
 *
 * Every event has one static inline body; each tracepoint has a tp_btf
 * program and a raw_tp twin, and the daemon loads the one the running kernel
 * supports (bpf_program__set_autoload). Counters live in the "procs"
 * array, one slot per process (tgid, group leader start time), and only
 * ever grow; each thread finds its slot through task storage. The daemon
 * maps the array, copies it once per sample, and clears a slot only a
 * window after its process exited and was published.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "energy_abi.h"
#include "core_fixes.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the daemon before load. */
const volatile bool pmu_enabled = false;
const volatile __u64 page_size = 4096;
const volatile __u32 max_slots = 1;

/* Advanced by the daemon at every sample: a process whose refresh_gen
 * differs gets its mem, cgroup and comm re-read when it next runs. */
__u32 refresh_gen = 1;
/* Slots above this were never used; the daemon reads [0, next_slot). */
__u64 next_slot;
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

/* Process key -> slot, for the paths that have no trusted task pointer
 * and for threads that have no slot cached yet. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct energy_key);
	__type(value, __u32);
} slot_index SEC(".maps");

/* Slots the daemon has cleared for reuse. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 1);
	__type(value, __u32);
} free_slots SEC(".maps");

/* Per thread: its process's slot plus one (0: not known yet), and its
 * se.sum_exec_runtime when it was last switched out. */
struct task_state {
	__u32 slot;
	__u32 pad;
	__u64 last_runtime;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} task_states SEC(".maps");

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

/* Block requests in flight: struct request address -> submitter. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
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

static __always_inline void stat_inc(enum energy_stat s)
{
	__u32 k = s;
	__u64 *v = bpf_map_lookup_elem(&stats, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* The key of the process a task belongs to; usable from any program. */
static __always_inline void task_key(struct task_struct *t, struct energy_key *k)
{
	k->tgid = BPF_CORE_READ(t, tgid);
	k->pad = 0;
	k->start_ns = BPF_CORE_READ(t, group_leader, start_time);
}

/* mem, cgroup and comm: read at most once per sample and process. */
static __always_inline void proc_refresh(struct energy_proc *e,
					 struct task_struct *t, __u32 gen)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);

	e->refresh_gen = gen;
	if (mm)
		e->mem_bytes = mm_rss_pages(mm) * page_size;
	e->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm),
				  BPF_CORE_READ(t, group_leader, comm));
}

/* The pid of @t's process in each pid namespace, outermost first. */
static __always_inline void record_pidns(struct task_struct *t, __u32 slot)
{
	struct energy_pidns *n = bpf_map_lookup_elem(&procs_ns, &slot);
	struct pid *pid = BPF_CORE_READ(t, group_leader, thread_pid);
	__u32 level;

	if (!n || !pid)
		return;
	level = BPF_CORE_READ(pid, level);
	n->level = level;
	for (__u32 i = 0; i < ENERGY_PIDNS_LEVELS; i++) {
		if (i > level) {
			n->nr[i] = 0;
			n->ns_ino[i] = 0;
			continue;
		}
		n->nr[i] = BPF_CORE_READ(pid, numbers[i].nr);
		n->ns_ino[i] = BPF_CORE_READ(pid, numbers[i].ns, ns.inum);
	}
}

static __always_inline struct energy_proc *slot_entry(__u32 slot)
{
	return bpf_map_lookup_elem(&procs, &slot);
}

static __always_inline long slot_alloc(void)
{
	__u32 slot;
	__u64 n;

	if (!bpf_map_pop_elem(&free_slots, &slot))
		return slot;
	n = __sync_fetch_and_add(&next_slot, 1);
	if (n >= max_slots) {
		stat_inc(ENERGY_STAT_PROCS_FULL);
		return -1;
	}
	return n;
}

/*
 * The slot of the process of @t, found by its key or newly filled; -1 when
 * there is no free slot, or when the process is exiting (its final
 * switch-out must not re-create what the daemon may have removed).
 */
static __noinline long slot_of_task(struct task_struct *t)
{
	struct energy_proc *e;
	struct energy_key k;
	__u32 *found, slot;
	long s;

	task_key(t, &k);
	found = bpf_map_lookup_elem(&slot_index, &k);
	if (found)
		return *found;
	if (BPF_CORE_READ(t, flags) & ENERGY_PF_EXITING)
		return -1;
	s = slot_alloc();
	if (s < 0)
		return -1;
	slot = s;
	e = slot_entry(slot);
	if (!e)
		return -1;
	__builtin_memset(e, 0, sizeof(*e));
	if (BPF_CORE_READ(t, flags) & ENERGY_PF_KTHREAD)
		e->flags = ENERGY_F_KTHREAD;
	proc_refresh(e, t, refresh_gen);
	record_pidns(t, slot);
	e->key.start_ns = k.start_ns;
	/* The daemon reads the slot once key.tgid is set: set it last.
	 * BPF has no fence; stores are not reordered on x86 (TSO), and
	 * elsewhere a half-filled slot only shows zero counters. */
	asm volatile("" ::: "memory");
	e->key.tgid = k.tgid;
	if (bpf_map_update_elem(&slot_index, &k, &slot, BPF_NOEXIST)) {
		/* Another CPU filled a slot for this process first. */
		e->key.tgid = 0;
		bpf_map_push_elem(&free_slots, &slot, 0);
		found = bpf_map_lookup_elem(&slot_index, &k);
		return found ? *found : -1;
	}
	return slot;
}

/*
 * The state of thread @t (a trusted task pointer), created on first sight.
 * A thread older than the seed has had its runtime so far counted by the
 * seed (or, missed by it, is counted from now on); a younger one, first
 * seen without its fork (raw_tp has no trusted child), counts from zero.
 */
static __always_inline struct task_state *task_state_of(struct task_struct *t)
{
	struct task_state *ts;

	ts = bpf_task_storage_get(&task_states, t, 0, 0);
	if (ts)
		return ts;
	ts = bpf_task_storage_get(&task_states, t, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts) {
		stat_inc(ENERGY_STAT_TASK_STORAGE);
		return NULL;
	}
	ts->last_runtime = t->start_time > seed_ns ? 0 : t->se.sum_exec_runtime;
	return ts;
}

/*
 * The process entry of thread @t: the slot cached in its state, else found
 * by key (and cached). A live task's slot cannot be freed under it (the
 * daemon frees a slot a window after the last thread exited), so checking
 * the tgid is enough to catch a slot handed back after a lost race in
 * slot_of_task().
 */
static __always_inline struct energy_proc *proc_of(struct task_struct *t,
						   __u32 tgid,
						   struct task_state *ts)
{
	struct energy_proc *e;
	long s;

	if (ts->slot) {
		e = slot_entry(ts->slot - 1);
		if (e && e->key.tgid == tgid)
			return e;
	}
	s = slot_of_task(t);
	if (s < 0)
		return NULL;
	ts->slot = s + 1;
	return slot_entry(s);
}

/* The process entry of a trusted task pointer. */
static __always_inline struct energy_proc *proc_of_task(struct task_struct *t)
{
	struct task_state *ts = task_state_of(t);
	long s;


	if (ts)
		return proc_of(t, t->tgid, ts);
	s = slot_of_task(t);
	return s < 0 ? NULL : slot_entry(s);
}

/* The process entry of a task known only as an untrusted pointer. */
static __always_inline struct energy_proc *proc_of_untrusted(struct task_struct *t)
{
	long s = slot_of_task(t);

	return s < 0 ? NULL : slot_entry(s);
}

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
 * @prev is the outgoing task and still current: a trusted pointer. Its new
 * CPU time is what se.sum_exec_runtime (the runtime schedstat shows, which
 * the kernel has updated before this tracepoint) gained since its last
 * switch-out. The kernel's own prev_sum_exec_runtime is no substitute: it
 * is reset without a switch (autogroup moves at exit, renice, cgroup
 * moves).
 */
static __always_inline int on_switch(struct task_struct *prev, __u32 tgid,
				     __u64 runtime)
{
	struct task_state *ts;
	struct energy_proc *e;
	__u32 gen = refresh_gen;
	__u64 delta;

	ts = task_state_of(prev);
	if (!ts)
		return 0;
	delta = runtime - ts->last_runtime;
	ts->last_runtime = runtime;
	e = proc_of(prev, tgid, ts);
	if (!e)
		return 0;
	if (delta)
		__sync_fetch_and_add(&e->c.cpu_ns, delta);
	if (pmu_enabled) {
		__u64 insns = pmu_delta();

		if (insns)
			__sync_fetch_and_add(&e->c.instructions, insns);
	}
	if (e->refresh_gen != gen)
		proc_refresh(e, prev, gen);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev)
{
	if (!prev->pid)
		return 0;	/* the idle task is not a process */
	return on_switch(prev, prev->tgid, prev->se.sum_exec_runtime);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw, bool preempt, struct task_struct *prev)
{
	struct task_struct *t = bpf_get_current_task_btf();

	if (!t->pid)
		return 0;
	return on_switch(t, t->tgid, t->se.sum_exec_runtime);
}

static __always_inline void count_wakeup(struct energy_proc *e)
{
	if (e)
		__sync_fetch_and_add(&e->c.wakeups, 1);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup_btf, struct task_struct *p)
{
	count_wakeup(proc_of_task(p));
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(sched_wakeup_raw, struct task_struct *p)
{
	count_wakeup(proc_of_untrusted(p));
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new_btf, struct task_struct *p)
{
	count_wakeup(proc_of_task(p));
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new_raw, struct task_struct *p)
{
	count_wakeup(proc_of_untrusted(p));
	return 0;
}

/* A new process gets its slot at fork, so none of its CPU time or wakeups
 * is missed; a new thread gets its process's slot cached. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork_btf, struct task_struct *parent,
	     struct task_struct *child)
{
	proc_of_task(child);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(sched_process_fork_raw, struct task_struct *parent,
	     struct task_struct *child)
{
	proc_of_untrusted(child);
	return 0;
}

/* exec and exit run in the task itself: current is trusted. */
static __always_inline int on_exec(void)
{
	struct task_struct *p = bpf_get_current_task_btf();
	struct energy_proc *e = proc_of_task(p);

	if (e)
		bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), p->comm);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec_btf)
{
	return on_exec();
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(sched_process_exec_raw)
{
	return on_exec();
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
 * Block I/O: remember who submitted a request when it enters the block
 * layer (in the submitter's context), and account its bytes when the
 * device completes it, whoever runs then.
 */
static __always_inline int on_rq_submit(struct request *rq, __u64 flags)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct energy_proc *e;
	struct energy_req v;
	__u64 addr = (__u64)rq;
	long s;

	if (!t->pid)
		return 0;
	s = slot_of_task(t);
	if (s < 0)
		return 0;
	e = slot_entry(s);
	if (!e)
		return 0;
	v.key = e->key;
	v.slot = s;
	v.pad = 0;
	if (bpf_map_update_elem(&reqs, &addr, &v, flags) && flags != BPF_NOEXIST)
		stat_inc(ENERGY_STAT_REQS_FULL);
	return 0;
}

SEC("tp_btf/block_io_start")
int BPF_PROG(block_io_start_btf, struct request *rq)
{
	return on_rq_submit(rq, BPF_ANY);
}

SEC("raw_tp/block_io_start")
int BPF_PROG(block_io_start_raw, struct request *rq)
{
	return on_rq_submit(rq, BPF_ANY);
}

/* Older kernels: insert runs in the submitter's context when the request
 * goes through a scheduler; issue catches the direct dispatches, without
 * overwriting what insert recorded. */
SEC("tp_btf/block_rq_insert")
int BPF_PROG(block_rq_insert_btf, struct request *rq)
{
	return on_rq_submit(rq, BPF_ANY);
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(block_rq_insert_raw, struct request *rq)
{
	return on_rq_submit(rq, BPF_ANY);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(block_rq_issue_btf, struct request *rq)
{
	return on_rq_submit(rq, BPF_NOEXIST);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(block_rq_issue_raw, struct request *rq)
{
	return on_rq_submit(rq, BPF_NOEXIST);
}

static __always_inline int on_rq_complete(struct request *rq, int error,
					  unsigned int nr_bytes)
{
	__u64 addr = (__u64)rq;
	struct energy_req *v;
	struct energy_proc *e;
	unsigned int op, left;

	v = bpf_map_lookup_elem(&reqs, &addr);
	if (!v)
		return 0;
	op = BPF_CORE_READ(rq, cmd_flags) & ENERGY_REQ_OP_MASK;
	left = BPF_CORE_READ(rq, __data_len);
	e = slot_entry(v->slot);
	/* The slot may have been reused since the request was submitted. */
	if (e && !error && e->key.tgid == v->key.tgid &&
	    e->key.start_ns == v->key.start_ns) {
		if (op == ENERGY_REQ_OP_READ)
			__sync_fetch_and_add(&e->c.disk_read_bytes, nr_bytes);
		else if (op == ENERGY_REQ_OP_WRITE)
			__sync_fetch_and_add(&e->c.disk_write_bytes, nr_bytes);
	}
	/* A partial completion leaves the rest of the request in flight. */
	if (nr_bytes >= left)
		bpf_map_delete_elem(&reqs, &addr);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(block_rq_complete_btf, struct request *rq, int error,
	     unsigned int nr_bytes)
{
	return on_rq_complete(rq, error, nr_bytes);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(block_rq_complete_raw, struct request *rq, int error,
	     unsigned int nr_bytes)
{
	return on_rq_complete(rq, error, nr_bytes);
}

/* Network: packets and bytes in the context of the process that sends or
 * receives them. */
static __always_inline struct energy_proc *current_proc(void)
{
	struct task_struct *t = bpf_get_current_task_btf();

	if (!t->pid)
		return NULL;	/* softirq on an idle CPU */
	return proc_of_task(t);
}

static __always_inline int on_xmit(struct sk_buff *skb)
{
	struct energy_proc *e = current_proc();

	if (e) {
		__sync_fetch_and_add(&e->c.tx_packets, 1);
		__sync_fetch_and_add(&e->c.tx_bytes, BPF_CORE_READ(skb, len));
	}
	return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(net_dev_start_xmit_btf, struct sk_buff *skb)
{
	return on_xmit(skb);
}

SEC("raw_tp/net_dev_start_xmit")
int BPF_PROG(net_dev_start_xmit_raw, struct sk_buff *skb)
{
	return on_xmit(skb);
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(net_dev_queue_btf, struct sk_buff *skb)
{
	return on_xmit(skb);
}

SEC("raw_tp/net_dev_queue")
int BPF_PROG(net_dev_queue_raw, struct sk_buff *skb)
{
	return on_xmit(skb);
}

static __always_inline int on_recv(__u64 bytes)
{
	struct energy_proc *e = current_proc();

	if (e) {
		__sync_fetch_and_add(&e->c.rx_packets, 1);
		__sync_fetch_and_add(&e->c.rx_bytes, bytes);
	}
	return 0;
}

/* One successful recvmsg on an IPv4/IPv6 socket is one packet received. */
static __always_inline int on_sock_recv(struct sock *sk, int ret, int flags)
{
	__u16 family;

	if (ret <= 0 || (flags & ENERGY_MSG_PEEK))
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != ENERGY_AF_INET && family != ENERGY_AF_INET6)
		return 0;
	return on_recv(ret);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length_btf, struct sock *sk, int ret, int flags)
{
	return on_sock_recv(sk, ret, flags);
}

SEC("raw_tp/sock_recv_length")
int BPF_PROG(sock_recv_length_raw, struct sock *sk, int ret, int flags)
{
	return on_sock_recv(sk, ret, flags);
}

/* Older kernels: one skb copied to user space, IP packets only (unix
 * sockets copy through the same path). */
static __always_inline int on_skb_copy(struct sk_buff *skb, int len)
{
	__u16 proto = BPF_CORE_READ(skb, protocol);

	if (len <= 0 ||
	    (proto != ENERGY_ETH_P_IP_BE && proto != ENERGY_ETH_P_IPV6_BE))
		return 0;
	return on_recv(len);
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(skb_copy_datagram_iovec_btf, struct sk_buff *skb, int len)
{
	return on_skb_copy(skb, len);
}

SEC("raw_tp/skb_copy_datagram_iovec")
int BPF_PROG(skb_copy_datagram_iovec_raw, struct sk_buff *skb, int len)
{
	return on_skb_copy(skb, len);
}

/*
 * Run once by the daemon before the tracepoints are attached: an entry for
 * every process alive, with the CPU time it has used so far (live threads
 * plus the ones that already exited), so that cpu_ns matches the kernel's
 * accounting for processes older than the daemon too.
 */
SEC("iter/task")
int seed_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct energy_proc *e;
	__u64 ns;

	if (!t || !t->pid)
		return 0;
	/* The thread's state starts at its runtime so far: add that here,
	 * its switch-outs add the rest. */
	e = proc_of_task(t);
	if (!e)
		return 0;
	ns = t->se.sum_exec_runtime;
	if (t->pid == t->tgid)
		ns += t->signal->sum_sched_runtime;
	__sync_fetch_and_add(&e->c.cpu_ns, ns);
	return 0;
}
