/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /etc/energyd/energyd.conf at start and on SIGHUP: the file's settings
 * under the command line's, the parameters from the built-in model, the
 * weights file, the file, then the options, in that order.
 */
#ifndef ENERGY_CONFIG_H
#define ENERGY_CONFIG_H

#include <stddef.h>
#include <linux/types.h>

#include "conffile.h"
#include "params.h"

#ifndef ENERGYD_CONF
#define ENERGYD_CONF	"/etc/energyd/energyd.conf"
#endif

struct config;
struct view;

/*
 * The whole of the text file @path (regular, at most 1 MiB, no NUL byte;
 * @what names its kind for a message: "weights"), to be freed; NULL with
 * the reason in @why.
 */
char *config_read_text(const char *path, const char *what, char *why,
		       size_t why_len);

/*
 * Read cfg->config_file (absent is no error unless cfg->config_required)
 * and set what the options did not: the settings, then every parameter.
 * Prints "energyd: FILE:LINE: reason" and returns -EINVAL for a bad file.
 */
int config_load(struct config *cfg);

/*
 * SIGHUP: read the file again and, when all of it is valid, apply its
 * parameters (the options still win) to @v; settings that only a start
 * applies are logged when they changed. A bad file is refused whole with
 * FILE:LINE: reason in the log, the running configuration kept. Tells
 * systemd RELOADING=1 and READY=1 around it. Returns 0 or -EINVAL.
 */
int config_reload(struct config *cfg, struct view *v);

#endif /* ENERGY_CONFIG_H */
