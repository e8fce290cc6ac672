/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Block I/O programs: diski and disko. Included once, by energy.bpf.c.
 */
#ifndef ENERGY_BLOCK_BPF_H
#define ENERGY_BLOCK_BPF_H

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

#endif /* ENERGY_BLOCK_BPF_H */
