// SPDX-License-Identifier: GPL-2.0-only
/*
 * The /run/energy filesystem. Every file is rendered when it is opened,
 * into a buffer of that open; reads at any offset come from it (direct_io,
 * like /proc), so a reader sees one consistent snapshot and never holds up
 * the sampler. Each handler ends in exactly one fuse_reply_*.
 */
#define FUSE_USE_VERSION 312

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <fuse_lowlevel.h>

#include "caller.h"
#include "fs.h"
#include "log.h"
#include "render.h"
#include "table.h"

#define ENERGYD_VERSION	"0.1"
/* Worker threads kept waiting for requests. */
#define EFS_IDLE_THREADS	10

enum {
	INO_ROOT = FUSE_ROOT_ID,
	INO_ALL,
	INO_CGROUP,
	INO_SYS,
	INO_PARAMS,
	INO_PARAM0,		/* + enum param_id */
	INO_END = INO_PARAM0 + P_MAX,
};

enum access_rule {
	ACC_ANYONE,		/* read by anyone */
	ACC_PRIVILEGED,		/* CAP_SYS_ADMIN in the initial user ns */
	ACC_PARAM,		/* read by anyone, written by the privileged */
};

struct node {
	fuse_ino_t parent;
	const char *name;
	mode_t mode;
	enum access_rule rule;
};

struct efs {
	struct fuse_session *se;
	struct view *v;
	struct caller_env env;
	struct node nodes[INO_END];
	char *mountpoint;
	struct fuse_loop_config *loop_cfg;
	pthread_t thread;
	bool running;
};

/* What an open file serves. */
struct open_file {
	struct rbuf text;
};

static void node_stat(const struct efs *fs, fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = fs->nodes[ino].mode;
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	/* Size-less, like /proc: readers read to EOF. */
}

static bool node_valid(fuse_ino_t ino)
{
	return ino >= INO_ROOT && ino < INO_END;
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

/* Identify the caller of @req into @c: 0 when it may read all and write
 * params/, -EACCES when not, another -errno when it cannot be told. */
static int check_privileged(struct efs *fs, fuse_req_t req, struct caller *c)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	int err;

	err = caller_identify(&fs->env, ctx->pid, ctx->uid, ctx->gid, c);
	if (err)
		return err;
	return c->privileged ? 0 : -EACCES;
}

/* `echo v > params/x` truncates first: accept it for parameters only. */
static void efs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			int to_set, struct fuse_file_info *fi)
{
	struct efs *fs = fuse_req_userdata(req);
	struct caller c;
	struct stat st;
	int err;

	(void)attr;
	(void)fi;
	if (!node_valid(ino) || fs->nodes[ino].rule != ACC_PARAM ||
	    (to_set & ~FUSE_SET_ATTR_SIZE)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	err = check_privileged(fs, req, &c);
	if (err) {
		fuse_reply_err(req, -err);
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

static void render_sys(struct view *v, struct rbuf *b)
{
	size_t n = view_rows_used(v), procs = 0;
	struct view_totals tot;
	struct render_head h;

	for (size_t i = 0; i < n; i++)
		procs += proc_used(&v->rows[i]);
	head_of(v, &h, &tot);
	render_head(b, &h);
	rbuf_printf(b, "energy_source=%s\nenergy_basis=%s\nidle_mw=%llu\nenergy_uj=%llu\nidle_uj=%llu\nprocesses_uj=%llu\nexited_uj=%llu\n",
		    v->source, v->basis,
		    attrib_idle_mw(&tot.at, view_param(v, P_IDLE_MW)),
		    tot.at.total_uj, tot.at.idle_uj, tot.at.procs_uj,
		    tot.exited_uj);
	rbuf_printf(b, "pmu=%d\nprocesses=%zu\ncapacity=%llu\n",
		    v->pmu, procs, v->capacity);
	rbuf_printf(b, "dropped_procs=%llu\ndropped_requests=%llu\ndropped_task_storage=%llu\npmu_read_errors=%llu\n",
		    view_count(&v->stats[ENERGY_STAT_PROCS_FULL]),
		    view_count(&v->stats[ENERGY_STAT_REQS_FULL]),
		    view_count(&v->stats[ENERGY_STAT_TASK_STORAGE]),
		    view_count(&v->stats[ENERGY_STAT_PMU_READ]));
	rbuf_printf(b, "late_samples=%llu\nversion=%s\n",
		    view_count(&v->late_samples), ENERGYD_VERSION);
	render_system_line(b, v->rows, n, &tot.exited, tot.at.total_uj);
}

/* Render @ino for caller @c, who may read it. */
static void render(struct efs *fs, fuse_ino_t ino, const struct caller *c,
		   struct rbuf *b)
{
	struct view *v = fs->v;
	struct render_energy en;
	struct view_totals tot;
	struct window_snap *w;
	struct render_head h;

	switch (ino) {
	case INO_SYS:
		render_sys(v, b);
		break;
	case INO_ALL:
		head_of(v, &h, &tot);
		en.uj = v->energy_uj;
		en.key = v->energy_key;
		en.total_uj = tot.at.total_uj;
		render_all(b, &h, v->rows, view_rows_used(v), &tot.exited, &en);
		break;
	case INO_CGROUP:
		w = view_window_get(v);
		if (w && c->cgroup_id)
			render_cgroup(b, w, c->cgroup_id, c->pidns_ino);
		view_window_put(v, w);
		break;
	default:
		rbuf_printf(b, "%llu\n", view_param(v, ino - INO_PARAM0));
		break;
	}
}

/* Whether caller @c may open @n with @flags: the node's rule decides. */
static int may_open(const struct node *n, const struct caller *c, int flags)
{
	bool write = (flags & O_ACCMODE) != O_RDONLY;

	switch (n->rule) {
	case ACC_PRIVILEGED:
		return !write && c->privileged ? 0 : -EACCES;
	case ACC_PARAM:
		return !write || c->privileged ? 0 : -EACCES;
	default:
		return write ? -EACCES : 0;
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
	      may_open(&fs->nodes[ino], &c, fi->flags);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	of = calloc(1, sizeof(*of));
	if (!of) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	render(fs, ino, &c, &of->text);
	if (of->text.oom) {
		rbuf_free(&of->text);
		free(of);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->fh = (uintptr_t)of;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->nonseekable = 0;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		/* the caller was interrupted: release will not come */
		rbuf_free(&of->text);
		free(of);
	}
}

static void efs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;

	(void)ino;
	if (off < 0 || (size_t)off >= of->text.len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > of->text.len - off)
		size = of->text.len - off;
	fuse_reply_buf(req, of->text.data + off, size);
}

static void efs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		      size_t size, off_t off, struct fuse_file_info *fi)
{
	struct efs *fs = fuse_req_userdata(req);
	__u64 cur[P_MAX], v;
	char why[96], quoted[200];
	enum param_id id;
	int err;

	(void)fi;
	if (!node_valid(ino) || fs->nodes[ino].rule != ACC_PARAM) {
		fuse_reply_err(req, EACCES);
		return;
	}
	id = ino - INO_PARAM0;
	for (int i = 0; i < P_MAX; i++)
		cur[i] = view_param(fs->v, i);
	err = off ? -EINVAL : param_check(id, buf, size, cur, &v, why, sizeof(why));
	if (err) {
		param_quote(quoted, buf, size);
		log_warn("params/%s: '%s' %s; unchanged at %llu",
			 param_descs[id].name, quoted,
			 off ? "written past the start" : why, cur[id]);
		fuse_reply_err(req, EINVAL);
		return;
	}
	view_param_set(fs->v, id, v);
	log_info("params/%s: %llu (was %llu)", param_descs[id].name, v, cur[id]);
	fuse_reply_write(req, size);
}

static void efs_release(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;

	(void)ino;
	if (of) {
		rbuf_free(&of->text);
		free(of);
	}
	fuse_reply_err(req, 0);
}

static const struct fuse_lowlevel_ops efs_ops = {
	.lookup = efs_lookup,
	.getattr = efs_getattr,
	.setattr = efs_setattr,
	.readdir = efs_readdir,
	.open = efs_open,
	.read = efs_read,
	.write = efs_write,
	.release = efs_release,
};

static void build_tree(struct efs *fs)
{
	struct node *n = fs->nodes;

	n[INO_ROOT] = (struct node){ INO_ROOT, "", S_IFDIR | 0555, ACC_ANYONE };
	n[INO_ALL] = (struct node){ INO_ROOT, "all", S_IFREG | 0400, ACC_PRIVILEGED };
	n[INO_CGROUP] = (struct node){ INO_ROOT, "cgroup", S_IFREG | 0444, ACC_ANYONE };
	n[INO_SYS] = (struct node){ INO_ROOT, "sys", S_IFREG | 0400, ACC_PRIVILEGED };
	n[INO_PARAMS] = (struct node){ INO_ROOT, "params", S_IFDIR | 0555, ACC_ANYONE };
	for (int i = 0; i < P_MAX; i++)
		n[INO_PARAM0 + i] = (struct node){ INO_PARAMS, param_descs[i].name,
						   S_IFREG | 0644, ACC_PARAM };
}

/* A stale mount (its daemon was killed) answers ENOTCONN: detach it. An
 * existing directory must be empty; a missing one is created. */
static int prepare_mountpoint(const char *mp)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (stat(mp, &st) && errno == ENOTCONN) {
		if (umount2(mp, MNT_DETACH)) {
			log_err("%s: cannot detach the stale mount: %s", mp,
				strerror(errno));
			return -errno;
		}
		log_info("%s: detached a stale mount left by an earlier energyd", mp);
	}
	if (stat(mp, &st)) {
		if (errno != ENOENT || mkdir(mp, 0755)) {
			log_err("%s: %s", mp, strerror(errno));
			return -errno;
		}
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("%s: not a directory", mp);
		return -ENOTDIR;
	}
	d = opendir(mp);
	if (!d) {
		log_err("%s: %s", mp, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			break;
	closedir(d);
	if (de) {
		log_err("%s: not empty; refusing to mount over it", mp);
		return -ENOTEMPTY;
	}
	return 0;
}

static void *loop_thread(void *arg)
{
	struct efs *fs = arg;

	fuse_session_loop_mt(fs->se, fs->loop_cfg);
	return NULL;
}

int efs_start(struct efs **out, const char *mountpoint, struct view *v)
{
	char *argv[] = { "energyd", "-o", "allow_other,fsname=energyd,subtype=energyd", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct efs *fs;
	int err;

	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->v = v;
	build_tree(fs);
	err = caller_env_init(&fs->env);
	if (err) {
		log_err("cannot read the daemon's namespaces: %s", strerror(-err));
		goto fail;
	}
	fs->mountpoint = strdup(mountpoint);
	if (!fs->mountpoint) {
		err = -ENOMEM;
		goto fail;
	}
	fs->loop_cfg = fuse_loop_cfg_create();
	if (!fs->loop_cfg) {
		err = -ENOMEM;
		goto fail;
	}
	fuse_loop_cfg_set_clone_fd(fs->loop_cfg, 0);
	fuse_loop_cfg_set_idle_threads(fs->loop_cfg, EFS_IDLE_THREADS);
	err = prepare_mountpoint(mountpoint);
	if (err)
		goto fail;
	fs->se = fuse_session_new(&args, &efs_ops, sizeof(efs_ops), fs);
	if (!fs->se) {
		log_err("cannot create the FUSE session");
		err = -EIO;
		goto fail;
	}
	if (fuse_session_mount(fs->se, mountpoint)) {
		log_err("%s: cannot mount (is /dev/fuse there?)", mountpoint);
		err = -EIO;
		goto fail;
	}
	err = -pthread_create(&fs->thread, NULL, loop_thread, fs);
	if (err) {
		log_err("cannot start the FUSE thread: %s", strerror(-err));
		fuse_session_unmount(fs->se);
		goto fail;
	}
	fs->running = true;
	*out = fs;
	return 0;
fail:
	if (fs->se)
		fuse_session_destroy(fs->se);
	if (fs->loop_cfg)
		fuse_loop_cfg_destroy(fs->loop_cfg);
	caller_env_fini(&fs->env);
	free(fs->mountpoint);
	free(fs);
	return err;
}

void efs_stop(struct efs *fs)
{
	if (!fs)
		return;
	if (fs->running) {
		fuse_session_exit(fs->se);
		/* Detaching ends the connection: the loop's reads fail and
		 * its threads return. */
		if (umount2(fs->mountpoint, MNT_DETACH))
			log_warn("%s: unmount: %s", fs->mountpoint, strerror(errno));
		pthread_join(fs->thread, NULL);
	}
	fuse_session_unmount(fs->se);
	fuse_session_destroy(fs->se);
	fuse_loop_cfg_destroy(fs->loop_cfg);
	caller_env_fini(&fs->env);
	free(fs->mountpoint);
	free(fs);
}
