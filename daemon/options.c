// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fs.h"
#include "metrics.h"
#include "options.h"

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
		"      --listen [ADDR:]PORT\n"
		"                         serve Prometheus metrics over HTTP at ADDR:PORT\n"
		"                         (numeric IPv4, or IPv6 in brackets; a bare PORT\n"
		"                         listens on %s only)\n"
		"      --record FILE      append each window's measured energy and metrics\n"
		"                         to FILE, for energyctl train\n"
		"      --metrics-processes N  per-process series for the N processes\n"
		"                         highest by energy, the rest summed (default 0:\n"
		"                         per cgroup only; at most %d)\n"
		"      --legacy-hooks     use raw tracepoints and the oldest tracepoint of\n"
		"                         each metric (to test the fallbacks)\n"
		"      --dump             print one sample of every process and exit\n"
		"  -v, --verbose          debug messages, libbpf's included\n"
		"  -h, --help             this text\n",
		SAMPLE_NS_DEFAULT, SAMPLE_NS_MIN, SAMPLE_NS_MAX, WINDOW_NS_DEFAULT,
		EFS_DEFAULT_MOUNTPOINT, LISTEN_DEFAULT_ADDR, METRICS_PROCESSES_MAX);
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
	OPT_METRICS_PROCESSES,
	OPT_LISTEN,
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

/* The largest weights file read. */
#define WEIGHTS_MAX	(1 << 20)

/* Read the whole of --weights FILE, a regular file of at most WEIGHTS_MAX
 * bytes and no NUL, into a string to be freed; NULL with the reason
 * printed. */
static char *read_weights(const char *path)
{
	const char *why = NULL;
	char *text = NULL, *nul;
	ssize_t len = 0, n;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		why = strerror(errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		why = S_ISDIR(st.st_mode) ? "is a directory, not a file of weights"
					  : "is not a regular file";
		goto out;
	}
	text = malloc(WEIGHTS_MAX + 2);
	if (!text) {
		why = "out of memory";
		goto out;
	}
	while (len <= WEIGHTS_MAX &&
	       (n = read(fd, text + len, WEIGHTS_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			why = strerror(errno);
			goto out;
		}
		len += n;
	}
	if (len > WEIGHTS_MAX) {
		why = "is larger than 1 MiB";
		goto out;
	}
	text[len] = '\0';
	nul = memchr(text, '\0', len);
	if (nul) {
		fprintf(stderr, "energyd: --weights %s: holds a NUL byte at offset %zd: not a text file\n",
			path, nul - text);
		free(text);
		text = NULL;
	}
out:
	if (why) {
		fprintf(stderr, "energyd: --weights %s: %s\n", path, why);
		free(text);
		text = NULL;
	}
	if (fd >= 0)
		close(fd);
	return text;
}

/* --weights FILE: all of it valid, or nothing of it used. */
static int load_weights(struct config *cfg)
{
	char why[160], *text;
	int err;

	text = read_weights(cfg->weights);
	if (!text)
		return -EINVAL;
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
		{ "metrics-processes", required_argument, NULL, OPT_METRICS_PROCESSES },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	__u64 v, sample_ns = 0, window_ns = 0;
	char why[160];
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
		case OPT_LISTEN:
			if (listen_parse(optarg, &cfg->listen, why, sizeof(why))) {
				fprintf(stderr, "energyd: --listen '%s': %s\n", optarg, why);
				return -EINVAL;
			}
			break;
		case OPT_PROBE_NS:
			if (parse_opt_u64("probe-ns", optarg, 1000000, 10000000000ULL,
					  &v))
				return -EINVAL;
			cfg->rapl.probe_ns = v;
			break;
		case OPT_METRICS_PROCESSES:
			if (parse_opt_u64("metrics-processes", optarg, 0,
					  METRICS_PROCESSES_MAX, &v))
				return -EINVAL;
			cfg->metrics_processes = v;
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

int config_parse(struct config *cfg, int argc, char **argv)
{
	char why[160];

	*cfg = (struct config){
		.params = {
			[P_SAMPLE_NS] = SAMPLE_NS_DEFAULT,
			[P_WINDOW_NS] = WINDOW_NS_DEFAULT,
		},
		.mountpoint = EFS_DEFAULT_MOUNTPOINT,
		.rapl = { .want = RAPL_SRC_AUTO },
	};
	if (params_parse_conf(default_weights, cfg->params, cfg->set, why,
			      sizeof(why))) {
		fprintf(stderr, "energyd: built-in model/weights.conf: %s\n", why);
		return -EINVAL;
	}
	return parse_args(argc, argv, cfg);
}
