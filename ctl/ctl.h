/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * energyctl's subcommands, one file each. Each takes its own argv (argv[0]
 * is the subcommand's name) and returns the exit status: 0, 1 when it
 * failed or refused, 2 for a usage error.
 */
#ifndef ENERGY_CTL_H
#define ENERGY_CTL_H

/* energyctl train: fit the energy model to recorded windows (train.c). */
int ctl_train(int argc, char **argv);

#endif /* ENERGY_CTL_H */
