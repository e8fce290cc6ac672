/* SPDX-License-Identifier: GPL-2.0-only */
/* The command line and the model file it names. */
#ifndef ENERGY_OPTIONS_H
#define ENERGY_OPTIONS_H

#include <stdbool.h>
#include <linux/types.h>

#include "collector.h"
#include "conffile.h"
#include "listen.h"
#include "params.h"
#include "rapl.h"

struct config {
	__u64 params[P_MAX];		/* built-in model, weights, file, options */
	const char *config_file;	/* --config, else the default */
	bool config_required;		/* --config given: it must be there */
	struct conffile *file;		/* as last read; NULL: none */
	char *mountpoint_owned;		/* the file's mountpoint */
	/* What the options set: they win over the file. */
	__u64 opt_params[P_MAX];
	bool opt_set[P_MAX];
	bool opt_mountpoint, opt_source, opt_listen, opt_weights;
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
 * the weights file (--weights or the configuration's), the configuration
 * file (--config FILE, else ENERGYD_CONF where it exists), then the
 * options, which win over both. Prints
 * the cause on stderr and returns -EINVAL for bad input; prints the usage
 * and exits 0 for --help.
 */
int config_parse(struct config *cfg, int argc, char **argv);

/* The parameters of the built-in model with the defaults, into @out.
 * Returns 0, or -EINVAL with the reason in @why. */
int config_builtin(__u64 out[P_MAX], char *why, size_t why_len);

/* Free what config_parse allocated. */
void config_fini(struct config *cfg);

#endif /* ENERGY_OPTIONS_H */
