/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How a task finds its process's slot: the process key, the thread's state
 * (in the "threads" array, else task storage) that caches the slot, the
 * process index ("pidx", else the spill) where a slot is found or filled,
 * and the per-sample refresh of mem, cgroup and comm.
 * Included once, by energy.bpf.c.
 */
#ifndef ENERGY_SLOTS_BPF_H
#define ENERGY_SLOTS_BPF_H

/*
 * Every function here that reads through a task pointer takes @trusted:
 * true where it is a BTF pointer the verifier lets the program load from
 * (a tp_btf argument, current, an iterator's task), so the reads are
 * plain loads; false for a raw_tp argument, read with probe reads (a
 * helper call each, what made a fork dear). It is a constant at every
 * call: only one branch is compiled.
 */

/* The key of the process a task belongs to; usable from any program. */
static __always_inline void task_key(struct task_struct *t, struct energy_key *k,
				     bool trusted)
{
	k->tgid = trusted ? t->tgid : BPF_CORE_READ(t, tgid);
	k->pad = 0;
	k->start_ns = trusted ? t->group_leader->start_time :
				BPF_CORE_READ(t, group_leader, start_time);
}

/*
 * Copies a task's comm (zero-padded by the kernel, set_task_comm()) from a
 * BTF pointer the verifier lets the program load from: two plain loads,
 * where a probe read is a helper call.
 */
static __always_inline void comm_copy(char *dst, const char *comm)
{
	_Static_assert(ENERGY_COMM_LEN == 2 * sizeof(__u64), "comm is 16 bytes");
	((__u64 *)dst)[0] = ((const __u64 *)comm)[0];
	((__u64 *)dst)[1] = ((const __u64 *)comm)[1];
}

/* mem, cgroup and comm: read at most once per sample and process. */
static __always_inline void proc_refresh(struct energy_proc *e,
					 struct task_struct *t, __u32 gen,
					 bool trusted)
{
	struct mm_struct *mm = trusted ? t->mm : BPF_CORE_READ(t, mm);

	e->refresh_gen = gen;
	if (mm)
		e->mem_bytes = mm_rss_pages(mm, trusted) * page_size;
	e->cgroup_id = trusted ? t->cgroups->dfl_cgrp->kn->id :
				 BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	if (trusted)
		comm_copy(e->comm, t->group_leader->comm);
	else
		bpf_probe_read_kernel_str(e->comm, sizeof(e->comm),
					  BPF_CORE_READ(t, group_leader, comm));
}

/*
 * The pid of @t's process in each pid namespace, outermost first, for a
 * process in a namespace below the initial one (ENERGY_F_PIDNS in @e's
 * flags); one in the initial namespace alone, most of them, has its pid
 * there, its tgid, and leaves procs_ns as it was. Plain loads from a
 * trusted task (the verifier allows a load from the flexible
 * pid->numbers[]), else probe reads.
 */
static __always_inline void record_pidns(struct task_struct *t, __u32 slot,
					 struct energy_proc *e, bool trusted)
{
	struct pid *pid = trusted ? t->group_leader->thread_pid :
				    BPF_CORE_READ(t, group_leader, thread_pid);
	struct energy_pidns *n;
	__u32 level;

	if (!pid)
		return;
	level = trusted ? pid->level : BPF_CORE_READ(pid, level);
	if (!level)
		return;
	n = bpf_map_lookup_elem(&procs_ns, &slot);
	if (!n)
		return;
	n->level = level;
#pragma unroll
	for (__u32 i = 0; i < ENERGY_PIDNS_LEVELS; i++) {
		if (i > level) {
			n->nr[i] = 0;
			n->ns_ino[i] = 0;
		} else if (trusted) {
			n->nr[i] = pid->numbers[i].nr;
			n->ns_ino[i] = pid->numbers[i].ns->ns.inum;
		} else {
			n->nr[i] = BPF_CORE_READ(pid, numbers[i].nr);
			n->ns_ino[i] = BPF_CORE_READ(pid, numbers[i].ns,
						     ns.inum);
		}
	}
	e->flags |= ENERGY_F_PIDNS;
}

static __always_inline struct energy_proc *slot_entry(__u32 slot)
{
	return bpf_map_lookup_elem(&procs, &slot);
}

/*
 * What slot_find() and slot_new() return besides a slot: SLOT_FULL, the
 * process has none for good (no free slot); SLOT_LATER, none for now
 * (exiting, or another CPU is indexing it); SLOT_MISSING (slot_find() only),
 * the process is not indexed yet.
 */
#define SLOT_LATER	(-1)
#define SLOT_FULL	(-2)
#define SLOT_MISSING	(-3)

/*
 * A slot from the ring of CPU @cpu, or -1 when it has none: the one at
 * tail, once the compare-and-swap that moves tail on shows no other taker
 * (a program that interrupted this one, another CPU's) moved it first.
 * head is read before the slot it covers: the daemon stores the slot
 * before it moves head on (x86 keeps loads in order; BPF has no fence).
 */
static __always_inline long ring_take(__u32 cpu)
{
	struct energy_slot_ring *r = bpf_map_lookup_elem(&slot_rings, &cpu);
	__u64 head, tail;
	__u32 slot;

	if (!r)
		return -1;
	for (int i = 0; i < 2; i++) {
		tail = *(volatile __u64 *)&r->tail;
		head = *(volatile __u64 *)&r->head;
		if (tail == head)
			return -1;
		asm volatile("" ::: "memory");
		slot = r->slot[tail & (ENERGY_SLOT_RING - 1)];
		if (__sync_val_compare_and_swap(&r->tail, tail, tail + 1) ==
		    tail)
			return slot;
	}
	return -1;
}

/* A slot popped from "free_slots", or -1. */
static __always_inline long queue_take(void)
{
	__u32 slot;

	if (bpf_map_pop_elem(&free_slots, &slot))
		return -1;
	__sync_fetch_and_add(&free_queued, -1);
	return slot;
}

struct ring_steal {
	long slot;
};

/* bpf_loop() callback: a slot from ring @i into @ctx, which stops it. */
static long ring_steal_one(__u32 i, void *ctx)
{
	struct ring_steal *st = ctx;

	st->slot = ring_take(i);
	return st->slot >= 0;
}

/*
 * A free slot, or SLOT_FULL: this CPU's ring first, then the queue where
 * it holds any, then a slot never used; once all are used, the queue
 * however empty it looked and the other CPUs' rings. Once one allocation
 * has found none, the others return at once (slots_exhausted) instead of
 * each trying all of these, until the daemon hands slots back.
 */
static __always_inline long slot_alloc(void)
{
	struct ring_steal st = { .slot = -1 };
	long s;
	__u64 n;

	if (slots_exhausted)
		return SLOT_FULL;
	s = ring_take(bpf_get_smp_processor_id());
	if (s >= 0)
		return s;
	if (free_queued > 0) {
		s = queue_take();
		if (s >= 0)
			return s;
	}
	n = __sync_fetch_and_add(&next_slot, 1);
	if (n < max_slots)
		return n;
	s = queue_take();
	if (s >= 0)
		return s;
	bpf_loop(nr_cpus, ring_steal_one, &st, 0);
	if (st.slot >= 0)
		return st.slot;
	slots_exhausted = 1;
	return SLOT_FULL;
}

/* The pidx entry of @k's tgid. */
static __always_inline struct energy_pidx *pidx_entry(const struct energy_key *k)
{
	__u32 i = k->tgid & pidx_mask;

	return bpf_map_lookup_elem(&pidx, &i);
}

/*
 * The slot of the process of @t by its key (set in @k), or SLOT_FULL,
 * SLOT_LATER, SLOT_MISSING. Its pidx entry first, then the spill. A pidx
 * entry shows a key only once its slot is set, and keeps it while the
 * process lives; a spill entry the daemon deletes can have its slot
 * reused by another process while it is read here: its slot counts only
 * when it holds the key looked up.
 */
static __always_inline long slot_find(struct task_struct *t,
				      struct energy_key *k, bool trusted)
{
	struct energy_slot_ref *found;
	struct energy_pidx *x;
	struct energy_proc *e;
	__u64 start;
	__u32 slot;

	task_key(t, k, trusted);
	x = pidx_entry(k);
	if (!x)
		return SLOT_LATER;
	start = x->start_ns;
	if (start == ENERGY_PIDX_BUSY && x->tgid == k->tgid)
		return SLOT_LATER;
	if (start == k->start_ns && x->tgid == k->tgid) {
		slot = x->slot;
		if (slot == ENERGY_PIDX_NONE)
			return SLOT_FULL;
		return slot ? (long)slot - 1 : SLOT_LATER;
	}
	/* Not in its pidx entry: in the spill, if anywhere (the entry may
	 * have been freed since the process was spilled). */
	found = bpf_map_lookup_elem(&slot_spill, k);
	if (!found)
		return SLOT_MISSING;
	slot = found->slot;
	e = slot_entry(slot);
	if (!e || e->key.tgid != k->tgid || e->key.start_ns != k->start_ns)
		return SLOT_MISSING;
	return slot;
}

/*
 * A new slot for the process of @t, key @k (SLOT_FULL when none is free,
 * SLOT_LATER when the process is exiting, whose final switch-out must not
 * re-create what the daemon may have removed, or when another CPU is
 * indexing it), indexed in its pidx entry where that is free or held by
 * a process of its tgid (which is gone: a tgid names one live process),
 * else in the spill. A pidx entry is claimed (ENERGY_PIDX_BUSY) before the
 * slot is taken and shows the key only once the slot is set: no other CPU
 * fills a second slot for the process meanwhile.
 */
static __always_inline long slot_fill(struct task_struct *t,
				      struct energy_key *k, bool trusted)
{
	struct energy_slot_ref *found, ref;
	struct energy_pidx *x;
	struct energy_proc *e;
	__u32 slot, flags;
	__u64 old;
	long s;

	if (slots_exhausted)
		return SLOT_FULL;
	flags = trusted ? t->flags : BPF_CORE_READ(t, flags);
	if (flags & ENERGY_PF_EXITING)
		return SLOT_LATER;
	x = pidx_entry(k);
	if (!x)
		return SLOT_LATER;
	old = x->start_ns;
	if (old == ENERGY_PIDX_BUSY)
		return SLOT_LATER;
	if (old && x->tgid != k->tgid) {
		x = NULL;	/* another process's: the spill */
	} else {
		if (old == k->start_ns)
			return SLOT_LATER;	/* indexed meanwhile */
		if (__sync_val_compare_and_swap(&x->start_ns, old,
						ENERGY_PIDX_BUSY) != old)
			return SLOT_LATER;
		x->tgid = k->tgid;
	}
	s = slot_alloc();
	if (s >= 0) {
		slot = s;
		e = slot_entry(slot);
		if (!e)
			s = SLOT_LATER;
	}
	if (s < 0) {
		if (x) {
			x->slot = s == SLOT_FULL ? ENERGY_PIDX_NONE : 0;
			asm volatile("" ::: "memory");
			x->start_ns = s == SLOT_FULL ? k->start_ns : 0;
		}
		return s;
	}
	__builtin_memset(e, 0, sizeof(*e));
	if (flags & ENERGY_PF_KTHREAD)
		e->flags = ENERGY_F_KTHREAD;
	proc_refresh(e, t, refresh_gen, trusted);
	record_pidns(t, slot, e, trusted);
	e->key.start_ns = k->start_ns;
	/* The daemon reads the slot once key.tgid is set: set it last.
	 * BPF has no fence; stores are not reordered on x86 (TSO), and
	 * elsewhere a half-filled slot only shows zero counters. */
	asm volatile("" ::: "memory");
	e->key.tgid = k->tgid;
	if (x) {
		x->slot = slot + 1;
		asm volatile("" ::: "memory");
		x->start_ns = k->start_ns;
		return slot;
	}
	ref.slot = slot;
	if (bpf_map_update_elem(&slot_spill, k, &ref, BPF_NOEXIST)) {
		/* Another CPU filled a slot for this process first. */
		e->key.tgid = 0;
		if (!bpf_map_push_elem(&free_slots, &slot, 0))
			__sync_fetch_and_add(&free_queued, 1);
		found = bpf_map_lookup_elem(&slot_spill, k);
		return found ? (long)found->slot : SLOT_LATER;
	}
	return slot;
}

/* slot_fill() out of line, once for each kind of pointer. */
static __noinline long slot_new(struct task_struct *t, struct energy_key *k)
{
	return slot_fill(t, k, true);
}

static __noinline long slot_new_untrusted(struct task_struct *t,
					  struct energy_key *k)
{
	return slot_fill(t, k, false);
}

/*
 * The slot of the process of @t, found by its key or newly filled; < 0
 * when it has none (SLOT_FULL: none was free). For pointers without a
 * thread state: nothing marks the task or counts the drop here.
 */
static __always_inline long slot_of_task(struct task_struct *t, bool trusted)
{
	struct energy_key k;
	long s = slot_find(t, &k, trusted);

	if (s != SLOT_MISSING)
		return s;
	return trusted ? slot_new(t, &k) : slot_new_untrusted(t, &k);
}

/* A task's stack canary, 0 on a kernel built without stack protection
 * (the stack alone then names a task). */
static __always_inline __u64 task_canary(struct task_struct *t)
{
	return bpf_core_field_exists(t->stack_canary) ? t->stack_canary : 0;
}

/* The "threads" entry for pid @pid. */
static __always_inline struct energy_thread *thread_entry(__u32 pid)
{
	__u32 i = pid & thread_mask;

	return bpf_map_lookup_elem(&threads, &i);
}

/* Whether @ts is the threads entry of task @t. */
static __always_inline bool thread_is(struct energy_thread *ts,
				      struct task_struct *t)
{
	return ts->stack == (__u64)t->stack && ts->canary == task_canary(t);
}

/* Whether state @ts, found for its thread, is its threads entry (the
 * daemon adds what it ran since its base) rather than task storage (whose
 * stack stays 0: what it runs goes into its process's slot at once). */
static __always_inline bool thread_in_array(const struct energy_thread *ts)
{
	return ts->stack != 0;
}

/*
 * Moves what the thread of threads entry @ts ran since its base into its
 * process's slot, for a caller that holds the entry (busy, so that the
 * daemon, which reads the slots before the entries, counts it in neither
 * for a moment rather than in both).
 */
static __always_inline void thread_flush(struct energy_thread *ts)
{
	struct energy_proc *e;

	if (!ts->slot || ts->slot == ENERGY_THREAD_NO_SLOT)
		return;
	e = slot_entry(ts->slot - 1);
	if (!e || e->key.tgid != ts->tgid)
		return;
	if (ts->runtime > ts->base_runtime)
		__sync_fetch_and_add(&e->c.cpu_ns,
				     ts->runtime - ts->base_runtime);
	if (ts->nvcsw > ts->base_nvcsw)
		__sync_fetch_and_add(&e->c.wakeups, ts->nvcsw - ts->base_nvcsw);
}

/* The state of thread @t (a trusted task pointer), NULL when it has none
 * yet: its threads entry, else its task storage. */
static __always_inline struct energy_thread *
task_state_find(struct task_struct *t)
{
	struct energy_thread *ts = thread_entry(t->pid);

	if (ts && thread_is(ts, t))
		return ts;
	return bpf_task_storage_get(&task_states, t, 0, 0);
}

/*
 * Claims threads entry @ts for the task of @pid, @stack and @canary, when
 * it is free or was filled for that pid (that task is gone: a pid names
 * one live task, and an exiting one claims none), by compare-and-swap to
 * ENERGY_THREAD_BUSY; filled by the caller, which then shows it
 * (thread_publish()).
 * @fresh: the task is a child at its fork, so an entry that already names
 * it is stale (a task before it with that stack and canary, whose final
 * switch was not seen). What the task before ran since its base goes to
 * its process. Whether it got it.
 */
static __always_inline bool thread_claim(struct energy_thread *ts, __u32 pid,
					 __u64 stack, __u64 canary, bool fresh)
{
	__u64 old = ts->stack;

	if (old == ENERGY_THREAD_BUSY)
		return false;
	if (old && ts->pid != pid &&
	    !(fresh && old == stack && ts->canary == canary))
		return false;
	if (__sync_val_compare_and_swap(&ts->stack, old,
					ENERGY_THREAD_BUSY) != old)
		return false;
	if (old)
		thread_flush(ts);
	return true;
}

/* Marks the threads entry of @pid live (@on) or not, for the daemon. */
static __always_inline void thread_live_mark(__u32 pid, bool on)
{
	__u32 i = pid & thread_mask, w = i / ENERGY_THREAD_LIVE_BITS;
	__u64 bit = 1ULL << (i % ENERGY_THREAD_LIVE_BITS);
	__u64 *word = bpf_map_lookup_elem(&thread_live, &w);

	if (!word)
		return;
	if (on)
		__sync_fetch_and_or(word, bit);
	else
		__sync_fetch_and_and(word, ~bit);
}

/* Shows the claimed entry @ts as the task's of @pid, @stack and @canary. */
static __always_inline void thread_publish(struct energy_thread *ts, __u32 pid,
					   __u64 stack, __u64 canary)
{
	ts->canary = canary;
	ts->pid = pid;
	asm volatile("" ::: "memory");
	ts->stack = stack;
	thread_live_mark(pid, true);
}

/* Empties threads entry @ts, held busy: unmarked first, so that a claim
 * of it, once it shows free, marks it after. */
static __always_inline void thread_empty(struct energy_thread *ts)
{
	thread_live_mark(ts->pid, false);
	ts->stack = 0;
}

/*
 * A new state's counts so far: a thread older than the seed has had its
 * runtime and voluntary switches so far counted by the seed (or, missed by
 * it, is counted from now on); a younger one, first seen without its fork
 * (raw_tp has no trusted child), counts from zero.
 */
static __always_inline void task_state_init(struct energy_thread *ts,
					    struct task_struct *t)
{
	ts->slot = 0;
	ts->tgid = t->tgid;
	ts->gen = 0;
	if (t->start_time > seed_ns) {
		ts->runtime = 0;
		ts->nvcsw = 0;
	} else {
		ts->runtime = t->se.sum_exec_runtime;
		ts->nvcsw = t->nvcsw;
	}
	ts->base_runtime = ts->runtime;
	ts->base_nvcsw = ts->nvcsw;
}

/*
 * A state for thread @t, which has none: its threads entry when that is
 * free, claimed (ENERGY_THREAD_BUSY) and filled before it shows the stack,
 * else task storage; NULL when another CPU is filling one for it, or none
 * can be had (counted). @fresh: @t is a child at its fork (thread_claim()).
 */
static __always_inline struct energy_thread *
task_state_new(struct task_struct *t, bool fresh)
{
	struct energy_thread *ts = thread_entry(t->pid);

	if (ts && thread_is(ts, t) && !fresh)
		return ts;	/* filled by another CPU meanwhile */
	if (ts && thread_claim(ts, t->pid, (__u64)t->stack, task_canary(t),
			       fresh)) {
		task_state_init(ts, t);
		thread_publish(ts, t->pid, (__u64)t->stack, task_canary(t));
		return ts;
	}
	if (ts && ts->stack == ENERGY_THREAD_BUSY)
		return NULL;
	ts = bpf_task_storage_get(&task_states, t, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts) {
		stat_inc(ENERGY_STAT_TASK_STORAGE);
		return NULL;
	}
	task_state_init(ts, t);
	return ts;
}

/*
 * The state of an exiting thread @t that its pid's entry does not name: a
 * leader that a thread's exec replaced has that thread's pid now, and its
 * state is under the tgid until the exec moves the thread's there.
 */
static __always_inline struct energy_thread *
task_state_replaced(struct task_struct *t)
{
	struct energy_thread *ts;

	if (t->pid == t->tgid)
		return NULL;
	ts = thread_entry(t->tgid);
	return ts && thread_is(ts, t) ? ts : NULL;
}

/*
 * The state of thread @t (a trusted task pointer), created on first sight
 * unless @t is exiting or in an exec. An exiting thread's pid may be a new
 * task's already (a thread's pid is freed before its final switch), and a
 * leader replaced by a thread's exec has another pid: a state made for it
 * would count its time again. In an exec, a non-leader thread has its
 * leader's pid before its state moves to that pid's entry
 * (task_state_moved()). Every task's state is made at its fork, so what
 * is first seen there is rare: a task forked between the seed and the
 * attach, or whose entry was taken.
 */
static __always_inline struct energy_thread *
task_state_of(struct task_struct *t)
{
	struct energy_thread *ts = task_state_find(t);

	if (ts)
		return ts;
	if (t->flags & ENERGY_PF_EXITING)
		return task_state_replaced(t);
	if (BPF_CORE_READ_BITFIELD(t, in_execve))
		return NULL;
	return task_state_new(t, false);
}

/* Frees the threads entry of @t, at its final switch-out (TASK_DEAD),
 * what it ran moved into its process's slot; unless a fork took the entry
 * meanwhile (@t's pid is free before this), which moved it. */
static __always_inline void task_state_free(struct task_struct *t)
{
	struct energy_thread *ts = thread_entry(t->pid);
	__u64 stack;

	if (!ts || !thread_is(ts, t))
		ts = task_state_replaced(t);
	if (!ts)
		return;
	stack = ts->stack;
	if (__sync_val_compare_and_swap(&ts->stack, stack,
					ENERGY_THREAD_BUSY) != stack)
		return;
	thread_flush(ts);
	thread_empty(ts);
}

/*
 * At the exec of @t that had pid @old_pid before it: a non-leader thread
 * has taken its leader's pid, so its state moves from its old pid's entry
 * to its new one's, when that is free, and the old entry is freed; the
 * leader it replaced may not have made its final switch yet, and keeps
 * its entry until then. Else the state moves to task storage, from its
 * base: what it ran since goes into the slot at its next switch-out.
 */
static __always_inline void task_state_moved(struct task_struct *t,
					     __u32 old_pid)
{
	struct energy_thread *from, *to;
	__u64 runtime, nvcsw;
	__u32 slot, tgid;

	if (old_pid == t->pid)
		return;
	from = thread_entry(old_pid);
	if (!from || !thread_is(from, t))
		return;		/* in task storage, which moves with it */
	to = thread_entry(t->pid);
	if (to && !to->stack &&
	    __sync_val_compare_and_swap(&to->stack, 0, ENERGY_THREAD_BUSY) == 0) {
		/* Busy both, so that the daemon never sees both. */
		from->stack = ENERGY_THREAD_BUSY;
		*to = *from;
		thread_publish(to, t->pid, (__u64)t->stack, task_canary(t));
		thread_empty(from);
		return;
	}
	/* Freed first, as the storage state's gain goes to the slot at once;
	 * what it holds read before, as the entry is anyone's then. */
	slot = from->slot;
	tgid = from->tgid;
	runtime = from->base_runtime;
	nvcsw = from->base_nvcsw;
	asm volatile("" ::: "memory");
	thread_empty(from);
	to = bpf_task_storage_get(&task_states, t, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!to) {
		stat_inc(ENERGY_STAT_TASK_STORAGE);
		return;
	}
	to->slot = slot;
	to->tgid = tgid;
	to->runtime = runtime;
	to->nvcsw = nvcsw;
}

/*
 * Whether @t, a thread other than its process's leader, belongs to a
 * process that got no slot (its leader marked): then it gets none either,
 * even when slots were freed since, so that a process is either tracked
 * from its start or not at all.
 */
static __always_inline bool leader_untracked(struct task_struct *t)
{
	struct task_struct *leader = t->group_leader;
	struct energy_thread *lts;

	if (!leader || leader == t)
		return false;
	lts = task_state_find(leader);
	return lts && lts->slot == ENERGY_THREAD_NO_SLOT;
}

/*
 * The process entry of thread @t: the slot cached in its state, else found
 * by key (and cached). A live task's slot cannot be freed under it (the
 * daemon frees a slot a window after the last thread exited), so checking
 * the tgid is enough to catch a slot handed back after a lost race in
 * slot_new().
 *
 * A process that found no free slot is marked in its threads' states
 * (ENERGY_THREAD_NO_SLOT): their later events return at once, it stays
 * untracked for good, and it is counted once in ENERGY_STAT_PROCS_FULL,
 * by its leader (every process's leader comes here: at its fork, or in
 * the seed).
 */
static __always_inline struct energy_proc *proc_of(struct task_struct *t,
						   __u32 tgid,
						   struct energy_thread *ts)
{
	struct energy_proc *e;
	struct energy_key k;
	long s;

	if (ts->slot) {
		if (ts->slot == ENERGY_THREAD_NO_SLOT)
			return NULL;
		e = slot_entry(ts->slot - 1);
		if (e && e->key.tgid == tgid)
			return e;
	}
	s = slot_find(t, &k, true);
	if (s == SLOT_MISSING) {
		if (leader_untracked(t)) {
			ts->slot = ENERGY_THREAD_NO_SLOT;
			return NULL;
		}
		s = slot_new(t, &k);
	}
	if (s == SLOT_FULL) {
		ts->slot = ENERGY_THREAD_NO_SLOT;
		if (t->pid == t->tgid)
			stat_inc(ENERGY_STAT_PROCS_FULL);
		return NULL;
	}
	if (s < 0)
		return NULL;
	ts->slot = s + 1;
	return slot_entry(s);
}

/* The process entry of a trusted task pointer. */
static __always_inline struct energy_proc *proc_of_task(struct task_struct *t)
{
	struct energy_thread *ts = task_state_of(t);
	long s;

	if (ts)
		return proc_of(t, t->tgid, ts);
	s = slot_of_task(t, true);
	return s < 0 ? NULL : slot_entry(s);
}

/*
 * At fork (a trusted @child, not run yet, created by @parent, current): the
 * child's state in its threads entry where that is free; a new thread
 * takes its process's slot from its creator's state; a new process's slot
 * is filled without looking it up first (it cannot be indexed yet).
 * Anything unusual (a child older than the seed, a creator not counted
 * yet) takes the general path.
 */
static __always_inline void proc_of_forked(struct task_struct *parent,
					   struct task_struct *child)
{
	struct energy_thread *ts, *pts;
	struct energy_proc *e;
	struct energy_key k;
	long s;

	if (child->start_time <= seed_ns) {
		proc_of_task(child);
		return;
	}
	ts = task_state_new(child, true);
	if (!ts)
		return;
	if (child->pid != child->tgid) {
		pts = task_state_find(parent);
		if (pts && parent->tgid == child->tgid && pts->slot) {
			if (pts->slot == ENERGY_THREAD_NO_SLOT) {
				ts->slot = ENERGY_THREAD_NO_SLOT;
				return;
			}
			e = slot_entry(pts->slot - 1);
			if (e && e->key.tgid == child->tgid) {
				ts->slot = pts->slot;
				return;
			}
		}
		proc_of(child, child->tgid, ts);
		return;
	}
	task_key(child, &k, true);
	s = slot_new(child, &k);
	if (s == SLOT_FULL) {
		ts->slot = ENERGY_THREAD_NO_SLOT;
		stat_inc(ENERGY_STAT_PROCS_FULL);
	} else if (s >= 0) {
		ts->slot = s + 1;
	}
}

/* The process entry of a task known only as an untrusted pointer. */
static __always_inline struct energy_proc *proc_of_untrusted(struct task_struct *t)
{
	long s = slot_of_task(t, false);

	return s < 0 ? NULL : slot_entry(s);
}

/*
 * At fork, where the child is an untrusted pointer (raw_tp): its process's
 * slot, and its state in its threads entry where that is free or was a
 * gone task's of its pid (no task storage without a trusted pointer: then
 * its first event makes one). A child older than the seed is left to that
 * too.
 */
static __always_inline void proc_of_forked_untrusted(struct task_struct *child)
{
	__u32 pid = BPF_CORE_READ(child, pid), tgid = BPF_CORE_READ(child, tgid);
	__u64 stack = (__u64)BPF_CORE_READ(child, stack), canary = 0;
	struct energy_thread *ts;
	long s;

	s = slot_of_task(child, false);
	if (BPF_CORE_READ(child, start_time) <= seed_ns)
		return;
	if (bpf_core_field_exists(child->stack_canary))
		canary = BPF_CORE_READ(child, stack_canary);
	ts = thread_entry(pid);
	if (!ts || !thread_claim(ts, pid, stack, canary, true))
		return;
	if (s == SLOT_FULL) {
		ts->slot = ENERGY_THREAD_NO_SLOT;
		if (pid == tgid)
			stat_inc(ENERGY_STAT_PROCS_FULL);
	} else {
		ts->slot = s >= 0 ? s + 1 : 0;
	}
	ts->runtime = 0;
	ts->nvcsw = 0;
	ts->base_runtime = 0;
	ts->base_nvcsw = 0;
	ts->tgid = tgid;
	ts->gen = 0;
	thread_publish(ts, pid, stack, canary);
}

/* The process of the task running now; NULL for the idle task (a softirq
 * on an idle CPU). */
static __always_inline struct energy_proc *current_proc(void)
{
	struct task_struct *t = bpf_get_current_task_btf();

	if (!t->pid)
		return NULL;	/* softirq on an idle CPU */
	return proc_of_task(t);
}

#endif /* ENERGY_SLOTS_BPF_H */
