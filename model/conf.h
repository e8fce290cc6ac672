/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A trained model as text: the weights file (the format of
 * model/weights.conf, which params_parse_conf reads) and the
 * cross-validation report. Pure: writes into buffers.
 */
#ifndef ENERGY_CONF_H
#define ENERGY_CONF_H

#include <stddef.h>

#include "fit.h"
#include "rbuf.h"

/* The name of metric @k's weight without "w_": "cpu_ns", "mem_bytes". */
const char *conf_metric_name(int k);

/*
 * The weights file for @res: a header comment saying what it was trained
 * on (@sources: @nsources lines, one per file, and @target, the energy
 * fitted), its cross-validation figures and the metrics chosen, then each
 * weight as an integer in pJ per unit and idle_mw, rounded.
 */
void conf_format(struct rbuf *b, const struct fit_result *res,
		 const char *const *sources, size_t nsources,
		 const char *target);

/* The cross-validation report: per fold and mean, the model's figures
 * next to constant power's, what was chosen, and a remark where no metric
 * beats constant power or a weight rounds to 0. */
void conf_report(struct rbuf *b, const struct fit_result *res);

#endif /* ENERGY_CONF_H */
