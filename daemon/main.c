// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyd: per-process energy accounting with eBPF.
 *
 * Start-up in dependency order: options, lock, collector (BPF), then the
 * sampling loop; readiness is reported (systemd, or the parent of a
 * daemonised energyd) only once everything is up. Teardown in reverse.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>

#include "collector.h"
#include "format.h"
#include "fs.h"
#include "log.h"
#include "params.h"
#include "shared.h"
#include "table.h"

#define LOCK_FILE	"/run/energyd.pid"
#define GONE_MAX	4096

struct config {
	__u64 sample_ns;
	__u64 window_ns;
	const char *mountpoint;		/* NULL: no filesystem */
	struct coll_opts coll;
	bool foreground;
	bool verbose;
	bool dump;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: energyd [OPTION]...\n"
		"Per-process energy accounting with eBPF.\n\n"
		"  -f, --foreground       stay in the foreground, log to stderr\n"
		"      --sample-ns NS     sampling interval (default %llu, %llu..%llu)\n"
		"      --window-ns NS     publication window (default %llu)\n"
		"      --max-procs N      capacity of the process map (default from pid_max)\n"
		"      --mountpoint DIR   where to serve the files (default %s)\n"
		"      --no-mount         serve no files\n"
		"      --legacy-hooks     use raw tracepoints and the oldest tracepoint of\n"
		"                         each metric (to test the fallbacks)\n"
		"      --dump             print one sample of every process and exit\n"
		"  -v, --verbose          debug messages, libbpf's included\n"
		"  -h, --help             this text\n",
		SAMPLE_NS_DEFAULT, SAMPLE_NS_MIN, SAMPLE_NS_MAX, WINDOW_NS_DEFAULT,
		EFS_DEFAULT_MOUNTPOINT);
}

enum {
	OPT_SAMPLE_NS = 0x100,
	OPT_WINDOW_NS,
	OPT_MAX_PROCS,
	OPT_LEGACY_HOOKS,
	OPT_DUMP,
	OPT_MOUNTPOINT,
	OPT_NO_MOUNT,
};

static int parse_opt_u64(const char *opt, const char *arg, __u64 min,
			 __u64 max, __u64 *out)
{
	int err = param_parse_u64(arg, strlen(arg), min, max, out);

	if (err)
		fprintf(stderr, "energyd: --%s: '%s' is %s (allowed: %llu..%llu)\n",
			opt, arg, err == -ERANGE ? "out of range" : "not a number",
			min, max);
	return err;
}

static int parse_args(int argc, char **argv, struct config *cfg)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "sample-ns", required_argument, NULL, OPT_SAMPLE_NS },
		{ "window-ns", required_argument, NULL, OPT_WINDOW_NS },
		{ "max-procs", required_argument, NULL, OPT_MAX_PROCS },
		{ "legacy-hooks", no_argument, NULL, OPT_LEGACY_HOOKS },
		{ "dump", no_argument, NULL, OPT_DUMP },
		{ "mountpoint", required_argument, NULL, OPT_MOUNTPOINT },
		{ "no-mount", no_argument, NULL, OPT_NO_MOUNT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	__u64 v;
	int c;

	while ((c = getopt_long(argc, argv, "fvh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			cfg->foreground = true;
			break;
		case 'v':
			cfg->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_SAMPLE_NS:
			if (parse_opt_u64("sample-ns", optarg, SAMPLE_NS_MIN,
					  SAMPLE_NS_MAX, &cfg->sample_ns))
				return -EINVAL;
			break;
		case OPT_WINDOW_NS:
			if (parse_opt_u64("window-ns", optarg, SAMPLE_NS_MIN,
					  WINDOW_NS_MAX, &cfg->window_ns))
				return -EINVAL;
			break;
		case OPT_MAX_PROCS:
			if (parse_opt_u64("max-procs", optarg, 64, 1U << 24, &v))
				return -EINVAL;
			cfg->coll.max_procs = v;
			break;
		case OPT_LEGACY_HOOKS:
			cfg->coll.legacy_hooks = true;
			break;
		case OPT_DUMP:
			cfg->dump = true;
			break;
		case OPT_MOUNTPOINT:
			cfg->mountpoint = optarg;
			break;
		case OPT_NO_MOUNT:
			cfg->mountpoint = NULL;
			break;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "energyd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (cfg->window_ns < cfg->sample_ns) {
		fprintf(stderr, "energyd: --window-ns %llu is shorter than --sample-ns %llu\n",
			cfg->window_ns, cfg->sample_ns);
		return -EINVAL;
	}
	return 0;
}

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

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int timer_arm(int fd, __u64 ns)
{
	struct itimerspec its = {
		.it_interval = { ns / 1000000000ULL, ns % 1000000000ULL },
		.it_value = { ns / 1000000000ULL, ns % 1000000000ULL },
	};

	return timerfd_settime(fd, 0, &its, NULL) ? -errno : 0;
}

/* The window the cgroup file serves: every used slot as it is now. */
static struct window_snap *window_snapshot(const struct table *t,
					   const struct collector *coll)
{
	struct window_snap *w;
	size_t n = 0;

	w = malloc(sizeof(*w) + t->len * sizeof(w->e[0]));
	if (!w)
		return NULL;
	for (size_t i = 0; i < t->len; i++) {
		if (!proc_used(&t->snap[i]))
			continue;
		w->e[n].rec = t->snap[i];
		w->e[n].ns = coll->pidns[i];
		w->e[n].energy_uj = 0;
		n++;
	}
	w->n = n;
	w->time_ns = now_ns();
	return w;
}

/* A window boundary: drop what was published a window ago, export the
 * cgroup totals, publish the window to the cgroup file. */
static void window(struct shared *sh, struct table *t,
		   struct table_freed *gone)
{
	struct energy_counters all_gone = {};
	struct collector *coll = sh->coll;
	struct cgroup_total *ct;
	struct window_snap *w;
	size_t n;
	long nct;

	n = table_window(t, gone, GONE_MAX);
	coll_free(coll, gone, n);
	for (size_t i = 0; i < t->gone_len; i++)
		counters_add(&all_gone, &t->gone[i].c);
	w = window_snapshot(t, coll);
	if (w)
		shared_window_publish(sh, w, &all_gone);
	else
		log_warn("window: out of memory; the cgroup file keeps the last window");
	nct = table_cgroup_totals(t, &ct);
	if (nct < 0) {
		log_warn("cgroup totals: %s", strerror(-nct));
		return;
	}
	coll_publish_cgroups(coll, ct, nct);
	free(ct);
}

/* One sample; a window boundary when window_ns has passed. */
static void sample(struct shared *sh, struct table *t,
		   struct table_freed *gone, __u64 *last_window)
{
	__u64 now;

	coll_read(sh->coll, t);
	__atomic_add_fetch(&sh->iterations, 1, __ATOMIC_RELAXED);
	now = now_ns();
	if (now - *last_window + shared_param(sh, P_SAMPLE_NS) / 2 >=
	    shared_param(sh, P_WINDOW_NS)) {
		*last_window = now;
		window(sh, t, gone);
	}
}

static int run_loop(struct shared *sh, struct table *t,
		    const char *mountpoint, int ready_fd)
{
	struct table_freed *gone = calloc(GONE_MAX, sizeof(*gone));
	__u64 last_window, sample_ns = shared_param(sh, P_SAMPLE_NS);
	struct efs *fs = NULL;
	sigset_t mask;
	int tfd = -1, sfd = -1, err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (!gone || sfd < 0 || tfd < 0) {
		err = gone ? -errno : -ENOMEM;
		log_err("sampling loop set-up: %s", strerror(-err));
		goto out;
	}

	/* The first sample and window, so the files have content at once. */
	last_window = now_ns();
	coll_read(sh->coll, t);
	__atomic_add_fetch(&sh->iterations, 1, __ATOMIC_RELAXED);
	window(sh, t, gone);

	if (mountpoint) {
		err = efs_start(&fs, mountpoint, sh);
		if (err)
			goto out;
		log_info("serving %s", mountpoint);
	}
	/* Last: the pinned "cgroups" tells scripts that all is up. */
	err = coll_pin(sh->coll);
	if (err)
		goto out;
	err = timer_arm(tfd, sample_ns);
	if (err)
		goto out;

	log_info("sampling every %llu ns, window %llu ns", sample_ns,
		 shared_param(sh, P_WINDOW_NS));
	sd_notify(0, "READY=1");
	if (ready_fd >= 0) {
		if (write(ready_fd, "", 1) != 1)
			log_warn("cannot report readiness: %s", strerror(errno));
		close(ready_fd);
	}

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = tfd, .events = POLLIN },
			{ .fd = sh->wake_fd, .events = POLLIN },
		};
		__u64 ticks;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si) &&
			    si.ssi_signo != SIGHUP) {
				log_info("%s: stopping", strsignal(si.ssi_signo));
				err = 0;
				break;
			}
		}
		if ((pfd[2].revents & POLLIN) &&
		    read(sh->wake_fd, &ticks, sizeof(ticks)) == sizeof(ticks) &&
		    shared_param(sh, P_SAMPLE_NS) != sample_ns) {
			/* A new interval counts from now. */
			sample_ns = shared_param(sh, P_SAMPLE_NS);
			if (timer_arm(tfd, sample_ns))
				log_warn("cannot re-arm the sampling timer: %s",
					 strerror(errno));
		}
		if (!(pfd[1].revents & POLLIN) ||
		    read(tfd, &ticks, sizeof(ticks)) != sizeof(ticks))
			continue;
		if (ticks > 3)
			__atomic_add_fetch(&sh->late_samples, 1, __ATOMIC_RELAXED);
		if (ticks > 1)
			log_debug("sampling fell %llu samples behind", ticks - 1);
		sample(sh, t, gone, &last_window);
	}
out:
	efs_stop(fs);
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	free(gone);
	return err;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct energy_proc *x = *(const struct energy_proc *const *)a;
	const struct energy_proc *y = *(const struct energy_proc *const *)b;

	if (x->key.tgid != y->key.tgid)
		return x->key.tgid < y->key.tgid ? -1 : 1;
	return x->key.start_ns < y->key.start_ns ? -1 : x->key.start_ns > y->key.start_ns;
}

/* --dump: one sample of every process, in the original's line format. */
static int dump(const struct config *cfg, struct collector *coll,
		struct table *t)
{
	struct timespec ts = {
		.tv_sec = cfg->sample_ns / 1000000000ULL,
		.tv_nsec = cfg->sample_ns % 1000000000ULL,
	};
	const struct energy_proc **v;
	char line[256];
	size_t n = 0;

	nanosleep(&ts, NULL);
	coll_read(coll, t);
	v = malloc((t->len + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->len; i++)
		if (proc_used(&t->snap[i]))
			v[n++] = &t->snap[i];
	qsort(v, n, sizeof(*v), cmp_pid);
	for (size_t i = 0; i < n; i++) {
		format_proc_line(line, sizeof(line), v[i]->key.tgid, 0, v[i], NULL);
		fputs(line, stdout);
	}
	free(v);
	return fflush(stdout) ? -errno : 0;
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

int main(int argc, char **argv)
{
	struct config cfg = {
		.sample_ns = SAMPLE_NS_DEFAULT,
		.window_ns = WINDOW_NS_DEFAULT,
		.mountpoint = EFS_DEFAULT_MOUNTPOINT,
	};
	struct shared sh = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.wake_fd = -1,
	};
	struct collector coll;
	struct table table;
	int lock_fd = -1, ready_fd = -1, err;
	sigset_t mask;

	if (parse_args(argc, argv, &cfg))
		return 2;
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
	}

	err = coll_init(&coll, &cfg.coll);
	if (err)
		goto out_lock;
	err = table_init(&table, coll.max_procs);
	if (err)
		goto out_coll;

	if (cfg.dump) {
		err = dump(&cfg, &coll, &table);
	} else {
		sh.coll = &coll;
		sh.max_procs = coll.max_procs;
		sh.params[P_SAMPLE_NS] = cfg.sample_ns;
		sh.params[P_WINDOW_NS] = cfg.window_ns;
		sh.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (sh.wake_fd < 0) {
			err = -errno;
			log_err("eventfd: %s", strerror(errno));
		} else {
			err = run_loop(&sh, &table, cfg.mountpoint, ready_fd);
			close(sh.wake_fd);
		}
		shared_window_put(&sh, sh.win);
	}

	table_fini(&table);
out_coll:
	coll_fini(&coll);
out_lock:
	if (lock_fd >= 0) {
		unlink(LOCK_FILE);
		close(lock_fd);
	}
	return err ? 1 : 0;
}
