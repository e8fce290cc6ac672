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
#include <sys/resource.h>
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
#define SAMPLER_NICE	-10

struct config {
	__u64 params[P_MAX];		/* built-in model, --weights, options */
	bool set[P_MAX];		/* given by --weights */
	const char *mountpoint;		/* NULL: no filesystem */
	const char *weights;		/* --weights FILE */
	const char *record;		/* --record FILE */
	struct rapl_opts rapl;
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
		"      --weights FILE     energy model parameters (default: model/weights.conf\n"
		"                         as built in)\n"
		"      --energy-source S  auto, perf, powercap, msr or none (default auto)\n"
		"      --msr-dir DIR      MSR devices as DIR/N/msr (default /dev/cpu)\n"
		"      --powercap-dir DIR powercap tree (default /sys/class/powercap)\n"
		"      --perf-dir DIR     perf power PMU (default\n"
		"                         /sys/bus/event_source/devices/power)\n"
		"      --probe-ns NS      how long a source's counters must move to count\n"
		"      --record FILE      append each window's measured energy and metrics\n"
		"                         to FILE, for energyd-train\n"
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
	OPT_WEIGHTS,
	OPT_ENERGY_SOURCE,
	OPT_MSR_DIR,
	OPT_POWERCAP_DIR,
	OPT_PERF_DIR,
	OPT_PROBE_NS,
	OPT_RECORD,
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

/* The model built in from model/weights.conf. */
static const char default_weights[] =
#include "default_weights.h"
	;

/* --weights FILE: all of it valid, or nothing of it used. */
static int load_weights(struct config *cfg)
{
	char why[160], *text;
	long len;
	FILE *f;
	int err;

	f = fopen(cfg->weights, "r");
	if (!f) {
		fprintf(stderr, "energyd: --weights %s: %s\n", cfg->weights,
			strerror(errno));
		return -errno;
	}
	text = malloc(1 << 20);
	len = text ? (long)fread(text, 1, (1 << 20) - 1, f) : -1;
	fclose(f);
	if (len < 0 || len == (1 << 20) - 1) {
		fprintf(stderr, "energyd: --weights %s: %s\n", cfg->weights,
			len < 0 ? "out of memory" : "larger than 1 MiB");
		free(text);
		return -EINVAL;
	}
	text[len] = '\0';
	err = params_parse_conf(text, cfg->params, cfg->set, why, sizeof(why));
	free(text);
	if (err)
		fprintf(stderr, "energyd: --weights %s: %s\n", cfg->weights, why);
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
		{ "weights", required_argument, NULL, OPT_WEIGHTS },
		{ "energy-source", required_argument, NULL, OPT_ENERGY_SOURCE },
		{ "msr-dir", required_argument, NULL, OPT_MSR_DIR },
		{ "powercap-dir", required_argument, NULL, OPT_POWERCAP_DIR },
		{ "perf-dir", required_argument, NULL, OPT_PERF_DIR },
		{ "probe-ns", required_argument, NULL, OPT_PROBE_NS },
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	__u64 v, sample_ns = 0, window_ns = 0;
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
					  SAMPLE_NS_MAX, &sample_ns))
				return -EINVAL;
			break;
		case OPT_WINDOW_NS:
			if (parse_opt_u64("window-ns", optarg, SAMPLE_NS_MIN,
					  WINDOW_NS_MAX, &window_ns))
				return -EINVAL;
			break;
		case OPT_WEIGHTS:
			cfg->weights = optarg;
			break;
		case OPT_ENERGY_SOURCE:
			if (rapl_parse_source(optarg, &cfg->rapl.want)) {
				fprintf(stderr, "energyd: --energy-source: '%s' is not one of auto, perf, powercap, msr, none\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_MSR_DIR:
			cfg->rapl.msr_dir = optarg;
			break;
		case OPT_POWERCAP_DIR:
			cfg->rapl.powercap_dir = optarg;
			break;
		case OPT_PERF_DIR:
			cfg->rapl.perf_dir = optarg;
			break;
		case OPT_RECORD:
			cfg->record = optarg;
			break;
		case OPT_PROBE_NS:
			if (parse_opt_u64("probe-ns", optarg, 1000000, 10000000000ULL,
					  &v))
				return -EINVAL;
			cfg->rapl.probe_ns = v;
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
	if (cfg->weights && load_weights(cfg))
		return -EINVAL;
	/* Options win over the file. */
	if (sample_ns)
		cfg->params[P_SAMPLE_NS] = sample_ns;
	if (window_ns)
		cfg->params[P_WINDOW_NS] = window_ns;
	if (cfg->params[P_WINDOW_NS] < cfg->params[P_SAMPLE_NS]) {
		fprintf(stderr, "energyd: window_ns %llu is shorter than sample_ns %llu\n",
			cfg->params[P_WINDOW_NS], cfg->params[P_SAMPLE_NS]);
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

/* The sampler's own state, in its thread only. */
struct sampler {
	struct shared *sh;
	struct table *t;
	struct rapl *rapl;		/* NULL: energy from the model */
	struct table_freed *gone;	/* GONE_MAX */
	struct attrib at;
	__u64 last_window_ns;
	__u64 rapl_uj[RAPL_DOMAINS];	/* sums at the last sample */
	__u64 window_basis_uj;		/* measured energy at the last window
					 * (the sums start at 0 when opened) */
	int ncpus;
	int record_fd;			/* --record, or -1 */
};

/* Measured energy so far: psys where the machine has it, else package
 * plus DRAM. */
static __u64 basis_uj(const struct sampler *s)
{
	unsigned int d = s->sh->rapl_domains;

	if (d & (1U << RAPL_PSYS))
		return s->rapl_uj[RAPL_PSYS];
	return s->rapl_uj[RAPL_PKG] + s->rapl_uj[RAPL_DRAM];
}

static const char *basis_name(unsigned int domains)
{
	if (domains & (1U << RAPL_PSYS))
		return "psys";
	if (domains & (1U << RAPL_DRAM))
		return "pkg+dram";
	return domains ? "pkg" : "none";
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
		w->e[n].energy_uj = table_energy_of(t, i, &t->snap[i].key);
		n++;
	}
	w->n = n;
	w->time_ns = now_ns();
	return w;
}

/* The window's energy, split over the processes of the last sample. */
static void window_energy(struct sampler *s, __u64 window_ns)
{
	struct shared *sh = s->sh;
	struct attrib_in in = {
		.measured = s->rapl != NULL,
		.window_ns = window_ns,
		.idle_mw = shared_param(sh, P_IDLE_MW),
	};
	__u64 now_uj = basis_uj(s);

	/* The first call only primes the table: the energy measured so far
	 * goes to the first real window. */
	if (in.measured && window_ns) {
		in.e_uj = now_uj - s->window_basis_uj;
		s->window_basis_uj = now_uj;
	}
	table_energy_window(s->t, &s->at, &in, &sh->params[P_WEIGHT0],
			    s->ncpus);
	if (s->record_fd >= 0 && window_ns) {
		char line[512];
		int n = model_record_format(line, sizeof(line), &s->t->last_window);

		if (write(s->record_fd, line, n) != n)
			log_warn("--record: %s", strerror(errno));
	}
}

/*
 * A window boundary: energy for the window, then drop what was published
 * a window ago (folding its energy too), publish the window to the cgroup
 * file and the cgroup totals to their map.
 */
static void window(struct sampler *s, __u64 window_ns)
{
	struct energy_counters all_gone = {};
	struct shared *sh = s->sh;
	struct table *t = s->t;
	struct cgroup_total *ct;
	struct window_snap *w;
	__u64 gone_uj = 0;
	size_t n;
	long nct;

	window_energy(s, window_ns);
	n = table_window(t, s->gone, GONE_MAX);
	coll_free(sh->coll, s->gone, n);
	for (size_t i = 0; i < t->gone_len; i++) {
		counters_add(&all_gone, &t->gone[i].c);
		gone_uj += t->gone[i].energy_uj;
	}
	w = window_snapshot(t, sh->coll);
	if (w)
		shared_window_publish(sh, w, &all_gone, gone_uj, &s->at);
	else
		log_warn("window: out of memory; the cgroup file keeps the last window");
	nct = table_cgroup_totals(t, &ct);
	if (nct < 0) {
		log_warn("cgroup totals: %s", strerror(-nct));
		return;
	}
	coll_publish_cgroups(sh->coll, ct, nct);
	free(ct);
}

/*
 * One sample: a new mem/cgroup/comm generation and the RAPL counters (so
 * that none wraps twice unseen); at a window boundary, a copy of the slots
 * into the table and the window's work. The all file reads the live slots
 * itself, so no copy is needed between windows.
 */
static void sample(struct sampler *s)
{
	struct shared *sh = s->sh;
	__u64 now;

	coll_new_sample(sh->coll);
	if (s->rapl && !rapl_read(s->rapl, s->rapl_uj)) {
		pthread_mutex_lock(&sh->lock);
		memcpy(sh->rapl_uj, s->rapl_uj, sizeof(sh->rapl_uj));
		pthread_mutex_unlock(&sh->lock);
	}
	__atomic_add_fetch(&sh->iterations, 1, __ATOMIC_RELAXED);
	now = now_ns();
	if (now - s->last_window_ns + shared_param(sh, P_SAMPLE_NS) / 2 >=
	    shared_param(sh, P_WINDOW_NS)) {
		coll_read(sh->coll, s->t);
		window(s, now - s->last_window_ns);
		s->last_window_ns = now;
	}
}

static int run_loop(struct shared *sh, struct table *t, struct rapl *rapl,
		    const char *mountpoint, int record_fd, int ready_fd)
{
	struct table_freed *gone = calloc(GONE_MAX, sizeof(*gone));
	__u64 sample_ns = shared_param(sh, P_SAMPLE_NS);
	struct sampler smp = {
		.sh = sh,
		.t = t,
		.rapl = rapl,
		.gone = gone,
		.ncpus = sysconf(_SC_NPROCESSORS_ONLN),
		.record_fd = record_fd,
	};
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

	/* The first sample and window, so the files have content at once;
	 * it also sets where the counters of running processes start. */
	if (rapl && !rapl_read(rapl, smp.rapl_uj))
		memcpy(sh->rapl_uj, smp.rapl_uj, sizeof(sh->rapl_uj));
	smp.last_window_ns = now_ns();
	coll_new_sample(sh->coll);
	coll_read(sh->coll, t);
	__atomic_add_fetch(&sh->iterations, 1, __ATOMIC_RELAXED);
	window(&smp, 0);

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
	/* Readers run in the filesystem's threads, at the default priority;
	 * the sampler comes first, so that no load of readers delays a
	 * sample. */
	if (setpriority(PRIO_PROCESS, gettid(), SAMPLER_NICE))
		log_warn("sampler priority: %s", strerror(errno));
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
		sample(&smp);
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
		.tv_sec = cfg->params[P_SAMPLE_NS] / 1000000000ULL,
		.tv_nsec = cfg->params[P_SAMPLE_NS] % 1000000000ULL,
	};
	const struct energy_proc **v;
	char line[256];
	size_t n = 0;

	coll_new_sample(coll);
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
		.params = {
			[P_SAMPLE_NS] = SAMPLE_NS_DEFAULT,
			[P_WINDOW_NS] = WINDOW_NS_DEFAULT,
		},
		.mountpoint = EFS_DEFAULT_MOUNTPOINT,
		.rapl = { .want = RAPL_SRC_AUTO },
	};
	struct rapl *rapl = NULL;
	int record_fd = -1;
	char why[160];
	struct shared sh = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.wake_fd = -1,
	};
	struct collector coll;
	struct table table;
	int lock_fd = -1, ready_fd = -1, err;
	sigset_t mask;

	if (params_parse_conf(default_weights, cfg.params, cfg.set, why,
			      sizeof(why))) {
		fprintf(stderr, "energyd: built-in model/weights.conf: %s\n", why);
		return 2;
	}
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
		goto out_table;
	}
	err = rapl_open(&rapl, &cfg.rapl);
	if (err) {
		log_err("energy sources: %s", strerror(-err));
		goto out_table;
	}
	if (rapl_source(rapl) == RAPL_SRC_NONE) {
		rapl_close(rapl);
		rapl = NULL;
		sh.source = "model";
		log_info("no measured energy: energy= is the model's estimate");
	} else {
		sh.source = rapl_source_name(rapl_source(rapl));
		sh.rapl_domains = rapl_domains(rapl);
	}
	sh.basis = basis_name(sh.rapl_domains);
	if (cfg.record) {
		if (!rapl) {
			log_err("--record %s: nothing measures energy here; records of the model's own estimate cannot train it",
				cfg.record);
			err = -EINVAL;
			goto out_table;
		}
		record_fd = open(cfg.record, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (record_fd < 0) {
			err = -errno;
			log_err("--record %s: %s", cfg.record, strerror(errno));
			rapl_close(rapl);
			goto out_table;
		}
	}
	if (rapl)
		log_info("energy: %s, %d package(s), measuring %s", sh.source,
			 rapl_packages(rapl), sh.basis);
	sh.coll = &coll;
	sh.table = &table;
	sh.max_procs = coll.max_procs;
	memcpy(sh.params, cfg.params, sizeof(sh.params));
	sh.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sh.wake_fd < 0) {
		err = -errno;
		log_err("eventfd: %s", strerror(errno));
	} else {
		err = run_loop(&sh, &table, rapl, cfg.mountpoint, record_fd,
			       ready_fd);
		close(sh.wake_fd);
	}
	shared_window_put(&sh, sh.win);
	rapl_close(rapl);
	if (record_fd >= 0)
		close(record_fd);
out_table:
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
