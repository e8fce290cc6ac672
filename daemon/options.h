/* SPDX-License-Identifier: GPL-2.0-only */
/* The command line and the model file it names. */
#ifndef ENERGY_OPTIONS_H
#define ENERGY_OPTIONS_H

#include <stdbool.h>
#include <linux/types.h>

#include "collector.h"
#include "listen.h"
#include "params.h"
#include "rapl.h"

struct config {
	__u64 params[P_MAX];		/* built-in model, --weights, options */
	bool set[P_MAX];		/* given by the model files */
	const char *mountpoint;		/* NULL: no filesystem */
	const char *weights;		/* --weights FILE */
	const char *record;		/* --record FILE */
	struct listen_addr listen;	/* --listen; len 0: no listener */
	struct rapl_opts rapl;
	struct coll_opts coll;
	unsigned int metrics_processes;	/* --metrics-processes N */
	bool foreground;
	bool verbose;
	bool dump;
};

/*
 * Fill @cfg: defaults, the built-in model (model/weights.conf), then
 * --weights FILE, then the other options, which win over the file. Prints
 * the cause on stderr and returns -EINVAL for bad input; prints the usage
 * and exits 0 for --help.
 */
int config_parse(struct config *cfg, int argc, char **argv);

#endif /* ENERGY_OPTIONS_H */
