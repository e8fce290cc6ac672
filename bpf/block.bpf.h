/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Block I/O programs: diski and disko. Included once, by energy.bpf.c.
 *
 * Both are charged as /proc/PID/io charges read_bytes and write_bytes:
 * - diski: a read request, to the task that submitted it (in its context,
 *   when it enters the block layer), its bytes when the device completes it;
 * - disko, direct I/O: a write bio the writer builds itself, to the writer,
 *   at submission (iomap_dio_bio_iter and blkdev_direct_IO charge
 *   write_bytes there);
 * - disko, buffered: a page-cache folio, to the task that dirtied it, when
 *   it turns dirty (folio_account_dirtied); the writeback that later writes
 *   it, by a flusher kworker or by fsync, is charged to no one.
 * Write requests are not followed at all: what they carry is either one of
 * the above or the filesystem's own (journal, metadata written back), which
 * /proc/PID/io charges to no task either.
 */
#ifndef ENERGY_BLOCK_BPF_H
#define ENERGY_BLOCK_BPF_H

/* The address of @rq as a number, the request's identity: the verifier
 * allows no arithmetic on a BTF pointer, so it is read back as plain
 * bytes. */
static __always_inline __u64 rq_addr(struct request *rq)
{
	__u64 p = (__u64)rq, addr = 0;

	bpf_probe_read_kernel(&addr, sizeof(addr), &p);
	return addr;
}

#define REQ_SLOT_BITS	14
_Static_assert(1 << REQ_SLOT_BITS == ENERGY_REQ_SLOTS, "reqs' size");

/*
 * The slot of "reqs" for @rq: its tag (the scheduler's where a scheduler
 * holds the request, else the driver's) past a base its queue and
 * hardware queue hash to, so that one hardware queue's requests sit in
 * neighbouring slots of a few pages. A hash of each request's address
 * spread them over the whole array: a TLB and cache miss at every request,
 * half of block_io_start's time (perf). The slot still holds the address
 * (rq_addr), what tells requests apart. @trusted: @rq is a tp_btf
 * argument, read with plain loads (a raw_tp one with probe reads).
 */
static __always_inline struct energy_req *req_slot(struct request *rq,
						   bool trusted)
{
	int tag = trusted ? rq->internal_tag : BPF_CORE_READ(rq, internal_tag);
	__u32 qid, hw, i;

	if (tag < 0)
		tag = trusted ? rq->tag : BPF_CORE_READ(rq, tag);
	qid = trusted ? rq->q->id : BPF_CORE_READ(rq, q, id);
	hw = trusted ? rq->mq_hctx->queue_num :
		       BPF_CORE_READ(rq, mq_hctx, queue_num);
	i = (((qid << 16) ^ hw) * 0x9e3779b1U) >> (32 - REQ_SLOT_BITS);
	i = (i + (__u32)tag) & (ENERGY_REQ_SLOTS - 1);
	return bpf_map_lookup_elem(&reqs, &i);
}

/*
 * Block I/O: remember who submitted a request when it enters the block
 * layer (in the submitter's context), and account its bytes when the
 * device completes it, whoever runs then. @keep: leave a record of the
 * same request in place (issue after insert). @trusted: @rq is a tp_btf
 * argument, read with plain loads (a raw_tp one with probe reads).
 */
static __always_inline int on_rq_submit(struct request *rq, bool keep,
					bool trusted)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 opf = trusted ? rq->cmd_flags : BPF_CORE_READ(rq, cmd_flags);
	struct energy_thread *ts;
	struct energy_proc *e;
	struct energy_req *v;
	__u64 addr;
	long s;

	/* Reads only: writes are charged when they are made (below). */
	if ((opf & ENERGY_REQ_OP_MASK) != ENERGY_REQ_OP_READ)
		return 0;
	if (!t->pid)
		return 0;
	/* The slot cached in the thread's state: no hash lookup. */
	ts = task_state_of(t);
	if (ts) {
		e = proc_of(t, t->tgid, ts);
		s = ts->slot - 1;
	} else {
		s = slot_of_task(t, true);
		e = s < 0 ? NULL : slot_entry(s);
	}
	if (!e || s < 0)
		return 0;
	addr = rq_addr(rq);
	v = req_slot(rq, trusted);
	if (!v || (keep && v->rq == addr))
		return 0;
	if (v->rq && v->rq != addr)
		stat_inc(ENERGY_STAT_REQS_FULL);	/* displaced */
	v->rq = 0;
	v->key = e->key;
	v->slot = s;
	v->rq = addr;
	return 0;
}

SEC("tp_btf/block_io_start")
int BPF_PROG(block_io_start_btf, struct request *rq)
{
	return on_rq_submit(rq, false, true);
}

SEC("raw_tp/block_io_start")
int BPF_PROG(block_io_start_raw, struct request *rq)
{
	return on_rq_submit(rq, false, false);
}

/* Older kernels: insert runs in the submitter's context when the request
 * goes through a scheduler; issue catches the direct dispatches, without
 * overwriting what insert recorded. */
SEC("tp_btf/block_rq_insert")
int BPF_PROG(block_rq_insert_btf, struct request *rq)
{
	return on_rq_submit(rq, false, true);
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(block_rq_insert_raw, struct request *rq)
{
	return on_rq_submit(rq, false, false);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(block_rq_issue_btf, struct request *rq)
{
	return on_rq_submit(rq, true, true);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(block_rq_issue_raw, struct request *rq)
{
	return on_rq_submit(rq, true, false);
}

static __always_inline int on_rq_complete(struct request *rq, int error,
					  unsigned int nr_bytes, bool trusted)
{
	struct energy_req *v;
	struct energy_proc *e;
	unsigned int op, left;
	__u64 addr;

	op = (trusted ? rq->cmd_flags : BPF_CORE_READ(rq, cmd_flags)) &
	     ENERGY_REQ_OP_MASK;
	if (op != ENERGY_REQ_OP_READ)
		return 0;
	addr = rq_addr(rq);
	v = req_slot(rq, trusted);
	if (!v || v->rq != addr)
		return 0;
	left = trusted ? rq->__data_len : BPF_CORE_READ(rq, __data_len);
	e = slot_entry(v->slot);
	/* The slot may have been reused since the request was submitted. */
	if (e && !error && e->key.tgid == v->key.tgid &&
	    e->key.start_ns == v->key.start_ns)
		__sync_fetch_and_add(&e->c.disk_read_bytes, nr_bytes);
	/* A partial completion leaves the rest of the request in flight. */
	if (nr_bytes >= left)
		v->rq = 0;
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(block_rq_complete_btf, struct request *rq, int error,
	     unsigned int nr_bytes)
{
	return on_rq_complete(rq, error, nr_bytes, true);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(block_rq_complete_raw, struct request *rq, int error,
	     unsigned int nr_bytes)
{
	return on_rq_complete(rq, error, nr_bytes, false);
}

/*
 * A direct write: REQ_IDLE, which the direct I/O paths set (iomap,
 * fs/direct-io.c, block/fops.c) and writeback (wbc_to_write_flags) and the
 * journals do not; not REQ_META (XFS's log sets REQ_IDLE too); not a clone,
 * which a stacked device (dm, md) makes of a bio already counted above it.
 * A bio is queued once (BIO_TRACE_COMPLETION), with its whole size, before
 * any split.
 */
static __always_inline int on_bio_queue(struct bio *bio)
{
	__u32 opf = BPF_CORE_READ(bio, bi_opf);
	__u32 idle = 1U << bpf_core_enum_value(enum req_flag_bits, __REQ_IDLE);
	__u32 meta = 1U << bpf_core_enum_value(enum req_flag_bits, __REQ_META);
	struct energy_proc *e;

	if ((opf & ENERGY_REQ_OP_MASK) != ENERGY_REQ_OP_WRITE ||
	    (opf & (idle | meta)) != idle ||
	    (BPF_CORE_READ(bio, bi_flags) & (1U << ENERGY_BIO_CLONED)))
		return 0;
	e = current_proc();
	if (e)
		__sync_fetch_and_add(&e->c.disk_write_bytes,
				     BPF_CORE_READ(bio, bi_iter.bi_size));
	return 0;
}

SEC("tp_btf/block_bio_queue")
int BPF_PROG(block_bio_queue_btf, struct bio *bio)
{
	return on_bio_queue(bio);
}

SEC("raw_tp/block_bio_queue")
int BPF_PROG(block_bio_queue_raw, struct bio *bio)
{
	return on_bio_queue(bio);
}

/*
 * Whether dirtying @mapping counts as a write (mapping_can_writeback):
 * its backing device writes back (BDI_CAP_WRITEBACK), which tmpfs and
 * ramfs do not. A block device's own page cache (metadata buffers) is
 * backed by its disk.
 */
static __always_inline bool can_writeback(struct address_space *mapping)
{
	struct inode *host = BPF_CORE_READ(mapping, host);
	struct backing_dev_info *bdi;
	struct super_block *sb;

	if (!host)
		return false;
	sb = BPF_CORE_READ(host, i_sb);
	if (BPF_CORE_READ(sb, s_magic) == ENERGY_BDEVFS_MAGIC) {
		struct bdev_inode *bi = (void *)host -
			bpf_core_field_offset(struct bdev_inode, vfs_inode);

		bdi = BPF_CORE_READ(bi, bdev.bd_disk, bdi);
	} else {
		bdi = BPF_CORE_READ(sb, s_bdi);
	}
	return bdi && (BPF_CORE_READ(bdi, capabilities) & ENERGY_BDI_CAP_WRITEBACK);
}

/* The bytes of a page-cache folio: one page unless it is a large folio
 * (PG_head), whose size the first tail page holds: _nr_pages since 6.10,
 * the order in the low byte of _flags_1 before (6.1 has no large folios in
 * the filesystems that write back). */
static __always_inline __u64 folio_bytes(struct folio *f)
{
	unsigned long flags = 0;

	/* flags is the first word on every kernel (memdesc_flags_t since
	 * 6.18). */
	bpf_probe_read_kernel(&flags, sizeof(flags), f);
	if (!(flags & (1UL << bpf_core_enum_value(enum pageflags, PG_head))))
		return page_size;
	if (bpf_core_field_exists(f->_nr_pages))
		return (__u64)BPF_CORE_READ(f, _nr_pages) * page_size;
	return page_size << (BPF_CORE_READ(f, _flags_1) & 0xff);
}

static __always_inline int on_dirty(struct address_space *mapping, __u64 bytes)
{
	struct energy_proc *e;

	/* tp_btf: a trusted pointer that may be NULL, checked before any
	 * arithmetic on it. */
	if (!mapping || !can_writeback(mapping))
		return 0;
	e = current_proc();
	if (e)
		__sync_fetch_and_add(&e->c.disk_write_bytes, bytes);
	return 0;
}

/* folio_account_dirtied(): a clean folio turned dirty, in the context of
 * whoever dirtied it. */
SEC("tp_btf/writeback_dirty_folio")
int BPF_PROG(writeback_dirty_folio_btf, struct folio *f,
	     struct address_space *mapping)
{
	return on_dirty(mapping, folio_bytes(f));
}

SEC("raw_tp/writeback_dirty_folio")
int BPF_PROG(writeback_dirty_folio_raw, struct folio *f,
	     struct address_space *mapping)
{
	return on_dirty(mapping, folio_bytes(f));
}

/* Kernels before 5.16 (account_page_dirtied): one page at a time. */
SEC("tp_btf/writeback_dirty_page")
int BPF_PROG(writeback_dirty_page_btf, struct page *pg,
	     struct address_space *mapping)
{
	return on_dirty(mapping, page_size);
}

SEC("raw_tp/writeback_dirty_page")
int BPF_PROG(writeback_dirty_page_raw, struct page *pg,
	     struct address_space *mapping)
{
	return on_dirty(mapping, page_size);
}

#endif /* ENERGY_BLOCK_BPF_H */
