/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * energyctl's subcommands, one file each. Each takes its own argv (argv[0]
 * is the subcommand's name) and returns the exit status: 0, 1 when it
 * failed or refused, 2 for a usage error.
 */
#ifndef ENERGY_CTL_H
#define ENERGY_CTL_H

#include <stdbool.h>

struct snap;

/* energyctl train: fit the energy model to recorded windows (train.c). */
int ctl_train(int argc, char **argv);

/* energyctl get, set, apply: energyd's parameters (param.c). */
int ctl_get(int argc, char **argv);
int ctl_set(int argc, char **argv);
int ctl_apply(int argc, char **argv);

/* energyctl status: the daemon's state, or the reader's cgroup (status.c). */
int ctl_status(int argc, char **argv);

/* Read and parse all.json (@host) or cgroup.json of @mnt into @s: 0, the
 * -errno of the read (no message), or 1 with the message out. */
int ctl_snap_read(const char *me, const char *mnt, bool host, struct snap *s);

/* Whether a read's -errno @err says the file is not the reader's. */
bool ctl_denied(int err);

/* energyctl top: processes or cgroups by power, live (top.c). */
int ctl_top(int argc, char **argv);

/* energyctl record: windows for energyctl train from the mount (record.c). */
int ctl_record(int argc, char **argv);

#endif /* ENERGY_CTL_H */
