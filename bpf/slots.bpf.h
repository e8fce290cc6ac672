/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How a task finds its process's slot: the process key, the slot found
 * through task storage (or the index, for untrusted pointers), allocated
 * on first sight, and the per-sample refresh of mem, cgroup and comm.
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
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm),
				  trusted ? t->group_leader->comm :
					    BPF_CORE_READ(t, group_leader, comm));
}

/* The pid of @t's process in each pid namespace, outermost first. */
static __always_inline void record_pidns(struct task_struct *t, __u32 slot,
					 bool trusted)
{
	struct energy_pidns *n = bpf_map_lookup_elem(&procs_ns, &slot);
	struct pid *pid = trusted ? t->group_leader->thread_pid :
				    BPF_CORE_READ(t, group_leader, thread_pid);
	__u32 level;

	if (!n || !pid)
		return;
	level = trusted ? pid->level : BPF_CORE_READ(pid, level);
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

/* slot_of_task() and slot_new(): no free slot (-1: none for other causes). */
#define SLOT_FULL	(-2)

/*
 * A free slot, or SLOT_FULL. Once one allocation has found none, the
 * others return at once (slots_exhausted) instead of each trying the
 * shared queue and counter, until the daemon hands slots back.
 */
static __always_inline long slot_alloc(void)
{
	__u32 slot;
	__u64 n;

	if (slots_exhausted)
		return SLOT_FULL;
	if (!bpf_map_pop_elem(&free_slots, &slot))
		return slot;
	n = __sync_fetch_and_add(&next_slot, 1);
	if (n >= max_slots) {
		slots_exhausted = 1;
		return SLOT_FULL;
	}
	return n;
}

/*
 * The slot of the process of @t by its key, -1 when it has none. The
 * index is preallocated, so an element the daemon deletes can be reused
 * by another process's insert while it is read here: the slot counts
 * only when it holds the key looked up.
 */
static __always_inline long slot_find(struct task_struct *t,
				      struct energy_key *k, bool trusted)
{
	struct energy_slot_ref *found;
	struct energy_proc *e;
	__u32 slot;

	task_key(t, k, trusted);
	found = bpf_map_lookup_elem(&slot_index, k);
	if (!found)
		return -1;
	slot = found->slot;
	e = slot_entry(slot);
	if (!e || e->key.tgid != k->tgid || e->key.start_ns != k->start_ns)
		return -1;
	return slot;
}

/*
 * A new slot for the process of @t, key @k: SLOT_FULL when none is free,
 * -1 when the process is exiting (its final switch-out must not re-create
 * what the daemon may have removed).
 */
static __always_inline long slot_fill(struct task_struct *t,
				      struct energy_key *k, bool trusted)
{
	struct energy_slot_ref *found, ref;
	struct energy_proc *e;
	__u32 slot, flags;
	long s;

	if (slots_exhausted)
		return SLOT_FULL;
	flags = trusted ? t->flags : BPF_CORE_READ(t, flags);
	if (flags & ENERGY_PF_EXITING)
		return -1;
	s = slot_alloc();
	if (s < 0)
		return s;
	slot = s;
	e = slot_entry(slot);
	if (!e)
		return -1;
	__builtin_memset(e, 0, sizeof(*e));
	if (flags & ENERGY_PF_KTHREAD)
		e->flags = ENERGY_F_KTHREAD;
	proc_refresh(e, t, refresh_gen, trusted);
	record_pidns(t, slot, trusted);
	e->key.start_ns = k->start_ns;
	/* The daemon reads the slot once key.tgid is set: set it last.
	 * BPF has no fence; stores are not reordered on x86 (TSO), and
	 * elsewhere a half-filled slot only shows zero counters. */
	asm volatile("" ::: "memory");
	e->key.tgid = k->tgid;
	ref.slot = slot;
	if (bpf_map_update_elem(&slot_index, k, &ref, BPF_NOEXIST)) {
		/* Another CPU filled a slot for this process first. */
		e->key.tgid = 0;
		bpf_map_push_elem(&free_slots, &slot, 0);
		found = bpf_map_lookup_elem(&slot_index, k);
		return found ? (long)found->slot : -1;
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
 * when it has none (SLOT_FULL: none was free). For pointers without task
 * storage: nothing marks the task or counts the drop here.
 */
static __always_inline long slot_of_task(struct task_struct *t, bool trusted)
{
	struct energy_key k;
	long s = slot_find(t, &k, trusted);

	if (s >= 0)
		return s;
	return trusted ? slot_new(t, &k) : slot_new_untrusted(t, &k);
}

/*
 * The state of thread @t (a trusted task pointer), created on first sight.
 * A thread older than the seed has had its runtime and voluntary switches
 * so far counted by the seed (or, missed by it, is counted from now on); a
 * younger one, first seen without its fork (raw_tp has no trusted child),
 * counts from zero.
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
	if (t->start_time > seed_ns)
		return ts;	/* all of its runtime and switches are to count */
	ts->last_runtime = t->se.sum_exec_runtime;
	ts->last_nvcsw = t->nvcsw;
	return ts;
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
	struct task_state *lts;

	if (!leader || leader == t)
		return false;
	lts = bpf_task_storage_get(&task_states, leader, 0, 0);
	return lts && lts->slot == TS_SLOT_NONE;
}

/*
 * The process entry of thread @t: the slot cached in its state, else found
 * by key (and cached). A live task's slot cannot be freed under it (the
 * daemon frees a slot a window after the last thread exited), so checking
 * the tgid is enough to catch a slot handed back after a lost race in
 * slot_new().
 *
 * A process that found no free slot is marked in its threads' states
 * (TS_SLOT_NONE): their later events return at once, it stays untracked
 * for good, and it is counted once in ENERGY_STAT_PROCS_FULL, by its
 * leader (every process's leader comes here: at its fork, or in the seed).
 */
static __always_inline struct energy_proc *proc_of(struct task_struct *t,
						   __u32 tgid,
						   struct task_state *ts)
{
	struct energy_proc *e;
	struct energy_key k;
	long s;

	if (ts->slot) {
		if (ts->slot == TS_SLOT_NONE)
			return NULL;
		e = slot_entry(ts->slot - 1);
		if (e && e->key.tgid == tgid)
			return e;
	}
	s = slot_find(t, &k, true);
	if (s < 0) {
		if (leader_untracked(t)) {
			ts->slot = TS_SLOT_NONE;
			return NULL;
		}
		s = slot_new(t, &k);
	}
	if (s == SLOT_FULL) {
		ts->slot = TS_SLOT_NONE;
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
	struct task_state *ts = task_state_of(t);
	long s;

	if (ts)
		return proc_of(t, t->tgid, ts);
	s = slot_of_task(t, true);
	return s < 0 ? NULL : slot_entry(s);
}

/*
 * At fork (a trusted @child, not run yet, created by @parent, current): a
 * new thread takes its process's slot from its creator's state; a new
 * process cannot be in the index yet, so its slot is filled without
 * looking it up (a miss there walked a cold bucket: a sixth of the fork
 * program's time). Anything unusual (no state, a creator not counted yet)
 * takes the general path.
 */
static __always_inline void proc_of_forked(struct task_struct *parent,
					   struct task_struct *child)
{
	struct task_state *ts, *pts;
	struct energy_proc *e;
	struct energy_key k;
	long s;

	ts = bpf_task_storage_get(&task_states, child, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts || child->start_time <= seed_ns) {
		proc_of_task(child);
		return;
	}
	if (child->pid != child->tgid) {
		pts = bpf_task_storage_get(&task_states, parent, 0, 0);
		if (pts && parent->tgid == child->tgid && pts->slot) {
			if (pts->slot == TS_SLOT_NONE) {
				ts->slot = TS_SLOT_NONE;
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
		ts->slot = TS_SLOT_NONE;
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
