// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
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
		"      --config FILE      settings and parameters (default %s,\n"
		"                         where it exists); the options win over it\n"
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
		EFS_DEFAULT_MOUNTPOINT, ENERGYD_CONF, LISTEN_DEFAULT_ADDR, METRICS_PROCESSES_MAX);
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
	OPT_CONFIG,
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
		{ "config", required_argument, NULL, OPT_CONFIG },
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
	char why[160];
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
					  SAMPLE_NS_MAX, &cfg->opt_params[P_SAMPLE_NS]))
				return -EINVAL;
			cfg->opt_set[P_SAMPLE_NS] = true;
			break;
		case OPT_WINDOW_NS:
			if (parse_opt_u64("window-ns", optarg, SAMPLE_NS_MIN,
					  WINDOW_NS_MAX, &cfg->opt_params[P_WINDOW_NS]))
				return -EINVAL;
			cfg->opt_set[P_WINDOW_NS] = true;
			break;
		case OPT_WEIGHTS:
			cfg->weights = optarg;
			cfg->opt_weights = true;
			break;
		case OPT_CONFIG:
			cfg->config_file = optarg;
			cfg->config_required = true;
			break;
		case OPT_ENERGY_SOURCE:
			if (rapl_parse_source(optarg, &cfg->rapl.want)) {
				fprintf(stderr, "energyd: --energy-source: '%s' is not one of auto, perf, powercap, msr, none\n",
					optarg);
				return -EINVAL;
			}
			cfg->opt_source = true;
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
			cfg->opt_listen = true;
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
			cfg->opt_mountpoint = true;
			break;
		case OPT_NO_MOUNT:
			cfg->mountpoint = NULL;
			cfg->opt_mountpoint = true;
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
	return 0;
}

int config_builtin(__u64 out[P_MAX], char *why, size_t why_len)
{
	bool set[P_MAX] = {};

	memset(out, 0, sizeof(__u64) * P_MAX);
	out[P_SAMPLE_NS] = SAMPLE_NS_DEFAULT;
	out[P_WINDOW_NS] = WINDOW_NS_DEFAULT;
	return params_parse_conf(default_weights, out, set, why, why_len);
}

int config_parse(struct config *cfg, int argc, char **argv)
{
	char why[160];

	*cfg = (struct config){
		.mountpoint = EFS_DEFAULT_MOUNTPOINT,
		.config_file = ENERGYD_CONF,
		.rapl = { .want = RAPL_SRC_AUTO },
	};
	if (config_builtin(cfg->params, why, sizeof(why))) {
		fprintf(stderr, "energyd: built-in model/weights.conf: %s\n", why);
		return -EINVAL;
	}
	return parse_args(argc, argv, cfg) ?: config_load(cfg);
}

void config_fini(struct config *cfg)
{
	free(cfg->file);
	free(cfg->mountpoint_owned);
	cfg->file = NULL;
	cfg->mountpoint_owned = NULL;
}
