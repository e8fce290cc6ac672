// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyd: per-process energy accounting with eBPF.
 *
 * Start-up in dependency order: options, lock, the HTTP listener's socket
 * (a port taken fails before anything else starts), collector (BPF),
 * energy sources, the sampler's first window, the filesystem, the HTTP
 * server's threads, the pins; readiness
 * is reported (systemd, or the parent of a daemonised energyd) only once
 * everything is up. Teardown in reverse.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>

#include "collector.h"
#include "config.h"
#include "dump.h"
#include "fs.h"
#include "handover.h"
#include "http.h"
#include "keep.h"
#include "log.h"
#include "options.h"
#include "publish.h"
#include "rapl.h"
#include "sampler.h"
#include "table.h"
#include "view.h"

#define LOCK_FILE	"/run/energyd.pid"
/* Written where --record starts, and skipped by energyctl train. */
#define RECORD_HEADER	"# energyd --record: one line per window\n"

/* The conditions energyd cannot run without, each named on its own. */
static int check_environment(void)
{
	if (geteuid() != 0) {
		log_err("must run as root: loading BPF programs needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		log_err("kernel BTF not found at /sys/kernel/btf/vmlinux: a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed");
		return -ENOENT;
	}
	return 0;
}

/* One energyd at a time: they would share the pinned maps. */
static int take_lock(void)
{
	char buf[32];
	int fd, len;

	fd = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_err("cannot open %s: %s", LOCK_FILE, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		len = read(fd, buf, sizeof(buf) - 1);
		buf[len > 0 ? len : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_err("another energyd is running (pid %s, lock %s)",
			len > 0 ? buf : "?", LOCK_FILE);
		close(fd);
		return -EBUSY;
	}
	len = snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (ftruncate(fd, 0) || pwrite(fd, buf, len, 0) != len)
		log_warn("cannot write %s: %s", LOCK_FILE, strerror(errno));
	return fd;
}

/*
 * Without -f: fork, and let the parent exit once the child reports that it
 * is up (exit 0) or failed (exit 1), so "energyd && next" is reliable.
 */
static int daemonize(int *ready_fd)
{
	int pfd[2];
	pid_t pid;
	char c;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(pfd[1]);
		_exit(read(pfd[0], &c, 1) == 1 ? 0 : 1);
	}
	close(pfd[0]);
	setsid();
	*ready_fd = pfd[1];
	return 0;
}

/* The energy source, or NULL when nothing measures energy; what the view
 * says about it. Returns 0 or -errno, logged. */
static int open_energy(const struct config *cfg, struct rapl **out,
		       struct view *v)
{
	struct rapl *rapl;
	int err;

	*out = NULL;
	err = rapl_open(&rapl, &cfg->rapl);
	if (err) {
		log_err("energy sources: %s", strerror(-err));
		return err;
	}
	if (rapl_source(rapl) == RAPL_SRC_NONE) {
		rapl_close(rapl);
		v->source = "model";
		v->basis = domain_basis_name(0);
		log_info("no measured energy: energy= is the model's estimate");
		return 0;
	}
	v->source = rapl_source_name(rapl_source(rapl));
	v->rapl_domains = rapl_domains(rapl);
	v->rapl_measuring = v->rapl_domains;
	v->basis = domain_basis_name(v->rapl_domains);
	log_info("energy: %s, %d package(s), measuring %s", v->source,
		 rapl_packages(rapl), v->basis);
	*out = rapl;
	return 0;
}

/* --record FILE: -1 without it. Returns the fd or -errno, logged. */
static int open_record(const struct config *cfg, const struct rapl *rapl)
{
	int fd, err;

	if (!cfg->record)
		return -1;
	if (!rapl) {
		log_err("--record %s: nothing measures energy here; records of the model's own estimate cannot train it",
			cfg->record);
		return -EINVAL;
	}
	fd = open(cfg->record, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_err("--record %s: %s", cfg->record, strerror(errno));
		return -errno;
	}
	/* The first write says at once whether the file takes records. */
	if (write(fd, RECORD_HEADER, sizeof(RECORD_HEADER) - 1) !=
	    sizeof(RECORD_HEADER) - 1) {
		err = errno ? -errno : -EIO;
		log_err("--record %s: cannot write to it: %s", cfg->record,
			strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

/* What the filesystem reads: the collector's live slots and the table's
 * energy, set once before it starts. */
static void view_init(struct view *v, const struct config *cfg,
		      const struct collector *coll, const struct table *t)
{
	v->rows = coll->slots;
	v->rows_next = coll->next_slot;
	v->capacity = coll->max_procs;
	v->energy_uj = t->energy_uj;
	v->carbon_ng = t->carbon_ng;
	v->energy_key = t->ekey;
	v->counted = t->counted;
	v->pmu = coll->pmu_on;
	v->metrics_processes = cfg->metrics_processes;
	v->start_time = real_ns();
	v->sample_time = v->window_time = v->start_time;
	for (int i = 0; i < P_MAX; i++)
		v->param_time[i] = v->start_time;
	memcpy(v->params, cfg->params, sizeof(v->params));
}

/* SIGHUP: the configuration file again. */
struct reload {
	struct config *cfg;
	struct view *v;
};

static void reload(void *arg)
{
	struct reload *r = arg;

	config_reload(r->cfg, r->v);
}

/* The first window, the files, the HTTP server, the pins; then
 * readiness, then samples until a stop signal. */
static int serve(struct config *cfg, struct view *v,
		 struct collector *coll, struct keep *kp, struct rapl *rapl,
		 struct http *http, struct handover *h, int record_fd,
		 int ready_fd, int signal_fd)
{
	struct reload r = { cfg, v };
	struct efs *fs = NULL;
	struct sampler smp;
	bool keep = false;
	int err;

	err = sampler_init(&smp, v, coll, kp->t, rapl, record_fd, kp->k,
			   kp->resumed);
	if (err)
		return err;
	keep_valid(kp);
	smp.reload = reload;
	smp.reload_arg = &r;
	if (cfg->mountpoint) {
		err = efs_start(&fs, cfg->mountpoint, v, &h->fuse);
		if (err)
			goto out;
		log_info("serving %s", cfg->mountpoint);
		if (!efs_adopted(fs))
			handover_store_fuse(fs);
	}
	if (http) {
		err = http_start(http, v);
		if (err)
			goto out;
	}
	/* Last: the pinned "cgroups" tells scripts that all is up. */
	err = coll_pin(coll) ?: sampler_start(&smp);
	if (err)
		goto out;
	handover_store_counts(h, coll, kp);
	sd_notify(0, "READY=1");
	if (ready_fd >= 0 && write(ready_fd, "", 1) != 1)
		log_warn("cannot report readiness: %s", strerror(errno));
	err = sampler_run(&smp, signal_fd, fs);
	/* A restart that systemd queued keeps the mount for the next
	 * energyd; any other stop takes it away. */
	keep = !err && fs && handover_restart_pending();
out:
	http_stop(http);
	efs_stop(fs, keep);
	if (!keep)
		handover_forget(h, coll);
	sampler_fini(&smp);
	return err;
}

int main(int argc, char **argv)
{
	struct view v = {
		.params_lock = PTHREAD_MUTEX_INITIALIZER,
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.wake_fd = -1,
	};
	int lock_fd = -1, ready_fd = -1, record_fd = -1, signal_fd = -1, err;
	struct rapl *rapl = NULL;
	struct http *http = NULL;
	struct handover h = { .fuse = { -1, -1 }, .state_fd = -1 };
	struct keep kp = { .fd = -1 };
	struct collector coll;
	struct table table;
	struct config cfg;
	sigset_t mask;

	if (config_parse(&cfg, argc, argv)) {
		config_fini(&cfg);
		return 2;
	}
	/* Two malloc arenas for every thread, not eight per CPU: the
	 * filesystem's threads would keep memory in each. */
	mallopt(M_ARENA_MAX, 2);
	log_init(false, cfg.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	err = check_environment();
	if (err)
		return 1;

	/* Signals are read from a signalfd; block them before any thread or
	 * child exists. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	if (cfg.dump) {
		cfg.foreground = true;
	} else {
		if (!cfg.foreground) {
			err = daemonize(&ready_fd);
			if (err) {
				log_err("cannot daemonise: %s", strerror(-err));
				return 1;
			}
			/* The parent still shows errors up to readiness. */
			log_init(true, cfg.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
		}
		lock_fd = take_lock();
		if (lock_fd < 0)
			return 1;
		handover_collect(&h);
		if (cfg.listen.len) {
			err = http_open(&http, &cfg.listen);
			if (err)
				goto out_lock;
		}
	}

	h.bpf.tag = keep_peek_tag(h.state_fd);
	err = coll_init(&coll, &cfg.coll, &h.bpf);
	if (err)
		goto out_lock;
	if (cfg.dump) {
		err = table_init(&table, coll.max_procs);
		if (!err)
			err = dump(&coll, &table, cfg.params[P_SAMPLE_NS]);
		table_fini(&table);
		goto out_coll;
	}
	err = keep_open(&kp, h.state_fd, coll.adopted, coll.tag, coll.max_procs);
	h.state_fd = -1;
	if (err)
		goto out_coll;
	err = open_energy(&cfg, &rapl, &v);
	if (err)
		goto out_table;
	record_fd = open_record(&cfg, rapl);
	if (record_fd < -1) {
		err = record_fd;
		goto out_rapl;
	}
	view_init(&v, &cfg, &coll, kp.t);
	v.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (v.wake_fd < 0 || signal_fd < 0) {
		err = -errno;
		log_err("eventfd, signalfd: %s", strerror(errno));
		goto out_fds;
	}
	err = serve(&cfg, &v, &coll, &kp, rapl, http, &h, record_fd,
		    ready_fd, signal_fd);
out_fds:
	if (signal_fd >= 0)
		close(signal_fd);
	if (v.wake_fd >= 0)
		close(v.wake_fd);
	view_window_put(&v, v.win);
	if (record_fd >= 0)
		close(record_fd);
out_rapl:
	rapl_close(rapl);
out_table:
	keep_close(&kp);
out_coll:
	coll_fini(&coll);
out_lock:
	handover_fini(&h);
	http_close(http);
	if (ready_fd >= 0)
		close(ready_fd);
	if (lock_fd >= 0) {
		/* Emptied, never unlinked: a starting energyd may have opened
		 * this inode already, and would lock it while another locks a
		 * new file of the same name. */
		if (ftruncate(lock_fd, 0))
			log_warn("cannot empty %s: %s", LOCK_FILE, strerror(errno));
		close(lock_fd);
	}
	config_fini(&cfg);
	return err ? 1 : 0;
}
