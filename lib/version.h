/* SPDX-License-Identifier: GPL-2.0-only */
/* energyd's version, as sys and the metrics show it. */
#ifndef ENERGY_VERSION_H
#define ENERGY_VERSION_H

#define ENERGYD_VERSION	"0.1"

#endif /* ENERGY_VERSION_H */
