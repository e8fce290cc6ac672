/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who may do what to a node of the filesystem: the rule of each node and
 * the answers to open and access(2). Pure: no libfuse.
 */
#ifndef ENERGY_ACCESS_H
#define ENERGY_ACCESS_H

#include <stdbool.h>
#include <sys/types.h>

enum access_rule {
	ACC_ANYONE,		/* read by anyone */
	ACC_PRIVILEGED,		/* CAP_SYS_ADMIN in the initial user ns */
	ACC_PARAM,		/* read by anyone, written by the privileged */
};

/* Whether a caller (@privileged or not) may open a file of @rule with
 * open(2) @flags, where O_TRUNC is a write: 0 or -EACCES. */
int access_open(enum access_rule rule, bool privileged, int flags);

/* The answer to access(2) of @mask (F_OK, or R_OK | W_OK | X_OK) on a node
 * of @rule and @mode for a caller (@privileged or not): 0 or -EACCES. A
 * directory is searched by anyone and written by no one; no file runs. */
int access_check(enum access_rule rule, mode_t mode, bool privileged,
		 int mask);

#endif /* ENERGY_ACCESS_H */
