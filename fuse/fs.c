// SPDX-License-Identifier: GPL-2.0-only
/*
 * The /run/energy filesystem. Every file is rendered when it is opened,
 * into a buffer of that open; reads at any offset come from it (direct_io,
 * like /proc), so a reader sees one consistent snapshot and never holds up
 * the sampler. Each handler ends in exactly one fuse_reply_*.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* The sanitizers' allocator (clang's <sanitizer/allocator_interface.h>;
 * gcc 12 ships no such header). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#include "efs.h"
#include "log.h"
#include "metrics.h"
#include "render.h"
#include "render_json.h"
#include "shared.h"
#include "table.h"
#include "version.h"

/* Requests such as releases in flight at once. */
#define EFS_MAX_BACKGROUND	256

/* When @ino last changed: a parameter when it was written, the window's
 * files at the window boundary, the others at the last sample; the
 * directories when the daemon started. */
static __u64 node_time(const struct efs *fs, fuse_ino_t ino)
{
	struct view *v = fs->v;

	if (ino >= INO_PARAM0)
		return view_count(&v->param_time[ino - INO_PARAM0]);
	switch (ino) {
	case INO_ROOT:
	case INO_PARAMS:
		return view_count(&v->start_time);
	case INO_CGROUP:
	case INO_CGROUP_JSON:
		return view_count(&v->window_time);
	}
	return view_count(&v->sample_time);
}

void node_stat(const struct efs *fs, fuse_ino_t ino, struct stat *st)
{
	__u64 t = node_time(fs, ino);

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = fs->nodes[ino].mode;
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	st->st_mtim.tv_sec = t / 1000000000ULL;
	st->st_mtim.tv_nsec = t % 1000000000ULL;
	st->st_atim = st->st_ctim = st->st_mtim;
	/* Size-less, like /proc: readers read to EOF. */
}

static void efs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct efs *fs = fuse_req_userdata(req);
	struct fuse_entry_param e;

	for (fuse_ino_t ino = INO_ALL; ino < INO_END; ino++) {
		if (fs->nodes[ino].parent != parent ||
		    strcmp(fs->nodes[ino].name, name))
			continue;
		memset(&e, 0, sizeof(e));
		e.ino = ino;
		e.attr_timeout = 1.0;
		e.entry_timeout = 1.0;
		node_stat(fs, ino, &e.attr);
		fuse_reply_entry(req, &e);
		return;
	}
	fuse_reply_err(req, ENOENT);
}

static void efs_getattr(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct efs *fs = fuse_req_userdata(req);
	struct stat st;

	(void)fi;
	if (!node_valid(ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	node_stat(fs, ino, &st);
	fuse_reply_attr(req, &st, 1.0);
}

static void efs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			off_t off, struct fuse_file_info *fi)
{
	struct efs *fs = fuse_req_userdata(req);
	char buf[4096];
	size_t len = 0;
	off_t n = 0;

	(void)fi;
	if (!node_valid(ino) || !S_ISDIR(fs->nodes[ino].mode)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (size > sizeof(buf))
		size = sizeof(buf);
	for (fuse_ino_t i = INO_ROOT; i < INO_END; i++) {
		const char *name;
		struct stat st;
		size_t ent;

		if (i == ino)
			name = ".";
		else if (i == fs->nodes[ino].parent && ino != INO_ROOT)
			name = "..";
		else if (fs->nodes[i].parent == ino && i != INO_ROOT)
			name = fs->nodes[i].name;
		else
			continue;
		if (n++ < off)
			continue;
		node_stat(fs, i, &st);
		ent = fuse_add_direntry(req, buf + len, size - len, name, &st, n);
		if (ent > size - len)
			break;
		len += ent;
	}
	fuse_reply_buf(req, buf, len);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The header lines, and what the sampler published under the lock. */
static void head_of(struct view *v, struct render_head *h,
		    struct view_totals *tot)
{
	view_totals(v, tot);
	h->timestamp_ns = now_ns();
	h->iterations = view_count(&v->iterations);
	h->sample_ns = view_param(v, P_SAMPLE_NS);
	h->window_ns = view_param(v, P_WINDOW_NS);
	h->rapl_domains = v->rapl_domains;
	memcpy(h->rapl_uj, tot->rapl_uj, sizeof(h->rapl_uj));
}

#define NG_PER_G	1000000000ULL

/* The daemon's heap in use: what it allocated and did not free (under a
 * sanitizer, its allocator's count: glibc's malloc is not used). */
static size_t heap_bytes(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
#endif
}

/* When energy_seq is even (the sampler between samples): its value; after
 * ENERGY_SEQ_WAITS tries 1 ms apart, whatever it is. */
#define ENERGY_SEQ_WAITS	100
#define ENERGY_SEQ_TRIES	8

static __u64 energy_seq_even(const struct view *v)
{
	__u64 seq = 0;

	for (int i = 0; i < ENERGY_SEQ_WAITS; i++) {
		seq = shared_seq_read(&v->energy_seq);
		if (!(seq & 1))
			break;
		usleep(1000);
	}
	return seq;
}

/* The per-slot energy, carbon, keys, CPU time and wakeups of slots
 * [0, n) copied. */
struct energy_copy {
	__u64 *uj, *ng;
	struct energy_key *key;
	struct counted_cpu *counted;
};

static void energy_copy_free(struct energy_copy *cp)
{
	free(cp->uj);
	free(cp->ng);
	free(cp->key);
	free(cp->counted);
}

/*
 * The energy of each of the first @n processes, the header, the totals and
 * the RAPL sums of one sample into @cp, @h, @tot and @en, copied again when
 * a sample changed them meanwhile (a few tries; lib/shared.h). False when
 * out of memory.
 */
static bool energy_copy(struct view *v, size_t n, struct energy_copy *cp,
			struct render_head *h, struct view_totals *tot,
			struct render_energy *en)
{
	size_t m = n ? n : 1;

	cp->uj = malloc(m * sizeof(*cp->uj));
	cp->ng = malloc(m * sizeof(*cp->ng));
	cp->key = malloc(m * sizeof(*cp->key));
	cp->counted = malloc(m * sizeof(*cp->counted));
	if (!cp->uj || !cp->ng || !cp->key || !cp->counted)
		return false;
	for (int tries = 0;; tries++) {
		__u64 seq = energy_seq_even(v);

		for (size_t i = 0; i < n; i++) {
			cp->uj[i] = shared_load(&v->energy_uj[i]);
			cp->ng[i] = shared_load(&v->carbon_ng[i]);
			shared_key_load(&cp->key[i], &v->energy_key[i]);
			shared_key_load(&cp->counted[i].key,
					&v->counted[i].key);
			cp->counted[i].cpu_ns = shared_load(&v->counted[i].cpu_ns);
			cp->counted[i].wakeups =
				shared_load(&v->counted[i].wakeups);
		}
		head_of(v, h, tot);
		if (!shared_seq_changed(&v->energy_seq, seq) ||
		    tries == ENERGY_SEQ_TRIES)
			break;
	}
	*en = (struct render_energy){
		.uj = cp->uj,
		.ng = cp->ng,
		.key = cp->key,
		.counted = cp->counted,
		.total_uj = tot->at.total_uj,
	};
	return true;
}

/* sys: the totals of one sample (energy_copy()). */
static void render_sys(struct view *v, struct rbuf *b)
{
	size_t n = view_rows_used(v), procs = 0;
	struct energy_copy cp = { 0 };
	struct view_totals tot;
	struct render_head h;
	struct render_energy en;
	unsigned int judged;
	char doms[48];
	long err;

	for (size_t i = 0; i < n; i++)
		procs += slot_used(&v->rows[i]);
	if (!energy_copy(v, n, &cp, &h, &tot, &en)) {
		b->oom = true;
		goto out;
	}
	render_head(b, &h);
	rbuf_printf(b, "energy_source=%s\nenergy_basis=%s\nidle_mw=%llu\nenergy_uj=%llu\nidle_uj=%llu\nprocesses_uj=%llu\nexited_uj=%llu\n",
		    v->source, v->basis,
		    attrib_idle_mw(&tot.at, view_param(v, P_IDLE_MW)),
		    tot.at.total_uj, tot.at.idle_uj, tot.at.procs_uj,
		    tot.exited_uj);
	rbuf_printf(b, "carbon_g=%llu.%09llu\nidle_carbon_g=%llu.%09llu\nexited_carbon_g=%llu.%09llu\n",
		    tot.carbon_ng / NG_PER_G, tot.carbon_ng % NG_PER_G,
		    tot.idle_carbon_ng / NG_PER_G, tot.idle_carbon_ng % NG_PER_G,
		    tot.exited_ng / NG_PER_G, tot.exited_ng % NG_PER_G);
	err = attrib_model_error(&tot.at, &judged);
	if (err < 0)
		rbuf_printf(b, "model_error_pct=-\nmodel_error_windows=0\n");
	else
		rbuf_printf(b, "model_error_pct=%ld.%02ld\nmodel_error_windows=%u\n",
			    err / 100, err % 100, judged);
	rbuf_printf(b, "pmu=%d\nprocesses=%zu\ncapacity=%llu\n",
		    v->pmu, procs, v->capacity);
	rbuf_printf(b, "dropped_procs=%llu\ndropped_requests=%llu\ndropped_task_storage=%llu\npmu_read_errors=%llu\n",
		    view_count(&v->stats[ENERGY_STAT_PROCS_FULL]),
		    view_count(&v->stats[ENERGY_STAT_REQS_FULL]),
		    view_count(&v->stats[ENERGY_STAT_TASK_STORAGE]),
		    view_count(&v->stats[ENERGY_STAT_PMU_READ]));
	domain_list(view_count(&v->rapl_measuring), doms, sizeof(doms));
	rbuf_printf(b, "energy_measuring=%s\nrapl_rebinds=%llu\n", doms,
		    view_count(&v->rapl_rebinds));
	for (int d = 0; d < RAPL_DOMAINS; d++)
		if (v->rapl_domains & (1U << d))
			rbuf_printf(b, "rapl_%s_errors=%llu\n",
				    rapl_domain_name(d),
				    view_count(&v->rapl_errors[d]));
	rbuf_printf(b, "rapl_rejected=%llu\nlate_samples=%llu\nheap_bytes=%zu\nversion=%s\n",
		    view_count(&v->rapl_rejected), view_count(&v->late_samples),
		    heap_bytes(), ENERGYD_VERSION);
	render_system_line(b, v->rows, n, &tot.exited, &en);
out:
	energy_copy_free(&cp);
}

/* all: rendered from a copy of one sample (energy_copy()). */
static void render_all_of(struct view *v, struct rbuf *b)
{
	size_t n = view_rows_used(v);
	struct energy_copy cp = { 0 };
	struct view_totals tot;
	struct render_head h;
	struct render_energy en;

	if (!energy_copy(v, n, &cp, &h, &tot, &en)) {
		b->oom = true;
		goto out;
	}
	en.measured = v->rapl_domains != 0;
	if (en.measured) {
		en.idle_uj = tot.at.idle_uj;
		en.carry_uj = tot.at.carry_uj;
		en.exited_uj = tot.exited_uj;
	}
	render_all(b, &h, v->rows, n, &tot.exited, &en);
out:
	energy_copy_free(&cp);
}

/* all.json: what all shows, the energy as sys has it, the last window's
 * cgroups. */
static void render_all_json_of(struct view *v, struct rbuf *b)
{
	struct energy_copy cp = { 0 };
	struct view_totals tot;
	struct render_head h;
	struct render_energy en;
	struct render_json_all in = {
		.h = &h,
		.tot = &tot,
		.source = v->source,
		.basis = v->basis,
		.measured = v->rapl_domains != 0,
		.slots = v->rows,
		.n = view_rows_used(v),
		.en = &en,
	};

	if (!energy_copy(v, in.n, &cp, &h, &tot, &en)) {
		b->oom = true;
		goto out;
	}
	in.idle_mw = attrib_idle_mw(&tot.at, view_param(v, P_IDLE_MW));
	in.carbon_g_per_kwh = view_param(v, P_CARBON_G_PER_KWH);
	in.win = view_window_get(v);
	render_all_json(b, &in);
	view_window_put(v, (struct window_snap *)in.win);
out:
	energy_copy_free(&cp);
}

/* A reader of cgroup and who it asks about. */
struct reader {
	struct efs *fs;
	const struct caller *c;
};

/* Whether the reader sees @e's own line: when it could read its
 * /proc/PID/io (the others' go into the *others* line). */
static bool reader_may_see(void *arg, const struct window_entry *e)
{
	const struct reader *r = arg;

	return caller_may_read_io(&r->fs->env, r->c, e->rec.key.tgid);
}

/* Render @ino for caller @c, who may read it. */
static void render(struct efs *fs, fuse_ino_t ino, const struct caller *c,
		   struct rbuf *b)
{
	struct reader rd = { fs, c };
	struct render_filter filter = { reader_may_see, &rd };
	struct view *v = fs->v;
	struct window_snap *w;

	switch (ino) {
	case INO_SYS:
		render_sys(v, b);
		break;
	case INO_ALL:
		render_all_of(v, b);
		break;
	case INO_METRICS:
		metrics_of_view(v, b);
		break;
	case INO_ALL_JSON:
		render_all_json_of(v, b);
		break;
	case INO_CGROUP_JSON:
		w = view_window_get(v);
		render_cgroup_json(b, w, c->cgroup_id, c->pidns_ino,
				   c->privileged ? NULL : &filter);
		view_window_put(v, w);
		break;
	case INO_CGROUP:
		w = view_window_get(v);
		if (w && c->cgroup_id)
			render_cgroup(b, w, c->cgroup_id, c->pidns_ino,
				      c->privileged ? NULL : &filter);
		view_window_put(v, w);
		break;
	default:
		rbuf_printf(b, "%llu\n", view_param(v, ino - INO_PARAM0));
		break;
	}
}

static void efs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct efs *fs = fuse_req_userdata(req);
	struct open_file *of;
	struct caller c;
	int err;

	if (!node_valid(ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (S_ISDIR(fs->nodes[ino].mode)) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	err = caller_identify(&fs->env, ctx->pid, ctx->uid, ctx->gid, &c) ?:
	      access_open(fs->nodes[ino].rule, c.privileged, fi->flags);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	of = file_new(ino, &c);
	if (!of) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	render(fs, ino, &c, &of->text);
	fi->fh = of->text.oom ? 0 : files_add(&fs->files, of);
	if (!fi->fh) {
		file_free(of);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->nonseekable = 0;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		/* the caller was interrupted: release will not come */
		files_put(&fs->files, files_remove(&fs->files, fi->fh));
	}
}

/*
 * A read on a file opened before this energyd took the connection over:
 * its text is gone with the energyd that rendered it, so the present is
 * rendered for this reader, checked as at an open, and the part at @off
 * is sent.
 */
static void read_foreign(struct efs *fs, fuse_req_t req, fuse_ino_t ino,
			 size_t size, off_t off)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct rbuf text = { 0 };
	struct caller c;
	int err;

	err = caller_identify(&fs->env, ctx->pid, ctx->uid, ctx->gid, &c) ?:
	      access_open(fs->nodes[ino].rule, c.privileged, O_RDONLY);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	render(fs, ino, &c, &text);
	if (text.oom)
		fuse_reply_err(req, ENOMEM);
	else if (off < 0 || (size_t)off >= text.len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, text.data + off,
			       size < text.len - off ? size : text.len - off);
	rbuf_free(&text);
}

/*
 * A read at any offset comes from the text rendered at open. Once a read
 * finds its end, the text is freed (a file whose release is still queued
 * in the kernel holds no text); a read from offset 0 after that renders
 * anew, as a /proc file read again from the start shows the present.
 */
static void efs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct efs *fs = fuse_req_userdata(req);
	struct open_file *of = files_get(&fs->files, fi->fh);

	if (!of) {
		if (files_foreign(&fs->files, fi->fh) && node_valid(ino) &&
		    !S_ISDIR(fs->nodes[ino].mode))
			read_foreign(fs, req, ino, size, off);
		else
			fuse_reply_err(req, EBADF);
		return;
	}
	pthread_mutex_lock(&of->lock);
	if (of->drained && off == 0) {
		render(fs, of->ino, &of->who, &of->text);
		of->drained = false;
	}
	if (of->text.oom) {
		rbuf_free(&of->text);
		of->drained = true;
		fuse_reply_err(req, ENOMEM);
	} else if (off < 0 || (size_t)off >= of->text.len) {
		rbuf_free(&of->text);
		of->drained = true;
		fuse_reply_buf(req, NULL, 0);
	} else {
		if (size > of->text.len - off)
			size = of->text.len - off;
		/* The reference keeps the text alive while it is sent. */
		fuse_reply_buf(req, of->text.data + off, size);
	}
	pthread_mutex_unlock(&of->lock);
	files_put(&fs->files, of);
}

/* A refused parameter value, in the log: repeated ones are held back,
 * per parameter. */
static void param_refused(enum param_id id, const char *s, size_t len,
			  const char *why, __u64 cur)
{
	static struct log_limit limit[P_MAX];
	char quoted[200];

	param_quote(quoted, s, len);
	log_limited(&limit[id], LOG_LVL_WARN, "params/%s: '%s' %s; unchanged at %llu",
		    param_descs[id].name, quoted, why, cur);
}

/*
 * A write to a parameter collects bytes; the value is applied whole at
 * flush (close), so a value written in pieces is never partly applied.
 * A write that cannot lead to a valid value (not a number, out of range,
 * anything after the newline, out of order) fails at once with EINVAL,
 * and then nothing of what the open file received is applied.
 */
static void efs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		      size_t size, off_t off, struct fuse_file_info *fi)
{
	struct efs *fs = fuse_req_userdata(req);
	struct open_file *of;
	__u64 cur[P_MAX];
	bool taken = false;
	enum param_id id;
	char why[96];
	int err = 0;

	if (!node_valid(ino) || fs->nodes[ino].rule != ACC_PARAM) {
		fuse_reply_err(req, EACCES);
		return;
	}
	of = files_get(&fs->files, fi->fh);
	if (!of) {
		fuse_reply_err(req, EBADF);
		return;
	}
	id = ino - INO_PARAM0;
	view_params(fs->v, cur);
	pthread_mutex_lock(&fs->files.lock);
	if (of->wbad) {
		err = -EINVAL;	/* already refused and logged */
	} else if ((size_t)off != of->wlen) {
		snprintf(why, sizeof(why), "written at offset %lld, not after the %zu bytes before",
			 (long long)off, of->wlen);
		err = -EINVAL;
	} else if (size > PARAM_WRITE_MAX - of->wlen) {
		snprintf(why, sizeof(why), "is longer than %d bytes", PARAM_WRITE_MAX);
		err = -EINVAL;
	} else {
		memcpy(of->wbuf + of->wlen, buf, size);
		of->wlen += size;
		taken = true;
		err = param_check_partial(id, of->wbuf, of->wlen, cur, why,
					  sizeof(why));
	}
	if (err && !of->wbad) {
		of->wbad = true;
		/* All the file received, when this write was taken. */
		if (taken)
			param_refused(id, of->wbuf, of->wlen, why, cur[id]);
		else
			param_refused(id, buf, size, why, cur[id]);
	}
	pthread_mutex_unlock(&fs->files.lock);
	files_put(&fs->files, of);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_write(req, size);
}

/* Apply what @of collected for parameter @id, once; 0 or -EINVAL. */
static int param_apply(struct efs *fs, enum param_id id, struct open_file *of)
{
	char val[PARAM_WRITE_MAX], why[96];
	__u64 was, now;
	size_t len;
	bool bad;
	int err;

	pthread_mutex_lock(&fs->files.lock);
	len = of->wlen;
	bad = of->wbad;
	memcpy(val, of->wbuf, len);
	of->wlen = 0;
	of->wbad = false;
	pthread_mutex_unlock(&fs->files.lock);
	if (bad)
		return -EINVAL;
	if (!len)
		return 0;
	err = view_param_commit(fs->v, id, val, len, &was, &now, why,
				sizeof(why));
	if (err) {
		param_refused(id, val, len, why, was);
		return err;
	}
	log_info("params/%s: %llu (was %llu)", param_descs[id].name, now, was);
	return 0;
}

static void efs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct efs *fs = fuse_req_userdata(req);
	struct open_file *of;
	int err = 0;

	if (!node_valid(ino) || fs->nodes[ino].rule != ACC_PARAM) {
		fuse_reply_err(req, 0);
		return;
	}
	of = files_get(&fs->files, fi->fh);
	if (of) {
		err = param_apply(fs, ino - INO_PARAM0, of);
		files_put(&fs->files, of);
	}
	fuse_reply_err(req, -err);
}

static void efs_release(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct efs *fs = fuse_req_userdata(req);
	struct open_file *of = files_remove(&fs->files, fi->fh);

	if (of) {
		/* Flush comes first at every close; this is the rest of a
		 * file whose flush never came. */
		if (node_valid(ino) && fs->nodes[ino].rule == ACC_PARAM)
			param_apply(fs, ino - INO_PARAM0, of);
		files_put(&fs->files, of);
	}
	fuse_reply_err(req, 0);
}

/*
 * Releases travel in the kernel's background queue, max_background (12)
 * at a time, behind every open of every reader: under hundreds of readers
 * they would pile up there. Let them through as fast as opens come.
 */
static void efs_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->max_background = EFS_MAX_BACKGROUND;
	conn->congestion_threshold = EFS_MAX_BACKGROUND * 3 / 4;
}

const struct fuse_lowlevel_ops efs_ops = {
	.init = efs_init,
	.lookup = efs_lookup,
	.getattr = efs_getattr,
	.setattr = efs_setattr,
	.access = efs_access,
	.mknod = efs_mknod,
	.mkdir = efs_mkdir,
	.unlink = efs_unlink,
	.rmdir = efs_unlink,
	.symlink = efs_symlink,
	.link = efs_link,
	.rename = efs_rename,
	.create = efs_create,
	.setxattr = efs_setxattr,
	.removexattr = efs_removexattr,
	.fallocate = efs_fallocate,
	.readdir = efs_readdir,
	.open = efs_open,
	.read = efs_read,
	.write = efs_write,
	.flush = efs_flush,
	.release = efs_release,
};

void efs_build_tree(struct efs *fs)
{
	struct node *n = fs->nodes;

	n[INO_ROOT] = (struct node){ INO_ROOT, "", S_IFDIR | 0555, ACC_ANYONE };
	n[INO_ALL] = (struct node){ INO_ROOT, "all", S_IFREG | 0400, ACC_PRIVILEGED };
	n[INO_CGROUP] = (struct node){ INO_ROOT, "cgroup", S_IFREG | 0444, ACC_ANYONE };
	n[INO_SYS] = (struct node){ INO_ROOT, "sys", S_IFREG | 0400, ACC_PRIVILEGED };
	n[INO_METRICS] = (struct node){ INO_ROOT, "metrics", S_IFREG | 0400, ACC_PRIVILEGED };
	n[INO_ALL_JSON] = (struct node){ INO_ROOT, "all.json", S_IFREG | 0400, ACC_PRIVILEGED };
	n[INO_CGROUP_JSON] = (struct node){ INO_ROOT, "cgroup.json", S_IFREG | 0444, ACC_ANYONE };
	n[INO_PARAMS] = (struct node){ INO_ROOT, "params", S_IFDIR | 0555, ACC_ANYONE };
	for (int i = 0; i < P_MAX; i++)
		n[INO_PARAM0 + i] = (struct node){ INO_PARAMS, param_descs[i].name,
						   S_IFREG | 0644, ACC_PARAM };
}
